"""Allocation traces in the CS:APP malloc-lab format, and running them through the model.

A trace is a header of four numbers (suggested heap size, number of ids, number of ops, weight)
or two (ids, ops), one a line, then one operation a line: `a ID SIZE` (malloc), `c ID SIZE`
(`calloc(1, SIZE)`, an addition to the CS:APP format), `r ID SIZE` (realloc) and `f ID` (free).
CRLF line endings and blank lines are accepted. A `c` operation's observation has `"op": "c"`
and the same keys as an `a` line.

The parser takes lines (any iterable of str) so this module does no file I/O; errors are
`brkdoc.errors.InputError` naming the file and line.

```pycon
>>> from brkdoc.sim.trace import format_observation, parse_trace, simulate
>>> ops = list(parse_trace(["2", "3", "a 0 100", "a 1 40", "f 0"], "demo.rep"))
>>> ops[0]
TraceOp(line=3, op='a', id=0, size=100)
>>> for obs in simulate(ops):
...     print(format_observation(obs))
{"i": 0, "op": "a", "id": 0, "where": "heap", "offset": 672, "brk": 135168, "mmapped": 0}
{"i": 1, "op": "a", "id": 1, "where": "heap", "offset": 784, "brk": 135168, "mmapped": 0}
{"i": 2, "op": "f", "id": 0, "where": null, "offset": null, "brk": 135168, "mmapped": 0}

```
"""

from __future__ import annotations

import functools
import json
import re
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import NamedTuple, Protocol

from brkdoc.errors import InputError
from brkdoc.sim.errors import MallocError
from brkdoc.sim.heap import Heap
from brkdoc.sim.profiles import GLIBC_2_36, Profile

__all__ = [
    "IdTable",
    "Observation",
    "TraceOp",
    "TraceSummary",
    "format_observation",
    "parse_observation",
    "parse_trace",
    "simulate",
    "summarize",
    "summarize_lines",
    "trace_lines",
]

_OPS = {"a": 3, "c": 3, "r": 3, "f": 2}


class TraceOp(NamedTuple):
    """One operation of a trace; `size` is None for a free. `line` is 1-based."""

    line: int
    op: str
    id: int
    size: int | None


class Observation(NamedTuple):
    """What one operation did, as both the simulator and the live oracle report it.

    `where` is "heap", "mmap" or None (a free, or realloc to 0 bytes); `offset` is the pointer
    minus the initial program break for heap pointers; `brk` is the break after the operation
    minus the initial break; `mmapped` is the bytes in mmapped chunks (mallinfo2's hblkhd).
    """

    i: int
    op: str
    id: int
    where: str | None
    offset: int | None
    brk: int
    mmapped: int


def format_observation(obs: Observation) -> str:
    """One JSON line with exactly the keys i, op, id, where, offset, brk, mmapped.

    The same text as `json.dumps(obs._asdict())`, written out by hand: `--jsonl` prints one
    per operation, and json.dumps costs several times as much. Anything but the usual plain
    values (an int, or a short ASCII word for op and where) goes through json.dumps.
    """
    i, op, block, where, offset, brk, mmapped = obs
    if (
        type(i) is int
        and type(block) is int
        and type(brk) is int
        and type(mmapped) is int
        and (type(offset) is int or offset is None)
        and op in _PLAIN_WORDS
        and (where is None or where in _PLAIN_WORDS)
    ):
        where_text = "null" if where is None else f'"{where}"'
        offset_text = "null" if offset is None else str(offset)
        return (
            f'{{"i": {i}, "op": "{op}", "id": {block}, "where": {where_text}, '
            f'"offset": {offset_text}, "brk": {brk}, "mmapped": {mmapped}}}'
        )
    return json.dumps(obs._asdict())


# Strings that JSON writes as themselves between quotes: the ops and the places a block lives.
_PLAIN_WORDS = frozenset({"a", "r", "f", "c", "heap", "mmap"})


def parse_observation(line: str) -> Observation:
    """Read back a line written by `format_observation`."""
    data = json.loads(line)
    return Observation(
        data["i"], data["op"], data["id"], data["where"], data["offset"], data["brk"],
        data["mmapped"],
    )  # fmt: skip


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
_ODD_CHARACTER = re.compile(r"[^\x20-\x7e\t\r\n]|\r(?!\n?\Z)|\n(?!\Z)")
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


def parse_trace(lines: Iterable[str], path: str) -> Iterator[TraceOp]:  # noqa: PLR0912, PLR0915
    """Yield the operations of a trace, checking the header and each line as it goes.

    The well-formed case is handled inline (it runs once per operation of million-line
    traces); `_check_line` explains anything else.

    Raises InputError for: a header that is not 2 or 4 numbers, an unknown operation, a wrong
    field count, a number that is not ASCII digits or not below 2**64, a non-ASCII byte or a
    control character, a realloc or free of an id never allocated, and an operation count that
    differs from the header's.
    """
    header: list[int] = []
    header_line = 0
    expected_ops: int | None = None
    count = 0
    allocated = IdTable(missing=0)  # 1 once an id has been allocated
    seen = allocated.get
    mark = allocated.put
    number = 0
    new = tuple.__new__
    odd = _ODD_CHARACTER.search
    limit = NUMBER_LIMIT
    for number, raw in enumerate(lines, start=1):
        if expected_ops is None:
            before = len(header)
            if _header_step(raw, header, path, number):
                if len(header) > before:
                    header_line = number
                continue
            expected_ops = header[2] if len(header) == 4 else header[1]
        # Fast path for well-formed lines; anything odd is diagnosed by _check_line. The line
        # is printable ASCII (tabs and the line end aside), so isdigit() means 0-9 only. The
        # common LF-ended line is checked by two C calls; the regex handles CR LF and tabs.
        fields = raw.split()
        if raw.isascii() and ((raw[-1:] == "\n" and raw[:-1].isprintable()) or odd(raw) is None):
            try:
                if len(fields) == 3:
                    op, first, second = fields
                    if first.isdigit() and second.isdigit():
                        block = int(first)
                        size: int | None = int(second)
                        if block < limit and size < limit:  # type: ignore[operator]
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
                            yield new(TraceOp, (number, "f", block, None))
                            continue
                elif not fields:
                    continue
            except ValueError:  # int() refuses more than 4300 digits
                pass
        _check_line(raw, allocated, path, number)
    if expected_ops is None:
        if len(header) in (2, 4):
            expected_ops = header[2] if len(header) == 4 else header[1]
        else:
            raise InputError(path, max(number, 1), "no header: expected 2 or 4 numbers")
    if count != expected_ops:
        raise InputError(
            path, header_line, f"header says {expected_ops} operations, the trace has {count}"
        )


def _header_step(raw: str, header: list[int], path: str, number: int) -> bool:
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


def _check_line(raw: str, allocated: IdTable | _AllocatedView, path: str, number: int) -> None:
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


class IdTable:
    """A value per trace id: ids that come densely in an array (8 bytes each), the rest in a dict.

    Traces name blocks by small consecutive ids, and a trace runner must remember one pointer
    per id (a later free of a freed id is a double free that glibc may detect), so this keeps
    that memory small. The array only grows while it stays at least a quarter full, so memory
    follows the number of distinct ids, never the largest id: one block called 16777215 costs
    one dict entry. Missing ids read as `missing`.

    >>> table = IdTable()
    >>> table.put(3, 0x55555555A2A0)
    >>> hex(table.get(3)), table.get(4), table.get(1 << 40)
    ('0x55555555a2a0', -1, -1)
    """

    __slots__ = ("_dense", "_missing", "_retry_at", "_sparse")
    _SMALL = 1024  # the array may always be this long (8 KiB), however sparse

    def __init__(self, missing: int = -1) -> None:
        self._dense = array("q")
        self._sparse: dict[int, int] = {}
        self._missing = missing
        self._retry_at = 0  # the dict size at which growing the array is worth another look

    def put(self, key: int, value: int) -> None:
        dense = self._dense
        if key < len(dense) or (len(self._sparse) >= self._retry_at and self._grow(key)):
            dense[key] = value
        else:
            self._sparse[key] = value

    def _grow(self, key: int) -> bool:
        """Lengthen the array to hold `key` if it stays a quarter full; say whether it did."""
        dense = self._dense
        sparse = self._sparse
        length = max(key + 1, 2 * len(dense), self._SMALL)
        if length > self._SMALL:
            # An upper bound first (cheap), then the count; every dict entry counts as used,
            # so the array never exceeds four slots per distinct id.
            used = len(dense) + len(sparse) + 1
            if 4 * used >= length:
                used -= dense.count(self._missing)
            if 4 * used < length:
                # Looking again costs a pass over the array: wait until the dict has doubled.
                self._retry_at = 2 * len(sparse) + 1
                return False
        dense.frombytes(self._missing.to_bytes(8, "little", signed=True) * (length - len(dense)))
        # Ids kept in the dict that the array now covers move into it, so `get` looks in one place.
        for k in [k for k in sparse if k < length]:
            dense[k] = sparse.pop(k)
        return True

    def array_slots(self) -> int:
        """How many ids the array part holds room for (8 bytes each)."""
        return len(self._dense)

    def get(self, key: int) -> int:
        dense = self._dense
        if key < len(dense):
            return dense[key]
        return self._sparse.get(key, self._missing)


def simulate(
    ops: Iterable[TraceOp], profile: Profile = GLIBC_2_36, heap: Heap | None = None
) -> Iterator[Observation]:
    """Run operations through a fresh `Heap` (or the one given), yielding an Observation each.

    Streams: memory use grows with the number of distinct ids, not with the trace's length
    nor with the largest id. A MallocAbort raised by the heap propagates after the observations
    before it.
    """
    if heap is None:
        heap = Heap(profile, record_syscalls=False)
    table = IdTable()
    get = table.get
    put = table.put
    start = heap.heap_start
    mapped = heap.mmapped_chunks
    new = tuple.__new__
    for i, (_line, op, block, size) in enumerate(ops):
        if op == "a":
            pointer = heap.malloc(size)  # type: ignore[arg-type]
        elif op == "f":
            heap.free(get(block))
            yield new(Observation, (i, op, block, None, None, heap.current_break - start,
                                    heap.mmapped))  # fmt: skip
            continue
        elif op == "r":
            pointer = heap.realloc(get(block), size)  # type: ignore[arg-type]
        else:
            pointer = heap.calloc(1, size)  # type: ignore[arg-type]
        put(block, pointer)
        if not pointer:
            where, offset = None, None
        elif (pointer - 16) in mapped:
            where, offset = "mmap", None
        else:
            where, offset = "heap", pointer - start
        yield new(Observation, (i, op, block, where, offset, heap.current_break - start,
                                heap.mmapped))  # fmt: skip


@dataclass
class TraceSummary:
    """Totals of a trace run: what `brkdoc simulate` prints without --jsonl."""

    ops: int
    peak_brk: int
    final_brk: int
    peak_mmapped: int
    syscall_counts: dict[str, int]


def summarize(ops: Iterable[TraceOp], heap: Heap) -> TraceSummary:
    """Run operations through `heap` keeping only totals; the fast path for long traces.

    If the heap raises a MallocError (a MallocAbort, say), the error's `trace_op` is the operation
    that failed and `ops_done` how many finished before it.
    """
    table = IdTable()
    get = table.get
    put = table.put
    malloc = heap.malloc
    free = heap.free
    realloc = heap.realloc
    count = 0
    current: TraceOp | None = None
    try:
        for current in ops:
            _line, op, block, size = current
            if op == "a":
                put(block, malloc(size))  # type: ignore[arg-type]
            elif op == "f":
                free(get(block))
            elif op == "r":
                put(block, realloc(get(block), size))  # type: ignore[arg-type]
            else:
                put(block, heap.calloc(1, size))  # type: ignore[arg-type]
            count += 1
    except MallocError as error:
        error.trace_op = current
        error.ops_done = count
        raise
    return TraceSummary(
        count, heap.peak_brk, heap.brk, heap.peak_mmapped, dict(heap.syscall_counts)
    )


def summarize_lines(lines: Iterable[str], path: str, heap: Heap) -> TraceSummary:  # noqa: PLR0912, PLR0915
    """`summarize(parse_trace(lines, path), heap)` in one pass: what `brkdoc simulate` runs.

    Parsing and simulating in one loop saves building a TraceOp per operation and resuming a
    generator for it, a fifth of the time on long traces. It accepts and rejects exactly what
    `parse_trace` does: the header goes through the same `_header_step`, the fast path takes
    only lines that pass the same character, digit and range tests, and any other line goes to
    the same `_check_line`. InputError is raised only after the operations before the bad line
    have run. A MallocError gets `trace_op` and `ops_done` as from `summarize`. The pointer
    table doubles as the parser's "was this id allocated" table: an id that was never
    allocated reads as -1, and no pointer is -1.
    """
    header: list[int] = []
    header_line = 0
    expected_ops: int | None = None
    table = IdTable()
    get = table.get
    put = table.put
    malloc = heap.malloc
    free = heap.free
    realloc = heap.realloc
    calloc = heap.calloc
    odd = _ODD_CHARACTER.search
    limit = NUMBER_LIMIT
    count = 0
    number = 0
    block = size = 0
    op = ""
    try:
        for number, raw in enumerate(lines, start=1):
            if expected_ops is None:
                before = len(header)
                if _header_step(raw, header, path, number):
                    if len(header) > before:
                        header_line = number
                    continue
                expected_ops = header[2] if len(header) == 4 else header[1]
            fields = raw.split()
            if raw.isascii() and (
                (raw[-1:] == "\n" and raw[:-1].isprintable()) or odd(raw) is None
            ):
                try:
                    if len(fields) == 3:
                        op, first, second = fields
                        if first.isdigit() and second.isdigit():
                            block = int(first)
                            size = int(second)
                            if block < limit and size < limit:
                                if op == "a":
                                    put(block, malloc(size))
                                    count += 1
                                    continue
                                if op == "c":
                                    put(block, calloc(1, size))
                                    count += 1
                                    continue
                                if op == "r":
                                    pointer = get(block)
                                    if pointer != -1:
                                        put(block, realloc(pointer, size))
                                        count += 1
                                        continue
                    elif len(fields) == 2:
                        op, first = fields
                        if op == "f" and first.isdigit():
                            block = int(first)
                            pointer = get(block)
                            if pointer != -1:
                                free(pointer)
                                count += 1
                                continue
                    elif not fields:
                        continue
                except ValueError:  # int() refuses more than 4300 digits
                    pass
            _check_line(raw, _AllocatedView(table), path, number)
    except MallocError as error:
        error.trace_op = TraceOp(number, op, block, None if op == "f" else size)
        error.ops_done = count
        raise
    if expected_ops is None:
        if len(header) in (2, 4):
            expected_ops = header[2] if len(header) == 4 else header[1]
        else:
            raise InputError(path, max(number, 1), "no header: expected 2 or 4 numbers")
    if count != expected_ops:
        raise InputError(
            path, header_line, f"header says {expected_ops} operations, the trace has {count}"
        )
    return TraceSummary(
        count, heap.peak_brk, heap.brk, heap.peak_mmapped, dict(heap.syscall_counts)
    )


class _AllocatedView:
    """The pointer table read as `parse_trace`'s allocated table (1 if allocated, else 0)."""

    __slots__ = ("_table",)

    def __init__(self, table: IdTable) -> None:
        self._table = table

    def get(self, key: int) -> int:
        return 0 if self._table.get(key) == -1 else 1
