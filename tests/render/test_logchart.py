"""brkdoc.render.logchart: positions on both log axes, styles per series, and bad input."""

from __future__ import annotations

import pytest

from brkdoc.render.logchart import (
    BOTTOM,
    HEIGHT,
    LEFT,
    RIGHT,
    TOP,
    WIDTH,
    LogSeries,
    render_log_chart,
)
from tests.render.svgtree import classes, find_all, parse, texts

SIZES = [1024, 4096, 16384]


def _chart(*series: LogSeries) -> str:
    return render_log_chart(
        SIZES, series, "Chart", x_label="size", y_label="ns", x_mark=(4096, "threshold")
    )


def _points(svg: str, index: int) -> list[tuple[float, float]]:
    line = find_all(parse(svg), "polyline")[index]
    return [(float(x), float(y)) for x, y in (p.split(",") for p in line.get("points", "").split())]


def test_both_axes_are_logarithmic() -> None:
    svg = _chart(LogSeries("one", (10.0, 100.0, 1000.0), "a", dashed=False))
    points = _points(svg, 0)
    # Sizes 4x apart are equally spaced, and so are values 10x apart.
    assert points[1][0] - points[0][0] == pytest.approx(points[2][0] - points[1][0], abs=0.02)
    assert points[0][1] - points[1][1] == pytest.approx(points[1][1] - points[2][1], abs=0.02)
    # The ends of the size axis are the plot's edges; 10 and 1000 are whole decades.
    assert points[0] == pytest.approx((LEFT, HEIGHT - BOTTOM), abs=0.02)
    assert points[2] == pytest.approx((WIDTH - RIGHT, TOP), abs=0.02)
    assert {"10", "100", "1,000", "1 KiB", "4 KiB", "16 KiB", "threshold"} <= set(texts(parse(svg)))


def test_colour_dash_and_point_shape_tell_the_series_apart() -> None:
    svg = _chart(
        LogSeries("a solid", (1.0, 2.0, 3.0), "a", dashed=False),
        LogSeries("b dashed", (1.0, 2.0, 3.0), "b", dashed=True),
    )
    root = parse(svg)
    assert [classes(p) for p in find_all(root, "polyline")] == [
        {"series-a"},
        {"series-b", "dashed"},
    ]
    assert len([c for c in find_all(root, "circle") if "dot-a" in classes(c)]) == len(SIZES)
    assert len([r for r in find_all(root, "rect") if "dot-b" in classes(r)]) == len(SIZES)


def test_values_that_a_log_axis_cannot_show_are_rejected() -> None:
    with pytest.raises(ValueError, match="one positive value per size"):
        _chart(LogSeries("zero", (0.0, 1.0, 2.0), "a", dashed=False))
    with pytest.raises(ValueError, match="one positive value per size"):
        _chart(LogSeries("short", (1.0,), "a", dashed=False))
    with pytest.raises(ValueError, match="two positive sizes"):
        render_log_chart([1024], [], "x", x_label="", y_label="")
