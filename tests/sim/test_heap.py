"""The model on its own: layouts and decisions worked out from glibc 2.36's code."""

from __future__ import annotations

import pytest

from brkdoc.sim import (
    GLIBC_2_36,
    GLIBC_2_41,
    GLIBC_2_43,
    M_MMAP_THRESHOLD,
    M_TRIM_THRESHOLD,
    Heap,
    MallocAbort,
    UnsupportedState,
    format_strace,
)


def test_first_malloc_allocates_the_tcache_then_grows_the_heap() -> None:
    heap = Heap()
    pointer = heap.malloc(1)
    assert heap.offset(pointer) == 0x290 + 16  # the 0x290 tcache chunk comes first
    assert heap.brk == 0x21000  # ALIGN_UP(0x290 + 128 KiB + 32, 4096)
    assert [call.name for call in heap.syscalls] == ["brk", "brk"]


def test_first_malloc_of_a_big_block_still_builds_the_heap() -> None:
    heap = Heap()
    pointer = heap.malloc(1 << 20)
    assert heap.is_mmapped(pointer)
    assert heap.brk == 0x21000
    assert heap.mmapped == 1052672
    assert format_strace(heap.syscalls).splitlines()[-1].startswith("mmap(NULL, 1052672, ")


def test_tcache_is_lifo_and_holds_seven() -> None:
    heap = Heap()
    pointers = [heap.malloc(40) for _ in range(9)]
    for pointer in pointers:
        heap.free(pointer)
    # The last two went to a fastbin; the tcache returns the 7th free first.
    assert heap.malloc(40) == pointers[6]
    assert len(heap.fastbins[1]) == 2


def test_calloc_skips_the_tcache() -> None:
    heap = Heap()
    first = heap.malloc(40)
    heap.free(first)
    assert heap.calloc(1, 40) != first
    assert heap.malloc(40) == first


def test_freeing_an_mmapped_block_raises_the_threshold() -> None:
    heap = Heap()
    heap.malloc(10)
    big = heap.malloc(135168)
    assert heap.is_mmapped(big)
    heap.free(big)
    assert heap.tunables.mmap_threshold == 139264
    assert heap.tunables.trim_threshold == 2 * 139264
    assert not heap.is_mmapped(heap.malloc(135168))


def test_mallopt_switches_the_dynamic_threshold_off() -> None:
    heap = Heap()
    assert heap.mallopt(M_TRIM_THRESHOLD, 1 << 20) == 1
    big = heap.malloc(200_000)
    heap.free(big)
    assert heap.tunables.mmap_threshold == 128 * 1024
    assert heap.mallopt(M_MMAP_THRESHOLD, 1 << 30) == 1
    assert not heap.is_mmapped(heap.malloc(200_000))


def test_free_trims_when_top_passes_the_threshold() -> None:
    heap = Heap()
    blocks = [heap.malloc(2000) for _ in range(200)]
    peak = heap.brk
    for block in blocks:
        heap.free(block)
    assert heap.brk < peak
    assert heap.syscalls[-1].name == "brk"


def test_double_free_in_tcache() -> None:
    heap = Heap()
    pointer = heap.malloc(24)
    heap.free(pointer)
    with pytest.raises(MallocAbort, match=r"^free\(\): double free detected in tcache 2$"):
        heap.free(pointer)


def test_invalid_pointer() -> None:
    heap = Heap()
    pointer = heap.malloc(24)
    with pytest.raises(MallocAbort, match=r"^free\(\): invalid pointer$"):
        heap.free(pointer + 8)


def test_double_free_of_a_binned_chunk() -> None:
    heap = Heap()
    pointer = heap.malloc(5000)
    heap.malloc(10)
    heap.free(pointer)
    with pytest.raises(MallocAbort, match=r"double free or corruption \(!prev\)"):
        heap.free(pointer)


def test_stale_pointer_the_model_cannot_follow() -> None:
    heap = Heap()
    pointer = heap.malloc(24)
    with pytest.raises(UnsupportedState):
        heap.free(pointer + 16)


def test_realloc_of_an_mmapped_block_differs_between_profiles() -> None:
    old, new, newest = Heap(GLIBC_2_36), Heap(GLIBC_2_41), Heap(GLIBC_2_43)
    for heap in (old, new, newest):
        heap.malloc(1)
    p_old, p_new, p_newest = old.malloc(200_000), new.malloc(200_000), newest.malloc(200_000)
    usable = old.usable_size(p_old)
    assert usable == 200704 - 16
    assert newest.usable_size(p_newest) == 200704 - 24  # 2.43: the chunk ends 16 bytes early
    old.realloc(p_old, usable)
    assert new.realloc(p_new, usable) == p_new
    assert old.mmapped == 204800  # 2.36 calls mremap
    assert new.mmapped == 200704  # 2.41 keeps the block (at most a page to spare)
    assert old.syscalls[-1].name == "mremap"
    # 2.43 has no page of slack: shrinking by a page calls mremap, and its hblkhd then counts
    # 16 bytes more than the mapping holds (seen on the real 2.43 and 2.44 too).
    assert newest.realloc(p_newest, 200_000 - 4096) == p_newest
    assert newest.syscalls[-1].name == "mremap"
    assert newest.mmapped == 200704 - 4096 + 16


def test_realloc_zero_frees_and_null_mallocs() -> None:
    heap = Heap()
    pointer = heap.realloc(0, 30)
    assert pointer
    assert heap.realloc(pointer, 0) == 0
    assert heap.malloc(30) == pointer


def test_syscall_log_can_be_switched_off_but_still_counts() -> None:
    heap = Heap(record_syscalls=False)
    heap.free(heap.malloc(1 << 20))
    assert heap.syscalls == []
    assert heap.syscall_counts == {"brk": 2, "mmap": 1, "munmap": 1}
