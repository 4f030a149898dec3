"""The state of a simulated main arena, and what can be read off it.

`HeapState` holds every field the model keeps (see `brkdoc.sim.heap` for the design);
the classes in `system`, `bins`, `allocate` and `realloc` add glibc's internal routines on top
of it, one concern per module, and `heap.Heap` adds the public calls.
"""

from __future__ import annotations

from brkdoc.sim.params import (
    NFASTBINS,
    PAGE_SIZE,
    SIZE_MAX,
    Tunables,
)
from brkdoc.sim.profiles import GLIBC_2_36, Profile
from brkdoc.sim.syscalls import Syscall

__all__ = ["DEFAULT_HEAP_START", "DEFAULT_MMAP_BASE", "HeapState"]

DEFAULT_HEAP_START = 0x555555559000
DEFAULT_MMAP_BASE = 0x7FFFF7FC0000
UNSORTED = -1  # the unsorted bin's header; bin i's header is -i
PAGE_MASK = PAGE_SIZE - 1
MASK64 = SIZE_MAX


def signed64(value: int) -> int:
    """Reinterpret a 64-bit unsigned value as signed, as C does when storing it in a long."""
    value &= MASK64
    return value - (1 << 64) if value >> 63 else value


class HeapState:
    """The fields of one process's malloc state; see `brkdoc.sim.Heap` for the public view."""

    def __init__(
        self,
        profile: Profile = GLIBC_2_36,
        *,
        heap_start: int = DEFAULT_HEAP_START,
        mmap_base: int = DEFAULT_MMAP_BASE,
        record_syscalls: bool = True,
    ) -> None:
        if heap_start % PAGE_SIZE:
            raise ValueError("heap_start must be page aligned")
        self.profile = profile
        self.tunables = Tunables(tcache_count=profile.tcache_count)
        if not profile.has_fastbins:
            # 2.43 removed the fastbins: no chunk size is ever "fast".
            self.tunables.max_fast = 0
        # Copies of the two tcache limits, which no mallopt call changes, for the fast paths.
        self._tcache_bins = self.tunables.tcache_bins
        self._tcache_count = self.tunables.tcache_count
        # Version switches read on hot paths, copied from the profile once.
        self._tcache_eager = not profile.tcache_lazy
        self._tcache_busy = False  # tcache_init is running (glibc's "disabled" dummy tcache)
        self._calloc_tcache = profile.calloc_uses_tcache
        self._small_to_smallbin = profile.free_small_to_smallbin
        self._bypass_tcache = profile.remainders_bypass_tcache
        self._stash_unsorted = profile.unsorted_stashes_tcache
        # mmapped chunks: 2.43 keeps a 16-byte trailer, so the chunk is the mapping minus 16.
        self._mmap_extra = 16 if profile.mmap_chunk_trailer else 8
        self._mmap_chunk_less = 16 if profile.mmap_chunk_trailer else 0
        # musable of an mmapped chunk: chunk size - 16 up to 2.42, chunk size - 8 after.
        self._mmap_usable_less = 24 if profile.mmap_chunk_trailer else 16
        # What mremap_chunk adds to hblkhd beyond the change in mapping size.
        self._mremap_drift = 16 if profile.mremap_hblkhd_drift else 0
        self.heap_start = heap_start
        self.current_break = heap_start
        self.mmap_base = mmap_base
        self.record_syscalls = record_syscalls
        self.syscalls: list[Syscall] = []
        self.syscall_counts: dict[str, int] = {}
        # The top chunk; None until the first sysmalloc (glibc's "initial_top", size 0).
        self.top: int | None = None
        self.top_size = 0
        # Chunks handed to the program: address -> chunk size.
        self.used: dict[int, int] = {}
        # tcache bins (LIFO lists), created by the first malloc/free/realloc/calloc.
        self.tcache: list[list[int]] | None = None
        self.tcache_struct: int | None = None
        self.fastbins: list[list[int]] = [[] for _ in range(NFASTBINS)]
        self.have_fastchunks = False
        # Regular bins as doubly linked lists. Headers: -1 unsorted, -i bin i.
        self.fd: dict[int, int] = {-i: -i for i in range(1, 128)}
        self.bk: dict[int, int] = {-i: -i for i in range(1, 128)}
        self.fd_nextsize: dict[int, int] = {}
        self.bk_nextsize: dict[int, int] = {}
        self.free_size: dict[int, int] = {}  # binned chunk -> size
        self.free_end: dict[int, int] = {}  # end address of a binned chunk -> its start
        self.binmap = 0
        self.last_remainder: int | None = None
        # mmapped chunks: chunk address -> chunk size (== mapping length on x86-64).
        self.mmapped_chunks: dict[int, int] = {}
        self.mmapped = 0
        self.n_mmaps = 0
        self._mappings: dict[int, int] = {}
        self._mapping_starts: list[int] = []
        # Running maxima over a run: the break above its start, and the mmapped bytes.
        self.peak_brk = 0
        self.peak_mmapped = 0

    # ------------------------------------------------------------------ observables

    @property
    def brk(self) -> int:
        """The program break minus the initial program break."""
        return self.current_break - self.heap_start

    @property
    def mmap_threshold(self) -> int:
        """The current mmap threshold (moves up when mmapped chunks are freed)."""
        return self.tunables.mmap_threshold

    def offset(self, pointer: int) -> int:
        """A heap pointer's distance from the initial program break."""
        return pointer - self.heap_start

    def is_mmapped(self, pointer: int) -> bool:
        """Whether `pointer` (as returned by malloc) is a live mmapped chunk."""
        return (pointer - 16) in self.mmapped_chunks

    def usable_size(self, pointer: int) -> int:
        """`malloc_usable_size`: bytes the program may use at a live pointer."""
        chunk = pointer - 16
        if chunk in self.mmapped_chunks:
            return self.mmapped_chunks[chunk] - self._mmap_usable_less
        size = self.used.get(chunk)
        return 0 if size is None else size - 8
