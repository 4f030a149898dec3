"""Run every experiment (each in its own child process) and assemble the report."""

from __future__ import annotations

from collections.abc import Callable

from brkdoc.bench.machine import describe_machine
from brkdoc.bench.probe import EXPERIMENTS, compile_probe, run_experiment
from brkdoc.bench.report import BenchReport, build_report

__all__ = ["run_bench"]


def run_bench(*, quick: bool = False, progress: Callable[[str], None] | None = None) -> BenchReport:
    """Measure this machine. `quick` shrinks every loop: for tests, not for numbers."""
    probe = compile_probe()
    raw: dict[str, dict[str, float]] = {}
    for experiment in EXPERIMENTS:
        if progress is not None:
            progress(experiment)
        raw[experiment] = run_experiment(probe, experiment, quick=quick)
    return build_report(raw, describe_machine())
