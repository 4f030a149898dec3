"""brkdoc.render.adapter: the simulator's snapshot becomes a HeapMap without losing anything."""

from __future__ import annotations

from typing import Any

import pytest

from brkdoc.render.adapter import heap_map_from_view
from brkdoc.sim import Heap, snapshot
from brkdoc.sim.view import ChunkView, HeapView


def test_every_chunk_keeps_offset_size_state_and_bin() -> None:
    heap = Heap()
    pointers = [heap.malloc(size) for size in (24, 2000, 100, 300_000, 5000)]
    heap.free(pointers[1])
    heap.free(pointers[0])
    view = snapshot(heap)
    heap_map = heap_map_from_view(view)
    assert [(c.offset, c.size, c.state, c.bin_index) for c in heap_map.chunks] == [
        (c.offset, c.size, c.state, c.bin) for c in view.chunks
    ]
    assert heap_map.brk == heap.brk
    assert heap_map.mmapped_bytes == heap.mmapped == view.mmapped_bytes


def test_labels_follow_pointers_to_heap_and_mmapped_chunks() -> None:
    heap = Heap()
    a, big = heap.malloc(40_000), heap.malloc(300_000)
    heap_map = heap_map_from_view(snapshot(heap), {a: "A", big: "BIG"}, caption="c")
    assert [c.label for c in heap_map.chunks] == ["tcache struct", "A", None]
    assert [m.label for m in heap_map.mmapped] == ["BIG"]
    assert heap_map.caption == "c"


def test_merged_free_chunks_name_every_block_and_the_top_names_none() -> None:
    heap = Heap()
    pointers = {name: heap.malloc(40_000) for name in "ABCD"}
    labels = {pointer: name for name, pointer in pointers.items()}
    heap.free(pointers["B"])
    heap.free(pointers["C"])
    after_c = heap_map_from_view(snapshot(heap), labels)
    assert [(c.state, c.label) for c in after_c.chunks] == [
        ("in_use", "tcache struct"),
        ("in_use", "A"),
        ("unsorted", "B+C"),
        ("in_use", "D"),
        ("top", None),
    ]
    heap.free(pointers["D"])
    after_d = heap_map_from_view(snapshot(heap), labels)
    assert [(c.state, c.label) for c in after_d.chunks][-1] == ("top", None)


def test_an_unknown_state_from_the_simulator_is_an_error() -> None:
    # A state the simulator never reports, as a newer simulator might; the type says it cannot.
    bogus: Any = "quarantined"
    chunk = ChunkView(address=0x10, offset=0, size=0x20, state=bogus, bin=None)
    view = HeapView(
        heap_start=0,
        brk=0x1000,
        mmapped_bytes=0,
        mmap_threshold=128 * 1024,
        trim_threshold=128 * 1024,
        chunks=(chunk,),
        mmapped=(),
    )
    with pytest.raises(ValueError, match="unknown chunk state 'quarantined'"):
        heap_map_from_view(view)
