"""brkdoc.render.svg: formatting helpers and a palette readable in both schemes."""

from __future__ import annotations

import pytest

from brkdoc.render.svg import DARK, LIGHT, STYLE, contrast_ratio, format_size, num, svg_document
from brkdoc.sim.view import STATES

FILLS = ("in_use", "tcache", "fastbin", "unsorted", "smallbin", "largebin", "top", "mmap")


@pytest.mark.parametrize(
    ("size", "text"),
    [
        (0, "0 B"),
        (656, "656 B"),
        (10239, "10239 B"),
        (10240, "10 KiB"),
        (40016, "39.1 KiB"),
        (135168, "132 KiB"),
        (1 << 20, "1 MiB"),
        (14_000_000, "13.4 MiB"),
    ],
)
def test_format_size(size: int, text: str) -> None:
    assert format_size(size) == text


@pytest.mark.parametrize(
    ("size", "text"),
    [
        (1000, "1000 B"),
        (1024, "1 KiB"),
        (40016, "40016 B"),
        (131072, "128 KiB"),
        (135_200, "135200 B"),
        (1 << 20, "1 MiB"),
        (14_000_000, "14000000 B"),
    ],
)
def test_exact_format_size_keeps_bytes_that_are_not_whole_units(size: int, text: str) -> None:
    # The benchmark tables print request sizes this way.
    assert format_size(size, exact=True) == text


def test_num_drops_trailing_zeros() -> None:
    assert [num(1.0), num(1.5), num(1.256), num(-0.001)] == ["1", "1.5", "1.26", "0"]


@pytest.mark.parametrize("palette", [LIGHT, DARK], ids=["light", "dark"])
@pytest.mark.parametrize("fill", FILLS)
def test_text_on_every_fill_meets_wcag_aa(palette: dict[str, str], fill: str) -> None:
    assert contrast_ratio(palette["fg"], palette[fill]) >= 4.5


@pytest.mark.parametrize("palette", [LIGHT, DARK], ids=["light", "dark"])
def test_break_label_and_lines_stand_out_from_the_background(palette: dict[str, str]) -> None:
    assert contrast_ratio(palette["brk"], palette["bg"]) >= 4.5  # the label is text
    assert contrast_ratio(palette["series2"], palette["bg"]) >= 3.0  # a line: non-text contrast
    assert contrast_ratio(palette["series3"], palette["bg"]) >= 3.0


def test_palettes_name_the_same_colours() -> None:
    assert LIGHT.keys() == DARK.keys()


def test_style_switches_on_the_os_preference_and_on_material_slate() -> None:
    assert "@media (prefers-color-scheme:dark)" in STYLE
    assert '[data-md-color-scheme="slate"] .bkf{' in STYLE
    for value in DARK.values():
        assert STYLE.count(value) >= 2  # once per dark rule
    assert "currentColor" in STYLE


def test_document_is_accessible_and_escaped() -> None:
    svg = svg_document(100, 50, "A <b> & c", "long story", "")
    assert 'role="img"' in svg
    assert 'aria-label="A &lt;b&gt; &amp; c"' in svg
    assert "<title>A &lt;b&gt; &amp; c</title>" in svg
    assert "<desc>long story</desc>" in svg


def test_every_chunk_state_of_the_simulator_has_a_fill_and_a_rule() -> None:
    for state in STATES:
        assert state in LIGHT, state
        assert state in DARK, state
        assert f".bkf .s-{state}{{fill:var(--bkf-{state.replace('_', '-')})}}" in STYLE
