"""hooks/reference_cache.py: a reference block renders once, is replayed whole, and renders again
when an input changes or when rendering it warned."""

from __future__ import annotations

import logging
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from xml.etree.ElementTree import Element

import pytest
from mkdocs.config import load_config

from tests.loading import load_by_path

ROOT = Path(__file__).resolve().parent.parent
hook = load_by_path("hooks/reference_cache.py", "reference_cache_under_test")


class Autorefs:
    """Stands for mkdocs-autorefs: the page being converted, and the anchors registered."""

    def __init__(self, page: str) -> None:
        self.current_page = SimpleNamespace(file=SimpleNamespace(src_uri=page))
        self.anchors: list[tuple[Any, ...]] = []

    def register_anchor(
        self, page: Any, identifier: str, anchor: str | None = None, **kwargs: Any
    ) -> None:
        self.anchors.append((page.file.src_uri, identifier, anchor, kwargs))


class Handler:
    """Stands for mkdocstrings' Python handler: renders one heading and registers an anchor."""

    def __init__(self, autorefs: Autorefs, renders: list[str], warn: str = "") -> None:
        self._autorefs = autorefs
        self._renders = renders
        self._warn = warn
        self._headings: list[Element] = []

    def collect(self, identifier: str, options: Any) -> Any:
        self._renders.append(f"collect {identifier}")
        if self._warn == "collect":
            logging.getLogger("mkdocs.plugins.griffe").warning("a module that does not parse")
        return SimpleNamespace(path=identifier)

    def render(self, data: Any, options: Any, locale: str | None = None) -> str:
        self._renders.append(data.path)
        if self._warn == "render":
            logging.getLogger("mkdocs.plugins.griffe").warning("a docstring that does not parse")
        self._autorefs.register_anchor(self._autorefs.current_page, "inner", "outer", primary=False)
        heading = Element("h2", {"id": data.path, "data-role": "module"})
        heading.text = data.path
        self._headings.append(heading)
        return f"<p>{data.path} with {options}</p>"

    def get_headings(self) -> list[Element]:
        headings = list(self._headings)
        self._headings.clear()
        return headings

    def get_aliases(self, identifier: str) -> tuple[str, ...]:
        self._renders.append(f"aliases {identifier}")
        return (identifier, f"{identifier}.alias")


def a_root(tmp_path: Path) -> Path:
    """A checkout holding every input the hook names."""
    root = tmp_path / "checkout"
    for relative in hook.INPUTS:
        target = root / relative
        if relative == "src/brkdoc":
            target.mkdir(parents=True)
            (target / "sim.py").write_text('"""The model."""\n')
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(relative)
    return root


def build(
    monkeypatch: pytest.MonkeyPatch,
    root: Path,
    page: str = "reference/sim.md",
    warn: str = "",
    also_ask: str = "",
) -> dict[str, Any]:
    """One build's rendering of `brkdoc.sim`: what mkdocstrings would get, and what it cost."""
    monkeypatch.setattr(hook, "ROOT", root)
    monkeypatch.setattr(hook, "CACHE_DIR", root / ".cache" / "reference")
    autorefs = Autorefs(page)
    renders: list[str] = []
    handler = Handler(autorefs, renders, warn)
    plugin = SimpleNamespace(handlers=SimpleNamespace(get_handler=lambda name: handler))
    hook.on_config(SimpleNamespace(plugins={"mkdocstrings": plugin, "autorefs": autorefs}))
    # What mkdocstrings does for one `::: brkdoc.sim` block.
    html = handler.render(handler.collect("brkdoc.sim", "options"), "options", locale="en")
    headings = handler.get_headings()
    aliases = [handler.get_aliases(h.attrib["id"]) for h in headings]
    if also_ask:
        aliases.append(handler.get_aliases(also_ask))
    return {
        "html": html,
        "headings": [(h.tag, h.attrib, h.text) for h in headings],
        "aliases": aliases,
        "anchors": autorefs.anchors,
        "renders": renders,
    }


def test_the_site_config_enables_the_hook_and_every_input_exists() -> None:
    config = load_config(str(ROOT / "mkdocs.yml"))
    assert any(path.endswith("reference_cache.py") for path in config["hooks"])
    for relative in hook.INPUTS:
        assert (ROOT / relative).exists(), relative


def test_a_block_renders_once_and_is_replayed_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = a_root(tmp_path)
    first = build(monkeypatch, root)
    assert first["renders"] == ["collect brkdoc.sim", "brkdoc.sim", "aliases brkdoc.sim"]
    assert first["html"] == "<p>brkdoc.sim with options</p>"
    assert first["headings"] == [("h2", {"id": "brkdoc.sim", "data-role": "module"}, "brkdoc.sim")]
    assert first["aliases"] == [("brkdoc.sim", "brkdoc.sim.alias")]
    assert first["anchors"] == [("reference/sim.md", "inner", "outer", {"primary": False})]
    second = build(monkeypatch, root)
    assert second["renders"] == []
    assert {**second, "renders": []} == {**first, "renders": []}


@pytest.mark.parametrize(
    "change",
    [
        lambda root: (root / "src" / "brkdoc" / "sim.py").write_text('"""Changed."""\n'),
        lambda root: (root / "src" / "brkdoc" / "new.py").write_text(""),
        lambda root: (root / "mkdocs.yml").write_text("strict: false\n"),
        lambda root: (root / "requirements.lock").write_text("markdown==0\n"),
    ],
    ids=["docstring", "new-module", "mkdocs.yml", "lock"],
)
def test_a_changed_input_renders_again(
    change: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = a_root(tmp_path)
    build(monkeypatch, root)
    change(root)
    assert "brkdoc.sim" in build(monkeypatch, root)["renders"]
    assert build(monkeypatch, root)["renders"] == []
    assert len(list((root / ".cache").rglob("*.txt"))) == 1  # the old render is dropped


def test_another_page_or_package_version_renders_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = a_root(tmp_path)
    build(monkeypatch, root)
    assert "brkdoc.sim" in build(monkeypatch, root, page="reference/other.md")["renders"]
    monkeypatch.setattr(hook, "version", lambda name: "0.0.0")
    assert "brkdoc.sim" in build(monkeypatch, root, page="reference/other.md")["renders"]


@pytest.mark.parametrize("warn", ["render", "collect"])
def test_a_render_that_warned_is_never_kept(
    warn: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = a_root(tmp_path)
    first = build(monkeypatch, root, warn=warn)
    assert "brkdoc.sim" in build(monkeypatch, root, warn=warn)["renders"]
    assert not list((root / ".cache").rglob("*.txt"))
    assert first["headings"]
    assert first["anchors"]


def test_an_alias_the_cache_does_not_hold_loads_the_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = a_root(tmp_path)
    build(monkeypatch, root)
    again = build(monkeypatch, root, also_ask="brkdoc.sim.Heap")
    assert again["renders"] == ["collect brkdoc.sim", "aliases brkdoc.sim.Heap"]
    assert again["aliases"][-1] == ("brkdoc.sim.Heap", "brkdoc.sim.Heap.alias")
