"""brkdoc.render.heapmap: what the heap map shows, checked on the parsed SVG."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from brkdoc.render.heapmap import MARGIN, ROW_HEIGHT, STATE_NAMES, WIDTH, render_heap_map
from brkdoc.render.model import HeapMap
from brkdoc.render.svg import text_width
from brkdoc.sim.view import STATES
from tests.render.svgtree import NS, chunk_rects, classes, find_all, number, parse, texts

ABCD = HeapMap.from_tuples(
    [
        (0, 0x290, "in_use", None, "tcache struct"),
        (0x290, 0x9C50, "in_use", None, "A"),
        (0x9EE0, 0x9C50, "unsorted", 1, "B"),
        (0x13B30, 0x9C50, "in_use", None, "C"),
        (0x1D780, 0x30, "tcache", 1),
        (0x1D7B0, 0x3850, "top"),
    ],
    brk=0x21000,
    mmapped=[(266240, "D"), 139264],
    caption="After free(B) & <more>",
)


def test_root_is_an_accessible_image() -> None:
    root = parse(render_heap_map(ABCD))
    assert root.tag == f"{NS}svg"
    assert root.get("role") == "img"
    assert root.get("aria-label") == "After free(B) & <more>"
    assert root[0].tag == f"{NS}title"
    assert root[0].text == "After free(B) & <more>"


def test_one_box_per_chunk_in_its_state_colour() -> None:
    root = parse(render_heap_map(ABCD))
    for state, count in [("in_use", 3), ("unsorted", 1), ("tcache", 1), ("top", 1), ("mmap", 2)]:
        assert len(chunk_rects(root, state)) == count, state
    free = [r for r in chunk_rects(root) if "free" in classes(r)]
    assert len(free) == 2  # B and the tcache chunk are dashed


def test_boxes_are_in_address_order_and_stay_inside_the_figure() -> None:
    root = parse(render_heap_map(ABCD))
    heap_boxes = [r for r in chunk_rects(root) if "s-mmap" not in classes(r)]
    positions = [(number(r, "y"), number(r, "x")) for r in heap_boxes]
    assert positions == sorted(positions)
    for rect in chunk_rects(root):
        assert number(rect, "x") >= MARGIN
        assert number(rect, "x") + number(rect, "width") <= WIDTH - MARGIN + 0.01


def test_break_marker_sits_at_the_end_of_the_top_chunk() -> None:
    root = parse(render_heap_map(ABCD))
    top = chunk_rects(root, "top")[0]
    marker = next(line for line in find_all(root, "line") if "brk" in classes(line))
    assert number(marker, "x1") == pytest.approx(number(top, "x") + number(top, "width"), abs=0.02)
    assert "program break +0x21000" in texts(root)


def test_mmapped_chunks_are_drawn_below_the_heap() -> None:
    root = parse(render_heap_map(ABCD))
    lowest_heap_box = max(number(r, "y") for r in chunk_rects(root) if "s-mmap" not in classes(r))
    assert all(number(r, "y") > lowest_heap_box for r in chunk_rects(root, "mmap"))
    assert {"D", "260 KiB", "136 KiB"} <= set(texts(root))


def test_labels_that_do_not_fit_are_left_out() -> None:
    root = parse(render_heap_map(ABCD))
    for group in find_all(root, "g"):
        rect = group.find(f"{NS}rect")
        assert rect is not None
        for text in group.findall(f"{NS}text"):
            assert text_width(text.text or "") <= number(rect, "width") - 6
    assert "A · in use" in texts(root)
    assert "48 B" in texts(root)  # the narrow tcache box keeps its size ...
    assert "tcache" not in texts(root)  # ... but not its state word


def test_every_chunk_has_a_tooltip_with_exact_numbers() -> None:
    root = parse(render_heap_map(ABCD))
    titles = [t.text for t in find_all(root, "title")]
    assert "B: free: unsorted bin, bin 1, 40016 bytes at +0x9ee0" in titles
    assert "D: mmapped chunk of 266240 bytes" in titles


def test_legend_lists_only_the_states_present() -> None:
    root = parse(render_heap_map(ABCD))
    legend = set(texts(root))
    assert {"in use", "free: tcache", "free: unsorted bin", "top chunk", "mmapped chunk"} <= legend
    assert "free: large bin" not in legend


def test_no_mmapped_chunks_says_none() -> None:
    heap = HeapMap.from_tuples([(0, 0x290, "in_use"), (0x290, 0x20D70, "top")], brk=0x21000)
    root = parse(render_heap_map(heap))
    assert "none" in texts(root)
    assert not chunk_rects(root, "mmap")


def _many_chunks() -> HeapMap:
    rows: list[tuple[int, int, str]] = []
    offset = 0
    for index in range(300):
        state = ("in_use", "in_use", "smallbin")[index % 3]
        rows.append((offset, 0x40, state))
        offset += 0x40
    rows.append((offset, 0x100, "fastbin"))  # a tiny hole, far below a pixel at this scale
    offset += 0x100
    rows.append((offset, 0x400000, "top"))
    return HeapMap.from_tuples(rows, brk=offset + 0x400000)


def test_linear_layout_merges_neighbours_in_the_same_state() -> None:
    heap = HeapMap.from_tuples(
        [(0, 0x100, "in_use"), (0x100, 0x100, "in_use"), (0x200, 0xE00, "top")], brk=0x1000
    )
    root = parse(render_heap_map(heap, "linear", rows=1))
    assert len(chunk_rects(root, "in_use")) == 1
    title = chunk_rects(root, "in_use")[0].find(f"{NS}title")
    assert title is not None
    assert title.text == "in use: 2 chunks, 512 bytes at +0x0"


def test_linear_layout_is_to_scale_and_keeps_tiny_holes_visible() -> None:
    heap = _many_chunks()
    root = parse(render_heap_map(heap, "linear", rows=4))
    hole = chunk_rects(root, "fastbin")
    assert len(hole) == 1
    assert number(hole[0], "width") == 1.0
    # Rows hold whole pages: the second row starts at a page multiple.
    labels = [t for t in texts(root) if t.startswith("+0x")]
    assert labels[:2] == ["+0x0", f"+{-(-heap.brk // 4 // 4096) * 4096:#x}"]


def test_linear_layout_splits_a_run_across_rows() -> None:
    heap = HeapMap.from_tuples([(0, 0x800, "in_use"), (0x800, 0x3800, "top")], brk=0x4000)
    root = parse(render_heap_map(heap, "linear", rows=4))
    top = chunk_rects(root, "top")
    assert len(top) == 4  # 0x800..0x1000 on row 0, then three full rows
    widths = [number(r, "width") for r in top]
    assert widths[0] == pytest.approx(widths[1] / 2)


def test_bad_arguments_are_rejected() -> None:
    with pytest.raises(ValueError, match="unknown layout"):
        render_heap_map(ABCD, "spiral")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="rows"):
        render_heap_map(ABCD, "linear", rows=0)


def test_description_names_the_first_chunks_and_counts_the_rest() -> None:
    root = parse(render_heap_map(_many_chunks(), "linear"))
    desc = root.find(f"{NS}desc")
    assert desc is not None
    text = desc.text or ""
    assert text.startswith("heap ")
    assert text.endswith("; and 290 more chunks")


def _wraps(root: ET.Element) -> list[ET.Element]:
    return [p for p in find_all(root, "path") if "wrap" in classes(p)]


def _path_numbers(element: ET.Element) -> list[float]:
    return [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", element.get("d", ""))]


FOUR_BIG = HeapMap.from_tuples(
    [
        (0, 0x290, "in_use", None, "tcache struct"),
        *((0x290 + i * 0x9C50, 0x9C50, "in_use", None, name) for i, name in enumerate("ABCD")),
        (0x290 + 4 * 0x9C50, 0x20D70, "top"),
    ],
    brk=0x290 + 4 * 0x9C50 + 0x20D70,
)


def test_a_row_break_leads_from_the_end_of_one_row_into_the_start_of_the_next() -> None:
    root = parse(render_heap_map(FOUR_BIG))
    rects = chunk_rects(root)
    row_tops = sorted({number(r, "y") for r in rects})
    assert len(row_tops) == 2  # C starts a second row
    (line,) = _wraps(root)
    first_of_row_2 = next(r for r in rects if number(r, "y") == row_tops[1])
    last_of_row_1 = max(
        (r for r in rects if number(r, "y") == row_tops[0]), key=lambda r: number(r, "x")
    )
    start_x, start_y, *_, end_y, end_x = _path_numbers(line)
    # It leaves the last box of row 1 at its right edge, mid-height ...
    right_edge = number(last_of_row_1, "x") + number(last_of_row_1, "width")
    assert start_x == pytest.approx(right_edge, abs=0.02)
    assert start_y == pytest.approx(row_tops[0] + ROW_HEIGHT / 2)
    # ... and ends just left of the first box of row 2, where an arrowhead points into it.
    assert end_y == pytest.approx(row_tops[1] + ROW_HEIGHT / 2)
    assert number(first_of_row_2, "x") - 6 <= end_x < number(first_of_row_2, "x")
    (head,) = [p for p in find_all(root, "path") if "wrap-head" in classes(p)]
    assert _path_numbers(head)[2:4] == [number(first_of_row_2, "x"), end_y]


def test_a_row_break_prints_the_offset_where_one_row_stops_and_the_next_starts() -> None:
    root = parse(render_heap_map(FOUR_BIG))
    offsets = [t.text for t in find_all(root, "text") if "addr" in classes(t)]
    c_starts = f"+{0x290 + 2 * 0x9C50:#x}"
    assert offsets == ["+0x0", c_starts, c_starts]


def test_a_heap_on_one_row_has_no_continuation() -> None:
    heap = HeapMap.from_tuples([(0, 0x290, "in_use"), (0x290, 0x20D70, "top")], brk=0x21000)
    root = parse(render_heap_map(heap))
    assert not _wraps(root)
    assert [t.text for t in find_all(root, "text") if "addr" in classes(t)] == ["+0x0"]


def test_linear_rows_are_joined_one_to_the_next() -> None:
    heap = HeapMap.from_tuples([(0, 0x800, "in_use"), (0x800, 0x3800, "top")], brk=0x4000)
    root = parse(render_heap_map(heap, "linear", rows=4))
    lines = _wraps(root)
    assert len(lines) == 3
    for line in lines:
        start_x, *_ = _path_numbers(line)
        assert start_x == WIDTH - MARGIN


def test_every_chunk_state_of_the_simulator_has_names() -> None:
    assert set(STATE_NAMES) == set(STATES)


@pytest.mark.parametrize("layout", ["blocks", "linear"])
def test_an_empty_heap_draws_the_break_alone(layout: str) -> None:
    """Before the first malloc there are no chunks; the playground draws that state too."""
    root = parse(render_heap_map(HeapMap.from_tuples([], brk=0), layout))  # type: ignore[arg-type]
    assert chunk_rects(root) == []
    assert any("program break" in text for text in texts(root))
