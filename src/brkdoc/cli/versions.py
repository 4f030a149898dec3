"""`brkdoc versions TRACE`: one trace on every checked glibc build and through every profile."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from brkdoc.cli.trace import read_ops
from brkdoc.native.glibcs import CHECKED_VERSIONS
from brkdoc.trace import Observation

if TYPE_CHECKING:
    from brkdoc.native.versions import VersionRun, VersionsReport

__all__ = ["register"]


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "versions",
        help="replay a trace on every checked glibc and its model; show where versions part",
        description="Replay a trace on each real glibc build "
        f"({', '.join(CHECKED_VERSIONS)}; fetched by `make glibcs`) and through the model of "
        "each version. Shows the first operation on which the real builds differ and what each "
        "did there, which versions behave identically, how far each model agrees with its "
        "build, and the peak break, peak mmapped bytes and system calls of every run.",
    )
    parser.add_argument("trace", help="trace file (CS:APP malloc-lab format)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    # Imported here: it loads the oracle, which `brkdoc --help` does not need.
    from brkdoc.native.versions import run_versions  # noqa: PLC0415

    report = run_versions(read_ops(args.trace), args.trace)
    if args.json:
        print(json.dumps(report.as_dict(), indent=2))
    else:
        print(format_report(report))
    return 0


def _did(obs: Observation | None) -> str:
    if obs is None:
        return "(stopped: aborted earlier)"
    where = {"heap": f"heap +{obs.offset:#x},", "mmap": "mmap,"}.get(obs.where or "", "-,")
    return f"{where:<13}brk +{obs.brk:#x}, mmapped {obs.mmapped}"


def _calls(run: VersionRun) -> str:
    if run.syscalls is None:
        return "n/a (needs strace)"
    return ", ".join(f"{name} {n}" for name, n in sorted(run.syscalls.items())) or "none"


def format_report(report: VersionsReport) -> str:
    real = report.real()
    builds = ", ".join(f"{run.version} ({run.build})" for run in real)
    lines = [f"trace: {report.trace} ({len(report.ops)} ops)", f"glibc builds: {builds}"]
    parting = report.parting()
    if parting is None:
        lines.append("the versions never part: every build does the same on every op")
    else:
        op = parting.op
        lines.append(f"versions part at op {parting.index} (line {op.line}, '{op.text()}'):")
        for run in real:
            glibc = _did(parting.did[run.label])
            model = parting.did[f"{run.version} model"]
            same = "model: same" if model == parting.did[run.label] else f"model: {_did(model)}"
            lines.append(f"  {run.version}  {glibc}    {same}")
    groups = " | ".join(" = ".join(group) for group in report.identical_groups())
    lines.append(f"identical on every op: {groups}")
    for run in real:
        if run.abort is not None:
            lines.append(f"  {run.version} aborts after {len(run.observations)} ops: {run.abort}")
    lines.append("models against their builds:")
    for run in real:
        agreeing = report.model_agreeing_ops(run.version)
        total = len(run.observations)
        if report.model_difference(run.version) is None:
            lines.append(f"  {run.version}  exact on all {total} ops")
        else:
            lines.append(
                f"  {run.version}  first differs at op {agreeing} ({agreeing} agree before)"
            )
    lines.append("")
    header = ("version", "run", "peak brk", "peak mmapped", "syscalls")
    rows = [
        (run.version, run.source, f"+{run.peak_brk:#x}", str(run.peak_mmapped), _calls(run))
        for run in report.runs
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(4)]
    for row in [header, *rows]:
        cells = [cell.ljust(width) for cell, width in zip(row[:4], widths, strict=True)]
        lines.append("  ".join([*cells, row[4]]).rstrip())
    return "\n".join(lines)
