"""System memory: the brk and mmap calls of `sysmalloc`, `systrim`, `munmap_chunk` and
`mremap_chunk` (glibc-2.36 malloc/malloc.c), with a log of each call and a placement model for
anonymous mappings (top-down, first gap that fits, as Linux's mmap does).
"""

from __future__ import annotations

from bisect import bisect_left, insort

from brkdoc.sim.errors import UnsupportedState
from brkdoc.sim.params import (
    MINSIZE,
)
from brkdoc.sim.state import MASK64, PAGE_MASK, HeapState, signed64
from brkdoc.sim.syscalls import Syscall

__all__ = ["SystemCalls"]

_PROT = "PROT_READ|PROT_WRITE"
_MAP = "MAP_PRIVATE|MAP_ANONYMOUS"


class SystemCalls(HeapState):
    """Growing and shrinking the heap, and mapping chunks of their own."""

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
                self.mmapped_chunks[chunk] = size
                self.n_mmaps += 1
                self.mmapped += size
                self.peak_mmapped = max(self.peak_mmapped, self.mmapped)
                return chunk
        old_size = self.top_size
        size = signed64(nb + tun.top_pad + MINSIZE - old_size)
        size = (size + PAGE_MASK) & ~PAGE_MASK
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
        if (top_area & MASK64) <= pad:
            return 0
        extra = signed64(((top_area - pad) & MASK64) & ~PAGE_MASK)
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
