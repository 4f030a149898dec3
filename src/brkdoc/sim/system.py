"""System memory: the brk and mmap calls of `sysmalloc`, `systrim`, `munmap_chunk` and
`mremap_chunk` (glibc-2.36 malloc/malloc.c), with a log of each call and a placement model for
anonymous mappings (top-down, first gap that fits, as Linux's mmap does).

The calls fail as Linux's do when the request cannot fit in the address space: mmap and
mremap of more than the x86-64 user address space (TASK_SIZE, 2**47 - 4096 bytes; mmap also
keeps `mmap_min_addr` free), a mapping with no gap for it above the break, and a break moved
into the mappings. glibc then returns NULL with ENOMEM, and so does the model. What a
machine refuses below that (the kernel's overcommit heuristic turns down one request larger than
RAM plus swap) depends on the machine, and the model does not guess it.
"""

from __future__ import annotations

from bisect import bisect_left, insort

from brkdoc.sim.errors import UnsupportedState
from brkdoc.sim.params import (
    MINSIZE,
    PAGE_SIZE,
)
from brkdoc.sim.state import MASK64, PAGE_MASK, HeapState, signed64
from brkdoc.sim.syscalls import Syscall

__all__ = ["SystemCalls"]

_PROT = "PROT_READ|PROT_WRITE"
_MAP = "MAP_PRIVATE|MAP_ANONYMOUS"
TASK_SIZE = (1 << 47) - PAGE_SIZE  # arch/x86/include/asm/page_64_types.h, 4-level paging
MMAP_MIN_ADDR = 65536  # the default vm.mmap_min_addr
MMAP_AS_MORECORE_SIZE = 1 << 20  # malloc/malloc.c: the least sysmalloc maps when brk fails
ENOMEM = -12  # a failed call's result, as the kernel returns it (strace prints -1 ENOMEM)
EINVAL = -22


class SystemCalls(HeapState):
    """Growing and shrinking the heap, and mapping chunks of their own."""

    def _log(self, name: str, args: tuple[int | str | None, ...], result: int) -> None:
        counts = self.syscall_counts
        counts[name] = counts.get(name, 0) + 1
        if self.record_syscalls:
            self.syscalls.append(Syscall(name, args, result))

    def _sbrk(self, increment: int) -> int | None:
        """`__sbrk`: move the break, logging brk(); returns the old break, or None if the
        kernel refuses (the break would run into the mappings; brk then returns the old one)."""
        old = self.current_break
        if self.top is None and not self.syscall_counts.get("brk"):
            self._log("brk", (None,), old)
        new = old + increment
        if new < self.heap_start:
            raise UnsupportedState("the break would move below its start")
        starts = self._mapping_starts
        if increment > 0 and new > (starts[0] if starts else self.mmap_base):
            self._log("brk", (new,), old)
            return None
        self.current_break = new
        self.peak_brk = max(self.peak_brk, new - self.heap_start)
        self._log("brk", (new,), new)
        return old

    def _sysmalloc(self, nb: int) -> int:
        """glibc's `sysmalloc` for the main arena when the top chunk is too small."""
        tun = self.tunables
        if nb >= tun.mmap_threshold and self.n_mmaps < tun.mmap_max:
            # sysmalloc_mmap: nb + SIZE_SZ rounded to pages up to 2.42; from 2.43 (614cfd0f8a)
            # nb + CHUNK_HDR_SZ, the chunk ending 16 bytes before the mapping does.
            size = (nb + self._mmap_extra + PAGE_MASK) & ~PAGE_MASK
            if size > nb:
                chunk = self._mmap(size)
                if chunk is not None:
                    self.mmapped_chunks[chunk] = size
                    self.n_mmaps += 1
                    self.mmapped += size
                    self.peak_mmapped = max(self.peak_mmapped, self.mmapped)
                    return chunk
        old_size = self.top_size
        # `size` is a long in glibc: a request near 2**63 wraps negative and skips MORECORE.
        size = signed64(nb + tun.top_pad + MINSIZE - old_size)
        size = signed64((size + PAGE_MASK) & ~PAGE_MASK)
        brk = self._sbrk(size) if size > 0 else None
        if brk is None:
            self._mmap_as_morecore(size, nb, old_size)
            # Neither brk nor mmap gave memory: top is unchanged and still too small, so
            # sysmalloc's "catch all failure paths" returns NULL with ENOMEM.
            return 0
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

    def _mmap_as_morecore(self, size: int, nb: int, old_size: int) -> None:
        """sysmalloc's fallback when brk fails: mmap a region to carry on the heap in.

        Only its failure is modelled (the model keeps one contiguous heap). The length differs
        between versions (`Profile.morecore_args_swapped`, `Profile.morecore_from_request`),
        and shows only in the system-call log.
        """
        tun = self.tunables
        if self.profile.morecore_from_request:
            length = (nb + tun.top_pad + MINSIZE + PAGE_MASK) & ~PAGE_MASK
            length = max(length, MMAP_AS_MORECORE_SIZE)
        else:
            unit, least = (
                (MMAP_AS_MORECORE_SIZE, PAGE_SIZE)
                if self.profile.morecore_args_swapped
                else (PAGE_SIZE, MMAP_AS_MORECORE_SIZE)
            )
            length = signed64((size + old_size + unit - 1) & ~(unit - 1))
            if (length & MASK64) < least:
                length = least
            if (length & MASK64) <= nb:
                return  # "Don't try if size wraps around 0"
        if self._mmap(length & MASK64) is not None:
            raise UnsupportedState(
                "brk failed and glibc would carry on the heap in an mmapped region "
                "(a non-contiguous main arena is not modelled)"
            )

    def _systrim(self, pad: int) -> int:
        """glibc's `systrim`: give whole pages at the top back with a negative sbrk.

        The comparisons mix signed and unsigned 64-bit values exactly as the C code does.
        """
        if self.top is None:
            return 0
        top_size = self.top_size
        top_area = top_size - MINSIZE - 1
        if (top_area & MASK64) <= pad:
            return 0
        extra = signed64(((top_area - pad) & MASK64) & ~PAGE_MASK)
        if extra == 0:
            return 0
        if self.current_break != self.top + top_size:
            return 0
        before = self.current_break
        self._sbrk(-extra)  # a negative increment never fails
        released = before - self.current_break
        if released:
            self.top_size = top_size - released
            return 1
        return 0

    def _mmap(self, length: int) -> int | None:
        """An anonymous mapping's address, or None (logged as ENOMEM) if none can be placed."""
        address = None
        if length <= TASK_SIZE - MMAP_MIN_ADDR:
            address = self._place_mapping(length)
        self._log(
            "mmap", (None, length, _PROT, _MAP, -1, 0), ENOMEM if address is None else address
        )
        return address

    def _place_mapping(self, length: int) -> int | None:
        """Place an anonymous mapping the way Linux does: the highest gap below mmap_base,
        and above the break; None if there is no such gap."""
        end = self.mmap_base
        starts = self._mapping_starts
        for position in range(len(starts) - 1, -1, -1):
            start = starts[position]
            region_end = start + self._mappings[start]
            if end - region_end >= length:
                break
            end = min(end, start)
        address = end - length
        if address < self.current_break:
            return None
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

    def _mremap(self, address: int, old_length: int, new_length: int) -> int | None:
        """mremap(MREMAP_MAYMOVE): the new address, or None (logged) if the kernel refuses."""
        starts = self._mapping_starts
        position = bisect_left(starts, address)
        limit = starts[position + 1] if position + 1 < len(starts) else self.mmap_base
        new_address: int | None
        if new_length > TASK_SIZE:
            new_address = None
            error = EINVAL  # mm/mremap.c checks the length against TASK_SIZE first
        elif new_length <= old_length or address + new_length <= limit:
            self._mappings[address] = new_length
            new_address = address
        else:
            del starts[position]
            length = self._mappings.pop(address)
            new_address = self._place_mapping(new_length)
            if new_address is None:
                insort(starts, address)
                self._mappings[address] = length
            error = ENOMEM
        result = error if new_address is None else new_address
        self._log("mremap", (address, old_length, new_length, "MREMAP_MAYMOVE"), result)
        return new_address
