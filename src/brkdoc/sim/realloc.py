"""realloc's internals: `_int_realloc` for heap chunks and `mremap_chunk` for mmapped ones."""

from __future__ import annotations

from brkdoc.sim.allocate import Allocator
from brkdoc.sim.params import (
    MINSIZE,
)
from brkdoc.sim.state import PAGE_MASK

__all__ = ["Reallocator"]


class Reallocator(Allocator):
    """Resizing in place when glibc can, moving when it cannot."""

    def _int_realloc(self, chunk: int, old_size: int, nb: int) -> int:
        """glibc's `_int_realloc`: grow or shrink in place when possible, else move.

        The old block, when moved, is freed like the tail: through `_int_free` up to 2.41,
        through `_int_free_chunk` (no tcache) from 2.42 (cd33535002).
        """
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
                self._give_back(chunk, old_size)
                return new
        remainder_size = new_size - nb
        if remainder_size < MINSIZE:
            self.used[chunk] = new_size
        else:
            self.used[chunk] = nb
            self._give_back(chunk + nb, remainder_size)
        return chunk

    def _give_back(self, chunk: int, size: int) -> None:
        """Free a piece realloc no longer needs: through `_int_free` (tcache, fastbins) up to
        2.41; from 2.42 (cd33535002) `_int_free_chunk` merges it into the bins directly."""
        if self._bypass_tcache:
            self._free_into_bins(chunk, size)
        else:
            self._int_free(chunk, size)

    def _realloc_mmapped(self, chunk: int, old_size: int, size: int, nb: int) -> int | None:
        """realloc of an mmapped chunk: mremap to the new page count (no threshold update).
        None if mremap failed."""
        new_size = (nb + self._mmap_extra + PAGE_MASK) & ~PAGE_MASK
        if new_size == old_size:
            return chunk + 16
        new_chunk = self._mremap(chunk, old_size, new_size)
        if new_chunk is None:
            return None  # the caller falls back as __libc_realloc does
        del self.mmapped_chunks[chunk]
        self.mmapped_chunks[new_chunk] = new_size
        # 2.43's mremap_chunk adds `new_size - chunksize` to mmapped_mem, and the chunk size
        # is now the mapping minus 16: hblkhd ends up 16 bytes above the mappings' total.
        self.mmapped += new_size - old_size + self._mremap_drift
        self.peak_mmapped = max(self.peak_mmapped, self.mmapped)
        return new_chunk + 16
