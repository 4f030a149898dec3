"""Draw measured values against a size as SVG, both axes logarithmic: the benchmark's chart.

Sizes go on a base-2 axis, values on a base-10 axis with a tick per power of ten. Each series
has a colour (`"a"` or `"b"`, from the palette, with circles or squares for its points) and a
solid or dashed line, so two settings and two conditions read apart without relying on colour.
It is the same palette and style block as every other figure (see `brkdoc.render.svg`), so it
follows light and dark schemes.

>>> svg = render_log_chart(
...     [1024, 4096],
...     [LogSeries("one", (10.0, 100.0), "a", dashed=False)],
...     "A chart",
...     x_label="request size",
...     y_label="ns",
... )
>>> svg.startswith("<svg") and "request size" in svg and svg.count("<polyline") == 1
True
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from brkdoc.render.svg import escape, format_size, num, svg_document

__all__ = ["LogSeries", "render_log_chart"]

WIDTH = 720.0
HEIGHT = 400.0
LEFT = 70.0
RIGHT = 16.0
TOP = 40.0
BOTTOM = 58.0
LEGEND_ROW = 16.0


@dataclass(frozen=True)
class LogSeries:
    """One line: legend text, one positive value per size, palette colour, dash pattern."""

    name: str
    values: tuple[float, ...]
    colour: Literal["a", "b"]
    dashed: bool


def _point(colour: str, x: float, y: float) -> str:
    """A data point: a circle for colour "a", a square for "b", so shape tells them apart too."""
    if colour == "a":
        return f'<circle class="dot-a" cx="{num(x)}" cy="{num(y)}" r="2.75"/>'
    return f'<rect class="dot-b" x="{num(x - 2.5)}" y="{num(y - 2.5)}" width="5" height="5"/>'


def render_log_chart(
    sizes: Sequence[int],
    series: Sequence[LogSeries],
    title: str,
    *,
    x_label: str,
    y_label: str,
    x_ticks: Sequence[int] | None = None,
    x_mark: tuple[int, str] | None = None,
    y_format: Callable[[float], str] = "{:,.0f}".format,
) -> str:
    """The SVG text of the series against `sizes`, with `x_mark` as a labelled vertical line.

    `x_ticks` are the sizes that get a label (all of them by default); `y_format` writes the
    value of each power of ten on the value axis.
    """
    if len(sizes) < 2 or any(size <= 0 for size in sizes):
        raise ValueError("a log chart needs at least two positive sizes")
    for line in series:
        if len(line.values) != len(sizes) or any(value <= 0 for value in line.values):
            raise ValueError(f"{line.name}: one positive value per size is needed")
    values = [value for line in series for value in line.values]
    low = 10.0 ** math.floor(math.log10(min(values)))
    high = 10.0 ** math.ceil(math.log10(max(values)))
    if high <= low:
        high = low * 10
    x_low, x_high = math.log2(min(sizes)), math.log2(max(sizes))
    legend_h = LEGEND_ROW * math.ceil(len(series) / 2)
    height = HEIGHT + legend_h
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM

    def sx(size: float) -> float:
        return LEFT + (math.log2(size) - x_low) / (x_high - x_low) * plot_w

    def sy(value: float) -> float:
        return TOP + plot_h - math.log10(value / low) / math.log10(high / low) * plot_h

    parts = [f'<text class="heading" x="12" y="20">{escape(title)}</text>']
    decade = low
    while decade <= high * 1.0001:
        parts.append(
            f'<line class="grid" x1="{num(LEFT)}" y1="{num(sy(decade))}"'
            f' x2="{num(LEFT + plot_w)}" y2="{num(sy(decade))}"/><text class="small"'
            f' x="{num(LEFT - 6)}" y="{num(sy(decade) + 4)}" text-anchor="end">'
            f"{escape(y_format(decade))}</text>"
        )
        decade *= 10
    for size in sizes if x_ticks is None else x_ticks:
        parts.append(
            f'<line class="axis" x1="{num(sx(size))}" y1="{num(TOP + plot_h)}"'
            f' x2="{num(sx(size))}" y2="{num(TOP + plot_h + 4)}"/><text class="small"'
            f' x="{num(sx(size))}" y="{num(TOP + plot_h + 17)}" text-anchor="middle">'
            f"{escape(format_size(size, exact=True))}</text>"
        )
    parts.append(
        f'<path class="axis" d="M{num(LEFT)} {num(TOP)}V{num(TOP + plot_h)}H{num(LEFT + plot_w)}"/>'
        f'<text class="small" x="{num(LEFT + plot_w / 2)}" y="{num(TOP + plot_h + 34)}"'
        f' text-anchor="middle">{escape(x_label)}</text>'
        f'<text class="small" x="{num(LEFT)}" y="{num(TOP - 8)}">{escape(y_label)}</text>'
    )
    if x_mark is not None:
        at, label = x_mark
        parts.append(
            f'<line class="mark" x1="{num(sx(at))}" y1="{num(TOP)}" x2="{num(sx(at))}"'
            f' y2="{num(TOP + plot_h)}"/><text class="small" x="{num(sx(at) + 4)}"'
            f' y="{num(TOP + 12)}">{escape(label)}</text>'
        )
    for line in series:
        css = f"series-{line.colour}" + (" dashed" if line.dashed else "")
        points = list(zip(sizes, line.values, strict=True))
        coords = " ".join(f"{num(sx(size))},{num(sy(value))}" for size, value in points)
        parts.append(f'<polyline class="{css}" points="{coords}"/>')
        parts.extend(_point(line.colour, sx(size), sy(value)) for size, value in points)
    column = (WIDTH - LEFT) / 2
    for index, line in enumerate(series):
        x = LEFT + column * (index % 2)
        y = HEIGHT - 8 + LEGEND_ROW * (index // 2)
        css = f"series-{line.colour}" + (" dashed" if line.dashed else "")
        parts.append(
            f'<line class="{css}" x1="{num(x)}" y1="{num(y - 4)}" x2="{num(x + 24)}"'
            f' y2="{num(y - 4)}"/><text class="small" x="{num(x + 30)}" y="{num(y)}">'
            f"{escape(line.name)}</text>"
        )
    description = f"{title}: {len(series)} series over {len(sizes)} sizes, " + "; ".join(
        f"{line.name} from {line.values[0]:g} to {line.values[-1]:g}" for line in series
    )
    return svg_document(WIDTH, height, title, description, "".join(parts))
