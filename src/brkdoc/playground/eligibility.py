"""Which of the site's python blocks can run in the reader's browser: one rule, used at build time.

A block can run in the page when everything it imports is `brkdoc.sim` or `brkdoc.trace` (the
pure model and its trace format, which the page loads) or a pure part of the standard library,
and it calls no built-in that reaches outside the interpreter. Any other block gets a note
saying what it needs instead of a button: the live system (a child process, ctypes, /proc), or
a part of brkdoc the page does not load.

>>> verdict("from brkdoc.sim import Heap\\nprint(Heap().malloc(10))")
Verdict(runnable=True, reason='')
>>> verdict("import subprocess").reason
'needs the live system (it uses subprocess), so it runs only on your machine'
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from brkdoc.playground.imports import imported_modules

__all__ = ["PURE_STDLIB", "Verdict", "verdict"]

# Standard-library modules that compute without touching files, processes or the network.
PURE_STDLIB = frozenset(
    {
        "__future__", "array", "bisect", "collections", "dataclasses", "decimal", "difflib",
        "enum", "fractions", "functools", "heapq", "itertools", "json", "math", "operator",
        "pprint", "random", "re", "statistics", "string", "textwrap", "typing",
    }
)  # fmt: skip
# What the page loads of brkdoc, for blocks to import.
IN_PAGE = ("brkdoc.sim", "brkdoc.trace")
# Built-ins that read files or the terminal, or run code the rule has not seen.
_OUTSIDE_CALLS = frozenset({"open", "input", "exec", "eval", "compile", "__import__", "breakpoint"})
# Modules that reach the live system; anything else unknown is "not loaded in the page".
_LIVE = ("brkdoc.native", "brkdoc.bench", "brkdoc.cli", "ctypes", "os", "subprocess", "sys",
         "signal", "socket", "resource", "mmap", "threading", "multiprocessing", "pathlib",
         "shutil", "tempfile", "time")  # fmt: skip


@dataclass(frozen=True)
class Verdict:
    """`runnable`: the page may offer a Run button; otherwise `reason` is the note it shows."""

    runnable: bool
    reason: str


def _within(module: str, packages: tuple[str, ...] | frozenset[str]) -> bool:
    return any(module == package or module.startswith(package + ".") for package in packages)


def verdict(source: str) -> Verdict:
    """Whether a python block can run in the page, and if not, why."""
    try:
        tree = ast.parse(source)
    except SyntaxError as error:
        return Verdict(False, f"does not parse ({error.msg})")
    for module in imported_modules(tree):
        if _within(module, IN_PAGE) or _within(module, PURE_STDLIB):
            continue
        if _within(module, _LIVE):
            return Verdict(
                False, f"needs the live system (it uses {module}), so it runs only on your machine"
            )
        return Verdict(
            False,
            f"uses {module}, which the in-page Python does not load; run it with brkdoc installed",
        )
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in _OUTSIDE_CALLS
        ):
            return Verdict(
                False, f"calls {node.func.id}(), which reaches outside the page's interpreter"
            )
    return Verdict(True, "")
