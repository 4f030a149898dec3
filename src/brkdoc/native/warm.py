"""Measure the site build's slow tables in child processes while the build renders other pages.

Two pages show tables measured at build time on every glibc build: the probe's facts
(`brkdoc.native.glibc_facts.cached_facts`, under a second) and the check matrix
(`brkdoc.native.matrix.cached_matrix`, which replays twelve traces on five builds and through
five models: about 13 s on an idle 2-core machine). Both are cached on their inputs, so only
the first build, or one after an input changed, measures them; and that build would otherwise
measure them in the middle of rendering, one page after another.

A hook calls `start` in its `on_config`: when the cache lacks the entry, a child process
(`python -m brkdoc.native.warm facts|matrix [TRACE...]`) measures it and stores it, while the
build renders the pages before the one that shows it, on the other core. The hook calls `wait`
just before it needs the table, then reads it with `cached_facts` or `cached_matrix` exactly as
it would without a child. The child only fills the cache: when it fails, the hook finds no entry,
measures again itself, and reports the error as it always did.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from brkdoc.errors import BrkdocError
from brkdoc.native.cached import has_entry
from brkdoc.native.glibc_facts import FACTS_KIND, cached_facts, facts_key
from brkdoc.native.matrix import MATRIX_KIND, cached_matrix, matrix_key

__all__ = ["main", "start", "wait"]

# The children still measuring, by what they measure. A module of the package, not a hook's
# global: `mkdocs serve` loads the hooks afresh for every rebuild, and a rebuild that starts
# while a child runs must wait for that child rather than start another.
_running: dict[tuple[str, ...], subprocess.Popen[bytes]] = {}


def _is_cached(job: tuple[str, ...]) -> bool:
    kind, *traces = job
    if kind == "facts":
        return has_entry(FACTS_KIND, facts_key())
    return has_entry(MATRIX_KIND, matrix_key([Path(trace) for trace in traces]))


def _job(kind: str, traces: Sequence[Path]) -> tuple[str, ...]:
    if kind not in ("facts", "matrix"):
        raise ValueError(f"nothing to measure called {kind!r}: facts or matrix")
    return (kind, *(str(trace) for trace in traces))


def start(kind: str, traces: Sequence[Path] = ()) -> None:
    """Measure `kind` ("facts", or "matrix" of `traces`) in a child process, unless it is
    cached or a child is measuring it already."""
    job = _job(kind, traces)
    running = _running.get(job)
    if running is not None and running.poll() is None:
        return
    try:
        if _is_cached(job):
            return
    except (OSError, BrkdocError):
        return  # an input is unreadable: the hook's own measurement reports it
    # Its output is not shown: the hook reports any failure when it measures again.
    _running[job] = subprocess.Popen(
        [sys.executable, "-m", __name__, *job],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def wait(kind: str, traces: Sequence[Path] = ()) -> None:
    """Wait for the child that `start` began for the same arguments, if there is one."""
    running = _running.pop(_job(kind, traces), None)
    if running is not None:
        running.wait()


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["facts"] and len(args) == 1:
        cached_facts()
    elif args[:1] == ["matrix"] and len(args) > 1:
        cached_matrix([Path(trace) for trace in args[1:]])
    else:
        print("usage: python -m brkdoc.native.warm facts | matrix TRACE...", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
