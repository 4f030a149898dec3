"""Compile and run the C probe that does the measuring, one experiment per child process.

The experiments move the program break, change malloc's settings, start a thread and create
tens of thousands of mappings, so none of them runs inside the Python process. The probe is
compiled once per source version (the binary's name carries a hash of the source) and cached.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from importlib import resources
from pathlib import Path

from brkdoc.errors import BrkdocError

__all__ = ["EXPERIMENTS", "cache_dir", "compile_probe", "parse_probe_output", "run_experiment"]

# Each name is one run of the probe in a fresh process (see bench_probe.c).
EXPERIMENTS = ("kernel", "tlb", "vma", "malloc-dynamic", "malloc-fixed", "return")

_SOURCE_NAME = "bench_probe.c"
_TIMEOUT_SECONDS = 60


def _source_text() -> str:
    return resources.files("brkdoc.bench").joinpath(_SOURCE_NAME).read_text(encoding="utf-8")


def cache_dir() -> Path:
    """Where compiled probes live: `$XDG_CACHE_HOME/brkdoc` or `~/.cache/brkdoc`."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "brkdoc"


def compile_probe(directory: Path | None = None) -> Path:
    """Return the path of the compiled probe, compiling it first if this source is new."""
    source = _source_text()
    digest = hashlib.sha256(source.encode()).hexdigest()[:16]
    target_dir = directory if directory is not None else cache_dir()
    binary = target_dir / f"bench_probe-{digest}"
    if binary.exists():
        return binary
    compiler = shutil.which("gcc") or shutil.which("cc")
    if compiler is None:
        raise BrkdocError("brkdoc bench needs a C compiler (gcc) to build its probe")
    target_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target_dir) as work:
        source_path = Path(work) / _SOURCE_NAME
        source_path.write_text(source, encoding="utf-8")
        built = Path(work) / "probe"
        result = subprocess.run(
            [compiler, "-O2", "-Wall", "-pthread", str(source_path), "-o", str(built)],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise BrkdocError(f"compiling the bench probe failed:\n{result.stderr.strip()}")
        # A rename is atomic: a concurrent run sees either no binary or a whole one.
        built.replace(binary)
    return binary


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
    child_env = dict(os.environ if env is None else env)
    # The probe measures glibc's own defaults: tunables from the caller's shell would skew them.
    for name in list(child_env):
        if name.startswith("MALLOC_") or name in {"GLIBC_TUNABLES", "LD_PRELOAD"}:
            del child_env[name]
    try:
        result = subprocess.run(
            [str(probe), experiment, "0" if quick else "1"],
            capture_output=True,
            text=True,
            check=False,
            timeout=_TIMEOUT_SECONDS,
            env=child_env,
        )
    except subprocess.TimeoutExpired:
        raise BrkdocError(
            f"bench experiment {experiment!r} took over {_TIMEOUT_SECONDS} s"
        ) from None
    if result.returncode != 0:
        detail = result.stderr.strip() or f"exit status {result.returncode}"
        raise BrkdocError(f"bench experiment {experiment!r} failed: {detail}")
    return parse_probe_output(result.stdout)
