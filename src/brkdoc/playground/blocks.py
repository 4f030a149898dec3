"""Run one of the site's python blocks in the page, as the docs harness runs it: alone.

Each block gets a fresh namespace (the harness runs every block in a fresh interpreter), and
what it prints is returned; an exception ends the output with its traceback, as Python prints
it. Modules stay imported between runs, which changes nothing: `brkdoc.sim` keeps no state
outside the `Heap` objects a block makes.

>>> print(run_block("print(6 * 7)"), end="")
42
"""

from __future__ import annotations

import contextlib
import io
import traceback

__all__ = ["run_block"]


def run_block(source: str) -> str:
    """Everything the block prints on stdout and stderr, in order."""
    printed = io.StringIO()
    namespace = {"__name__": "__main__"}
    with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(printed):
        try:
            exec(compile(source, "<block>", "exec"), namespace)  # the page's own code
        except Exception:  # shown to the reader, as the interpreter would
            traceback.print_exc(file=printed)
    return printed.getvalue()
