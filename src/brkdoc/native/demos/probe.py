"""Run `questions_probe.c`, the C helper that measures six of the demos, in a child process.

These demos measure RSS, page faults, arenas and huge pages, which the Python interpreter's own
allocations would blur, so the measuring is done by a small C program instead. It is compiled
once per source version and cached (`brkdoc.native.build`), started with a clean malloc
environment plus whatever the demo sets, and prints `name value` lines. Inside
`on_glibc(V)` it is linked for build V and started through V's own loader.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path

from brkdoc.errors import BrkdocError
from brkdoc.native import glibcs
from brkdoc.native.build import compile_cached, run_helper
from brkdoc.native.child import ChildError
from brkdoc.native.demos.result import Evidence, chosen_glibc

__all__ = [
    "compile_probe",
    "glibc_at_least",
    "parse_probe_output",
    "run_probe",
]

_SOURCE_NAME = "questions_probe.c"
# -fno-builtin: gcc would otherwise drop a malloc whose block is only freed, or turn
# malloc + memset(0) into calloc, and the probe would measure nothing.
# -Wl,-z,now: symbols are bound at start-up, so no first call faults in a page of the GOT.
_CFLAGS = ("-O2", "-fno-builtin", "-Wall", "-pthread", "-Wl,-z,now")
_TIMEOUT_SECONDS = 60.0


def compile_probe(glibc: str | None = None) -> Path:
    """The probe compiled for glibc build `glibc` (None: the system's), built first if new."""
    source = resources.files(__package__).joinpath(_SOURCE_NAME).read_text(encoding="utf-8")
    if glibc is None:
        return compile_cached(source, "questions_probe", _CFLAGS)
    if not glibcs.has_mallinfo2(glibc):
        raise BrkdocError(f"the questions probe needs mallinfo2 (glibc 2.33 or later), not {glibc}")
    libraries = glibcs.link_args(glibc, threads=True)
    return compile_cached(source, "questions_probe", _CFLAGS, libraries=libraries)


def parse_probe_output(text: str) -> Evidence:
    r"""`name value` lines to a mapping; a value that is an integer becomes an int.

    ```pycon
    >>> from brkdoc.native.demos.probe import parse_probe_output
    >>> parse_probe_output("glibc 2.36\nthreads 24\nthp always [madvise] never\n")
    {'glibc': '2.36', 'threads': 24, 'thp': 'always [madvise] never'}

    ```
    """
    values: Evidence = {}
    for number, line in enumerate(text.splitlines(), start=1):
        name, _, raw = line.partition(" ")
        if not name or not raw:
            raise ChildError(f"questions probe output line {number}: expected 'name value'")
        try:
            values[name] = int(raw)
        except ValueError:
            values[name] = raw
    return values


def run_probe(
    experiment: str, args: Sequence[object] = (), *, env: Mapping[str, str] | None = None
) -> Evidence:
    """Run one experiment of the probe in a fresh process and return what it measured."""
    glibc = chosen_glibc()
    argv = glibcs.run_argv(
        glibc, [str(compile_probe(glibc)), experiment, *(str(arg) for arg in args)]
    )
    done = run_helper(
        argv,
        env=env,
        timeout=_TIMEOUT_SECONDS,
        error=ChildError,
        timed_out=f"questions probe {experiment!r} did not finish within {_TIMEOUT_SECONDS:g} s",
        failed=f"questions probe {experiment!r} failed",
    )
    return parse_probe_output(done.stdout.decode(errors="replace"))


def glibc_at_least(evidence: Evidence, release: tuple[int, int]) -> bool:
    """Whether the glibc the probe ran on (its `glibc` line) is `release` or later.

    ```pycon
    >>> from brkdoc.native.demos.probe import glibc_at_least
    >>> glibc_at_least({"glibc": "2.36"}, (2, 44)), glibc_at_least({"glibc": "2.44"}, (2, 44))
    (False, True)

    ```
    """
    major, minor = (int(part) for part in str(evidence["glibc"]).split(".")[:2])
    return (major, minor) >= release
