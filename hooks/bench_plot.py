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

The plot is drawn with matplotlib. Its text, axes and grid use `currentColor`, so the SVG takes
the page's text colour and stays readable in the dark scheme; the data lines use mid-tone colours
that read on both backgrounds, and differ in dash pattern as well. The same SVG is also written
to the site as data/bench-plot.svg. Enable with `hooks: [hooks/bench_plot.py]` in mkdocs.yml.

Drawing takes seconds (most of it importing matplotlib), and `make serve` rebuilds after every
edit, so the SVG is kept in `.cache/` keyed on the bytes of its inputs (the data file, this hook,
brkdoc's bench package) and matplotlib's version, and drawn again only when one of them changed.
"""

from __future__ import annotations

import io
import json
import re
from importlib.metadata import version
from pathlib import Path
from typing import Any

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File

from brkdoc.bench.render import (
    format_ns,
    format_size,
    markdown_costs,
    markdown_machine,
    markdown_returns,
    markdown_sweep,
    markdown_vmas,
)
from brkdoc.bench.report import GROUPS, BenchReport, report_from_dict
from brkdoc.buildcache import cached_text, inputs_digest

DATA_FILE = "data/bench.json"
PLOT_FILE = "data/bench-plot.svg"
MARKER = re.compile(r"<!--\s*bench:([a-z-]+)(?:\s+([A-Za-z0-9_.-]+))?\s*-->")
PLOT_MARKER = "<!-- bench:plot -->"
ROOT = Path(__file__).resolve().parent.parent
CACHE_DIR = ROOT / ".cache" / "brkdoc"

# Stand-in colours swapped for CSS after matplotlib has written the SVG.
_TEXT_SENTINEL = "#010203"
_DYNAMIC_COLOUR = "#3d7ee0"
_FIXED_COLOUR = "#e0742b"

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
    # Imported here: a build whose plot is in the cache never pays for matplotlib.
    import matplotlib  # noqa: PLC0415
    from matplotlib.figure import Figure  # noqa: PLC0415

    style: dict[Any, Any] = {
        "svg.fonttype": "none",
        "svg.hashsalt": "brkdoc-bench",
        "font.size": 11,
        "text.color": _TEXT_SENTINEL,
        "axes.labelcolor": _TEXT_SENTINEL,
        "axes.edgecolor": _TEXT_SENTINEL,
        "xtick.color": _TEXT_SENTINEL,
        "ytick.color": _TEXT_SENTINEL,
        "grid.color": _TEXT_SENTINEL,
        "grid.alpha": 0.15,
        "figure.facecolor": "none",
        "axes.facecolor": "none",
        "savefig.facecolor": "none",
        "legend.frameon": False,
    }
    sizes = [p.size for p in report.sweep]
    # A bare Figure, not pyplot: no GUI backend, no global figure registry.
    with matplotlib.rc_context(style):
        fig = Figure(figsize=(8, 4.6))
        ax = fig.subplots()
        series = (
            (
                [p.dynamic_touched_ns for p in report.sweep],
                _DYNAMIC_COLOUR,
                "-",
                "o",
                "dynamic threshold (default), pages touched",
            ),
            (
                [p.fixed_touched_ns for p in report.sweep],
                _FIXED_COLOUR,
                "-",
                "s",
                "threshold fixed at 128 KiB, pages touched",
            ),
            (
                [p.dynamic_ns for p in report.sweep],
                _DYNAMIC_COLOUR,
                "--",
                "o",
                "dynamic threshold, untouched",
            ),
            (
                [p.fixed_ns for p in report.sweep],
                _FIXED_COLOUR,
                "--",
                "s",
                "fixed threshold, untouched",
            ),
        )
        for values, colour, dash, marker, label in series:
            ax.plot(sizes, values, dash, color=colour, marker=marker, markersize=4, label=label)
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        # Label powers of four only: the sizes near the threshold are too close for labels.
        ticks = [s for s in sizes if s & (s - 1) == 0 and (s.bit_length() - 1) % 2 == 0]
        ax.set_xticks(ticks)
        ax.set_xticklabels([format_size(s) for s in ticks])
        ax.minorticks_off()
        ax.set_xlabel("request size")
        ax.set_ylabel("malloc + free, ns per pair (log)")
        ax.axvline(131072, color=_TEXT_SENTINEL, linestyle=":", linewidth=1)
        ax.annotate(
            "initial mmap threshold, 128 KiB",
            xy=(131072, 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(4, -14),
            textcoords="offset points",
            fontsize=9,
        )
        ax.grid(True, which="major")
        ax.legend(loc="upper left", fontsize=9)
        fig.tight_layout()
        buffer = io.StringIO()
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    svg = buffer.getvalue()
    svg = svg.replace(_TEXT_SENTINEL, "currentColor")
    # Keep only the <svg> element (no XML prolog or DOCTYPE), so it can sit inside HTML.
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r'<svg([^>]*?) width="[^"]*" height="[^"]*"', r"<svg\1", svg, count=1)
    return svg.replace(
        "<svg",
        '<svg role="img" aria-label="malloc plus free cost against request size" '
        'style="max-width: 100%; height: auto"',
        1,
    ).strip()


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
    inputs = [str(data_file), "hooks/bench_plot.py", "src/brkdoc/bench"]
    key = inputs_digest(ROOT, inputs, version("matplotlib"))
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
