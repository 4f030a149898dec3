"""The regular bins: unlinking, the unsorted list, sorted large bins, splitting, coalescing
on free (`_int_free`'s second half) and `malloc_consolidate`.
"""

from __future__ import annotations

from brkdoc.sim.params import (
    FASTBIN_CONSOLIDATION_THRESHOLD,
    MINSIZE,
    largebin_index,
)
from brkdoc.sim.state import UNSORTED
from brkdoc.sim.system import SystemCalls

__all__ = ["Bins"]


class Bins(SystemCalls):
    """Free chunks in doubly linked bins, kept exactly in glibc's order."""

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
        first = fd[UNSORTED]
        fd[chunk] = first
        self.bk[chunk] = UNSORTED
        fd[UNSORTED] = chunk
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

    def _free_into_bins(self, chunk: int, size: int) -> None:
        """The coalescing half of `_int_free`, with the trim check at the end."""
        next_chunk = chunk + size
        free_size = self.free_size
        free_end = self.free_end
        previous = free_end.get(chunk)
        if previous is not None:
            size += self._unlink(previous)
            chunk = previous
        if next_chunk != self.top:
            if next_chunk in free_size:
                size += self._unlink(next_chunk)
            # Onto the front of the unsorted list (inlined _to_unsorted), or from 2.41
            # (e2436d6f5a, `_int_free_create_chunk`) a small chunk onto the front of its
            # small bin.
            header = UNSORTED
            if size < 1024 and self._small_to_smallbin:
                header = -(size >> 4)
                self.binmap |= 1 << (size >> 4)
            fd = self.fd
            first = fd[header]
            fd[chunk] = first
            self.bk[chunk] = header
            fd[header] = chunk
            self.bk[first] = chunk
            free_size[chunk] = size
            free_end[chunk + size] = chunk
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
            for fast_chunk in reversed(fastbin):
                chunk = fast_chunk
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
