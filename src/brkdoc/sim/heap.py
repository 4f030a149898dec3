"""A model of glibc malloc's main arena for one thread on x86-64, exact to the byte.

`Heap` follows the code paths of glibc's `malloc/malloc.c` (tag glibc-2.36; `profiles` lists
what 2.31, 2.41, 2.43 and 2.44 do differently, and `Heap(profile)` picks one):
`__libc_malloc` (tcache), `_int_malloc` (fastbins, small bins, the unsorted-bin loop,
best-fit large bins, the binmap scan, the top chunk), `sysmalloc` (mmap or brk), `_int_free`
(tcache, fastbins, coalescing, trimming), `malloc_consolidate`, `systrim`, `mtrim`,
`__libc_realloc` / `_int_realloc`, `mremap_chunk`, `__libc_calloc` and `__libc_mallopt`.

State is kept per chunk address in dicts, and the doubly linked bins are kept as glibc keeps them
(`fd`/`bk` links, with `fd_nextsize`/`bk_nextsize` for large bins), so that every choice glibc
makes between equally good chunks comes out the same. Bin headers are the negative numbers
-1 (unsorted) .. -127. User memory contents are not modelled.

Addresses are absolute: the heap starts at `heap_start` (the initial program break, page aligned
as in any dynamically linked program) and mmapped chunks are placed top-down below
`mmap_base`, roughly as Linux places anonymous mappings (their addresses are illustrative; sizes
and order are exact).

Calling `mallopt` before the first allocation has the same effect as the matching environment
tunable (`MALLOC_MMAP_THRESHOLD_`, `GLIBC_TUNABLES=glibc.malloc.top_pad=...`): both go through
glibc's `do_set_*` functions and switch the dynamic threshold off.

Not modelled: brk or mmap failing (and the "mmap as MORECORE" fallback that follows), a break
moved by someone else, memalign and friends, other threads and arenas, MALLOC_CHECK_/mcheck,
and the contents of user memory (so double frees that glibc does not itself detect raise
`UnsupportedState` instead of corrupting the lists as glibc would).

```pycon
>>> from brkdoc.sim import Heap
>>> heap = Heap()
>>> p = heap.malloc(100)
>>> heap.offset(p), heap.brk, heap.mmapped
(672, 135168, 0)
>>> q = heap.malloc(200_000)
>>> heap.is_mmapped(q), heap.mmapped
(True, 200704)
>>> heap.free(q)
>>> heap.mmap_threshold
200704

```
"""

from __future__ import annotations

from bisect import bisect_right

from brkdoc.sim.errors import MallocAbort, MallocCrash, UnsupportedState
from brkdoc.sim.params import (
    DEFAULT_MMAP_THRESHOLD_MAX,
    M_ARENA_MAX,
    M_ARENA_TEST,
    M_CHECK_ACTION,
    M_MMAP_MAX,
    M_MMAP_THRESHOLD,
    M_MXFAST,
    M_PERTURB,
    M_TOP_PAD,
    M_TRIM_THRESHOLD,
    MAX_FAST_SIZE,
    PAGE_SIZE,
    PTRDIFF_MAX,
    bin_index,
    max_fast_for,
    request2size,
)
from brkdoc.sim.realloc import Reallocator
from brkdoc.sim.state import DEFAULT_HEAP_START, DEFAULT_MMAP_BASE, MASK64
from brkdoc.sim.view import HeapView, snapshot

__all__ = ["DEFAULT_HEAP_START", "DEFAULT_MMAP_BASE", "Heap"]


class Heap(Reallocator):
    """One process's malloc state. Methods mirror the C functions; pointers are ints (0 = NULL).

    Attributes for readers:

    - `brk`: the program break minus its initial value (bytes of heap obtained with brk);
    - `mmapped`: bytes in mmapped chunks, as `mallinfo2().hblkhd` reports;
    - `syscalls`: the `Syscall` records made so far (empty if `record_syscalls` is false);
    - `syscall_counts`: how many of each system call were made;
    - `tunables`: the mallopt-controlled parameters (`mmap_threshold`, `trim_threshold`, ...);
    - `profile`: the glibc version modelled (`brkdoc.sim.profiles`).

    `snapshot()` returns a `HeapView`: every chunk in address order with its state
    ("in_use", "tcache", "fastbin", "unsorted", "smallbin", "largebin" or "top") and bin index,
    plus the mmapped chunks, for drawing heap maps.

    The constructor is `HeapState`'s: `Heap(profile=GLIBC_2_36, *, heap_start=...,
    mmap_base=..., record_syscalls=True)`.
    """

    def snapshot(self) -> HeapView:
        """The chunk list now, in address order (see `brkdoc.sim.view.snapshot`)."""
        return snapshot(self)

    def malloc(self, size: int) -> int:
        """`malloc(size)`: a pointer, or 0 if glibc would fail with ENOMEM."""
        if size > PTRDIFF_MAX or size < 0:
            return 0
        # request2size, in glibc's own form (below MINSIZE, MINSIZE) rather than a max() call.
        nb = (size + 23) & ~15 if size + 23 >= 32 else 32
        tcache = self.tcache
        if tcache is None and self._tcache_eager:
            # MAYBE_INIT_TCACHE (up to 2.41); from 2.43 malloc never sets the tcache up.
            self._tcache_init()
            tcache = self.tcache
        tc_idx = (nb - 17) >> 4
        if tc_idx < self._tcache_bins and tcache is not None:
            bin_ = tcache[tc_idx]
            if bin_:
                chunk = bin_.pop()
                self.used[chunk] = nb
                return chunk + 16
        chunk = self._int_malloc(nb)
        return chunk + 16 if chunk else 0

    def free(self, pointer: int) -> None:
        """`free(pointer)`; raises `MallocAbort` where glibc aborts."""
        if not pointer:
            return
        chunk = pointer - 16
        size = self.used.pop(chunk, 0)
        if size:
            tcache = self.tcache
            tc_idx = (size - 17) >> 4
            if tcache is None:
                if self._tcache_eager:
                    self._tcache_init()
                elif tc_idx < self._tcache_bins:
                    # 2.43 `tcache_free_init`: the first free of a tcache-sized chunk sets the
                    # tcache up through `__libc_malloc2`, then frees again (2bf2188fae).
                    self._tcache_init(self.profile.tcache_struct_chunk_on_free)
                tcache = self.tcache
            # The tcache half of _int_free, inlined because it is by far the commonest case.
            if tc_idx < self._tcache_bins and tcache is not None:
                bin_ = tcache[tc_idx]
                if len(bin_) < self._tcache_count:
                    bin_.append(chunk)
                    return
            self._int_free(chunk, size)
            return
        mapped = self.mmapped_chunks.get(chunk)
        if mapped is not None:
            tun = self.tunables
            # The raw size word carries IS_MMAPPED (2), hence `| 2` in both comparisons. The
            # chunk is the whole mapping up to 2.42 and 16 bytes less from 2.43.
            chunk_size = mapped - self._mmap_chunk_less
            if (
                not tun.no_dyn_threshold
                and (chunk_size | 2) > tun.mmap_threshold
                and (chunk_size | 2) <= DEFAULT_MMAP_THRESHOLD_MAX
            ):
                tun.mmap_threshold = chunk_size
                tun.trim_threshold = 2 * chunk_size
            self._munmap_chunk(chunk)
            return
        self._bad_free(chunk)

    def calloc(self, count: int, size: int) -> int:
        """`calloc(count, size)`: up to 2.36 never served from the tcache; from 2.41
        (226e3b0a41) a cached chunk of the right size is taken first, as malloc does."""
        total = count * size
        if total > PTRDIFF_MAX or total < 0:
            return 0
        nb = request2size(total)
        tcache = self.tcache
        if tcache is None and self._tcache_eager:
            self._tcache_init()
            tcache = self.tcache
        if self._calloc_tcache and tcache is not None:
            tc_idx = (nb - 17) >> 4
            if tc_idx < self._tcache_bins and tcache[tc_idx]:
                chunk = tcache[tc_idx].pop()
                self.used[chunk] = nb
                return chunk + 16
        chunk = self._int_malloc(nb)
        return chunk + 16 if chunk else 0

    def realloc(self, pointer: int, size: int) -> int:
        """`realloc(pointer, size)`; `realloc(p, 0)` frees p and returns 0."""
        if size == 0 and pointer:
            self.free(pointer)
            return 0
        if not pointer:
            return self.malloc(size)
        chunk = pointer - 16
        # 0 for a chunk not in use from the heap: no chunk is 0 bytes long.
        old_size = self.used.get(chunk, 0)
        mapped = self.mmapped_chunks.get(chunk)
        if not old_size and mapped is None:
            if chunk & 15:
                raise MallocAbort("realloc(): invalid pointer")
            self._check_header_mapped("realloc", chunk)
            raise UnsupportedState(
                f"realloc of {pointer:#x}, which is not a live block: glibc would read freed "
                "memory here and the outcome depends on its contents"
            )
        if self.profile.realloc_keeps_fitting_block:
            # old_size is 0 only when mapped is not (neither was refused above).
            usable = (mapped - self._mmap_usable_less) if mapped is not None else old_size - 8
            if size <= usable:
                spare = usable - size
                if spare < 16 or (
                    mapped is not None
                    and spare <= PAGE_SIZE
                    and self.profile.realloc_keeps_mmapped_within_page
                ):
                    return pointer
        if size > PTRDIFF_MAX or size < 0:
            return 0
        nb = request2size(size)
        if mapped is not None:
            return self._realloc_mapped_block(chunk, mapped, size, nb)
        if self.tcache is None and self._tcache_eager:
            self._tcache_init()
        new = self._int_realloc(chunk, old_size, nb)
        return new + 16 if new else 0

    def _realloc_mapped_block(self, chunk: int, mapped: int, size: int, nb: int) -> int:
        moved = self._realloc_mmapped(chunk, mapped, size, nb)
        if moved is not None:
            return moved
        # mremap failed: keep the block if it is big enough, else malloc, copy and unmap
        # (__libc_realloc, glibc-2.36 malloc/malloc.c).
        if mapped - self._mmap_chunk_less - 8 >= nb:
            return chunk + 16
        new = self.malloc(size)
        if new:
            self._munmap_chunk(chunk)
        return new

    def mallopt(self, param: int, value: int) -> int:
        """`mallopt(param, value)`: returns 1 on success, 0 if glibc rejects the value.

        Like glibc, every call first consolidates the fastbins. Setting M_TRIM_THRESHOLD,
        M_TOP_PAD, M_MMAP_THRESHOLD or M_MMAP_MAX switches the dynamic threshold off.
        """
        self._consolidate()
        tun = self.tunables
        if param == M_MXFAST:
            if not self.profile.has_fastbins:
                return 1  # 2.43 `do_set_mxfast`: accepted, no effect
            if (value & MASK64) > MAX_FAST_SIZE:
                return 0
            tun.max_fast = max_fast_for(value)
        elif param == M_TRIM_THRESHOLD:
            tun.trim_threshold = value & MASK64
            tun.no_dyn_threshold = True
        elif param == M_TOP_PAD:
            tun.top_pad = value & MASK64
            tun.no_dyn_threshold = True
        elif param == M_MMAP_THRESHOLD:
            limit = self.profile.mmap_threshold_max
            if limit and (value & MASK64) > limit:
                return 0
            tun.mmap_threshold = value & MASK64
            tun.no_dyn_threshold = True
        elif param == M_MMAP_MAX:
            tun.mmap_max = value
            tun.no_dyn_threshold = True
        elif param in (M_CHECK_ACTION, M_PERTURB, M_ARENA_TEST, M_ARENA_MAX):
            pass  # no effect on a single-threaded heap's layout
        return 1

    def malloc_trim(self, pad: int = 0) -> int:
        """`malloc_trim(pad)`: madvise the whole free pages inside free chunks, then systrim."""
        self._consolidate()
        result = 0
        psm1 = PAGE_SIZE - 1
        for i in [1, *range(bin_index(PAGE_SIZE), 128)]:
            header = -i
            chunk = self.bk[header]
            while chunk != header:
                size = self.free_size[chunk]
                if size > psm1 + 48:  # 48 = sizeof (struct malloc_chunk)
                    aligned = (chunk + 48 + psm1) & ~psm1
                    size -= aligned - chunk
                    if size > psm1:
                        self._log("madvise", (aligned, size & ~psm1, "MADV_DONTNEED"), 0)
                        result = 1
                chunk = self.bk[chunk]
        return result | self._systrim(pad & MASK64)

    def _check_header_mapped(self, call: str, chunk: int) -> None:
        """MallocCrash if the size word glibc reads first (at chunk + 8) lies in no memory the
        process has: neither the heap nor a mapping the model made and still holds."""
        word = chunk + 8
        if self.heap_start <= word < self.current_break:
            return
        starts = self._mapping_starts
        position = bisect_right(starts, word) - 1
        if position >= 0 and word < starts[position] + self._mappings[starts[position]]:
            return
        raise MallocCrash(
            "SIGSEGV",
            f"{call}({chunk + 16:#x}) reads the chunk header from unmapped memory: "
            "the process dies of SIGSEGV",
        )

    def _bad_free(self, chunk: int) -> None:
        """Say what glibc does when free() gets a pointer that is not a live block."""
        if chunk & 15:
            raise MallocAbort("free(): invalid pointer")
        tun = self.tunables
        size: int | None = None
        where = ""
        if self.tcache is not None and any(chunk in bin_ for bin_ in self.tcache):
            raise MallocAbort("free(): double free detected in tcache 2")
        for index, fastbin in enumerate(self.fastbins):
            if chunk in fastbin:
                size = (index + 2) << 4
                where = "fastbin"
        if chunk in self.free_size:
            size = self.free_size[chunk]
            where = "bin"
        if chunk == self.top:
            size = self.top_size
            where = "top"
        if size is None:
            self._check_header_mapped("free", chunk)
            raise UnsupportedState(
                f"free of {chunk + 16:#x}, which is not the start of any chunk the heap knows: "
                "glibc would read whatever bytes lie there"
            )
        tc_idx = (size - 17) >> 4
        tcache_has_room = (
            self.tcache is not None
            and tc_idx < tun.tcache_bins
            and len(self.tcache[tc_idx]) < tun.tcache_count
        )
        if not tcache_has_room:
            if size <= tun.max_fast:
                fastbin = self.fastbins[(size >> 4) - 2]
                if fastbin and fastbin[-1] == chunk:
                    raise MallocAbort("double free or corruption (fasttop)")
            elif where == "top":
                raise MallocAbort("double free or corruption (top)")
            elif where == "bin":
                raise MallocAbort("double free or corruption (!prev)")
        raise UnsupportedState(
            f"double free of {chunk + 16:#x} (a free chunk in the {where}) that glibc does not "
            "detect here: it would corrupt its free lists"
        )
