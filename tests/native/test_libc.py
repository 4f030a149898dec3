"""The ctypes bindings, checked against the live C library.

Calls that change process-wide state (mallopt, malloc_trim, sbrk with an increment) run in a child.
"""

from __future__ import annotations

import ctypes
import os

import pytest

from brkdoc.errors import NotGlibcError
from brkdoc.native import libc
from brkdoc.native.child import run_in_child
from brkdoc.native.demos.result import CHUNK_HDR_SZ, PAGE, mmapped_chunk_size
from brkdoc.native.procfs import read_maps
from brkdoc.platform import glibc_version

pytestmark = pytest.mark.skipif(
    glibc_version() is None, reason="the C library is not glibc; these bindings target glibc"
)


def test_version_matches_confstr() -> None:
    assert libc.gnu_get_libc_version() == glibc_version()
    assert os.confstr("CS_GNU_LIBC_VERSION") == f"glibc {libc.gnu_get_libc_version()}"


def test_sbrk_zero_and_raw_brk_agree_on_the_break() -> None:
    assert libc.sbrk(0) == libc.brk(0)


def test_break_is_the_end_of_the_heap_mapping() -> None:
    # Reading maps allocates in this very process, which can move the break under our feet;
    # take a reading in which the break was the same before and after.
    for _ in range(20):
        before = libc.sbrk(0)
        heap = [mapping for mapping in read_maps() if mapping.path == "[heap]"]
        if libc.sbrk(0) == before:
            break
    else:
        pytest.fail("the break kept moving while /proc/self/maps was read")
    assert len(heap) == 1
    # The kernel maps whole pages; the break itself may sit inside the last one.
    assert heap[0].end == (before + PAGE - 1) & ~(PAGE - 1)


def test_malloc_family_round_trip() -> None:
    block = libc.malloc(100)
    assert block != 0
    assert libc.malloc_usable_size(block) >= 100
    ctypes.memset(block, 0x41, 100)
    grown = libc.realloc(block, 5000)
    assert ctypes.string_at(grown, 100) == b"A" * 100
    libc.free(grown)
    zeroed = libc.calloc(64, 16)
    assert ctypes.string_at(zeroed, 1024) == bytes(1024)
    libc.free(zeroed)
    # glibc's REALLOC_ZERO_BYTES_FREES: realloc(p, 0) frees p and returns NULL.
    assert libc.realloc(libc.malloc(10), 0) == 0


def test_a_block_above_any_threshold_is_counted_as_mmapped() -> None:
    # 64 MiB is above DEFAULT_MMAP_THRESHOLD_MAX (32 MiB), so the dynamic threshold cannot reach it.
    size = 64 * 1024 * 1024
    before = libc.mallinfo2()
    block = libc.malloc(size)
    after = libc.mallinfo2()
    libc.free(block)
    assert after.hblks - before.hblks == 1
    assert after.hblkhd - before.hblkhd == mmapped_chunk_size(size)
    assert block % PAGE == CHUNK_HDR_SZ


def test_mmap_mremap_madvise_munmap() -> None:
    flags = libc.MAP_PRIVATE | libc.MAP_ANONYMOUS
    region = libc.mmap(2 * PAGE, libc.PROT_READ | libc.PROT_WRITE, flags)
    ctypes.memset(region, 0x7F, 2 * PAGE)
    moved = libc.mremap(region, 2 * PAGE, 8 * PAGE)
    assert ctypes.string_at(moved, 2 * PAGE) == b"\x7f" * (2 * PAGE)
    libc.madvise(moved, 2 * PAGE, libc.MADV_DONTNEED)
    assert ctypes.string_at(moved, 2 * PAGE) == bytes(2 * PAGE)
    libc.munmap(moved, 8 * PAGE)


def test_mmap_failure_raises_oserror() -> None:
    flags = libc.MAP_PRIVATE | libc.MAP_ANONYMOUS
    region = libc.mmap(PAGE, libc.PROT_READ, flags)
    try:
        with pytest.raises(OSError, match="mmap"):
            libc.mmap(PAGE, libc.PROT_READ, flags | libc.MAP_FIXED_NOREPLACE, address=region)
    finally:
        libc.munmap(region, PAGE)


def test_mallopt_accepts_known_parameters_and_rejects_unknown_ones() -> None:
    target = "brkdoc.native.libc:mallopt"
    assert run_in_child(target, args=[libc.M_MMAP_THRESHOLD, 256 * 1024]) is True
    assert run_in_child(target, args=[libc.M_TOP_PAD, 0]) is True
    # M_MXFAST (1) above MAX_FAST_SIZE (160 bytes on 64-bit) is refused by do_set_mxfast.
    assert run_in_child(target, args=[1, 100_000]) is False


def test_malloc_trim_and_sbrk_run_in_a_child() -> None:
    assert isinstance(run_in_child("brkdoc.native.libc:malloc_trim", args=[0]), bool)
    old_break = run_in_child("brkdoc.native.libc:sbrk", args=[PAGE])
    assert old_break > 0
    assert old_break % PAGE == 0


def test_sbrk_refusal_raises() -> None:
    # An increment no address space can hold: the kernel refuses and sbrk reports ENOMEM.
    with pytest.raises(OSError, match="sbrk"):
        libc.sbrk(1 << 62)


def test_not_glibc_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(libc, "glibc_version", lambda: None)
    with pytest.raises(NotGlibcError, match="not glibc"):
        libc.require_glibc()
