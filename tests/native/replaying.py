"""What the oracle tests share: the strace of one oracle replay, and the same records run on
the model. Both oracle test files compare the two, on the system's glibc and on every build."""

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
)
from brkdoc.sim import M_TOP_PAD, Heap

__all__ = ["SYSCALL_CASES", "Record", "run_records_on", "strace_of_replay"]

Record = tuple[int, int, int]
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
