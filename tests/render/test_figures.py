"""brkdoc.render.figures: the site's pictures show what the simulator did."""

from __future__ import annotations

import pytest

from brkdoc.render.figures import (
    FRAGMENTATION_SIZE,
    Step,
    fragmentation_figures,
    run_steps,
    site_figures,
    trace_figures,
    version_figures,
)
from tests.render.svgtree import chunk_rects, find_all, parse, texts

TRACE = ["3", "4", "a 0 40000", "a 1 40000", "f 0", "a 2 300000"]


def _break(svg: str) -> int:
    label = next(t for t in texts(parse(svg)) if t.startswith("program break"))
    return int(label.split("+")[1], 16)


def test_fragmentation_story_breaks() -> None:
    figures = fragmentation_figures()
    breaks = [
        _break(figures[name])
        for name in (
            "fragmentation-1-allocated.svg",
            "fragmentation-2-free-b.svg",
            "fragmentation-3-free-c.svg",
            "fragmentation-4-free-d.svg",
        )
    ]
    # Measured with glibc 2.36 under strace: +0x48000 after the four mallocs, unchanged by
    # free(B) and free(C), +0x2a000 after free(D) trims the top.
    assert breaks == [0x48000, 0x48000, 0x48000, 0x2A000]


def test_free_b_leaves_a_labelled_hole_in_the_unsorted_bin() -> None:
    root = parse(fragmentation_figures()["fragmentation-2-free-b.svg"])
    (hole,) = chunk_rects(root, "unsorted")
    assert "B · unsorted" in texts(root)
    assert hole.get("class") == "chunk s-unsorted free"


def test_free_c_coalesces_with_b() -> None:
    root = parse(fragmentation_figures()["fragmentation-3-free-c.svg"])
    titles = [t.text for t in find_all(root, "title")]
    # B's chunk (header included) starts after the 0x290 tcache chunk and A's chunk.
    b_offset = 0x290 + FRAGMENTATION_SIZE + 16
    both = 2 * (FRAGMENTATION_SIZE + 16)
    assert f"B+C: free: unsorted bin, bin 1, {both} bytes at +{b_offset:#x}" in titles
    assert "B+C · unsorted" in texts(root)


def test_free_d_merges_everything_after_a_into_an_unnamed_top() -> None:
    root = parse(fragmentation_figures()["fragmentation-4-free-d.svg"])
    assert len(chunk_rects(root, "top")) == 1
    assert [t for t in texts(root) if "·" in t] == ["A · in use"]
    assert len(chunk_rects(root)) == 3  # the tcache chunk, A, the top


def test_small_blocks_go_to_the_tcache_and_never_coalesce() -> None:
    root = parse(fragmentation_figures()["fragmentation-small.svg"])
    assert len(chunk_rects(root, "tcache")) == 3
    assert _break(fragmentation_figures()["fragmentation-small.svg"]) == 0x21000


def test_large_blocks_are_mmapped_and_drawn_apart() -> None:
    figures = fragmentation_figures()
    assert len(chunk_rects(parse(figures["fragmentation-mmap.svg"]), "mmap")) == 2
    assert len(chunk_rects(parse(figures["fragmentation-mmap-free-d.svg"]), "mmap")) == 1


def test_run_steps_rejects_unknown_calls() -> None:
    with pytest.raises(ValueError, match="unknown call"):
        run_steps([Step((("realloc", "A", 3),), "x.svg", "x")])


def test_trace_figures_draw_a_timeline_and_a_heap() -> None:
    figures = trace_figures(TRACE, "t.rep", "tiny")
    assert sorted(figures) == ["tiny-heap.svg", "tiny-timeline.svg"]
    heap = parse(figures["tiny-heap.svg"])
    assert len(chunk_rects(heap, "mmap")) == 1
    assert "tiny: the heap after operation 4 of 4" in texts(heap)


def test_trace_figures_can_stop_early() -> None:
    figures = trace_figures(TRACE, "t.rep", "tiny", stop_after=1)
    heap = parse(figures["tiny-heap.svg"])
    assert not chunk_rects(heap, "mmap")
    with pytest.raises(ValueError, match="no operation 4"):
        trace_figures(TRACE, "t.rep", "tiny", stop_after=4)


def test_site_figures_include_every_trace() -> None:
    names = site_figures({"tiny": ("t.rep", TRACE, None)})
    assert {"tiny-heap.svg", "tiny-timeline.svg", "fragmentation-1-allocated.svg"} <= set(names)


def test_version_figures_put_the_tcache_struct_first_on_2_36_and_after_d_on_2_43() -> None:
    # tests/native/test_oracle_versions.py checks the same calls against the real builds.
    figures = version_figures()
    old = [t.text for t in find_all(parse(figures["fragmentation-small-2.36.svg"]), "title")]
    new = [t.text for t in find_all(parse(figures["fragmentation-small-2.43.svg"]), "title")]
    assert old[1:3] == [
        "tcache struct: in use, 656 bytes at +0x0",
        "A: in use, 112 bytes at +0x290",
    ]
    assert new[1] == "A: in use, 112 bytes at +0x0"
    assert new[5] == "tcache struct: in use, 768 bytes at +0x1c0"
    assert "fragmentation-small-2.43.svg" in site_figures({})
