"""`_int_malloc` and the first half of `_int_free` (tcache and fastbins), and `tcache_init`."""

from __future__ import annotations

from brkdoc.sim.bins import Bins
from brkdoc.sim.params import (
    MAX_ITERS,
    MINSIZE,
    TCACHE_STRUCT_BYTES,
    largebin_index,
    request2size,
)
from brkdoc.sim.state import UNSORTED

__all__ = ["Allocator"]


class Allocator(Bins):
    """Handing out chunks: tcache, fastbins, bins, the top chunk, then sysmalloc."""

    def _tcache_init(self, nb: int = request2size(TCACHE_STRUCT_BYTES)) -> None:
        """`tcache_init`: take a chunk of `nb` bytes for the tcache struct from `_int_malloc`.

        While it runs the tcache is glibc's "disabled" dummy (2.43 `tcache_init` sets it
        first), so the nested `_int_malloc` neither stashes chunks nor starts another init.
        """
        count = self.tunables.tcache_bins
        self._tcache_busy = True
        try:
            chunk = self._int_malloc(nb)
        finally:
            self._tcache_busy = False
        if chunk:
            self.tcache = [[] for _ in range(count)]
            self.tcache_struct = chunk

    def _tcache_init_lazily(self) -> list[list[int]] | None:
        """2.43 and later: the tcache is set up inside `_int_malloc` on a small-bin hit or an
        exact unsorted fit (malloc.c `_int_malloc`, `tcache_inactive ()` checks; 2bf2188fae)."""
        if self.tcache is None and not self._tcache_busy:
            self._tcache_init(self.profile.tcache_struct_chunk)
        return self.tcache

    def _int_malloc(self, nb: int) -> int:  # noqa: PLR0911, PLR0912, PLR0915
        """glibc's `_int_malloc` for a padded size; returns the chunk address or 0.

        One long function on purpose: it follows glibc's own control flow step by step, which
        is what makes it checkable against the source, and it is the hot path.
        """
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
                if tc_bin is None and not self._tcache_eager:
                    lazy = self._tcache_init_lazily()
                    if lazy is not None and tc_idx < tun.tcache_bins:
                        tc_bin = lazy[tc_idx]
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
                victim = bk[UNSORTED]
                if victim == UNSORTED:
                    break
                back = bk[victim]
                size = free_size[victim]
                if (
                    small_request
                    and back == UNSORTED
                    and victim == self.last_remainder
                    and size > nb + MINSIZE
                ):
                    remainder = victim + nb
                    remainder_size = size - nb
                    del fd[victim]
                    del bk[victim]
                    del free_size[victim]
                    fd[UNSORTED] = remainder
                    bk[UNSORTED] = remainder
                    fd[remainder] = UNSORTED
                    bk[remainder] = UNSORTED
                    free_size[remainder] = remainder_size
                    free_end[remainder + remainder_size] = remainder
                    self.last_remainder = remainder
                    used[victim] = nb
                    return victim
                bk[UNSORTED] = back
                fd[back] = UNSORTED
                del fd[victim]
                del bk[victim]
                if size == nb:
                    del free_size[victim]
                    del free_end[victim + size]
                    if self._stash_unsorted:
                        if tc_bin is None and not self._tcache_eager:
                            # 2.43 sets the tcache up here for any exact fit, even a large one.
                            lazy = self._tcache_init_lazily()
                            if lazy is not None and tc_idx < tun.tcache_bins:
                                tc_bin = lazy[tc_idx]
                        if tc_bin is not None and len(tc_bin) < tcache_count:
                            tc_bin.append(victim)
                            return_cached = True
                            continue
                    used[victim] = nb
                    return victim
                if size < 1024:
                    # Small bins take new chunks at the front (inlined: the common case).
                    small_index = size >> 4
                    small_header = -small_index
                    forward = fd[small_header]
                    self.binmap |= 1 << small_index
                    bk[victim] = small_header
                    fd[victim] = forward
                    bk[forward] = victim
                    fd[small_header] = victim
                else:
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

    def _int_free(self, chunk: int, size: int) -> None:
        """glibc's `_int_free` for a chunk known to be in use and not mmapped.

        From 2.43 the tcache may not exist yet; then the chunk goes straight to the bins,
        as `_int_free_chunk` does for the pieces realloc gives back.
        """
        tc_idx = (size - 17) >> 4
        tcache = self.tcache
        if tc_idx < self._tcache_bins and tcache is not None:
            bin_ = tcache[tc_idx]
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
