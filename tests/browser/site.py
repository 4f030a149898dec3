"""What the browser tests know about the site without a browser: its pages, budgets and files.

The page list comes from `docs/`, not from the built site, so it is known when pytest collects
and each page gets its own test ids. `test_site.py` checks that the sitemap lists exactly these
pages, so a page cannot slip past the per-page checks.
"""

from __future__ import annotations

import html.parser
import posixpath
from dataclasses import dataclass
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
AXE_SCRIPT = ROOT / "node_modules" / "axe-core" / "axe.min.js"

# The site is published under this path (site_url in mkdocs.yml), so it is served under it here too:
# the 404 page's links are absolute from it, as they are on GitHub Pages.
BASE_PATH = "/brkdoc/"

# Page weight budgets from issue 6, in bytes transferred with every resource the page loads.
TEXT_PAGE_BUDGET = 500_000
NOTEBOOK_PAGE_BUDGET = 1_500_000


@dataclass(frozen=True)
class SitePage:
    """One page of the site: its source under docs/ and its path under the site root."""

    source: str
    path: str
    notebook: bool

    @property
    def budget(self) -> int:
        return NOTEBOOK_PAGE_BUDGET if self.notebook else TEXT_PAGE_BUDGET


def _page_path(relative: Path) -> str:
    """The directory URL mkdocs gives a source file (use_directory_urls is on)."""
    parts = list(relative.with_suffix("").parts)
    if parts[-1] in ("index", "README"):
        parts.pop()
    return "/".join(parts) + "/" if parts else ""


def site_pages() -> list[SitePage]:
    """Every page mkdocs renders: Markdown pages and the notebooks mkdocs-jupyter includes."""
    pages = [
        SitePage(str(md.relative_to(DOCS)), _page_path(md.relative_to(DOCS)), notebook=False)
        for md in DOCS.rglob("*.md")
    ]
    pages += [
        SitePage(str(nb.relative_to(DOCS)), _page_path(nb.relative_to(DOCS)), notebook=True)
        for nb in (DOCS / "notebooks").glob("*.py")
    ]
    return sorted(pages, key=lambda page: page.path)


def notebook_pages() -> list[SitePage]:
    return [page for page in site_pages() if page.notebook]


def site_file(site_dir: Path, url_path: str) -> Path | None:
    """The file a path under BASE_PATH is served from, or None when nothing is there."""
    relative = posixpath.normpath(url_path).lstrip("/")
    if relative in (".", ""):
        relative = ""
    candidate = site_dir / relative
    if candidate.is_dir():
        candidate = candidate / "index.html"
    return candidate if candidate.is_file() else None


class _IdCollector(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value is not None and (name == "id" or (tag == "a" and name == "name")):
                self.ids.add(value)


@cache
def anchors_in(file: Path) -> frozenset[str]:
    """The ids (and `<a name>`s) a fragment can point at in one HTML file."""
    collector = _IdCollector()
    collector.feed(file.read_text(encoding="utf-8"))
    return frozenset(collector.ids)
