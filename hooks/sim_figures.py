"""MkDocs hook: draw the simulator's figures at build time and put them in the site.

Enable it in mkdocs.yml with

    hooks:
      - hooks/sim_figures.py

`on_files` runs the scenarios of `brkdoc.render.figures` (and the example traces listed in
TRACES) through the simulator and adds each SVG to the build as a generated file under
`simulator/figures/`, so a page links to it like any other image and the strict build checks
the link. `on_page_content` then swaps each such `<img>` for the SVG itself: an inline SVG
takes the page's text colour and follows Material's light/dark switch, which an `<img>` cannot.
Each inlined figure sits in a `bkf-scroll` box (docs/assets/brkdoc.css): on a screen narrower
than the figure it keeps its drawn size and scrolls sideways, so its labels stay readable.
The standalone files stay in the site for anyone who opens or saves a figure.

The figures are never committed; a build draws them from the current simulator. `make serve`
rebuilds after every edit, so the drawn set is kept in `.cache/` keyed on the bytes of what it is
drawn from (brkdoc's source, the traces, this hook) and drawn again only when one of them changed.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

from brkdoc.buildcache import cached_text, inputs_digest
from brkdoc.errors import BrkdocError
from brkdoc.render.figures import site_figures

# The repository root: the hook lives in hooks/, the example traces in examples/traces/.
ROOT = Path(__file__).resolve().parent.parent
FIGURE_DIR = "simulator/figures"
CACHE_DIR = ROOT / ".cache" / "brkdoc"
# Example traces drawn on the pages: figure name -> (path from the repository root, the
# operation after which the heap map is drawn, or None for the end of the trace).
TRACES: dict[str, tuple[str, int | None]] = {
    "python-startup": ("examples/traces/python-startup.rep", None),
}

# Figures drawn by this build, by file name; filled by on_files, read by on_page_content.
_drawn: dict[str, str] = {}

_IMG = re.compile(r'<img\b[^>]*?\bsrc="(?:[^"]*/)?figures/(?P<name>[\w.-]+\.svg)"[^>]*>')


def draw_figures(root: Path) -> dict[str, str]:
    """Every figure, keyed by file name, with the example traces read from under `root`."""
    traces: dict[str, tuple[str, list[str], int | None]] = {}
    for name, (relative, stop_after) in TRACES.items():
        path = root / relative
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except OSError as error:
            raise PluginError(f"sim_figures: cannot read {relative}: {error}") from error
        traces[name] = (relative, lines, stop_after)
    try:
        return site_figures(traces)
    except (BrkdocError, ValueError) as error:
        raise PluginError(f"sim_figures: a figure could not be drawn: {error}") from error


def cached_figures(root: Path) -> dict[str, str]:
    """`draw_figures(root)`, from the build cache when none of its inputs changed."""
    inputs = ["src/brkdoc", "hooks/sim_figures.py", *(path for path, _ in TRACES.values())]
    key = inputs_digest(root, inputs)
    text = cached_text(CACHE_DIR, "sim-figures", key, lambda: json.dumps(draw_figures(root)))
    figures: dict[str, str] = json.loads(text)
    return figures


def on_files(files: Files, config: MkDocsConfig) -> Files:
    """Add one generated SVG file per figure to the build."""
    _drawn.clear()
    _drawn.update(cached_figures(ROOT))
    for name, svg in sorted(_drawn.items()):
        files.append(File.generated(config, f"{FIGURE_DIR}/{name}", content=svg))
    return files


def inline_figures(html: str, figures: dict[str, str]) -> str:
    """`html` with every `<img>` of a known figure replaced by the figure's SVG markup."""

    def swap(match: re.Match[str]) -> str:
        svg = figures.get(match.group("name"))
        if svg is None:
            return match.group(0)
        # A span, because the image sits in a paragraph; focusable, so a keyboard can scroll it.
        return f'<span class="bkf-scroll" tabindex="0">{svg.strip()}</span>'

    return _IMG.sub(swap, html)


def on_page_content(html: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    """Inline the figures a page shows, so they follow the page's colour scheme."""
    return inline_figures(html, _drawn)
