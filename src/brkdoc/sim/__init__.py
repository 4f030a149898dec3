"""brkdoc.sim: a pure-Python model of glibc malloc (main arena, one thread, x86-64).

It predicts, for any sequence of malloc/free/realloc/calloc/mallopt/malloc_trim calls, every
pointer glibc returns, which requests it serves with mmap, and the program break after each call.
Checked operation by operation against the live glibc by `brkdoc compare`. This package is pure:
no ctypes, os, subprocess or file I/O.

The stable API (what `__all__` lists) is:

- `Heap`: the allocator; methods `malloc`, `free`, `realloc`, `calloc`, `mallopt`,
  `malloc_trim`; attributes `brk`, `mmapped`, `syscalls`, `syscall_counts`, `tunables`;
- `snapshot(heap)` -> `HeapView` of `ChunkView`s (address order) and `MmapView`s;
  `format_view` renders one as text;
- `Syscall` and `format_strace` for the simulated system calls;
- `simulate`, `summarize`, `summarize_lines` and `TraceSummary`: traces run through the model
  (the trace format itself, `parse_trace`, `TraceOp` and `Observation`, is `brkdoc.trace`);
- `Profile`, `PROFILES` (keyed "2.31", "2.36", "2.41", "2.43", "2.44"), `GLIBC_2_31` ..
  `GLIBC_2_44`, `get_profile` (alias `profile_for_version`), `UnknownVersion`;
- `MallocAbort` (glibc would abort, with glibc's message), `MallocCrash` (glibc would crash
  reading unmapped memory), `UnsupportedState`, `MallocError`;
- the mallopt parameter numbers `M_MMAP_THRESHOLD` and friends.

```pycon
>>> from brkdoc.sim import M_MMAP_THRESHOLD, Heap, format_strace
>>> heap = Heap()
>>> heap.mallopt(M_MMAP_THRESHOLD, 1 << 20)
1
>>> p = heap.malloc(500_000)
>>> heap.is_mmapped(p), heap.brk
(False, 634880)
>>> print(format_strace(heap.syscalls), end="")
brk(NULL) = 0x555555559000
brk(0x55555557a000) = 0x55555557a000
brk(0x5555555f4000) = 0x5555555f4000

```
"""

from __future__ import annotations

from brkdoc.sim.errors import MallocAbort, MallocCrash, MallocError, UnsupportedState
from brkdoc.sim.heap import Heap
from brkdoc.sim.params import (
    M_MMAP_MAX,
    M_MMAP_THRESHOLD,
    M_MXFAST,
    M_TOP_PAD,
    M_TRIM_THRESHOLD,
    request2size,
)
from brkdoc.sim.profiles import (
    GLIBC_2_31,
    GLIBC_2_36,
    GLIBC_2_41,
    GLIBC_2_43,
    GLIBC_2_44,
    PROFILE_NAMES,
    PROFILES,
    Profile,
    UnknownVersion,
    get_profile,
    profile_for_version,
)
from brkdoc.sim.syscalls import Syscall, format_strace
from brkdoc.sim.trace import TraceSummary, simulate, summarize, summarize_lines
from brkdoc.sim.view import ChunkView, HeapView, MmapView, format_view, snapshot

__all__ = [
    "GLIBC_2_31",
    "GLIBC_2_36",
    "GLIBC_2_41",
    "GLIBC_2_43",
    "GLIBC_2_44",
    "M_MMAP_MAX",
    "M_MMAP_THRESHOLD",
    "M_MXFAST",
    "M_TOP_PAD",
    "M_TRIM_THRESHOLD",
    "PROFILES",
    "PROFILE_NAMES",
    "ChunkView",
    "Heap",
    "HeapView",
    "MallocAbort",
    "MallocCrash",
    "MallocError",
    "MmapView",
    "Profile",
    "Syscall",
    "TraceSummary",
    "UnknownVersion",
    "UnsupportedState",
    "format_strace",
    "format_view",
    "get_profile",
    "profile_for_version",
    "request2size",
    "simulate",
    "snapshot",
    "summarize",
    "summarize_lines",
]
