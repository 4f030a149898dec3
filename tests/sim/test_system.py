"""The system-call layer: requests no address space can hold fail as Linux fails them, and
glibc's malloc and realloc then return NULL, as the live glibc does (tests/native/test_oracle.py
checks the same traces against it)."""

from __future__ import annotations

import pytest

from brkdoc.sim import Heap, format_strace

ENOMEM = "-1 ENOMEM (Cannot allocate memory)"
ANON = "PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0"


@pytest.mark.parametrize("size", [2**47, 2**48, 2**56, 2**63 - 1])
def test_malloc_of_more_than_the_address_space_returns_null(size: int) -> None:
    heap = Heap()
    small = heap.malloc(100)
    before = (heap.brk, heap.mmapped, heap.top_size)
    assert heap.malloc(size) == 0
    assert (heap.brk, heap.mmapped, heap.top_size) == before
    assert heap.malloc(100) == small + 112  # the heap carries on unharmed


def test_the_failed_calls_are_logged_as_strace_shows_them() -> None:
    # strace of malloc(100) then malloc(2**48) on glibc 2.36 (Debian 2.36-9+deb12u14):
    #   mmap(NULL, 281474976714752, ...) = -1 ENOMEM (Cannot allocate memory)
    #   brk(0x1564ad0e2b000)             = 0x564ad0e2b000
    #   mmap(NULL, 281474977759232, ...) = -1 ENOMEM (Cannot allocate memory)
    heap = Heap()
    heap.malloc(100)
    heap.syscalls.clear()
    heap.malloc(2**48)
    lines = format_strace(heap.syscalls).splitlines()
    assert lines == [
        f"mmap(NULL, 281474976714752, {ANON}) = {ENOMEM}",
        f"brk({heap.heap_start + 2**48 + 0x21000:#x}) = {heap.heap_start + 0x21000:#x}",
        f"mmap(NULL, 281474977759232, {ANON}) = {ENOMEM}",
    ]


def test_a_request_near_2_63_skips_brk_as_glibc_does() -> None:
    # glibc's `long size` wraps negative, so MORECORE is not called; only the two mmaps are.
    heap = Heap()
    heap.malloc(100)
    heap.syscalls.clear()
    assert heap.malloc(2**63 - 1) == 0
    assert [call.name for call in heap.syscalls] == ["mmap", "mmap"]
    assert [call.args[1] for call in heap.syscalls] == [9223372036854779904, 9223372036855824384]


@pytest.mark.parametrize("size", [2**63, 2**64 - 1])
def test_more_than_ptrdiff_max_fails_before_any_call(size: int) -> None:
    heap = Heap()
    assert heap.malloc(size) == 0
    assert heap.syscalls == []


def test_realloc_of_a_heap_block_to_an_impossible_size_keeps_the_block() -> None:
    heap = Heap()
    p = heap.malloc(100)
    assert heap.realloc(p, 2**48) == 0
    assert heap.usable_size(p) >= 100
    heap.free(p)


def test_realloc_of_an_mmapped_block_tries_mremap_then_malloc() -> None:
    heap = Heap()
    p = heap.malloc(300_000)
    heap.syscalls.clear()
    assert heap.realloc(p, 2**48) == 0
    assert [call.name for call in heap.syscalls] == ["mremap", "mmap", "brk", "mmap"]
    assert str(heap.syscalls[0]).endswith(" = -1 EINVAL (Invalid argument)")
    assert heap.is_mmapped(p)
    assert heap.mmapped == 303104
