"""Every docstring example in brkdoc is collected by the docstring Sybil of the root conftest.

The examples themselves run as Sybil items (`pytest src/brkdoc`, part of `make test`; see
brkdoc.doccheck.docstrings). Here the stdlib's doctest finder counts them on its own, module by
module, and each one it finds must be collected: as a bare example, or inside a fenced block
(which runs as a `pycon` session). So an example the harness drops shows up as a failure.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil
from collections import Counter
from pathlib import Path

import pytest
from conftest import DOCSTRINGS_SYBIL
from sybil import Region

import brkdoc
from brkdoc.doccheck.sybil_parsers import Block


def _modules() -> list[str]:
    names = [brkdoc.__name__]
    for info in pkgutil.walk_packages(brkdoc.__path__, prefix="brkdoc."):
        if not info.name.endswith("__main__"):
            names.append(info.name)
    return sorted(names)


MODULES = _modules()


def _found_by_doctest(name: str) -> Counter[str]:
    module = importlib.import_module(name)
    tests = doctest.DocTestFinder().find(module)
    return Counter(example.source for test in tests for example in test.examples)


def _regions(name: str) -> list[Region]:
    source = importlib.import_module(name).__file__
    assert source is not None
    return [region for _, region in DOCSTRINGS_SYBIL.parse(Path(source)).regions]


def collected_blocks() -> list[Block]:
    """The fenced blocks of every module's docstrings, as the docstring Sybil runs them."""
    return [
        region.parsed
        for name in MODULES
        for region in _regions(name)
        if isinstance(region.parsed, Block)
    ]


def _collected(name: str) -> Counter[str]:
    sources: Counter[str] = Counter()
    for region in _regions(name):
        if isinstance(region.parsed, doctest.Example):
            sources[region.parsed.source] += 1
        elif isinstance(region.parsed, Block):
            body = region.parsed.fence.body
            sources.update(example.source for example in doctest.DocTestParser().get_examples(body))
    return sources


def test_walk_finds_the_harness() -> None:
    assert "brkdoc.doccheck.matching" in MODULES


def test_the_docstring_sybil_takes_every_module_but_main() -> None:
    package = Path(brkdoc.__file__).parent
    for name in MODULES:
        source = importlib.import_module(name).__file__
        assert source is not None
        assert DOCSTRINGS_SYBIL.should_parse(Path(source)), name
    assert not DOCSTRINGS_SYBIL.should_parse(package / "__main__.py")


@pytest.mark.parametrize("name", MODULES)
def test_every_docstring_example_is_collected(name: str) -> None:
    missing = _found_by_doctest(name) - _collected(name)
    assert not missing, f"{name}: docstring examples not collected: {sorted(missing)}"


def test_there_are_docstring_examples() -> None:
    assert sum(sum(_found_by_doctest(name).values()) for name in MODULES) >= 100
