"""MkDocs hook: index each page for search again only when the page changed.

Material's search plugin reads every page's HTML with Python's `html.parser` on every build,
about a quarter of a `make serve` rebuild, most of it on the long API reference pages that an
edit elsewhere never changes. This hook keeps the entries the plugin made for a page under
`.cache/search/`, keyed on everything the plugin reads from the page (its HTML, table of
contents, URL, title and metadata), the plugin's settings and the installed Material version,
and hands them back instead of parsing the page again. The index written is the same: the
entries are the plugin's own, made by its own code the first time, and kept in page order.

Enable it in mkdocs.yml with `hooks: [hooks/search_cache.py]`, after the search plugin.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from importlib.metadata import version
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import AnchorLink

from brkdoc.buildcache import cached_text

ROOT = Path(__file__).resolve().parent.parent
CACHE_DIR = ROOT / ".cache" / "search"
PLUGIN = "material/search"
# Part of every key, so that a change to how entries are made or kept drops the old ones.
_HOOK_SOURCE = Path(__file__).read_text(encoding="utf-8")

# Read once: the installed packages cannot change under a running build.
_MATERIAL_VERSION = version("mkdocs-material")


def _toc_outline(links: Iterable[AnchorLink]) -> list[Any]:
    """The parts of a table of contents the plugin reads, as plain data."""
    return [
        [link.id, link.url, link.title, link.level, _toc_outline(link.children)] for link in links
    ]


def page_key(page: Page, settings: dict[str, Any]) -> str:
    """A digest of what the search plugin reads from `page`, with its settings and version."""
    read = {
        "content": page.content,
        "toc": _toc_outline(page.toc),
        "url": page.url,
        "title": str(page.title),
        "meta": page.meta,
        "settings": settings,
        "material": _MATERIAL_VERSION,
        "hook": _HOOK_SOURCE,
    }
    encoded = json.dumps(read, sort_keys=True, default=repr).encode()
    return hashlib.sha256(encoded).hexdigest()


def _kind(page: Page) -> str:
    """The cache entry's name for this page: one entry is kept per page."""
    return "page-" + hashlib.sha256(page.file.src_uri.encode()).hexdigest()[:16]


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    plugin = config.plugins.get(PLUGIN)
    if plugin is None:
        raise PluginError(f"search_cache: the {PLUGIN} plugin is not enabled in mkdocs.yml")
    # The plugin's on_config, which runs before the hooks', made this build's index.
    index = plugin.search_index
    make_entries = index.add_entry_from_context
    settings = dict(index.config)

    def add_entry_from_context(page: Page) -> None:
        entries: list[dict[str, Any]] = index.entries

        def index_page() -> str:
            start = len(entries)
            make_entries(page)
            made = entries[start:]
            del entries[start:]
            return json.dumps(made, default=str)  # as the plugin writes them

        text = cached_text(CACHE_DIR, _kind(page), page_key(page, settings), index_page)
        entries.extend(json.loads(text))

    index.add_entry_from_context = add_entry_from_context
    return config
