"""The API reference (docs/reference/) shows no example that no test runs.

Its pages hold only `::: brkdoc.x` directives, so tests/test_docs_coverage.py sees no fence on
them: their code is put there at build time by mkdocstrings, from the docstrings. These tests read
the built pages (the browser suite's strict build; no browser needed) and check both ways:

- every code block on a reference page, other than a signature, is either a `>>>` session that
  is part of a docstring (doctest's own finder over the modules tests/test_docstrings.py walks)
  and is also a fenced pycon block the docstring Sybil (conftest.py, brkdoc.doccheck.docstrings)
  runs alone in a fresh interpreter, as a reader who copies it would; or a python block
  tests/test_docs_examples.py runs;
- every `>>>` example in the docstring of an object a page shows is shown in a code block there,
  so an example the Markdown renders as something else (bare `>>>` lines become nested block
  quotes) is noticed instead of shown unchecked.
"""

from __future__ import annotations

import doctest
import html
import importlib
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

import griffe
import pytest

from tests.test_docs_examples import PYTHON
from tests.test_docstrings import MODULES, collected_blocks

from .site import DOCS, ROOT

# The pages that render docstrings: those with a `::: brkdoc.x` directive.
REFERENCE_PAGES = sorted(
    str(page.relative_to(DOCS).with_suffix(""))
    for page in (DOCS / "reference").glob("*.md")
    if re.search(r"^::: brkdoc", page.read_text(encoding="utf-8"), re.MULTILINE)
)
# mkdocstrings drops doctest flags from the examples it renders, as this does before comparing.
_DOCTEST_FLAGS = re.compile(r"\s*#\s*doctest:.+$", re.MULTILINE)
_PARSER = doctest.DocTestParser()

Example = tuple[str, str]


@dataclass
class CodeBlock:
    language: str
    text: str


@dataclass
class ReferencePage:
    blocks: list[CodeBlock] = field(default_factory=list)
    objects: list[str] = field(default_factory=list)


class _PageReader(HTMLParser):
    """The code blocks (signatures left out) and the documented objects' ids of one page."""

    def __init__(self) -> None:
        super().__init__()
        self.page = ReferencePage()
        self._divs: list[list[str]] = []
        self._block: CodeBlock | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = (dict(attrs).get("class") or "").split()
        if tag == "div":
            self._divs.append(classes)
        elif tag == "pre" and not any("doc-signature" in div for div in self._divs):
            languages = [c[9:] for div in self._divs for c in div if c.startswith("language-")]
            self._block = CodeBlock(languages[-1] if languages else "", "")
        elif re.fullmatch(r"h[1-6]", tag) and "doc-heading" in classes:
            self.page.objects.append(dict(attrs).get("id") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "div" and self._divs:
            self._divs.pop()
        elif tag == "pre" and self._block is not None:
            self.page.blocks.append(self._block)
            self._block = None

    def handle_data(self, data: str) -> None:
        if self._block is not None:
            self._block.text += data


def read_page(text: str) -> ReferencePage:
    reader = _PageReader()
    reader.feed(text)
    return reader.page


def examples_of(text: str) -> list[Example]:
    return [
        (_DOCTEST_FLAGS.sub("", example.source).strip(), example.want.replace("<BLANKLINE>", ""))
        for example in _PARSER.get_examples(html.unescape(text))
    ]


@cache
def docstring_sessions() -> list[list[Example]]:
    """The examples of every docstring of brkdoc's modules, one list per docstring."""
    finder = doctest.DocTestFinder()
    return [
        [(_DOCTEST_FLAGS.sub("", e.source).strip(), e.want) for e in test.examples]
        for name in MODULES
        for test in finder.find(importlib.import_module(name))
        if test.examples
    ]


@cache
def docstring_python_blocks() -> frozenset[str]:
    return frozenset(ex.source.strip() for ex in PYTHON if ex.path.suffix == ".py")


@cache
def docstring_pycon_blocks() -> frozenset[tuple[Example, ...]]:
    """The fenced pycon blocks of docstrings, each of which the docstring Sybil runs alone."""
    return frozenset(
        tuple(examples_of(block.fence.body))
        for block in collected_blocks()
        if block.fence.language == "pycon"
    )


def _contains_run(session: list[Example], run: list[Example]) -> bool:
    return any(session[i : i + len(run)] == run for i in range(len(session) - len(run) + 1))


def unchecked_blocks(page: ReferencePage) -> list[CodeBlock]:
    """Blocks not run both with their docstring and on their own, and python blocks not run."""
    unchecked = []
    for block in page.blocks:
        if block.language == "python" and block.text.strip() in docstring_python_blocks():
            continue
        run = examples_of(block.text)
        in_a_docstring = any(_contains_run(session, run) for session in docstring_sessions())
        runs_alone = tuple(run) in docstring_pycon_blocks()
        if block.language != "pycon" or not run or not in_a_docstring or not runs_alone:
            unchecked.append(block)
    return unchecked


@cache
def _package() -> griffe.Object | griffe.Alias:
    return griffe.load("brkdoc", search_paths=[str(ROOT / "src")])


def docstring_of(object_id: str) -> str:
    """The docstring mkdocstrings rendered for `object_id`, found as it finds it (griffe)."""
    package = _package()
    found = package if object_id == "brkdoc" else package[object_id.removeprefix("brkdoc.")]
    return found.docstring.value if found.docstring else ""


def examples_not_in_code_blocks(page: ReferencePage) -> list[str]:
    """Examples of the docstrings shown (one per heading) that no code block on the page shows.

    Counted, not just looked up: an example repeated in several docstrings must be in a code
    block as many times as the docstrings holding it are shown.
    """
    shown = Counter(example for block in page.blocks for example in examples_of(block.text))
    held = {name: examples_of(docstring_of(name)) for name in page.objects}
    missing = Counter(example for examples in held.values() for example in examples) - shown
    return [
        f"{name}: {source}"
        for name, examples in held.items()
        for source, want in examples
        if missing[source, want]
    ]


def _built(site_dir: Path, name: str) -> ReferencePage:
    return read_page((site_dir / name / "index.html").read_text(encoding="utf-8"))


def test_the_reference_has_pages() -> None:
    assert {"reference/sim", "reference/trace", "reference/native", "reference/render"} <= set(
        REFERENCE_PAGES
    )


@pytest.mark.parametrize("name", REFERENCE_PAGES)
def test_every_code_block_is_a_docstring_example_that_runs(site_dir: Path, name: str) -> None:
    unchecked = unchecked_blocks(_built(site_dir, name))
    shown = "\n\n".join(f"[{block.language or 'no language'}]\n{block.text}" for block in unchecked)
    assert not unchecked, f"{name}: code no test runs (not in a docstring doctest finds):\n{shown}"


@pytest.mark.parametrize("name", REFERENCE_PAGES)
def test_every_docstring_example_is_shown_as_code(site_dir: Path, name: str) -> None:
    missing = examples_not_in_code_blocks(_built(site_dir, name))
    assert not missing, (
        f"{name}: docstring examples not rendered as code (fence them as ```pycon): {missing}"
    )


def test_the_pages_show_examples(site_dir: Path) -> None:
    """The checks above would pass on pages without code; the sim page has examples."""
    page = _built(site_dir, "reference/sim")
    assert page.blocks, "reference/sim shows no code block"
    assert "brkdoc.sim.Heap" in page.objects


def test_an_example_no_docstring_holds_is_reported() -> None:
    page = read_page(
        '<div class="language-pycon highlight">'
        "<pre><code>&gt;&gt;&gt; 1 + 1\n3\n</code></pre></div>"
        '<div class="language-python doc-signature highlight"><pre><code>f(x)</code></pre></div>'
    )
    assert [block.language for block in page.blocks] == ["pycon"]
    assert unchecked_blocks(page) == page.blocks


def test_a_bare_example_rendered_as_text_is_reported() -> None:
    page = read_page(
        '<h3 id="brkdoc.sim.format_view" class="doc doc-heading">format_view</h3>'
        "<blockquote><p>from brkdoc.sim import Heap</p></blockquote>"
    )
    assert page.objects == ["brkdoc.sim.format_view"]
    assert examples_not_in_code_blocks(page)
