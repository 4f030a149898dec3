"""The trace text format: CS:APP malloc-lab traces plus `c ID SIZE`, and their parser.

A trace is a header of four numbers (suggested heap size, number of ids, number of ops, weight)
or two (ids, ops), one a line, then one operation a line: `a ID SIZE` (malloc), `c ID SIZE`
(`calloc(1, SIZE)`, an addition to the CS:APP format), `r ID SIZE` (realloc) and `f ID` (free).
CRLF line endings and blank lines are accepted. Numbers are decimal ASCII digits below 2**64.

The parser takes lines (any iterable of str) so this module does no file I/O; errors are
`brkdoc.errors.InputError` naming the file and line.

```pycon
>>> from brkdoc.trace import parse_trace
>>> ops = list(parse_trace(["2", "3", "a 0 100", "a 1 40", "f 0"], "demo.rep"))
>>> ops[0]
TraceOp(line=3, op='a', id=0, size=100)
>>> ops[2], ops[2].text()
(TraceOp(line=5, op='f', id=0, size=0), 'f 0')

```
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator
from typing import NamedTuple, Protocol

from brkdoc.errors import BrkdocError, InputError
from brkdoc.trace.ids import IdTable

__all__ = [
    "MAX_LINE",
    "NUMBER_LIMIT",
    "ODD_CHARACTER",
    "AllocatedIds",
    "TraceOp",
    "check_line",
    "check_op_count",
    "header_step",
    "parse_trace",
    "stopped_at",
    "trace_lines",
]

_OPS = {"a": 3, "c": 3, "r": 3, "f": 2}


class TraceOp(NamedTuple):
    """One operation of a trace. `line` is 1-based; `size` is 0 for a free (`f ID` has none)."""

    line: int
    op: str
    id: int
    size: int

    def text(self) -> str:
        """The operation as a trace line writes it: 'a 0 100', 'f 0'."""
        if self.op == "f":
            return f"f {self.id}"
        return f"{self.op} {self.id} {self.size}"


def stopped_at(path: str, op: TraceOp, message: str) -> BrkdocError:
    """The one-line error for a run of a trace that stopped at `op`: the file, the op's line,
    why (glibc's message, say), and the op as `(op 'f 0')`."""
    return BrkdocError(f"{path}:{op.line}: {message} (op '{op.op} {op.id}')")


# A line is read in pieces of at most this many characters, so that a file with no newline
# (/dev/zero, a binary) costs a bounded amount of memory: the parser rejects the first piece.
MAX_LINE = 1 << 20


class _LineSource(Protocol):
    def readline(self, size: int = -1, /) -> str: ...


def trace_lines(source: _LineSource) -> Iterator[str]:
    """The lines of an open trace as `brkdoc simulate` splits them: only LF ends a line (open
    the file with `newline="\\n"`), and no piece is longer than `MAX_LINE` characters."""
    return iter(functools.partial(source.readline, MAX_LINE), "")


# Numbers are size_t values written in ASCII digits: no sign, no underscores, no other scripts'
# digits (int() accepts all of those, so the format is checked before int() sees a token).
NUMBER_LIMIT = 1 << 64
_DIGITS = 20  # len(str(NUMBER_LIMIT - 1))
_HEADER_LINE = re.compile(r"[ \t]*([0-9]{1,20})[ \t]*\r?\n?")
# Anything but printable ASCII and tabs, and a CR or LF other than the line's end.
ODD_CHARACTER = re.compile(r"[^\x20-\x7e\t\r\n]|\r(?!\n?\Z)|\n(?!\Z)")
_BLANK_LINE = re.compile(r"[ \t]*\r?\n?")
_ECHO_LIMIT = 24


def _echo(token: str) -> str:
    """`token` quoted for a message, cut short if long so one bad line gives one short line."""
    if len(token) <= _ECHO_LIMIT:
        return repr(token)
    return f"{token[:_ECHO_LIMIT]!r}... ({len(token):,} characters)"


def _number(token: str, path: str, line: int, what: str) -> int:
    if token.startswith("-") and token[1:].isascii() and token[1:].isdigit():
        raise InputError(path, line, f"{what} must not be negative, got {_echo(token)}")
    if not (token.isascii() and token.isdigit()):
        raise InputError(
            path, line, f"{what} must be a whole number in ASCII digits 0-9, not {_echo(token)}"
        )
    if len(token) > _DIGITS or int(token) >= NUMBER_LIMIT:
        raise InputError(path, line, f"{what} {_echo(token)} is too large: the largest is 2**64-1")
    return int(token)


def _check_characters(raw: str, path: str, line: int) -> None:
    """Refuse what `str.split` and `int` would quietly accept: non-ASCII text (no-break
    spaces, NEL, other scripts' digits) and control characters other than tab and CR LF."""
    body = raw.removesuffix("\n").removesuffix("\r")
    for column, char in enumerate(body, start=1):
        code = ord(char)
        if code > 0x7F:
            # Traces are read as latin-1, so a code below 256 is the file's byte.
            shown = f"byte 0x{code:02X}" if code < 0x100 else f"character U+{code:04X}"
            raise InputError(
                path, line, f"{shown} in column {column} is not ASCII: a trace is ASCII text"
            )
        if (code < 0x20 and char != "\t") or code == 0x7F:
            raise InputError(
                path,
                line,
                f"control character 0x{code:02X} in column {column}: "
                "fields are separated by spaces or tabs",
            )


class AllocatedIds(Protocol):
    """What `check_line` asks of a table of ids: `get(id)` is non-zero once it was allocated."""

    def get(self, key: int, /) -> int: ...


def parse_trace(lines: Iterable[str], path: str) -> Iterator[TraceOp]:  # noqa: PLR0912, PLR0915
    """Yield the operations of a trace, checking the header and each line as it goes.

    The well-formed case is handled inline (it runs once per operation of million-line
    traces); `check_line` explains anything else.

    Raises InputError for: a header that is not 2 or 4 numbers, an unknown operation, a wrong
    field count, a number that is not ASCII digits or not below 2**64, a non-ASCII byte or a
    control character, a realloc or free of an id never allocated, and an operation count that
    differs from the header's.
    """
    header: list[int] = []
    header_line = 0
    in_header = True
    count = 0
    allocated = IdTable(missing=0)  # 1 once an id has been allocated
    seen = allocated.get
    mark = allocated.put
    number = 0
    new = tuple.__new__
    odd = ODD_CHARACTER.search
    limit = NUMBER_LIMIT
    for number, raw in enumerate(lines, start=1):
        if in_header:
            before = len(header)
            if header_step(raw, header, path, number):
                if len(header) > before:
                    header_line = number
                continue
            in_header = False
        # Fast path for well-formed lines; anything odd is diagnosed by check_line. The line
        # is printable ASCII (tabs and the line end aside), so isdigit() means 0-9 only. The
        # common LF-ended line is checked by two C calls; the regex handles CR LF and tabs.
        fields = raw.split()
        if raw.isascii() and ((raw[-1:] == "\n" and raw[:-1].isprintable()) or odd(raw) is None):
            try:
                if len(fields) == 3:
                    op, first, second = fields
                    if first.isdigit() and second.isdigit():
                        block = int(first)
                        size = int(second)
                        if block < limit and size < limit:
                            if op in {"a", "c"}:
                                mark(block, 1)
                                count += 1
                                yield new(TraceOp, (number, op, block, size))
                                continue
                            if op == "r" and seen(block):
                                count += 1
                                yield new(TraceOp, (number, "r", block, size))
                                continue
                elif len(fields) == 2:
                    op, first = fields
                    if op == "f" and first.isdigit():
                        block = int(first)
                        if seen(block):
                            count += 1
                            yield new(TraceOp, (number, "f", block, 0))
                            continue
                elif not fields:
                    continue
            except ValueError:  # int() refuses more than 4300 digits
                pass
        check_line(raw, allocated, path, number)
    check_op_count(header, header_line, number, count, path)


def check_op_count(
    header: list[int], header_line: int, last_line: int, count: int, path: str
) -> None:
    """At the end of a trace: InputError unless a header of 2 or 4 numbers was read and its
    number of operations (the second number, or the third of four) is `count`."""
    if len(header) not in (2, 4):
        raise InputError(path, max(last_line, 1), "no header: expected 2 or 4 numbers")
    expected = header[2] if len(header) == 4 else header[1]
    if count != expected:
        raise InputError(
            path, header_line, f"header says {expected} operations, the trace has {count}"
        )


def header_step(raw: str, header: list[int], path: str, number: int) -> bool:
    """Take a blank line or a header number (appended to `header`): True if the line was one.
    False when the ops begin; InputError if the header is not 2 or 4 numbers before them."""
    if _BLANK_LINE.fullmatch(raw):
        return True
    found = _HEADER_LINE.fullmatch(raw)
    if found and len(header) < 4:
        header.append(int(found.group(1)))
        return True
    fields = raw.split()
    if len(header) < 4 and len(fields) == 1 and not fields[0].isalpha():
        _check_characters(raw, path, number)
        _number(fields[0], path, number, "a header number")
    if len(header) not in (2, 4):
        raise InputError(
            path, number, "expected a header of 2 or 4 numbers, one a line, before the ops"
        )
    return False


def check_line(raw: str, allocated: AllocatedIds, path: str, number: int) -> None:
    """Raise the InputError that explains why a line is not a valid operation."""
    _check_characters(raw, path, number)
    fields = raw.split()
    op = fields[0]
    want = _OPS.get(op)
    if want is None:
        raise InputError(path, number, f"unknown operation {_echo(op)} (expected a, c, r or f)")
    if len(fields) != want:
        shape = "f ID" if op == "f" else f"{op} ID SIZE"
        raise InputError(path, number, f"expected '{shape}', got {_echo(raw.strip())}")
    block = _number(fields[1], path, number, "id")
    if op != "f":
        _number(fields[2], path, number, "size")
    if not allocated.get(block):
        verb = "realloc" if op == "r" else "free"
        raise InputError(path, number, f"{verb} of id {block}, which was never allocated")
    raise InputError(path, number, f"cannot read {_echo(raw.strip())}")  # pragma: no cover
