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

import json
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import NamedTuple

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


def _number(token: str, path: str, line: int, what: str) -> int:
    try:
        value = int(token)
    except ValueError:
        raise InputError(path, line, f"{what} must be a whole number, not {token!r}") from None
    if value < 0:
        raise InputError(path, line, f"{what} must not be negative, got {value}")
    return value


class _Header:
    """The header of a trace as it is read: 2 or 4 numbers, one a line, before the operations.

    Shared by `parse_trace` and `summarize_lines`, which keep their per-operation loops apart
    for speed but must accept and reject exactly the same traces.
    """

    __slots__ = ("line", "numbers", "path")

    def __init__(self, path: str) -> None:
        self.path = path
        self.numbers: list[int] = []
        self.line = 0

    def take(self, fields: list[str], number: int) -> bool:
        """True if the line is blank or one more header number; the caller then skips it."""
        if not fields:
            return True
        if len(fields) == 1 and len(self.numbers) < 4 and fields[0].isdigit():
            self.numbers.append(int(fields[0]))
            self.line = number
            return True
        return False

    def expected_ops(self, number: int) -> int:
        """The header's operation count; raises InputError if the header is not 2 or 4 numbers."""
        if len(self.numbers) not in (2, 4):
            raise InputError(
                self.path, number, "expected a header of 2 or 4 numbers, one a line, before the ops"
            )
        return self.numbers[2] if len(self.numbers) == 4 else self.numbers[1]

    def check_count(self, expected_ops: int | None, count: int, last_line: int) -> None:
        """At the end of the trace: the header was complete and its count matches the trace's."""
        if expected_ops is None:
            if len(self.numbers) not in (2, 4):
                raise InputError(self.path, max(last_line, 1), "no header: expected 2 or 4 numbers")
            expected_ops = self.expected_ops(last_line)
        if count != expected_ops:
            raise InputError(
                self.path,
                self.line,
                f"header says {expected_ops} operations, the trace has {count}",
            )


def parse_trace(lines: Iterable[str], path: str) -> Iterator[TraceOp]:
    """Yield the operations of a trace, checking the header and each line as it goes.

    The well-formed case is handled inline (it runs once per operation of million-line
    traces); `_check_line` explains anything else.

    Raises InputError for: a header that is not 2 or 4 numbers, an unknown operation, a wrong
    field count, a non-numeric or negative number, a realloc or free of an id never allocated,
    and an operation count that differs from the header's.
    """
    header = _Header(path)
    expected_ops: int | None = None
    count = 0
    allocated = IdTable(missing=0)  # 1 once an id has been allocated
    seen = allocated.get
    mark = allocated.put
    number = 0
    new = tuple.__new__
    for number, raw in enumerate(lines, start=1):
        fields = raw.split()
        if expected_ops is None or not fields:
            if header.take(fields, number):
                continue
            expected_ops = header.expected_ops(number)
        # Fast path for well-formed lines; anything odd is diagnosed by _check_line.
        op = fields[0]
        try:
            if op in {"a", "c"} and len(fields) == 3:
                block = int(fields[1])
                size: int | None = int(fields[2])
                if block >= 0 and size >= 0:  # type: ignore[operator]
                    mark(block, 1)
                    count += 1
                    yield new(TraceOp, (number, op, block, size))
                    continue
            elif op == "f" and len(fields) == 2:
                block = int(fields[1])
                if seen(block):
                    count += 1
                    yield new(TraceOp, (number, "f", block, None))
                    continue
            elif op == "r" and len(fields) == 3:
                block = int(fields[1])
                size = int(fields[2])
                if seen(block) and size >= 0:
                    count += 1
                    yield new(TraceOp, (number, "r", block, size))
                    continue
        except ValueError:
            pass
        _check_line(fields, raw, allocated, path, number)
    header.check_count(expected_ops, count, number)


def _check_line(
    fields: list[str], raw: str, allocated: IdTable | _AllocatedView, path: str, number: int
) -> None:
    """Raise the InputError that explains why a line is not a valid operation."""
    op = fields[0]
    want = _OPS.get(op)
    if want is None:
        raise InputError(path, number, f"unknown operation {op!r} (expected a, c, r or f)")
    if len(fields) != want:
        shape = "f ID" if op == "f" else f"{op} ID SIZE"
        raise InputError(path, number, f"expected '{shape}', got {raw.strip()!r}")
    block = _number(fields[1], path, number, "id")
    if op != "f":
        _number(fields[2], path, number, "size")
    if not allocated.get(block):
        verb = "realloc" if op == "r" else "free"
        raise InputError(path, number, f"{verb} of id {block}, which was never allocated")
    raise InputError(path, number, f"cannot read {raw.strip()!r}")  # pragma: no cover


class IdTable:
    """A value per trace id in 8 bytes: dense ids below 2**24 in an array, the rest in a dict.

    Traces name blocks by small consecutive ids, and a trace runner must remember one pointer
    per id (a later free of a freed id is a double free that glibc may detect), so this keeps
    that memory small. Missing ids read as `missing`.

    >>> table = IdTable()
    >>> table.put(3, 0x55555555A2A0)
    >>> hex(table.get(3)), table.get(4), table.get(1 << 40)
    ('0x55555555a2a0', -1, -1)
    """

    __slots__ = ("_dense", "_missing", "_sparse")
    DENSE_LIMIT = 1 << 24

    def __init__(self, missing: int = -1) -> None:
        self._dense = array("q")
        self._sparse: dict[int, int] = {}
        self._missing = missing

    def put(self, key: int, value: int) -> None:
        dense = self._dense
        if key < len(dense):
            dense[key] = value
        elif key < self.DENSE_LIMIT:
            grow = max(key + 1, 2 * len(dense), 1024) - len(dense)
            dense.frombytes(self._missing.to_bytes(8, "little", signed=True) * grow)
            dense[key] = value
        else:
            self._sparse[key] = value

    def get(self, key: int) -> int:
        dense = self._dense
        if key < len(dense):
            return dense[key]
        return self._sparse.get(key, self._missing)


def simulate(
    ops: Iterable[TraceOp], profile: Profile = GLIBC_2_36, heap: Heap | None = None
) -> Iterator[Observation]:
    """Run operations through a fresh `Heap` (or the one given), yielding an Observation each.

    Streams: memory use grows with the number of ids (8 bytes each), not with the trace's
    length. A MallocAbort raised by the heap propagates after the observations before it.
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
    `parse_trace` does (the header rules are shared, and any line off the fast path goes to
    the same `_check_line`), and raises InputError only for the lines before the bad one's
    operations have run. A MallocError gets `trace_op` and `ops_done` as from `summarize`.
    The pointer table doubles as the parser's "was this id allocated" table: an id that was
    never allocated reads as -1, and no pointer is -1.
    """
    header = _Header(path)
    expected_ops: int | None = None
    table = IdTable()
    get = table.get
    put = table.put
    malloc = heap.malloc
    free = heap.free
    realloc = heap.realloc
    calloc = heap.calloc
    count = 0
    number = 0
    block = size = 0
    op = ""
    try:
        for number, raw in enumerate(lines, start=1):
            fields = raw.split()
            if expected_ops is None or not fields:
                if header.take(fields, number):
                    continue
                expected_ops = header.expected_ops(number)
            op = fields[0]
            try:
                if op == "a" and len(fields) == 3:
                    block = int(fields[1])
                    size = int(fields[2])
                    if block >= 0 and size >= 0:
                        put(block, malloc(size))
                        count += 1
                        continue
                elif op == "f" and len(fields) == 2:
                    block = int(fields[1])
                    pointer = get(block)
                    if pointer != -1:
                        free(pointer)
                        count += 1
                        continue
                elif op == "r" and len(fields) == 3:
                    block = int(fields[1])
                    size = int(fields[2])
                    pointer = get(block)
                    if pointer != -1 and size >= 0:
                        put(block, realloc(pointer, size))
                        count += 1
                        continue
                elif op == "c" and len(fields) == 3:
                    block = int(fields[1])
                    size = int(fields[2])
                    if block >= 0 and size >= 0:
                        put(block, calloc(1, size))
                        count += 1
                        continue
            except ValueError:
                pass
            _check_line(fields, raw, _AllocatedView(table), path, number)
    except MallocError as error:
        error.trace_op = TraceOp(number, op, block, None if op == "f" else size)
        error.ops_done = count
        raise
    header.check_count(expected_ops, count, number)
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
