"""The page "Where the outputs came from" states the machine that builds it, and only that."""

from __future__ import annotations

import platform
import shutil
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

import markdown  # type: ignore[import-untyped]  # Python-Markdown ships no type information
import pytest
from mkdocs.config import load_config
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


def _site_config() -> Any:
    return load_config(str(ROOT / "mkdocs.yml"))


def test_hook_replaces_the_markers_on_the_provenance_page_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hook = _hook()
    # One short trace instead of all twelve keeps this test quick; the build uses all.
    shutil.copy(hook.TRACES / "short1-bal.rep", tmp_path)
    monkeypatch.setattr(hook, "TRACES", tmp_path)
    text = f"before\n\n{MARKER}\n\n{hook.MATRIX_MARKER}\n\nafter\n"
    page = _page("about/provenance.md")
    built = hook.on_page_markdown(text, page=page)
    assert MARKER not in built
    assert hook.MATRIX_MARKER not in built
    assert f"| Kernel | {platform.release()} |" in built
    assert hook.on_page_markdown(text, page=_page("index.md")) == text
    # The matrix goes in once the pages are converted, as the table the Markdown would make.
    config = _site_config()
    page.content = markdown.markdown(
        built, extensions=config.markdown_extensions, extension_configs=config.mdx_configs
    )
    context: Any = {}
    assert hook.on_page_context(context, page=page, config=config) is context
    row = "<td>2.43</td>\n<td><code>2.43-7</code></td>\n<td>sid</td>\n"
    assert f"<tr>\n{row}<td>through its own ld.so</td>\n<td>1 of 1</td>\n<td>12</td>\n" in (
        page.content
    )
    assert page.content.endswith("</table>\n<p>after</p>")
    other = _page("index.md")
    other.content = "<p>brkdoc-glibc-matrix-pending</p>"
    hook.on_page_context(context, page=other, config=config)
    assert other.content == "<p>brkdoc-glibc-matrix-pending</p>"


def test_the_matrix_in_the_html_is_the_one_the_markdown_would_give(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hook = _hook()
    shutil.copy(hook.TRACES / "short1-bal.rep", tmp_path)
    monkeypatch.setattr(hook, "TRACES", tmp_path)
    config = _site_config()
    page = _page("about/provenance.md")
    text = f"before\n\n{MARKER}\n\n{hook.MATRIX_MARKER}\n\nafter\n"
    page.content = markdown.markdown(
        hook.on_page_markdown(text, page=page),
        extensions=config.markdown_extensions,
        extension_configs=config.mdx_configs,
    )
    hook.on_page_context({}, page=page, config=config)
    inline = text.replace(MARKER, build_machine_table()).replace(
        hook.MATRIX_MARKER, hook.glibc_matrix()
    )
    expected = markdown.markdown(
        inline, extensions=config.markdown_extensions, extension_configs=config.mdx_configs
    )
    assert page.content == expected


def test_a_page_whose_html_lost_the_matrix_stops_the_build() -> None:
    page = _page("about/provenance.md")
    page.content = "<p>no matrix here</p>"
    with pytest.raises(PluginError, match="matrix's place"):
        _hook().on_page_context({}, page=page, config=_site_config())


def test_the_page_carries_the_matrix_marker_once() -> None:
    assert PAGE.read_text(encoding="utf-8").count(_hook().MATRIX_MARKER) == 1


def test_hook_stops_the_build_when_the_marker_is_gone() -> None:
    with pytest.raises(PluginError, match="marker"):
        _hook().on_page_markdown("no marker\n", page=_page("about/provenance.md"))
