"""Sizes, bin indices and tunable defaults of glibc malloc on x86-64 (64-bit, 16-byte alignment).

Every value here is computed from the macros in glibc's `malloc/malloc.c` (tags glibc-2.31 to
glibc-2.41 agree on all of them), under the names glibc gives them. The chunk geometry, the
`mp_` defaults and the mallopt parameter numbers, which `brkdoc.native` needs too, are defined
in `brkdoc.glibc_constants` and offered here as well.
Later changes come from the profile instead (`brkdoc.sim.profiles`): 2.42's 12 extra tcache
bins for large chunks (off by default; they only make the tcache struct bigger), and 2.43's
fill count of 16 and removal of the fastbins.

>>> request2size(0), request2size(24), request2size(25), request2size(1032)
(32, 32, 48, 1040)
>>> smallbin_index(32), largebin_index(1024), largebin_index(4096), bin_index(4096)
(2, 64, 99, 99)
"""

from __future__ import annotations

from dataclasses import dataclass

from brkdoc.glibc_constants import (
    CHUNK_HDR_SZ,
    DEFAULT_MMAP_MAX,
    DEFAULT_MMAP_THRESHOLD,
    DEFAULT_MMAP_THRESHOLD_MAX,
    DEFAULT_MMAP_THRESHOLD_MIN,
    DEFAULT_TOP_PAD,
    DEFAULT_TRIM_THRESHOLD,
    HEAP_MAX_SIZE,
    M_ARENA_MAX,
    M_ARENA_TEST,
    M_CHECK_ACTION,
    M_MMAP_MAX,
    M_MMAP_THRESHOLD,
    M_MXFAST,
    M_PERTURB,
    M_TOP_PAD,
    M_TRIM_THRESHOLD,
    MALLOC_ALIGN_MASK,
    MALLOC_ALIGNMENT,
    MINSIZE,
    SIZE_SZ,
    request2size,
)

__all__ = [
    "CHUNK_HDR_SZ",
    "DEFAULT_MMAP_MAX",
    "DEFAULT_MMAP_THRESHOLD",
    "DEFAULT_MMAP_THRESHOLD_MAX",
    "DEFAULT_MMAP_THRESHOLD_MIN",
    "DEFAULT_MXFAST",
    "DEFAULT_TOP_PAD",
    "DEFAULT_TRIM_THRESHOLD",
    "FASTBIN_CONSOLIDATION_THRESHOLD",
    "HEAP_MAX_SIZE",
    "MALLOC_ALIGNMENT",
    "MALLOC_ALIGN_MASK",
    "MAX_FAST_SIZE",
    "MAX_ITERS",
    "MINSIZE",
    "MIN_LARGE_SIZE",
    "M_ARENA_MAX",
    "M_ARENA_TEST",
    "M_CHECK_ACTION",
    "M_MMAP_MAX",
    "M_MMAP_THRESHOLD",
    "M_MXFAST",
    "M_PERTURB",
    "M_TOP_PAD",
    "M_TRIM_THRESHOLD",
    "NBINS",
    "NFASTBINS",
    "PAGE_SIZE",
    "SIZE_SZ",
    "TCACHE_FILL_COUNT",
    "TCACHE_MAX_BINS",
    "TCACHE_STRUCT_BYTES",
    "Tunables",
    "bin_index",
    "csize2tidx",
    "fastbin_index",
    "largebin_index",
    "max_fast_for",
    "request2size",
    "smallbin_index",
]

PAGE_SIZE = 4096

TCACHE_MAX_BINS = 64
TCACHE_FILL_COUNT = 7
# struct tcache_perthread_struct: 64 uint16_t counts + 64 pointers = 640 bytes, a 0x290 chunk.
TCACHE_STRUCT_BYTES = 2 * TCACHE_MAX_BINS + SIZE_SZ * TCACHE_MAX_BINS

NBINS = 128
NSMALLBINS = 64
MIN_LARGE_SIZE = NSMALLBINS * MALLOC_ALIGNMENT  # 1024: chunks below this live in small bins
MAX_FAST_SIZE = 80 * SIZE_SZ // 4  # 160, the largest value mallopt(M_MXFAST) accepts
NFASTBINS = ((MAX_FAST_SIZE + SIZE_SZ + MALLOC_ALIGN_MASK) >> 4) - 2 + 1  # 10
DEFAULT_MXFAST = 64 * SIZE_SZ // 4  # 128
FASTBIN_CONSOLIDATION_THRESHOLD = 65536
MAX_ITERS = 10000  # the unsorted-bin loop gives up after this many chunks

SIZE_MAX = (1 << 64) - 1
PTRDIFF_MAX = (1 << 63) - 1


def csize2tidx(size: int) -> int:
    """The tcache bin of a chunk size (0 for 32 bytes, 63 for 1040 bytes)."""
    return (size - MINSIZE + MALLOC_ALIGNMENT - 1) // MALLOC_ALIGNMENT


def fastbin_index(size: int) -> int:
    """The fastbin of a chunk size (0 for 32 bytes)."""
    return (size >> 4) - 2


def smallbin_index(size: int) -> int:
    """The small bin of a chunk size below 1024 (bin 2 holds 32-byte chunks)."""
    return size >> 4


def largebin_index(size: int) -> int:
    """The large bin of a chunk size of 1024 or more (64-bit spacing: 64 B, 512 B, 4 KiB, ...)."""
    if (size >> 6) <= 48:
        return 48 + (size >> 6)
    if (size >> 9) <= 20:
        return 91 + (size >> 9)
    if (size >> 12) <= 10:
        return 110 + (size >> 12)
    if (size >> 15) <= 4:
        return 119 + (size >> 15)
    if (size >> 18) <= 2:
        return 124 + (size >> 18)
    return 126


def bin_index(size: int) -> int:
    """The regular bin (small or large) a free chunk of `size` is filed in."""
    return smallbin_index(size) if size < MIN_LARGE_SIZE else largebin_index(size)


def max_fast_for(mxfast: int) -> int:
    """glibc's `set_max_fast`: the largest fastbin chunk size for an M_MXFAST value."""
    if mxfast <= MALLOC_ALIGN_MASK - SIZE_SZ:
        return MINSIZE // 2
    return (mxfast + SIZE_SZ) & ~MALLOC_ALIGN_MASK


@dataclass
class Tunables:
    """The `mp_` parameters of glibc malloc that a single-threaded program can change.

    `no_dyn_threshold` becomes true when mallopt sets any of the four threshold-like values;
    after that, freeing an mmapped chunk no longer raises `mmap_threshold`.
    """

    mmap_threshold: int = DEFAULT_MMAP_THRESHOLD
    trim_threshold: int = DEFAULT_TRIM_THRESHOLD
    top_pad: int = DEFAULT_TOP_PAD
    mmap_max: int = DEFAULT_MMAP_MAX
    max_fast: int = max_fast_for(DEFAULT_MXFAST)
    no_dyn_threshold: bool = False
    tcache_count: int = TCACHE_FILL_COUNT
    tcache_bins: int = TCACHE_MAX_BINS
