"""glibc malloc's fixed numbers on x86-64, defined once, under the names glibc's sources use.

The model (`brkdoc.sim.params` re-exports all of these) and the live demos (`brkdoc.native`)
read them from here. They live outside `brkdoc.sim` because importing any module of that
package runs `brkdoc.sim/__init__`, which loads the whole simulator: a demo's child
interpreter would pay for that (about 0.1 s) and allocate more before it measures.

Sources, glibc-2.36 unless said otherwise:
- `malloc/malloc-internal.h`: SIZE_SZ is sizeof (INTERNAL_SIZE_T), a size_t.
- `sysdeps/generic/malloc-alignment.h`: MALLOC_ALIGNMENT, the larger of 2 * SIZE_SZ and the
  alignment of long double.
- `malloc/malloc.c`: CHUNK_HDR_SZ, MINSIZE (MIN_CHUNK_SIZE, the offset of `fd_nextsize` in
  struct malloc_chunk, rounded up to the alignment), `request2size`, DEFAULT_MMAP_THRESHOLD_MIN,
  DEFAULT_MMAP_THRESHOLD_MAX, DEFAULT_MMAP_THRESHOLD, DEFAULT_TRIM_THRESHOLD, DEFAULT_MMAP_MAX.
- `sysdeps/generic/malloc-machine.h`: DEFAULT_TOP_PAD (it wins over malloc.c's fallback of 0).
- `malloc/arena.c`: HEAP_MAX_SIZE, the reservation of each non-main arena's heap.
- `malloc/malloc.h`: the mallopt parameter numbers.

Values that changed between releases live in the profiles (`brkdoc.sim.profiles`).

>>> from brkdoc.glibc_constants import MINSIZE, request2size
>>> MINSIZE, request2size(0), request2size(24), request2size(25), request2size(1032)
(32, 32, 32, 48, 1040)
"""

from __future__ import annotations

__all__ = [
    "CHUNK_HDR_SZ",
    "DEFAULT_MMAP_MAX",
    "DEFAULT_MMAP_THRESHOLD",
    "DEFAULT_MMAP_THRESHOLD_MAX",
    "DEFAULT_MMAP_THRESHOLD_MIN",
    "DEFAULT_TOP_PAD",
    "DEFAULT_TRIM_THRESHOLD",
    "HEAP_MAX_SIZE",
    "MALLOC_ALIGNMENT",
    "MALLOC_ALIGN_MASK",
    "MINSIZE",
    "M_ARENA_MAX",
    "M_ARENA_TEST",
    "M_CHECK_ACTION",
    "M_MMAP_MAX",
    "M_MMAP_THRESHOLD",
    "M_MXFAST",
    "M_PERTURB",
    "M_TOP_PAD",
    "M_TRIM_THRESHOLD",
    "SIZE_SZ",
    "request2size",
]

SIZE_SZ = 8
MALLOC_ALIGNMENT = 16
MALLOC_ALIGN_MASK = MALLOC_ALIGNMENT - 1
CHUNK_HDR_SZ = 2 * SIZE_SZ
MINSIZE = (4 * SIZE_SZ + MALLOC_ALIGN_MASK) & ~MALLOC_ALIGN_MASK  # 32

DEFAULT_MMAP_THRESHOLD_MIN = 128 * 1024
DEFAULT_MMAP_THRESHOLD_MAX = 4 * 1024 * 1024 * SIZE_SZ  # 32 MiB: the dynamic threshold's cap
DEFAULT_MMAP_THRESHOLD = DEFAULT_MMAP_THRESHOLD_MIN
DEFAULT_TRIM_THRESHOLD = 128 * 1024
DEFAULT_TOP_PAD = 128 * 1024
DEFAULT_MMAP_MAX = 65536
HEAP_MAX_SIZE = 2 * DEFAULT_MMAP_THRESHOLD_MAX  # 64 MiB

M_MXFAST = 1
M_TRIM_THRESHOLD = -1
M_TOP_PAD = -2
M_MMAP_THRESHOLD = -3
M_MMAP_MAX = -4
M_CHECK_ACTION = -5
M_PERTURB = -6
M_ARENA_TEST = -7
M_ARENA_MAX = -8


def request2size(request: int) -> int:
    """The chunk size glibc uses for a request of `request` bytes: the size field's 8 bytes
    added, rounded up to the alignment, and at least MINSIZE."""
    padded = request + SIZE_SZ + MALLOC_ALIGN_MASK
    return MINSIZE if padded < MINSIZE else padded & ~MALLOC_ALIGN_MASK
