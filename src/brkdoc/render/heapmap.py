"""Draw a heap map as SVG: the heap's chunks in address order, the break, the mmapped chunks.

Two layouts, because heaps come in two shapes:
- `"blocks"`: one labelled box per chunk, for a handful of chunks. Box widths grow with the
  logarithm of the size, so a 32-byte chunk and a 128 KiB top chunk both stay visible; every
  box is labelled with its exact size, so the figure does not pretend to be to scale.
- `"linear"`: to scale, wrapped over rows, for a real program's heap with hundreds of chunks.
  Neighbouring chunks in the same state merge into one run; a run narrower than a pixel is
  widened to one pixel so that no hole disappears.

Either way the heap is one strip of addresses cut into rows, and the figure says so: every row
starts with its offset, a dashed line with an arrowhead leads from the end of each row round to
the start of the next, and in the blocks layout the offset where a row stops is printed at its
end (it is the next row's first offset). The top chunk ends at the program break, which is
marked, and mmapped chunks are drawn in their own row below the heap, because they live
elsewhere in the address space.

>>> from brkdoc.render.model import HeapMap
>>> heap = HeapMap.from_tuples([(0, 0x290, "in_use"), (0x290, 0x20D70, "top")], brk=0x21000)
>>> svg = render_heap_map(heap)
>>> svg.startswith("<svg") and "program break" in svg and "<title>" in svg
True
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from brkdoc.render.model import CHUNK_STATES, FREE_STATES, Chunk, ChunkState, HeapMap, MappedChunk
from brkdoc.render.svg import escape, format_size, num, svg_document, text_width

__all__ = ["STATE_NAMES", "Layout", "render_heap_map"]

Layout = Literal["blocks", "linear"]

# What the legend and the tooltips call each state.
STATE_NAMES: dict[ChunkState, str] = {
    "in_use": "in use",
    "tcache": "free: tcache",
    "fastbin": "free: fastbin",
    "unsorted": "free: unsorted bin",
    "smallbin": "free: small bin",
    "largebin": "free: large bin",
    "top": "top chunk",
}
# The shorter word printed inside a box when it fits.
_BOX_WORDS: dict[ChunkState, str] = {
    "in_use": "in use",
    "tcache": "tcache",
    "fastbin": "fastbin",
    "unsorted": "unsorted",
    "smallbin": "small bin",
    "largebin": "large bin",
    "top": "top",
}

WIDTH = 720.0
MARGIN = 12.0
ROW_HEIGHT = 46.0
ROW_GAP = 34.0
LINEAR_ROW_GAP = 18.0
# Where the continuation line runs between two rows: this far below the upper row.
WRAP_DROP = 9.0
MIN_BOX = 30.0
BOX_PER_DOUBLING = 18.0
LINEAR_GUTTER = 64.0
DESCRIBED_CHUNKS = 12  # room for the row's starting offset in the linear layout


@dataclass(frozen=True, slots=True)
class _Box:
    x: float
    y: float
    width: float
    css: str
    lines: tuple[tuple[str, ...], ...]
    tooltip: str


# A box to lay out: width, CSS classes, candidate lines, tooltip.
_Item = tuple[float, str, tuple[tuple[str, ...], ...], str]


def _box_width(size: int, room: float) -> float:
    """Width for a chunk of `size` bytes: MIN_BOX at 32 bytes, +BOX_PER_DOUBLING per doubling."""
    doublings = math.log2(max(size, 32) / 32)
    return min(room, MIN_BOX + BOX_PER_DOUBLING * doublings)


def _chunk_lines(chunk: Chunk) -> tuple[tuple[str, ...], ...]:
    """Candidate lines for a box, longest first; `_draw_box` prints the first that fits."""
    word = _BOX_WORDS[chunk.state]
    heads = (f"{chunk.label} · {word}", chunk.label) if chunk.label else (word,)
    return heads, (format_size(chunk.size),)


def _chunk_tooltip(chunk: Chunk) -> str:
    where = f"+{chunk.offset:#x}"
    name = f"{chunk.label}: " if chunk.label else ""
    bin_part = f", bin {chunk.bin_index}" if chunk.bin_index is not None else ""
    return f"{name}{STATE_NAMES[chunk.state]}{bin_part}, {chunk.size} bytes at {where}"


def _css_for(state: ChunkState) -> str:
    return f"chunk s-{state}" + (" free" if state in FREE_STATES else "")


def _draw_box(box: _Box) -> str:
    parts = [
        f'<g><title>{escape(box.tooltip)}</title><rect class="{box.css}" x="{num(box.x)}"'
        f' y="{num(box.y)}" width="{num(box.width)}" height="{num(ROW_HEIGHT)}"/>'
    ]
    # Each line is a list of ways to say it, longest first; print the first that fits, and
    # drop a line nothing fits (the tooltip still has everything).
    chosen = [
        next((text for text in options if text_width(text) <= box.width - 6), None)
        for options in box.lines
    ]
    fitting = [text for text in chosen if text is not None]
    centre = box.x + box.width / 2
    first = box.y + ROW_HEIGHT / 2 - 7 * (len(fitting) - 1) + 4
    for index, line in enumerate(fitting):
        parts.append(
            f'<text x="{num(centre)}" y="{num(first + 14 * index)}"'
            f' text-anchor="middle">{escape(line)}</text>'
        )
    parts.append("</g>")
    return "".join(parts)


def _flow(items: Sequence[_Item], top: float) -> tuple[list[_Box], float]:
    """Lay boxes out left to right, wrapping at the right margin. Returns boxes and the last y."""
    boxes: list[_Box] = []
    x, y = MARGIN, top
    right = WIDTH - MARGIN
    for width, css, lines, tooltip in items:
        if x + width > right + 0.01 and x > MARGIN:
            x, y = MARGIN, y + ROW_HEIGHT + ROW_GAP
        boxes.append(_Box(x, y, width, css, lines, tooltip))
        x += width
    return boxes, y


def _continuation(end_x: float, y: float, next_y: float, left: float, gap: float) -> str:
    """A dashed line from the end of the row at `y` round to the start of the row at `next_y`.

    It leaves the row to the right, runs back along the gap below it and enters the next row
    from the left with an arrowhead, so rows read as one strip rather than separate heaps.
    """
    mid, next_mid = y + ROW_HEIGHT / 2, next_y + ROW_HEIGHT / 2
    bend = y + ROW_HEIGHT + min(WRAP_DROP, gap / 2)
    right, outside = WIDTH - MARGIN / 2, left - 7
    return (
        f'<path class="wrap" d="M{num(end_x)} {num(mid)}H{num(right)}V{num(bend)}'
        f'H{num(outside)}V{num(next_mid)}H{num(left - 5)}"/>'
        f'<path class="wrap-head" d="M{num(left - 6)} {num(next_mid - 5)}L{num(left)}'
        f' {num(next_mid)}L{num(left - 6)} {num(next_mid + 5)}Z"/>'
    )


def _address(offset: int, x: float, y: float, anchor: str) -> str:
    return (
        f'<text class="small addr" x="{num(x)}" y="{num(y)}" text-anchor="{anchor}">'
        f"+{offset:#x}</text>"
    )


def _break_marker(x: float, y: float, brk: int) -> str:
    return (
        f'<line class="brk" x1="{num(x)}" y1="{num(y - 6)}" x2="{num(x)}"'
        f' y2="{num(y + ROW_HEIGHT + 8)}"/>'
        f'<text class="brk-label small" x="{num(x)}" y="{num(y + ROW_HEIGHT + 21)}"'
        f' text-anchor="end">program break +{brk:#x}</text>'
    )


def _legend(states: Iterable[ChunkState], with_mmap: bool, y: float) -> tuple[str, float]:
    entries = [(f"s-{state}", STATE_NAMES[state]) for state in states]
    if with_mmap:
        entries.append(("s-mmap", "mmapped chunk"))
    parts: list[str] = []
    x = MARGIN
    for css, name in entries:
        width = 18 + text_width(name, 10.5) + 14
        if x + width > WIDTH - MARGIN:
            x, y = MARGIN, y + 18
        parts.append(
            f'<rect class="chunk {css}" x="{num(x)}" y="{num(y)}" width="12" height="12"/>'
            f'<text class="small" x="{num(x + 17)}" y="{num(y + 10)}">{escape(name)}</text>'
        )
        x += width
    return "".join(parts), y + 18


def _mmapped_row(mapped: Sequence[MappedChunk], top: float) -> tuple[str, float]:
    parts = [
        f'<text class="heading" x="{num(MARGIN)}" y="{num(top)}">'
        "mmapped chunks (separate mappings, outside the heap)</text>"
    ]
    if not mapped:
        parts.append(f'<text class="muted" x="{num(MARGIN)}" y="{num(top + 20)}">none</text>')
        return "".join(parts), top + 32
    room = WIDTH - 2 * MARGIN
    items = [
        (
            # Mapped chunks are page multiples of 132 KiB and more; narrow them a little more
            # than heap chunks so several fit on one row.
            min(room, max(MIN_BOX, _box_width(chunk.size, room) - 120)),
            "chunk s-mmap",
            ((chunk.label or "mmap",), (format_size(chunk.size),)),
            f"{chunk.label + ': ' if chunk.label else ''}mmapped chunk of {chunk.size} bytes",
        )
        for chunk in mapped
    ]
    boxes, last_y = _flow(_spaced(items), top + 10)
    parts.extend(_draw_box(box) for box in boxes if box.css)
    return "".join(parts), last_y + ROW_HEIGHT + 18


def _spaced(
    items: Sequence[_Item],
) -> list[_Item]:
    """Put an 8-pixel gap (an empty, undrawn item) between separate mappings."""
    spaced: list[_Item] = []
    for index, item in enumerate(items):
        if index:
            spaced.append((8.0, "", (), ""))
        spaced.append(item)
    return spaced


def _blocks(heap: HeapMap, top: float) -> tuple[str, float]:
    room = WIDTH - 2 * MARGIN
    items = [
        (_box_width(c.size, room), _css_for(c.state), _chunk_lines(c), _chunk_tooltip(c))
        for c in heap.chunks
    ]
    boxes, last_y = _flow(items, top)
    parts = [_draw_box(box) for box in boxes]
    # Rows as (index of their first box, index past their last box).
    starts = [i for i, box in enumerate(boxes) if i == 0 or box.y != boxes[i - 1].y]
    # An empty heap (before the first malloc) has no boxes and so no rows.
    rows = list(zip(starts, [*starts[1:], len(boxes)], strict=True)) if boxes else []
    for row, (first, stop) in enumerate(rows):
        y = boxes[first].y
        start_label = f"+{heap.chunks[first].offset:#x}"
        parts.append(_address(heap.chunks[first].offset, MARGIN, y - 5, "start"))
        if row + 1 == len(rows):
            continue
        end_x = boxes[stop - 1].x + boxes[stop - 1].width
        end = heap.chunks[stop - 1].end
        # A row of one narrow box has no room for both offsets; its start says enough.
        if end_x - text_width(f"+{end:#x}", 10.5) > MARGIN + text_width(start_label, 10.5) + 6:
            parts.append(_address(end, end_x, y - 5, "end"))
        parts.append(_continuation(end_x, y, boxes[stop].y, MARGIN, ROW_GAP))
    end_x = boxes[-1].x + boxes[-1].width if boxes else MARGIN
    parts.append(_break_marker(end_x, last_y, heap.brk))
    return "".join(parts), last_y + ROW_HEIGHT + ROW_GAP


@dataclass(frozen=True, slots=True)
class _Run:
    start: int
    end: int
    state: ChunkState
    count: int


def _runs(chunks: Sequence[Chunk]) -> list[_Run]:
    runs: list[_Run] = []
    for chunk in chunks:
        last = runs[-1] if runs else None
        if last is not None and last.state == chunk.state and last.end == chunk.offset:
            runs[-1] = _Run(last.start, chunk.end, chunk.state, last.count + 1)
        else:
            runs.append(_Run(chunk.offset, chunk.end, chunk.state, 1))
    return runs


def _linear(heap: HeapMap, top: float, rows: int) -> tuple[str, float]:
    plot_left = MARGIN + LINEAR_GUTTER
    plot_width = WIDTH - MARGIN - plot_left
    span = max(heap.brk - heap.heap_start, 1)
    # Whole pages per row, so the row labels come out as round offsets.
    per_row = -(-math.ceil(span / rows) // 4096) * 4096
    scale = plot_width / per_row
    parts: list[str] = []
    used_rows = math.ceil(span / per_row)
    pitch = ROW_HEIGHT + LINEAR_ROW_GAP
    for row in range(used_rows):
        y = top + row * pitch
        # Clear of the continuation line, which enters the row just left of `plot_left`.
        parts.append(
            _address(heap.heap_start + row * per_row, plot_left - 12, y + ROW_HEIGHT / 2 + 4, "end")
        )
        if row + 1 < used_rows:
            parts.append(_continuation(WIDTH - MARGIN, y, y + pitch, plot_left, LINEAR_ROW_GAP))
    for run in _runs(heap.chunks):
        tooltip = (
            f"{STATE_NAMES[run.state]}: {run.count} chunk{'s' if run.count > 1 else ''},"
            f" {run.end - run.start} bytes at +{run.start:#x}"
        )
        position = run.start - heap.heap_start
        while position < run.end - heap.heap_start:
            row = position // per_row
            row_end = min((row + 1) * per_row, run.end - heap.heap_start)
            x = plot_left + (position - row * per_row) * scale
            width = max((row_end - position) * scale, 1.0)
            y = top + row * pitch
            parts.append(
                f'<rect class="{_css_for(run.state)}" x="{num(x)}" y="{num(y)}"'
                f' width="{num(width)}" height="{num(ROW_HEIGHT)}"><title>{escape(tooltip)}'
                "</title></rect>"
            )
            position = row_end
    last_row = (span - 1) // per_row
    end_x = plot_left + (span - last_row * per_row) * scale
    last_y = top + last_row * pitch
    parts.append(_break_marker(end_x, last_y, heap.brk))
    parts.append(
        f'<text class="small muted" x="{num(plot_left)}" y="{num(last_y + ROW_HEIGHT + 21)}">'
        f"to scale: one row is {format_size(per_row)}</text>"
    )
    return "".join(parts), last_y + ROW_HEIGHT + ROW_GAP


def _summary(heap: HeapMap) -> str:
    return (
        f"heap {format_size(heap.brk - heap.heap_start)}: in use {format_size(heap.in_use_bytes)},"
        f" free {format_size(heap.free_bytes)}; mmapped {format_size(heap.mmapped_bytes)}"
    )


def render_heap_map(heap: HeapMap, layout: Layout = "blocks", rows: int = 6) -> str:
    """The SVG text of a heap map. `rows` is used by the linear layout only."""
    if layout not in ("blocks", "linear"):
        raise ValueError(f"unknown layout {layout!r}")
    if rows < 1:
        raise ValueError("rows must be at least 1")
    title = heap.caption or "Heap map"
    summary = _summary(heap)
    parts = [
        f'<text class="heading" x="{num(MARGIN)}" y="20">{escape(title)}</text>',
        f'<text class="small muted" x="{num(MARGIN)}" y="36">{escape(summary)}</text>',
    ]
    if layout == "blocks":
        body, y = _blocks(heap, 64)  # room above the first row for its offset
    else:
        body, y = _linear(heap, 52, rows)
    parts.append(body)
    mapped, y = _mmapped_row(heap.mmapped, y + 4)
    parts.append(mapped)
    present = [state for state in CHUNK_STATES if any(c.state == state for c in heap.chunks)]
    legend, y = _legend(present, bool(heap.mmapped), y)
    parts.append(legend)
    # The description is read out by screen readers (and indexed by site search), so it
    # names the first chunks only; every chunk keeps its own tooltip.
    description = f"{summary}. Chunks in address order: " + "; ".join(
        _chunk_tooltip(chunk) for chunk in heap.chunks[:DESCRIBED_CHUNKS]
    )
    if len(heap.chunks) > DESCRIBED_CHUNKS:
        description += f"; and {len(heap.chunks) - DESCRIBED_CHUNKS} more chunks"
    return svg_document(WIDTH, y + 6, title, description, "".join(parts))
