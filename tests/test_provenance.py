"""The page "Where the outputs came from" states the machine that builds it, and only that."""

from __future__ import annotations

import platform
import shutil
from pathlib import Path
from types import ModuleType, SimpleNamespace

import pytest
from mkdocs.exceptions import PluginError

from brkdoc.platform import describe_platform
from brkdoc.provenance import MARKER, build_machine_table, randomize_va_space
from tests.loading import load_by_path

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "about" / "provenance.md"


def _hook() -> ModuleType:
    return load_by_path("hooks/provenance.py", "provenance_hook")


def _page(src_uri: str) -> SimpleNamespace:
    return SimpleNamespace(file=SimpleNamespace(src_uri=src_uri))


def test_table_states_this_machine() -> None:
    facts = describe_platform()
    table = build_machine_table()
    assert f"| C library | {facts.libc} {facts.libc_version} |" in table
    assert f"| Kernel | {platform.release()} |" in table
    assert f"| Distribution | {facts.distribution} |" in table
    assert f"| Page size | {facts.page_size} bytes |" in table
    assert f"randomize_va_space = {randomize_va_space()}" in table


def test_the_page_carries_the_marker_once() -> None:
    assert PAGE.read_text(encoding="utf-8").count(MARKER) == 1


def test_hook_replaces_the_markers_on_the_provenance_page_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hook = _hook()
    # One short trace instead of all twelve keeps this test quick; the build uses all.
    shutil.copy(hook.TRACES / "short1-bal.rep", tmp_path)
    monkeypatch.setattr(hook, "TRACES", tmp_path)
    text = f"before\n\n{MARKER}\n\n{hook.MATRIX_MARKER}\n\nafter\n"
    built = hook.on_page_markdown(text, page=_page("about/provenance.md"))
    assert MARKER not in built
    assert hook.MATRIX_MARKER not in built
    assert f"| Kernel | {platform.release()} |" in built
    assert "| 2.43 | `2.43-7` | sid | through its own ld.so | 1 of 1 | 12 | 12 |" in built
    assert hook.on_page_markdown(text, page=_page("index.md")) == text


def test_the_page_carries_the_matrix_marker_once() -> None:
    assert PAGE.read_text(encoding="utf-8").count(_hook().MATRIX_MARKER) == 1


def test_hook_stops_the_build_when_the_marker_is_gone() -> None:
    with pytest.raises(PluginError, match="marker"):
        _hook().on_page_markdown("no marker\n", page=_page("about/provenance.md"))
