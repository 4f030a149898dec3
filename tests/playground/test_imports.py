"""brkdoc.playground.imports: the one reading of a source's imports."""

from __future__ import annotations

import ast

from brkdoc.playground.imports import imported_modules


def _names(source: str) -> list[str]:
    return imported_modules(ast.parse(source))


def test_plain_and_from_imports_name_the_module_and_what_may_be_a_submodule() -> None:
    assert _names("import a, b.c as d\nfrom e.f import g, h as i\n") == [
        "a", "b.c", "e.f", "e.f.g", "e.f.h"
    ]  # fmt: skip


def test_imports_inside_functions_and_conditions_count() -> None:
    source = "def f():\n    import os\nif False:\n    from sys import argv\n"
    assert _names(source) == ["os", "sys", "sys.argv"]


def test_relative_imports_keep_their_dots() -> None:
    assert _names("from . import x\nfrom ..pkg import y\n") == [".", ".x", "..pkg", "..pkg.y"]
