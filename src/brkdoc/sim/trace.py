"""Running allocation traces through the model: `simulate`, `summarize` and `summarize_lines`.

The trace format itself (`TraceOp`, `parse_trace`, `Observation`, `IdTable`) is `brkdoc.trace`;
this module is what the model does with it.

```pycon
>>> from brkdoc.sim.trace import simulate
>>> from brkdoc.trace import format_observation, parse_trace
>>> ops = list(parse_trace(["2", "3", "a 0 100", "a 1 40", "f 0"], "demo.rep"))
>>> for obs in simulate(ops):
...     print(format_observation(obs))
{"i": 0, "op": "a", "id": 0, "where": "heap", "offset": 672, "brk": 135168, "mmapped": 0}
{"i": 1, "op": "a", "id": 1, "where": "heap", "offset": 784, "brk": 135168, "mmapped": 0}
{"i": 2, "op": "f", "id": 0, "where": null, "offset": null, "brk": 135168, "mmapped": 0}

```
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from brkdoc.sim.errors import MallocError
from brkdoc.sim.heap import Heap
from brkdoc.sim.profiles import GLIBC_2_36, Profile
from brkdoc.trace.ids import IdTable
from brkdoc.trace.observation import Observation
from brkdoc.trace.text import (
    NUMBER_LIMIT,
    ODD_CHARACTER,
    TraceOp,
    check_line,
    check_op_count,
    header_step,
)

__all__ = ["TraceSummary", "simulate", "summarize", "summarize_lines"]


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
            pointer = heap.malloc(size)
        elif op == "f":
            heap.free(get(block))
            yield new(Observation, (i, op, block, None, None, heap.current_break - start,
                                    heap.mmapped))  # fmt: skip
            continue
        elif op == "r":
            pointer = heap.realloc(get(block), size)
        else:
            pointer = heap.calloc(1, size)
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
                put(block, malloc(size))
            elif op == "f":
                free(get(block))
            elif op == "r":
                put(block, realloc(get(block), size))
            else:
                put(block, heap.calloc(1, size))
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
    `parse_trace` does: the header goes through the same `header_step`, the fast path takes
    only lines that pass the same character, digit and range tests, and any other line goes to
    the same `check_line`. InputError is raised only after the operations before the bad line
    have run. A MallocError gets `trace_op` and `ops_done` as from `summarize`. The pointer
    table doubles as the parser's "was this id allocated" table: an id that was never
    allocated reads as -1, and no pointer is -1.
    """
    header: list[int] = []
    header_line = 0
    in_header = True
    table = IdTable()
    get = table.get
    put = table.put
    malloc = heap.malloc
    free = heap.free
    realloc = heap.realloc
    calloc = heap.calloc
    odd = ODD_CHARACTER.search
    limit = NUMBER_LIMIT
    count = 0
    number = 0
    block = size = 0
    op = ""
    try:
        for number, raw in enumerate(lines, start=1):
            if in_header:
                before = len(header)
                if header_step(raw, header, path, number):
                    if len(header) > before:
                        header_line = number
                    continue
                in_header = False
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
            check_line(raw, _AllocatedView(table), path, number)
    except MallocError as error:
        error.trace_op = TraceOp(number, op, block, 0 if op == "f" else size)
        error.ops_done = count
        raise
    check_op_count(header, header_line, number, count, path)
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
