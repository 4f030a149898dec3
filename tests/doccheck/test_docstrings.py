from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from sybil import Sybil

from brkdoc.doccheck.docstrings import DocstringDocument, DocstringParser
from brkdoc.doccheck.sybil_parsers import remove_page_workdir

_NAMES = itertools.count()

MODULE = '''\
"""A module whose docstrings hold examples.

>>> LIMIT
3
>>> seen = "module docstring"
"""

LIMIT = 3


def uses_a_global() -> None:
    """The module's globals are there; the module docstring's names are not.

    >>> LIMIT + 1
    4
    >>> seen
    Traceback (most recent call last):
    NameError: name 'seen' is not defined
    >>> print("a long line")
    a ...
    """


def fenced() -> None:
    """A fenced session runs on its own, in a fresh interpreter.

    ```pycon
    >>> import sys
    >>> sys.flags.optimize
    0
    >>> LIMIT
    Traceback (most recent call last):
    NameError: name 'LIMIT' is not defined

    ```
    """
'''


def _results(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str) -> list[str | None]:
    """Evaluate every example of `text`, written as a module of a fresh package, in order."""
    package = tmp_path / f"docstring_pkg_{next(_NAMES)}"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "mod.py").write_text(text)
    monkeypatch.syspath_prepend(str(tmp_path))
    sybil = Sybil(
        parsers=[DocstringParser(tmp_path)],
        patterns=["*.py"],
        document_types={".py": DocstringDocument},
    )
    document = sybil.parse(package / "mod.py")
    results: list[str | None] = []
    for example in document.examples():
        try:
            example.evaluate()
            results.append(None)
        except Exception as error:  # sybil raises its own failure type, with the difference
            results.append(str(error))
    remove_page_workdir(document.namespace)
    return results


def test_examples_run_in_order_each_docstring_on_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    results = _results(tmp_path, monkeypatch, MODULE)
    assert results == [None] * 6  # 2 + 3 bare examples, and one fenced session


def test_a_wrong_result_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = MODULE.replace("    4\n", "    5\n")
    results = _results(tmp_path, monkeypatch, text)
    assert [result is None for result in results] == [True, True, False, True, True, True]
    assert "Expected:\n    5\nGot:\n    4" in str(results[2])


def test_trailing_white_space_is_compared(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = '"""\n>>> print("x ")\nx\n"""\n'
    (result,) = _results(tmp_path, monkeypatch, text)
    assert result is not None
    assert "Expected:\n    x\nGot:\n    x " in result


def test_a_failing_fenced_session_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = MODULE.replace("sys.flags.optimize\n    0", "sys.flags.optimize\n    1")
    results = _results(tmp_path, monkeypatch, text)
    assert results[:5] == [None] * 5
    assert results[5] is not None
    assert "Expected:\n    1\nGot:\n    0" in results[5]


def test_a_fence_without_a_runner_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = '"""Shown but not run:\n\n```text\nhello\n```\n"""\n'
    (result,) = _results(tmp_path, monkeypatch, text)
    assert result is not None
    assert "no runner for a 'text' fence" in result
