"""brkdoc.render.model: the renderer's input checks what it is given."""

from __future__ import annotations

import pytest

from brkdoc.render.model import CHUNK_STATES, FREE_STATES, Chunk, HeapMap, MappedChunk


def test_from_tuples_reads_optional_bin_and_label() -> None:
    heap = HeapMap.from_tuples(
        [(0, 0x290, "in_use"), (0x290, 0x30, "tcache", 1), (0x2C0, 0x40, "in_use", None, "A")],
        brk=0x21000,
        mmapped=[139264, (266240, "D")],
    )
    assert heap.chunks[1] == Chunk(0x290, 0x30, "tcache", 1, None)
    assert heap.chunks[2].label == "A"
    assert heap.mmapped == (MappedChunk(139264, None), MappedChunk(266240, "D"))


def test_totals_separate_live_free_and_mapped_bytes() -> None:
    heap = HeapMap.from_tuples(
        [
            (0, 0x100, "in_use"),
            (0x100, 0x40, "fastbin"),
            (0x140, 0x500, "largebin"),
            (0x640, 0x1000, "top"),
        ],
        brk=0x1640,
        mmapped=[4096, 8192],
    )
    assert (heap.in_use_bytes, heap.free_bytes, heap.mmapped_bytes) == (0x100, 0x540, 12288)


def test_free_states_are_the_bins() -> None:
    assert set(CHUNK_STATES) - FREE_STATES == {"in_use", "top"}


def test_overlapping_chunks_are_rejected() -> None:
    with pytest.raises(ValueError, match=r"chunk at \+0x30 overlaps"):
        HeapMap.from_tuples([(0, 0x40, "in_use"), (0x30, 0x20, "top")], brk=0x1000)


def test_chunks_out_of_order_are_rejected() -> None:
    with pytest.raises(ValueError, match="overlaps"):
        HeapMap.from_tuples([(0x100, 0x40, "in_use"), (0, 0x20, "in_use")], brk=0x1000)


def test_break_inside_the_heap_is_rejected() -> None:
    with pytest.raises(ValueError, match="lies inside the heap"):
        HeapMap.from_tuples([(0, 0x2000, "top")], brk=0x1000)


def test_unknown_state_and_bad_size_are_rejected() -> None:
    with pytest.raises(ValueError, match="unknown chunk state 'free'"):
        HeapMap.from_tuples([(0, 0x20, "free")], brk=0x1000)
    with pytest.raises(ValueError, match="has size 0"):
        Chunk(0, 0, "in_use")


def test_gaps_are_allowed() -> None:
    heap = HeapMap.from_tuples([(0x10, 0x20, "in_use"), (0x100, 0xF00, "top")], brk=0x1000)
    assert heap.chunks[-1].end == heap.brk
