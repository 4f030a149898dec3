"""Compile and run the C probe that does the measuring, one experiment per child process.

The experiments move the program break, change malloc's settings, start a thread and create
tens of thousands of mappings, so none of them runs inside the Python process. The probe is
compiled once per source version (the binary's name carries a hash of the source) and cached.
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib import resources
from pathlib import Path

from brkdoc.errors import BrkdocError
from brkdoc.native.build import compile_cached, run_helper

__all__ = ["EXPERIMENTS", "compile_probe", "parse_probe_output", "run_experiment"]

# Each name is one run of the probe in a fresh process (see bench_probe.c).
EXPERIMENTS = ("kernel", "tlb", "vma", "malloc-dynamic", "malloc-fixed", "return")

_SOURCE_NAME = "bench_probe.c"
_TIMEOUT_SECONDS = 60
_CFLAGS = ("-O2", "-Wall", "-pthread")


def _source_text() -> str:
    return resources.files("brkdoc.bench").joinpath(_SOURCE_NAME).read_text(encoding="utf-8")


def compile_probe(directory: Path | None = None) -> Path:
    """Return the path of the compiled probe, compiling it first if this source is new."""
    return compile_cached(_source_text(), "bench_probe", _CFLAGS, directory)


def parse_probe_output(text: str) -> dict[str, float]:
    """Turn the probe's `name value` lines into a mapping; reject anything else."""
    values: dict[str, float] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        fields = line.split()
        if not fields:
            continue
        if len(fields) != 2:
            raise BrkdocError(f"bench probe output line {number}: expected 'name value': {line!r}")
        name, raw = fields
        try:
            values[name] = float(raw)
        except ValueError:
            raise BrkdocError(
                f"bench probe output line {number}: {raw!r} is not a number"
            ) from None
    return values


def run_experiment(
    probe: Path, experiment: str, *, quick: bool = False, env: Mapping[str, str] | None = None
) -> dict[str, float]:
    """Run one experiment in a child process and return its measurements."""
    if experiment not in EXPERIMENTS:
        raise BrkdocError(f"unknown bench experiment {experiment!r}")
    # The probe measures glibc's own defaults: tunables from the caller's shell (or from `env`,
    # the environment to start from) would skew them, so run_helper removes them.
    done = run_helper(
        [str(probe), experiment, "0" if quick else "1"],
        environ=env,
        timeout=_TIMEOUT_SECONDS,
        timed_out=f"bench experiment {experiment!r} took over {_TIMEOUT_SECONDS} s",
        failed=f"bench experiment {experiment!r} failed",
    )
    return parse_probe_output(done.stdout.decode(errors="replace"))
