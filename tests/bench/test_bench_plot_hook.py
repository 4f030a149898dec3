"""hooks/bench_plot.py: the page's markers all render, and the plot follows the text colour."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from mkdocs.exceptions import PluginError

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def hook() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_plot", ROOT / "hooks" / "bench_plot.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def loaded(hook: ModuleType) -> tuple[Any, dict[str, Any]]:
    result: tuple[Any, dict[str, Any]] = hook.load_bench(ROOT / "docs" / "data" / "bench.json")
    return result


def test_svg_uses_current_color_and_keeps_text_as_text(
    hook: ModuleType, loaded: tuple[Any, dict[str, Any]]
) -> None:
    svg: str = hook.render_plot_svg(loaded[0])
    assert svg.startswith("<svg")
    assert "currentColor" in svg
    # Every colour comes from the shared style block, none is written on an element.
    assert not re.search(r'(fill|stroke|color)="#', svg)
    assert "<text" in svg  # labels are text, not outlines
    assert "request size" in svg
    head = svg.split(">", 1)[0]
    assert ' width="' not in head  # scales with the page instead
    assert "<?xml" not in svg


def test_every_marker_on_the_tradeoffs_page_renders(
    hook: ModuleType, loaded: tuple[Any, dict[str, Any]]
) -> None:
    page = (ROOT / "docs" / "tradeoffs.md").read_text(encoding="utf-8")
    markers = hook.MARKER.findall(page)
    assert {name for name, _ in markers} >= {"machine", "costs", "vmas", "sweep", "returns", "plot"}
    rendered: str = hook.replace_markers(page, *loaded)
    assert [m.group(0) for m in hook.MARKER.finditer(rendered)] == [hook.PLOT_MARKER]


def test_plot_marker_becomes_a_figure(hook: ModuleType) -> None:
    html = f"<p>before</p>\n{hook.PLOT_MARKER}\n<p>after</p>"
    assert '<figure class="brkdoc-bench-plot">\n<svg/>\n</figure>' in hook.insert_plot(
        html, "<svg/>"
    )


@pytest.mark.parametrize(
    "marker",
    ["<!-- bench:nonsense -->", "<!-- bench:costs nope -->", "<!-- bench:ns kernel.nope -->"],
)
def test_unknown_markers_stop_the_build(
    hook: ModuleType, loaded: tuple[Any, dict[str, Any]], marker: str
) -> None:
    with pytest.raises(PluginError):
        hook.replace_markers(marker, *loaded)


def test_missing_data_file_stops_the_build(hook: ModuleType, tmp_path: Path) -> None:
    with pytest.raises(PluginError, match="cannot read"):
        hook.load_bench(tmp_path / "bench.json")


def test_inline_value_is_a_formatted_duration(
    hook: ModuleType, loaded: tuple[Any, dict[str, Any]]
) -> None:
    text: str = hook.replace_markers("<!-- bench:ns kernel.zero_page -->", *loaded)
    assert re.fullmatch(r"[0-9.]+ (ns|µs|ms)", text)


def test_saved_data_says_how_it_was_made() -> None:
    data = json.loads((ROOT / "docs" / "data" / "bench.json").read_text(encoding="utf-8"))
    assert data["command"] == "python benchmarks/bench_tradeoffs.py"
    assert re.fullmatch(r"\d{4}-\d\d-\d\d", data["measured_on"])


def test_counts_render_with_separators_and_unknown_counts_stop_the_build(
    hook: ModuleType, loaded: tuple[Any, dict[str, Any]]
) -> None:
    assert hook.replace_markers("<!-- bench:count vma_many -->", *loaded) == (
        f"{loaded[1]['vma_many']:,}"
    )
    for marker in ("<!-- bench:count nope -->", "<!-- bench:count machine -->"):
        with pytest.raises(PluginError, match="no count"):
            hook.replace_markers(marker, *loaded)


_FENCE = re.compile(r"^( *)(`{3,}|~{3,}).*?^\1\2[ \t]*$", re.MULTILINE | re.DOTALL)
_DURATION = re.compile(r"\b\d+(?:\.\d+)? ?(?:ns|µs|us|ms)\b")


def _prose(page: Path) -> str:
    """A page's text outside fenced blocks (blocks show live output, checked elsewhere)."""
    return _FENCE.sub("", page.read_text(encoding="utf-8"))


def _measured_texts(hook: ModuleType, data: dict[str, Any]) -> set[str]:
    """Every benchmark number as the renderer would write it, and counts as typed by hand."""
    durations = [row["ns"] for row in data["costs"]]
    durations += [v for group in data["raw"].values() for v in group.values()]
    texts = {hook.format_ns(ns) for ns in durations if isinstance(ns, (int, float)) and ns}
    for key in ("vma_baseline", "vma_many"):
        if data[key] >= 1000:  # small counts (24) are too common to be evidence of copying
            texts |= {f"{data[key]:,}", str(data[key])}
    return texts


def _typed(pages: list[Path], texts: set[str]) -> list[str]:
    return [
        f"{page.name}: {text}"
        for page in pages
        for text in sorted(texts)
        if re.search(rf"(?<![\d.,]){re.escape(text)}(?![\d,])", _prose(page))
    ]


def test_no_page_types_a_benchmark_number(
    hook: ModuleType, loaded: tuple[Any, dict[str, Any]]
) -> None:
    pages = sorted((ROOT / "docs").rglob("*.md"))
    typed = _typed(pages, _measured_texts(hook, loaded[1]))
    assert not typed, "benchmark numbers typed by hand; use a bench: marker instead"


def test_the_benchmark_page_types_no_duration_at_all() -> None:
    assert _DURATION.findall(_prose(ROOT / "docs" / "tradeoffs.md")) == []


def test_the_typed_number_check_can_fail(
    hook: ModuleType, loaded: tuple[Any, dict[str, Any]], tmp_path: Path
) -> None:
    number = hook.format_ns(loaded[1]["raw"]["kernel"]["first_touch_per_page"])
    page = tmp_path / "page.md"
    many = f"{loaded[1]['vma_many']:,}"
    page.write_text(f"{many} VMAs; a touch costs {number}.\n\n```console\n$ true\n```\n")
    assert _typed([page], _measured_texts(hook, loaded[1])) == [
        f"page.md: {text}" for text in sorted({number, many})
    ]
    assert _DURATION.search(_prose(page))


def test_the_plot_is_drawn_once_per_set_of_inputs(
    hook: ModuleType,
    loaded: tuple[Any, dict[str, Any]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(hook, "CACHE_DIR", tmp_path / "cache")
    drawn: list[int] = []
    draw = hook.render_plot_svg

    def counting(report: Any) -> str:
        drawn.append(1)
        svg: str = draw(report)
        return svg

    monkeypatch.setattr(hook, "render_plot_svg", counting)
    data = tmp_path / "bench.json"
    data.write_bytes((ROOT / "docs" / "data" / "bench.json").read_bytes())
    first = hook.cached_plot_svg(loaded[0], data)
    assert hook.cached_plot_svg(loaded[0], data) == first
    assert len(drawn) == 1
    assert first == draw(loaded[0])
    # New numbers: drawn again.
    data.write_text(data.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    hook.cached_plot_svg(loaded[0], data)
    assert len(drawn) == 2
