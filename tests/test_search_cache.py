"""hooks/search_cache.py: a page is indexed once, and again when what the index reads changes."""

from __future__ import annotations

import importlib
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from mkdocs.config import load_config
from mkdocs.structure.toc import AnchorLink

from tests.loading import load_by_path

ROOT = Path(__file__).resolve().parent.parent
# Material ships no type information.
search_plugin: Any = importlib.import_module("material.plugins.search.plugin")
hook = load_by_path("hooks/search_cache.py", "search_cache_under_test")

HTML = '<h1 id="top">Title</h1><p>First words.</p><h2 id="more">More</h2><p>Second words.</p>'


def page(content: str = HTML, title: str = "Title") -> Any:
    toc = [AnchorLink("Title", "top", 1)]
    toc[0].children = [AnchorLink("More", "more", 2)]
    return SimpleNamespace(
        content=content,
        toc=toc,
        url="glossary/",
        title=title,
        meta={},
        file=SimpleNamespace(src_uri="glossary.md"),
    )


def index_of_a_build(monkeypatch: pytest.MonkeyPatch, cache: Path) -> Any:
    """The search index of a fresh build of the site's configuration, with the hook on."""
    monkeypatch.setattr(hook, "CACHE_DIR", cache)
    config = load_config(str(ROOT / "mkdocs.yml"))
    plugin: Any = config.plugins[hook.PLUGIN]
    plugin.on_config(config)
    hook.on_config(config)
    return plugin.search_index


def plain_entries(item: Any) -> list[dict[str, Any]]:
    """What the plugin's own index makes for `item`, without the hook."""
    index = search_plugin.SearchIndex()
    index.add_entry_from_context(item)
    entries: list[dict[str, Any]] = index.entries
    return entries


def count_parses(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    parses: list[int] = []
    feed = search_plugin.Parser.feed

    def counted(self: Any, data: str) -> None:
        parses.append(1)
        feed(self, data)

    monkeypatch.setattr(search_plugin.Parser, "feed", counted)
    return parses


def test_the_site_config_enables_the_hook() -> None:
    config = load_config(str(ROOT / "mkdocs.yml"))
    assert any(path.endswith("search_cache.py") for path in config["hooks"])


def test_a_page_is_parsed_once_and_gives_the_plugins_own_entries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = plain_entries(page())
    assert len(expected) == 2
    parses = count_parses(monkeypatch)
    first = index_of_a_build(monkeypatch, tmp_path)
    first.add_entry_from_context(page())
    assert first.entries == expected
    assert len(parses) == 1
    second = index_of_a_build(monkeypatch, tmp_path)
    second.add_entry_from_context(page())
    assert second.entries == expected
    assert len(parses) == 1
    assert len(list(tmp_path.rglob("*.txt"))) == 1


@pytest.mark.parametrize(
    "changed",
    [
        page(content=HTML.replace("Second words", "Other words")),
        page(title="Another title"),
    ],
)
def test_a_changed_page_is_parsed_again(
    changed: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    parses = count_parses(monkeypatch)
    index_of_a_build(monkeypatch, tmp_path).add_entry_from_context(page())
    index = index_of_a_build(monkeypatch, tmp_path)
    index.add_entry_from_context(changed)
    assert len(parses) == 2
    assert index.entries == plain_entries(changed)
    assert len(list(tmp_path.rglob("*.txt"))) == 1  # the page's old entries are dropped


def test_the_key_covers_the_settings_and_the_material_version(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = {"separator": r"[\s\-]+", "lang": ["en"]}
    key = hook.page_key(page(), settings)
    assert hook.page_key(page(), {**settings, "separator": r"[\s]+"}) != key
    monkeypatch.setattr(hook, "_MATERIAL_VERSION", "0.0.0")
    assert hook.page_key(page(), settings) != key
