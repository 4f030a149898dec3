"""A model of glibc malloc's main arena for one thread on x86-64, exact to the byte.

`Heap` follows the code paths of glibc's `malloc/malloc.c` (tag glibc-2.36; see `profiles` for
2.39): `__libc_malloc` (tcache), `_int_malloc` (fastbins, small bins, the unsorted-bin loop,
best-fit large bins, the binmap scan, the top chunk), `sysmalloc` (mmap or brk), `_int_free`
(tcache, fastbins, coalescing, trimming), `malloc_consolidate`, `systrim`, `mtrim`,
`__libc_realloc` / `_int_realloc`, `mremap_chunk`, `__libc_calloc` and `__libc_mallopt`.

State is kept per chunk address in dicts, and the doubly linked bins are kept as glibc keeps them
(`fd`/`bk` links, with `fd_nextsize`/`bk_nextsize` for large bins), so that every choice glibc
makes between equally good chunks comes out the same. Bin headers are the negative numbers
-1 (unsorted) .. -127. User memory contents are not modelled.

Addresses are absolute: the heap starts at `heap_start` (the initial program break, page aligned
as in any dynamically linked program) and mmapped chunks are placed top-down below
`mmap_base` the way Linux places anonymous mappings.

```pycon
>>> from brkdoc.sim import Heap
>>> heap = Heap()
>>> p = heap.malloc(100)
>>> heap.offset(p), heap.brk, heap.mmapped
(672, 135168, 0)
>>> q = heap.malloc(200_000)
>>> heap.is_mmapped(q), heap.mmapped
(True, 204800)
>>> heap.free(q)
>>> heap.mmap_threshold
204800
```
"""

from __future__ import annotations

from bisect import bisect_left, insort

from brkdoc.sim.errors import MallocAbort, UnsupportedState
from brkdoc.sim.params import (
    DEFAULT_MMAP_THRESHOLD_MAX,
    FASTBIN_CONSOLIDATION_THRESHOLD,
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
    MAX_ITERS,
    MINSIZE,
    NFASTBINS,
    PAGE_SIZE,
    PTRDIFF_MAX,
    SIZE_MAX,
    TCACHE_STRUCT_BYTES,
    Tunables,
    bin_index,
    largebin_index,
    max_fast_for,
    request2size,
)
from brkdoc.sim.profiles import GLIBC_2_36, Profile
from brkdoc.sim.syscalls import Syscall

__all__ = ["DEFAULT_HEAP_START", "DEFAULT_MMAP_BASE", "Heap"]

DEFAULT_HEAP_START = 0x555555559000
DEFAULT_MMAP_BASE = 0x7FFFF7FC0000
_UNSORTED = -1
_PAGE_MASK = PAGE_SIZE - 1
_MASK64 = SIZE_MAX
_PROT = "PROT_READ|PROT_WRITE"
_MAP = "MAP_PRIVATE|MAP_ANONYMOUS"


def _signed64(value: int) -> int:
    value &= _MASK64
    return value - (1 << 64) if value >> 63 else value


class Heap:
    """One process's malloc state. Methods mirror the C functions; pointers are ints (0 = NULL).

    Attributes for readers:

    - `brk`: the program break minus its initial value (bytes of heap obtained with brk);
    - `mmapped`: bytes in mmapped chunks, as `mallinfo2().hblkhd` reports;
    - `syscalls`: the `Syscall` records made so far (empty if `record_syscalls` is false);
    - `syscall_counts`: how many of each system call were made;
    - `tunables`: the mallopt-controlled parameters (`mmap_threshold`, `trim_threshold`, ...).

    `snapshot()` (in `brkdoc.sim.view`) returns the chunk list for drawing.
    """

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
        self.tunables = Tunables()
        # Copies of the two tcache limits, which no mallopt call changes, for the fast paths.
        self._tcache_bins = self.tunables.tcache_bins
        self._tcache_count = self.tunables.tcache_count
        self.heap_start = heap_start
        self.current_break = heap_start
        self.mmap_base = mmap_base
        self.record_syscalls = record_syscalls
        self.syscalls: list[Syscall] = []
        self.syscall_counts: dict[str, int] = {}
        # The top chunk; None until the first sysmalloc (glibc's "initial_top", size 0).
        self.top: int | None = None
        self.top_size = 0
        self.system_mem = 0
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
        # Running maxima (relative break, mmapped bytes) and a progress counter for trace runs.
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
            return self.mmapped_chunks[chunk] - 16
        size = self.used.get(chunk)
        return 0 if size is None else size - 8

    # ------------------------------------------------------------------ public calls

    def malloc(self, size: int) -> int:
        """`malloc(size)`: a pointer, or 0 if glibc would fail with ENOMEM."""
        if size > PTRDIFF_MAX or size < 0:
            return 0
        nb = (size + 23) & ~15
        if nb < 32:
            nb = 32
        if self.tcache is None:
            self._tcache_init()
        tc_idx = (nb - 17) >> 4
        if tc_idx < self._tcache_bins:
            bin_ = self.tcache[tc_idx]  # type: ignore[index]
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
            if tcache is None:
                self._tcache_init()
                tcache = self.tcache
            # The tcache half of _int_free, inlined because it is by far the commonest case.
            tc_idx = (size - 17) >> 4
            if tc_idx < self._tcache_bins:
                bin_ = tcache[tc_idx]  # type: ignore[index]
                if len(bin_) < self._tcache_count:
                    bin_.append(chunk)
                    return
            self._int_free(chunk, size)
            return
        mapped = self.mmapped_chunks.get(chunk)
        if mapped is not None:
            tun = self.tunables
            # The raw size word carries IS_MMAPPED (2), hence `| 2` in both comparisons.
            if (
                not tun.no_dyn_threshold
                and (mapped | 2) > tun.mmap_threshold
                and (mapped | 2) <= DEFAULT_MMAP_THRESHOLD_MAX
            ):
                tun.mmap_threshold = mapped
                tun.trim_threshold = 2 * mapped
            self._munmap_chunk(chunk)
            return
        self._bad_free(chunk)

    def calloc(self, count: int, size: int) -> int:
        """`calloc(count, size)`: like malloc but never served from the tcache."""
        total = count * size
        if total > PTRDIFF_MAX or total < 0:
            return 0
        if self.tcache is None:
            self._tcache_init()
        chunk = self._int_malloc(request2size(total))
        return chunk + 16 if chunk else 0

    def realloc(self, pointer: int, size: int) -> int:
        """`realloc(pointer, size)`; `realloc(p, 0)` frees p and returns 0."""
        if size == 0 and pointer:
            self.free(pointer)
            return 0
        if not pointer:
            return self.malloc(size)
        chunk = pointer - 16
        old_size = self.used.get(chunk)
        mapped = self.mmapped_chunks.get(chunk)
        if old_size is None and mapped is None:
            if chunk & 15:
                raise MallocAbort("realloc(): invalid pointer")
            raise UnsupportedState(
                f"realloc of {pointer:#x}, which is not a live block: glibc would read freed "
                "memory here and the outcome depends on its contents"
            )
        if self.profile.realloc_keeps_fitting_block:
            usable = (mapped - 16) if mapped is not None else old_size - 8  # type: ignore[operator]
            if size <= usable:
                spare = usable - size
                if spare < 16 or (mapped is not None and spare <= PAGE_SIZE):
                    return pointer
        if size > PTRDIFF_MAX or size < 0:
            return 0
        nb = request2size(size)
        if mapped is not None:
            return self._realloc_mmapped(chunk, mapped, size, nb)
        if self.tcache is None:
            self._tcache_init()
        new = self._int_realloc(chunk, old_size, nb)  # type: ignore[arg-type]
        return new + 16 if new else 0

    def mallopt(self, param: int, value: int) -> int:
        """`mallopt(param, value)`: returns 1 on success, 0 if glibc rejects the value.

        Like glibc, every call first consolidates the fastbins. Setting M_TRIM_THRESHOLD,
        M_TOP_PAD, M_MMAP_THRESHOLD or M_MMAP_MAX switches the dynamic threshold off.
        """
        self._consolidate()
        tun = self.tunables
        if param == M_MXFAST:
            if (value & _MASK64) > MAX_FAST_SIZE:
                return 0
            tun.max_fast = max_fast_for(value)
        elif param == M_TRIM_THRESHOLD:
            tun.trim_threshold = value & _MASK64
            tun.no_dyn_threshold = True
        elif param == M_TOP_PAD:
            tun.top_pad = value & _MASK64
            tun.no_dyn_threshold = True
        elif param == M_MMAP_THRESHOLD:
            tun.mmap_threshold = value & _MASK64
            tun.no_dyn_threshold = True
        elif param == M_MMAP_MAX:
            tun.mmap_max = value
            tun.no_dyn_threshold = True
        elif param in (M_CHECK_ACTION, M_PERTURB, M_ARENA_TEST, M_ARENA_MAX):
            pass  # no effect on a single-threaded heap's layout
        return 1

    def malloc_trim(self, pad: int = 0) -> int:
        """`malloc_trim(pad)`: madvise whole free pages inside free chunks, then shrink the break."""
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
        return result | self._systrim(pad & _MASK64)

    # ------------------------------------------------------------------ tcache

    def _tcache_init(self) -> None:
        count = self.tunables.tcache_bins
        chunk = self._int_malloc(request2size(TCACHE_STRUCT_BYTES))
        if chunk:
            self.tcache = [[] for _ in range(count)]
            self.tcache_struct = chunk

    # ------------------------------------------------------------------ bins

    def _unlink(self, chunk: int) -> int:
        """Take a chunk out of whichever regular bin holds it; returns its size."""
        fd = self.fd
        bk = self.bk
        forward = fd.pop(chunk)
        back = bk.pop(chunk)
        bk[forward] = back
        fd[back] = forward
        size = self.free_size.pop(chunk)
        del self.free_end[chunk + size]
        fdn = self.fd_nextsize
        if chunk in fdn:
            bkn = self.bk_nextsize
            next_group = fdn.pop(chunk)
            prev_group = bkn.pop(chunk)
            if forward > 0 and forward not in fdn:
                # The next chunk has the same size: it becomes the head of the size group.
                if next_group == chunk:
                    fdn[forward] = forward
                    bkn[forward] = forward
                else:
                    fdn[forward] = next_group
                    bkn[forward] = prev_group
                    bkn[next_group] = forward
                    fdn[prev_group] = forward
            elif next_group != chunk:
                bkn[next_group] = prev_group
                fdn[prev_group] = next_group
        return size

    def _to_unsorted(self, chunk: int, size: int) -> None:
        """Put a free chunk at the head of the unsorted bin."""
        fd = self.fd
        first = fd[_UNSORTED]
        fd[chunk] = first
        self.bk[chunk] = _UNSORTED
        fd[_UNSORTED] = chunk
        self.bk[first] = chunk
        self.free_size[chunk] = size
        self.free_end[chunk + size] = chunk

    def _file_in_bin(self, victim: int, size: int) -> None:
        """Move a chunk just taken off the unsorted list into its small or large bin."""
        fd = self.fd
        bk = self.bk
        if size < 1024:
            index = size >> 4
            back = -index
            forward = fd[back]
        else:
            index = largebin_index(size)
            back = -index
            forward = fd[back]
            fdn = self.fd_nextsize
            bkn = self.bk_nextsize
            free_size = self.free_size
            if forward != back:
                smallest = bk[back]
                if size < free_size[smallest]:
                    forward = back
                    back = smallest
                    first = fd[forward]
                    fdn[victim] = first
                    bkn[victim] = bkn[first]
                    bkn[first] = victim
                    fdn[bkn[victim]] = victim
                else:
                    while size < free_size[forward]:
                        forward = fdn[forward]
                    if size == free_size[forward]:
                        # Always insert in the second position of a size group.
                        forward = fd[forward]
                    else:
                        fdn[victim] = forward
                        bkn[victim] = bkn[forward]
                        bkn[forward] = victim
                        fdn[bkn[victim]] = victim
                    back = bk[forward]
            else:
                fdn[victim] = victim
                bkn[victim] = victim
        self.binmap |= 1 << index
        bk[victim] = back
        fd[victim] = forward
        bk[forward] = victim
        fd[back] = victim
        self.free_size[victim] = size
        self.free_end[victim + size] = victim

    def _split_off(self, victim: int, size: int, nb: int, small_request: bool) -> None:
        """Hand out `nb` bytes of an unlinked free chunk; the remainder goes to unsorted."""
        remainder_size = size - nb
        if remainder_size < MINSIZE:
            self.used[victim] = size
            return
        remainder = victim + nb
        self._to_unsorted(remainder, remainder_size)
        if small_request:
            self.last_remainder = remainder
        self.used[victim] = nb

    # ------------------------------------------------------------------ _int_malloc

    def _int_malloc(self, nb: int) -> int:  # noqa: PLR0912, PLR0915, C901
        """glibc's `_int_malloc` for a padded size; returns the chunk address or 0."""
        tun = self.tunables
        used = self.used
        fd = self.fd
        bk = self.bk
        free_size = self.free_size
        free_end = self.free_end
        tcache = self.tcache
        tc_idx = (nb - 17) >> 4
        tc_bin = tcache[tc_idx] if tcache is not None and tc_idx < tun.tcache_bins else None
        tcache_count = tun.tcache_count

        if nb <= tun.max_fast:
            fastbin = self.fastbins[(nb >> 4) - 2]
            if fastbin:
                victim = fastbin.pop()
                if tc_bin is not None:
                    while len(tc_bin) < tcache_count and fastbin:
                        tc_bin.append(fastbin.pop())
                used[victim] = nb
                return victim

        small_request = nb < 1024
        if small_request:
            index = nb >> 4
            header = -index
            victim = bk[header]
            if victim != header:
                back = bk.pop(victim)
                del fd[victim]
                bk[header] = back
                fd[back] = header
                del free_end[victim + free_size.pop(victim)]
                if tc_bin is not None:
                    while len(tc_bin) < tcache_count:
                        extra = bk[header]
                        if extra == header:
                            break
                        back = bk.pop(extra)
                        del fd[extra]
                        bk[header] = back
                        fd[back] = header
                        del free_end[extra + free_size.pop(extra)]
                        tc_bin.append(extra)
                used[victim] = nb
                return victim
        else:
            index = largebin_index(nb)
            if self.have_fastchunks:
                self._consolidate()

        return_cached = False
        while True:
            iters = 0
            while True:
                victim = bk[_UNSORTED]
                if victim == _UNSORTED:
                    break
                back = bk[victim]
                size = free_size[victim]
                if (
                    small_request
                    and back == _UNSORTED
                    and victim == self.last_remainder
                    and size > nb + MINSIZE
                ):
                    remainder = victim + nb
                    remainder_size = size - nb
                    del fd[victim]
                    del bk[victim]
                    del free_size[victim]
                    fd[_UNSORTED] = remainder
                    bk[_UNSORTED] = remainder
                    fd[remainder] = _UNSORTED
                    bk[remainder] = _UNSORTED
                    free_size[remainder] = remainder_size
                    free_end[remainder + remainder_size] = remainder
                    self.last_remainder = remainder
                    used[victim] = nb
                    return victim
                bk[_UNSORTED] = back
                fd[back] = _UNSORTED
                del fd[victim]
                del bk[victim]
                if size == nb:
                    del free_size[victim]
                    del free_end[victim + size]
                    if tc_bin is not None and len(tc_bin) < tcache_count:
                        tc_bin.append(victim)
                        return_cached = True
                        continue
                    used[victim] = nb
                    return victim
                self._file_in_bin(victim, size)
                iters += 1
                if iters >= MAX_ITERS:
                    break

            if return_cached:
                victim = tc_bin.pop()  # type: ignore[union-attr]
                used[victim] = nb
                return victim

            if not small_request:
                header = -index
                first = fd[header]
                if first != header and free_size[first] >= nb:
                    bkn = self.bk_nextsize
                    victim = bkn[first]
                    while free_size[victim] < nb:
                        victim = bkn[victim]
                    size = free_size[victim]
                    if victim != bk[header] and free_size[fd[victim]] == size:
                        victim = fd[victim]
                    self._unlink(victim)
                    self._split_off(victim, size, nb, False)
                    return victim

            # Binmap scan: the first marked, non-empty bin above `index`.
            start = index + 1
            bits = self.binmap >> start
            while bits:
                low = bits & -bits
                found = start + low.bit_length() - 1
                header = -found
                victim = bk[header]
                if victim == header:
                    self.binmap &= ~(1 << found)
                    bits ^= low
                    continue
                size = self._unlink(victim)
                self._split_off(victim, size, nb, small_request)
                return victim

            top_size = self.top_size
            if top_size >= nb + MINSIZE:
                victim = self.top  # type: ignore[assignment]
                self.top = victim + nb
                self.top_size = top_size - nb
                used[victim] = nb
                return victim
            if self.have_fastchunks:
                self._consolidate()
                index = (nb >> 4) if small_request else largebin_index(nb)
                continue
            return self._sysmalloc(nb)

    # ------------------------------------------------------------------ free

    def _int_free(self, chunk: int, size: int) -> None:
        """glibc's `_int_free` for a chunk known to be in use and not mmapped."""
        tc_idx = (size - 17) >> 4
        if tc_idx < self._tcache_bins:
            bin_ = self.tcache[tc_idx]  # type: ignore[index]
            if len(bin_) < self._tcache_count:
                bin_.append(chunk)
                return
        if size <= self.tunables.max_fast:
            # A live chunk can never be the head of a fastbin, so glibc's "fasttop" check only
            # matters for stale pointers, which `_bad_free` handles.
            self.fastbins[(size >> 4) - 2].append(chunk)
            self.have_fastchunks = True
            return
        self._free_into_bins(chunk, size)

    def _free_into_bins(self, chunk: int, size: int) -> None:
        """The coalescing half of `_int_free`, with the trim check at the end."""
        next_chunk = chunk + size
        previous = self.free_end.get(chunk)
        if previous is not None:
            size += self._unlink(previous)
            chunk = previous
        if next_chunk != self.top:
            if next_chunk in self.free_size:
                size += self._unlink(next_chunk)
            self._to_unsorted(chunk, size)
        else:
            size += self.top_size
            self.top = chunk
            self.top_size = size
        if size >= FASTBIN_CONSOLIDATION_THRESHOLD:
            if self.have_fastchunks:
                self._consolidate()
            if self.top_size >= self.tunables.trim_threshold:
                self._systrim(self.tunables.top_pad)

    def _consolidate(self) -> None:
        """`malloc_consolidate`: merge every fastbin chunk with free neighbours."""
        self.have_fastchunks = False
        free_end = self.free_end
        free_size = self.free_size
        for index, fastbin in enumerate(self.fastbins):
            if not fastbin:
                continue
            chunk_size = (index + 2) << 4
            for chunk in reversed(fastbin):
                size = chunk_size
                next_chunk = chunk + size
                previous = free_end.get(chunk)
                if previous is not None:
                    size += self._unlink(previous)
                    chunk = previous
                if next_chunk != self.top:
                    if next_chunk in free_size:
                        size += self._unlink(next_chunk)
                    self._to_unsorted(chunk, size)
                else:
                    self.top = chunk
                    self.top_size += size
            fastbin.clear()

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

    # ------------------------------------------------------------------ realloc

    def _int_realloc(self, chunk: int, old_size: int, nb: int) -> int:
        """glibc's `_int_realloc`: grow or shrink in place when possible, else move."""
        next_chunk = chunk + old_size
        if old_size >= nb:
            new_size = old_size
        elif next_chunk == self.top and old_size + self.top_size >= nb + MINSIZE:
            self.top_size = old_size + self.top_size - nb
            self.top = chunk + nb
            self.used[chunk] = nb
            return chunk
        elif (
            next_chunk != self.top
            and next_chunk in self.free_size
            and old_size + self.free_size[next_chunk] >= nb
        ):
            new_size = old_size + self._unlink(next_chunk)
        else:
            new = self._int_malloc(nb)
            if not new:
                return 0
            if new == next_chunk:
                new_size = self.used.pop(new) + old_size
            else:
                del self.used[chunk]
                self._int_free(chunk, old_size)
                return new
        remainder_size = new_size - nb
        if remainder_size < MINSIZE:
            self.used[chunk] = new_size
        else:
            self.used[chunk] = nb
            self._int_free(chunk + nb, remainder_size)
        return chunk

    def _realloc_mmapped(self, chunk: int, old_size: int, size: int, nb: int) -> int:
        """realloc of an mmapped chunk: mremap to the new page count (no threshold update)."""
        new_size = (nb + 8 + _PAGE_MASK) & ~_PAGE_MASK
        if new_size == old_size:
            return chunk + 16
        new_chunk = self._mremap(chunk, old_size, new_size)
        del self.mmapped_chunks[chunk]
        self.mmapped_chunks[new_chunk] = new_size
        self.mmapped += new_size - old_size
        if self.mmapped > self.peak_mmapped:
            self.peak_mmapped = self.mmapped
        return new_chunk + 16

    # ------------------------------------------------------------------ system memory

    def _log(self, name: str, args: tuple[int | str | None, ...], result: int) -> None:
        counts = self.syscall_counts
        counts[name] = counts.get(name, 0) + 1
        if self.record_syscalls:
            self.syscalls.append(Syscall(name, args, result))

    def _sbrk(self, increment: int) -> int:
        """`__sbrk`: move the break, logging brk(); returns the old break."""
        old = self.current_break
        if self.top is None and not self.syscall_counts.get("brk"):
            self._log("brk", (None,), old)
        new = old + increment
        if new < self.heap_start:
            raise UnsupportedState("the break would move below its start")
        self.current_break = new
        if new - self.heap_start > self.peak_brk:
            self.peak_brk = new - self.heap_start
        self._log("brk", (new,), new)
        return old

    def _sysmalloc(self, nb: int) -> int:
        """glibc's `sysmalloc` for the main arena when the top chunk is too small."""
        tun = self.tunables
        if nb >= tun.mmap_threshold and self.n_mmaps < tun.mmap_max:
            size = (nb + 8 + _PAGE_MASK) & ~_PAGE_MASK
            if size > nb:
                chunk = self._mmap(size)
                self.mmapped_chunks[chunk] = size
                self.n_mmaps += 1
                self.mmapped += size
                if self.mmapped > self.peak_mmapped:
                    self.peak_mmapped = self.mmapped
                return chunk
        old_size = self.top_size
        size = _signed64(nb + tun.top_pad + MINSIZE - old_size)
        size = (size + _PAGE_MASK) & ~_PAGE_MASK
        if size <= 0:
            raise UnsupportedState("sysmalloc with a brk increment that overflows")
        brk = self._sbrk(size)
        self.system_mem += size
        if self.top is None:
            # First call: the break is page aligned, so no alignment correction is needed and
            # glibc's second sbrk is sbrk(0), which makes no system call.
            self.top = brk
            self.top_size = size
        else:
            self.top_size = old_size + size
        top = self.top
        top_size = self.top_size
        if top_size >= nb + MINSIZE:
            self.top = top + nb
            self.top_size = top_size - nb
            self.used[top] = nb
            return top
        return 0

    def _systrim(self, pad: int) -> int:
        """glibc's `systrim`: give whole pages at the top back with a negative sbrk.

        The comparisons mix signed and unsigned 64-bit values exactly as the C code does.
        """
        if self.top is None:
            return 0
        top_size = self.top_size
        top_area = top_size - MINSIZE - 1
        if (top_area & _MASK64) <= pad:
            return 0
        extra = _signed64(((top_area - pad) & _MASK64) & ~_PAGE_MASK)
        if extra == 0:
            return 0
        if self.current_break != self.top + top_size:
            return 0
        before = self.current_break
        self._sbrk(-extra)
        released = before - self.current_break
        if released:
            self.system_mem -= released
            self.top_size = top_size - released
            return 1
        return 0

    def _mmap(self, length: int) -> int:
        address = self._place_mapping(length)
        self._log("mmap", (None, length, _PROT, _MAP, -1, 0), address)
        return address

    def _place_mapping(self, length: int) -> int:
        """Place an anonymous mapping the way Linux does: the highest gap below mmap_base."""
        end = self.mmap_base
        starts = self._mapping_starts
        for position in range(len(starts) - 1, -1, -1):
            start = starts[position]
            region_end = start + self._mappings[start]
            if end - region_end >= length:
                break
            end = min(end, start)
        address = end - length
        insort(starts, address)
        self._mappings[address] = length
        return address

    def _munmap_chunk(self, chunk: int) -> None:
        size = self.mmapped_chunks.pop(chunk)
        self.n_mmaps -= 1
        self.mmapped -= size
        del self._mappings[chunk]
        starts = self._mapping_starts
        del starts[bisect_left(starts, chunk)]
        self._log("munmap", (chunk, size), 0)

    def _mremap(self, address: int, old_length: int, new_length: int) -> int:
        starts = self._mapping_starts
        position = bisect_left(starts, address)
        limit = starts[position + 1] if position + 1 < len(starts) else self.mmap_base
        if new_length <= old_length or address + new_length <= limit:
            self._mappings[address] = new_length
            new_address = address
        else:
            del starts[position]
            del self._mappings[address]
            new_address = self._place_mapping(new_length)
        self._log("mremap", (address, old_length, new_length, "MREMAP_MAYMOVE"), new_address)
        return new_address
