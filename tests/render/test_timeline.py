"""brkdoc.render.timeline: the break and mmapped bytes over a trace."""

from __future__ import annotations

import itertools

import pytest

from brkdoc.render.timeline import (
    BOTTOM,
    HEIGHT,
    TOP,
    nice_ticks,
    render_step_chart,
    render_timeline,
    step_points,
)
from tests.render.svgtree import NS, classes, find_all, parse, texts


def _points(svg: str, css: str) -> list[tuple[float, float]]:
    line = next(p for p in find_all(parse(svg), "polyline") if css in classes(p))
    pairs = (pair.split(",") for pair in (line.get("points") or "").split())
    return [(float(x), float(y)) for x, y in pairs]


def test_step_points_keep_only_changes() -> None:
    assert step_points([7] * 1000) == [(0, 7), (1000, 7)]
    assert step_points([]) == []


@pytest.mark.parametrize("high", [1, 3, 7, 10, 99, 135168, 14_000_000])
def test_nice_ticks_cover_the_range_with_few_round_steps(high: int) -> None:
    ticks = nice_ticks(high)
    assert ticks[0] == 0
    assert ticks[-1] >= high
    assert 3 <= len(ticks) <= 7
    steps = {round(b - a, 6) for a, b in itertools.pairwise(ticks)}
    assert len(steps) == 1


def test_series_are_drawn_as_steps_from_left_to_right() -> None:
    brk = [0, 135168, 135168, 270336, 135168]
    svg = render_timeline(brk, [0] * 5, "five ops")
    points = _points(svg, "line-brk")
    xs = [x for x, _ in points]
    assert xs == sorted(xs)
    assert len(points) == len(step_points(brk))
    # The peak reaches no higher than the plot's top edge, zero sits on its bottom edge.
    ys = [y for _, y in points]
    assert min(ys) >= TOP
    assert max(ys) == pytest.approx(HEIGHT - BOTTOM)


def test_mmapped_series_and_legend_are_present() -> None:
    svg = render_timeline([0, 0], [0, 139264], "t")
    assert _points(svg, "line-mmap")[-1][1] < HEIGHT - BOTTOM
    assert {"program break above its start", "bytes in mmapped chunks"} <= set(texts(parse(svg)))


def test_byte_axis_labels_are_whole_units() -> None:
    labels = [t for t in texts(parse(render_timeline([0, 600 << 10], [0, 0], "t"))) if "B" in t]
    assert labels[0] == "0 B"
    assert all(label.endswith(" KiB") for label in labels[1:])


def test_title_is_accessible() -> None:
    root = parse(render_timeline([1], [0], "A & B"))
    assert root.get("aria-label") == "A & B"
    assert root[0].tag == f"{NS}title"


def test_series_of_different_lengths_are_rejected() -> None:
    with pytest.raises(ValueError, match="differ in length"):
        render_timeline([0, 1], [0], "t")


def test_a_step_chart_draws_each_series_in_its_own_style_with_a_legend() -> None:
    svg = render_step_chart(
        [("a", [0, 4096]), ("b", [4096, 0]), ("c", [1 << 20, 1 << 20])],
        "Three",
        "step",
        marks=[(2 << 20, "a cap")],
    )
    root = parse(svg)
    lines = find_all(root, "polyline")
    assert [sorted(classes(p)) for p in lines] == [["line-brk"], ["line-mmap"], ["line-3"]]
    assert {"a", "b", "c", "a cap", "step"} <= set(texts(root))
    # The mark is the highest value, so the axis reaches it and its line lies inside the plot.
    (mark,) = [e for e in find_all(root, "line") if "mark" in classes(e)]
    assert TOP <= float(mark.get("y1", "nan")) < _points(svg, "line-3")[0][1]


def test_a_step_chart_rejects_too_many_series() -> None:
    with pytest.raises(ValueError, match="1 to 3 series, not 4"):
        render_step_chart([("x", [1])] * 4, "Four")
