"""Snapshots name every chunk's state and bin."""

from __future__ import annotations

from brkdoc.sim import Heap, format_view, snapshot


def test_every_state_appears_and_chunks_tile_the_heap() -> None:
    heap = Heap()
    tiny = [heap.malloc(40) for _ in range(9)]
    smalls, larges = [], []
    for _ in range(8):
        smalls.append(heap.malloc(300))
        heap.malloc(10)  # guard: keeps neighbours from merging
    for _ in range(2):
        larges.append(heap.malloc(3000))
        heap.malloc(10)
    mapped = heap.malloc(1 << 20)
    for pointer in smalls + larges:
        heap.free(pointer)  # seven 320-byte chunks fill their tcache bin, the rest go unsorted
    heap.malloc(4000)  # the unsorted chunks get sorted into a small and a large bin
    for pointer in tiny:
        heap.free(pointer)  # seven to the tcache, two to a fastbin
    view = snapshot(heap)
    by_state = {chunk.state: chunk for chunk in reversed(view.chunks)}
    assert set(by_state) == {"in_use", "tcache", "fastbin", "smallbin", "largebin", "top"}
    assert (by_state["smallbin"].size, by_state["smallbin"].bin) == (320, 20)
    assert (by_state["largebin"].size, by_state["largebin"].bin) == (3008, 95)
    assert (by_state["fastbin"].size, by_state["fastbin"].bin) == (48, 1)
    offsets = [chunk.offset for chunk in view.chunks]
    assert offsets == sorted(offsets)
    for before, after in zip(view.chunks, view.chunks[1:], strict=False):
        assert before.offset + before.size == after.offset
    assert view.chunks[-1].offset + view.chunks[-1].size == view.brk
    assert view.chunks[0].is_tcache_struct
    assert [m.size for m in view.mmapped] == [1052672]
    assert heap.is_mmapped(mapped)
    assert "largebin" in format_view(view)


def test_unsorted_then_sorted() -> None:
    heap = Heap()
    block = heap.malloc(2000)
    heap.malloc(10)
    heap.free(block)
    assert snapshot(heap).chunks[1].state == "unsorted"
    heap.malloc(3000)  # moves it into its bin on the way to the top chunk
    chunk = snapshot(heap).chunks[1]
    assert (chunk.size, chunk.state, chunk.bin) == (2016, "largebin", 79)
