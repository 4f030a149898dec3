"""The "glibc versions" page gets its table from live runs at build time."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType, SimpleNamespace

import pytest
from mkdocs.exceptions import PluginError

from brkdoc.native import glibc_facts
from tests.loading import load_by_path

ROOT = Path(__file__).resolve().parents[1]


def _hook() -> ModuleType:
    return load_by_path("hooks/glibc_versions.py", "glibc_versions_hook")


def _page(src_uri: str) -> SimpleNamespace:
    return SimpleNamespace(file=SimpleNamespace(src_uri=src_uri))


def test_the_page_is_in_the_nav_and_carries_the_marker_once() -> None:
    hook = _hook()
    page = ROOT / "docs" / hook.PAGE
    assert page.read_text(encoding="utf-8").count(hook.MARKER) == 1
    assert f": {hook.PAGE}" in (ROOT / "mkdocs.yml").read_text(encoding="utf-8")


def test_the_marker_becomes_the_measured_table() -> None:
    hook = _hook()
    text = f"intro\n\n{hook.MARKER}\n\nafter\n"
    built = hook.on_page_markdown(text, page=_page(hook.PAGE))
    assert hook.MARKER not in built
    assert "| First `malloc(24)`, offset from the initial break | `0x2a0` |" in built
    assert hook.on_page_markdown(text, page=_page("index.md")) == text


def test_a_lost_marker_or_a_failed_probe_stops_the_build(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    hook = _hook()
    with pytest.raises(PluginError, match="lost its table marker"):
        hook.on_page_markdown("no marker\n", page=_page(hook.PAGE))

    def fail() -> None:
        raise glibc_facts.ProbeError("the glibc probe failed on 2.43 (first): status 1")

    monkeypatch.setattr(hook, "cached_facts", fail)
    with pytest.raises(PluginError, match=r"^glibc_versions: the glibc probe failed on 2\.43"):
        hook.on_page_markdown(hook.MARKER, page=_page(hook.PAGE))
