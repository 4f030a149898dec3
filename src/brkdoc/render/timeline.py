"""Draw the program break and the mmapped bytes over a trace as an SVG step chart.

The input is one value per operation (after that operation), as `brkdoc simulate --jsonl`
reports them in its `brk` and `mmapped` keys. Both series are step functions that change
rarely, so the chart keeps only the points where a value changes; a trace of a million
operations still draws a small file.

>>> svg = render_timeline([0, 135168, 135168, 0], [0, 0, 139264, 0], "Four operations")
>>> "program break" in svg and "mmapped" in svg and svg.count("<polyline") == 2
True
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from brkdoc.render.svg import escape, format_size, num, svg_document, text_width

__all__ = ["nice_ticks", "render_step_chart", "render_timeline", "step_points"]

WIDTH = 720.0
HEIGHT = 300.0
LEFT = 78.0
RIGHT = 16.0
TOP = 44.0
BOTTOM = 62.0


def step_points(values: Sequence[int]) -> list[tuple[int, int]]:
    """The corners of the step function `values[i]` holds from op i to op i+1.

    >>> step_points([0, 0, 5, 5, 2])
    [(0, 0), (2, 0), (2, 5), (4, 5), (4, 2), (5, 2)]
    """
    if not values:
        return []
    points = [(0, values[0])]
    for index in range(1, len(values)):
        if values[index] != values[index - 1]:
            points.append((index, values[index - 1]))
            points.append((index, values[index]))
    points.append((len(values), values[-1]))
    return points


def nice_ticks(high: float, count: int = 5) -> list[float]:
    """Round tick values from 0 to at least `high`, about `count` of them.

    >>> nice_ticks(10)
    [0.0, 2.0, 4.0, 6.0, 8.0, 10.0]
    >>> nice_ticks(0)
    [0.0, 1.0]
    """
    if high <= 0:
        return [0.0, 1.0]
    raw = high / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    ticks = [0.0]
    while ticks[-1] < high:
        ticks.append(round(ticks[-1] + step, 10))
    return ticks


def _byte_ticks(high: int) -> list[int]:
    """Ticks on binary boundaries (KiB, MiB) so the labels come out whole."""
    unit = 1 << 20 if high >= 4 << 20 else 1 << 10 if high >= 4 << 10 else 1
    return [int(tick * unit) for tick in nice_ticks(high / unit)]


# One CSS class per series, in order: solid, dashed, dotted, each in a palette colour.
SERIES_CLASSES = ("line-brk", "line-mmap", "line-3")


def render_timeline(
    brk: Sequence[int], mmapped: Sequence[int], title: str, x_label: str = "operation"
) -> str:
    """The SVG text of a chart of both series against the operation index."""
    if len(brk) != len(mmapped):
        raise ValueError(f"series differ in length: {len(brk)} and {len(mmapped)}")
    return render_step_chart(
        [("program break above its start", brk), ("bytes in mmapped chunks", mmapped)],
        title,
        x_label,
    )


def render_step_chart(
    series: Sequence[tuple[str, Sequence[int]]],
    title: str,
    x_label: str = "operation",
    marks: Sequence[tuple[int, str]] = (),
) -> str:
    """The SVG text of step charts of byte counts, one value per step, on one byte axis.

    `series` are (legend text, values), at most three, drawn solid, dashed and dotted in the
    palette's colours. `marks` are (bytes, label) reference lines across the chart, such as a cap.
    """
    if not 1 <= len(series) <= len(SERIES_CLASSES):
        raise ValueError(f"a chart draws 1 to {len(SERIES_CLASSES)} series, not {len(series)}")
    ops = max([1, *(len(values) for _, values in series)])
    high = max([1, *(v for _, values in series for v in values), *(m for m, _ in marks)])
    y_ticks = _byte_ticks(high)
    x_ticks = [int(t) for t in nice_ticks(ops) if t == int(t)]
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM
    x_max = max(x_ticks[-1], 1)
    y_max = max(y_ticks[-1], 1)

    def sx(x: float) -> float:
        return LEFT + x / x_max * plot_w

    def sy(y: float) -> float:
        return TOP + plot_h - y / y_max * plot_h

    parts = [f'<text class="heading" x="12" y="20">{escape(title)}</text>']
    for tick in y_ticks:
        parts.append(
            f'<line class="grid" x1="{num(LEFT)}" y1="{num(sy(tick))}" x2="{num(LEFT + plot_w)}"'
            f' y2="{num(sy(tick))}"/><text class="small" x="{num(LEFT - 6)}"'
            f' y="{num(sy(tick) + 4)}" text-anchor="end">{escape(format_size(tick))}</text>'
        )
    for tick in x_ticks:
        parts.append(
            f'<line class="axis" x1="{num(sx(tick))}" y1="{num(TOP + plot_h)}"'
            f' x2="{num(sx(tick))}" y2="{num(TOP + plot_h + 4)}"/><text class="small"'
            f' x="{num(sx(tick))}" y="{num(TOP + plot_h + 17)}" text-anchor="middle">'
            f"{tick:,}</text>"
        )
    parts.append(
        f'<path class="axis" d="M{num(LEFT)} {num(TOP)}V{num(TOP + plot_h)}'
        f'H{num(LEFT + plot_w)}"/>'
        f'<text class="small" x="{num(LEFT + plot_w / 2)}" y="{num(TOP + plot_h + 34)}"'
        f' text-anchor="middle">{escape(x_label)}</text>'
    )
    for value, label in marks:
        parts.append(
            f'<line class="mark" x1="{num(LEFT)}" y1="{num(sy(value))}" x2="{num(LEFT + plot_w)}"'
            f' y2="{num(sy(value))}"/><text class="small" x="{num(LEFT + 6)}"'
            f' y="{num(sy(value) - 4)}">{escape(label)}</text>'
        )
    for css, (_, values) in zip(SERIES_CLASSES, series, strict=False):
        coords = " ".join(f"{num(sx(x))},{num(sy(y))}" for x, y in step_points(values))
        parts.append(f'<polyline class="{css}" points="{coords}"/>')
    legend_y = HEIGHT - 12
    x = LEFT
    for css, (name, _) in zip(SERIES_CLASSES, series, strict=False):
        parts.append(
            f'<line class="{css}" x1="{num(x)}" y1="{num(legend_y - 4)}"'
            f' x2="{num(x + 24)}" y2="{num(legend_y - 4)}"/>'
            f'<text class="small" x="{num(x + 30)}" y="{num(legend_y)}">{escape(name)}</text>'
        )
        x += 30 + text_width(name, 10.5) + 16
    steps = max(len(values) for _, values in series)
    description = f"{steps} operations. " + " ".join(
        f"{name}: peak {format_size(max(values, default=0))},"
        f" final {format_size(values[-1] if values else 0)}."
        for name, values in series
    )
    return svg_document(WIDTH, HEIGHT, title, description, "".join(parts))
