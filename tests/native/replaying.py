"""What the oracle tests share: the strace of one oracle replay, the same records run on the
model, and the results of records on both sides. Both oracle test files compare the two, on the
system's glibc and on every build."""

from __future__ import annotations

import struct
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

from brkdoc.native.build import clean_malloc_environment
from brkdoc.native.glibcs import run_argv
from brkdoc.native.oracle import (
    OP_CALLOC,
    OP_FREE,
    OP_MALLOC,
    OP_MALLOPT,
    OP_REALLOC,
    OP_TRIM,
    oracle_binary,
    replay_raw,
)
from brkdoc.sim import M_TOP_PAD, Heap, MallocAbort, Profile

__all__ = [
    "SYSCALL_CASES",
    "Record",
    "Result",
    "model_results",
    "real_results",
    "run_records_on",
    "strace_of_replay",
]

Record = tuple[int, int, int]
# What replay.c reports per call: heap offset (None for mmap/NULL), mmapped flag, break, hblkhd.
# For mallopt and malloc_trim the first field is their return value.
Result = tuple[int | None, bool, int, int]
_M, _C, _R, _F = OP_MALLOC, OP_CALLOC, OP_REALLOC, OP_FREE

# Call sequences whose brk/mmap/munmap/mremap/madvise calls are compared one by one.
SYSCALL_CASES: dict[str, list[Record]] = {
    "calloc-mallopt-trim": [
        (_M, 0, 100_000),
        (_M, 1, 100),
        (_F, 0, 0),
        (OP_TRIM, 0, 0),
        (OP_MALLOPT, M_TOP_PAD, 0),
        (_C, 2, 300_000),
        (_F, 2, 0),
        (_M, 3, 200_000),
        (_F, 3, 0),
    ],
    "realloc": [
        (_M, 0, 100),
        (_M, 1, 300_000),
        (_R, 1, 600_000),
        (_R, 1, 5000),
        (_F, 1, 0),
        (_R, 0, 400_000),
        (_F, 0, 0),
    ],
    "threshold-first": [(_M, slot, 135_168) for slot in range(3)]
    + [(_F, slot, 0) for slot in range(3)]
    + [(_M, slot, 135_168) for slot in range(3)],
}


def strace_of_replay(records: Sequence[Record], slots: int, glibc: str | None = None) -> list[str]:
    """The malloc system calls strace saw while the oracle replayed `records` on `glibc`
    (None: the system's own), in strace's own text, one call a line."""
    payload = bytearray(struct.pack("=Q", slots))
    for record in records:
        payload += struct.pack("=Qqq", *record)
    argv = run_argv(glibc, [str(oracle_binary(glibc))])
    with tempfile.TemporaryDirectory() as scratch:
        log = Path(scratch) / "strace.txt"
        trace = ["strace", "-e", "trace=brk,mmap,munmap,mremap,madvise", "-o", str(log)]
        subprocess.run(
            [*trace, *argv],
            input=bytes(payload),
            capture_output=True,
            check=True,
            env=clean_malloc_environment(),
        )
        lines = log.read_text().splitlines()
    # Everything after the oracle's own slot table mapping is malloc's doing.
    table = f"mmap(NULL, {(slots + 1) * 8}, "
    start = next(i for i, line in enumerate(lines) if line.startswith(table))
    return [line for line in lines[start + 1 :] if not line.startswith("+++")]


def run_records_on(heap: Heap, records: Sequence[Record]) -> None:
    """Run the oracle's records on the model, slot for slot."""
    table: dict[int, int] = {}
    for op, slot, arg in records:
        if op == OP_MALLOC:
            table[slot] = heap.malloc(arg)
        elif op == OP_CALLOC:
            table[slot] = heap.calloc(1, arg)
        elif op == OP_REALLOC:
            table[slot] = heap.realloc(table[slot], arg)
        elif op == OP_FREE:
            heap.free(table[slot])
        elif op == OP_MALLOPT:
            heap.mallopt(slot, arg)
        else:
            heap.malloc_trim(arg)


def real_results(
    records: Sequence[Record], glibc: str | None = None
) -> tuple[list[Result], str | None]:
    """What the oracle reports for each record on `glibc` (None: the system's), as a `Result`,
    and glibc's abort message if it stopped."""
    used = [slot for op, slot, _ in records if op not in (OP_MALLOPT, OP_TRIM)]
    outcome = replay_raw(records, 1 + max(used, default=0), glibc=glibc)
    results: list[Result] = []
    for raw, (op, _, _) in zip(outcome.results, records, strict=False):
        if op in (OP_MALLOPT, OP_TRIM):
            results.append((raw.pointer, False, raw.brk, raw.mmapped))
        elif raw.pointer and not raw.mmapped_chunk:
            results.append((raw.pointer - outcome.initial_break, False, raw.brk, raw.mmapped))
        else:
            results.append((None, raw.mmapped_chunk, raw.brk, raw.mmapped))
    return results, outcome.abort_message


def model_results(records: Sequence[Record], profile: Profile) -> tuple[list[Result], str | None]:
    """The same records run on the model of `profile`, reported as `real_results` reports them,
    and the model's abort message if it stopped."""
    heap = Heap(profile)
    table: dict[int, int] = {}
    results: list[Result] = []
    try:
        for op, slot, arg in records:
            if op == OP_MALLOPT:
                results.append((heap.mallopt(slot, arg), False, heap.brk, heap.mmapped))
                continue
            if op == OP_TRIM:
                results.append((heap.malloc_trim(arg), False, heap.brk, heap.mmapped))
                continue
            pointer = 0
            if op == OP_MALLOC:
                pointer = table[slot] = heap.malloc(arg)
            elif op == OP_CALLOC:
                pointer = table[slot] = heap.calloc(1, arg)
            elif op == OP_REALLOC:
                pointer = table[slot] = heap.realloc(table.get(slot, 0), arg)
            else:
                heap.free(table.get(slot, 0))
            if pointer and not heap.is_mmapped(pointer):
                results.append((heap.offset(pointer), False, heap.brk, heap.mmapped))
            else:
                results.append((None, bool(pointer), heap.brk, heap.mmapped))
    except MallocAbort as error:
        return results, error.message
    return results, None
