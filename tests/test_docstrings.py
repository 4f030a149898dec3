"""Run the bare `>>>` examples in every brkdoc module's docstrings (ELLIPSIS on).

Fenced examples inside docstrings are run by tests/test_docs_examples.py (pytest-examples).
Docstring examples must not touch process state: anything live belongs in a child process.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil
from types import ModuleType

import pytest

import brkdoc


def _modules() -> list[str]:
    names = [brkdoc.__name__]
    for info in pkgutil.walk_packages(brkdoc.__path__, prefix="brkdoc."):
        if not info.name.endswith("__main__"):
            names.append(info.name)
    return sorted(names)


MODULES = _modules()


def test_walk_finds_the_harness() -> None:
    assert "brkdoc.doccheck.matching" in MODULES


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module: ModuleType = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS, verbose=False, report=True)
    assert result.failed == 0, f"{name}: {result.failed} docstring example(s) failed"
