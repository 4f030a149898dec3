"""MkDocs hook: put the numbers of docs/data/bench.json on the page, at build time.

docs/tradeoffs.md never contains a measured number. It holds markers that this hook replaces:

    <!-- bench:machine -->         the build machine, as a table
    <!-- bench:measured-on -->     the date of the measurement
    <!-- bench:costs GROUP -->     one group of cost rows (GROUP: grow, faults, release, vmalist)
    <!-- bench:vmas -->            how the VMA count grew
    <!-- bench:sweep -->           malloc+free across the threshold, as a table
    <!-- bench:returns -->         the time to return memory
    <!-- bench:ns EXPERIMENT.KEY --> one raw value as a duration, e.g. kernel.first_touch_per_page
    <!-- bench:count KEY -->       one whole number of the report, e.g. vma_many
    <!-- bench:plot -->            the malloc+free plot, inlined as SVG

The plot is drawn by `brkdoc.render.logchart`, with the palette every figure of the site uses:
its text and axes take the page's text colour, its lines follow the light and dark schemes. The
two threshold modes differ in colour and in point shape (circles, squares), touched and untouched
pages in dash pattern. The same SVG is also written
to the site as data/bench-plot.svg. Enable with `hooks: [hooks/bench_plot.py]` in mkdocs.yml.

`make serve` rebuilds after every edit, so the SVG is kept in `.cache/` keyed on the bytes of its
inputs (the data file, this hook, brkdoc's bench and render packages), and drawn again only when
one of them changed.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Literal

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File

from brkdoc.bench.render import (
    format_ns,
    markdown_costs,
    markdown_machine,
    markdown_returns,
    markdown_sweep,
    markdown_vmas,
)
from brkdoc.bench.report import GROUPS, BenchReport, report_from_dict
from brkdoc.buildcache import cached_text, inputs_digest
from brkdoc.render.logchart import LogSeries, render_log_chart
from brkdoc.sim.params import DEFAULT_MMAP_THRESHOLD

DATA_FILE = "data/bench.json"
PLOT_FILE = "data/bench-plot.svg"
MARKER = re.compile(r"<!--\s*bench:([a-z-]+)(?:\s+([A-Za-z0-9_.-]+))?\s*-->")
PLOT_MARKER = "<!-- bench:plot -->"
ROOT = Path(__file__).resolve().parent.parent
CACHE_DIR = ROOT / ".cache" / "brkdoc"

_state: dict[str, Any] = {}


def _error(message: str) -> PluginError:
    # MkDocs's own error type: the build stops with this one line instead of a traceback.
    return PluginError(message)


def load_bench(path: Path) -> tuple[BenchReport, dict[str, Any]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as problem:
        raise _error(f"bench_plot: cannot read {path}: {problem}") from None
    return report_from_dict(data), data


def render_plot_svg(report: BenchReport) -> str:
    """The malloc+free cost against request size, both threshold modes, as inline-ready SVG."""
    sizes = [point.size for point in report.sweep]
    # (legend, value of a sweep point, colour: one per threshold mode, dashed: untouched pages)
    lines: tuple[tuple[str, str, Literal["a", "b"], bool], ...] = (
        ("dynamic threshold (default), pages touched", "dynamic_touched_ns", "a", False),
        ("threshold fixed at 128 KiB, pages touched", "fixed_touched_ns", "b", False),
        ("dynamic threshold, untouched", "dynamic_ns", "a", True),
        ("fixed threshold, untouched", "fixed_ns", "b", True),
    )
    series = [
        LogSeries(name, tuple(getattr(point, key) for point in report.sweep), colour, dashed)
        for name, key, colour, dashed in lines
    ]
    svg = render_log_chart(
        sizes,
        series,
        "malloc plus free cost against request size",
        x_label="request size",
        y_label="malloc + free, ns per pair (log)",
        # Label powers of four only: the sizes near the threshold are too close for labels.
        x_ticks=[s for s in sizes if s & (s - 1) == 0 and (s.bit_length() - 1) % 2 == 0],
        x_mark=(DEFAULT_MMAP_THRESHOLD, "initial mmap threshold, 128 KiB"),
        y_format=format_ns,
    )
    # No fixed width or height on the root, so the figure scales with the page's column.
    return re.sub(r'<svg([^>]*?) width="[^"]*" height="[^"]*"', r"<svg\1", svg, count=1).strip()


def render_marker(report: BenchReport, data: dict[str, Any], name: str, arg: str | None) -> str:
    """The Markdown that replaces one `<!-- bench:NAME ARG -->` marker."""
    whole_tables = {
        "machine": markdown_machine,
        "vmas": markdown_vmas,
        "sweep": markdown_sweep,
        "returns": markdown_returns,
    }
    if name in whole_tables:
        return whole_tables[name](report)
    if name == "measured-on":
        return str(data.get("measured_on", "an unrecorded date"))
    if name == "costs":
        if arg not in GROUPS:
            raise _error(f"bench_plot: unknown cost group {arg!r}; known: {', '.join(GROUPS)}")
        return markdown_costs(report, arg)
    if name == "ns":
        experiment, _, key = (arg or "").partition(".")
        try:
            return format_ns(report.raw[experiment][key])
        except KeyError:
            raise _error(f"bench_plot: no measurement {arg!r} in {DATA_FILE}") from None
    if name == "count":
        value = data.get(arg or "")
        if not isinstance(value, int) or isinstance(value, bool):
            raise _error(f"bench_plot: no count {arg!r} in {DATA_FILE}")
        return f"{value:,}"
    raise _error(f"bench_plot: unknown marker bench:{name}")


def replace_markers(markdown: str, report: BenchReport, data: dict[str, Any]) -> str:
    def substitute(match: re.Match[str]) -> str:
        if match.group(1) == "plot":
            return match.group(0)  # filled in after Markdown, in on_page_content
        return render_marker(report, data, match.group(1), match.group(2))

    return MARKER.sub(substitute, markdown)


def insert_plot(html: str, svg: str) -> str:
    figure = f'<figure class="brkdoc-bench-plot">\n{svg}\n</figure>'
    return html.replace(PLOT_MARKER, figure)


# ---- MkDocs event handlers ---------------------------------------------------------------------


def cached_plot_svg(report: BenchReport, data_file: Path) -> str:
    """`render_plot_svg(report)`, from the build cache when none of its inputs changed."""
    inputs = [str(data_file), "hooks/bench_plot.py", "src/brkdoc/bench", "src/brkdoc/render"]
    key = inputs_digest(ROOT, inputs)
    return cached_text(CACHE_DIR, "bench-plot", key, lambda: render_plot_svg(report))


def on_files(files: Any, config: Any) -> Any:
    data_file = Path(config["docs_dir"]) / DATA_FILE
    report, data = load_bench(data_file)
    svg = cached_plot_svg(report, data_file)
    _state.update(report=report, data=data, svg=svg)
    files.append(File.generated(config, PLOT_FILE, content=svg))
    return files


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    if "bench:" not in markdown:
        return markdown
    return replace_markers(markdown, _state["report"], _state["data"])


def on_page_content(html: str, page: Any, config: Any, files: Any) -> str:
    if PLOT_MARKER not in html:
        return html
    return insert_plot(html, _state["svg"])
