"""The check matrix: each glibc build, and how many traced operations its model matched there.

For the provenance page: every checked glibc, its exact Debian build, how programs run on it,
and the result of replaying the CS:APP traces on it against the same version's model. The
counts come from a live run (`brkdoc.native.versions.run_versions`), cached on every input the
result depends on, so the page can never show a count that nothing produced.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from brkdoc.native import glibcs
from brkdoc.native.cached import cached_json, input_key
from brkdoc.native.versions import run_versions
from brkdoc.trace import parse_trace

__all__ = [
    "MATRIX_KIND",
    "MatrixRow",
    "cached_matrix",
    "check_matrix",
    "matrix_key",
    "matrix_table",
]

_PACKAGE = Path(__file__).resolve().parents[1]
# The cache folder of the matrix's results.
MATRIX_KIND = "glibc-matrix"


@dataclass(frozen=True)
class MatrixRow:
    version: str
    build: str
    suite: str
    runs_as: str
    traces: int
    exact_traces: int
    ops: int
    agreeing_ops: int


def check_matrix(traces: Sequence[Path]) -> list[MatrixRow]:
    """Replay every trace on every build and through every model, and count agreement."""
    totals = {v: [0, 0, 0] for v in glibcs.CHECKED_VERSIONS}  # exact traces, ops, agreeing
    for path in traces:
        ops = list(parse_trace(path.read_text(encoding="utf-8").splitlines(), str(path)))
        report = run_versions(ops, path.name, count_syscalls=False)
        for version in glibcs.CHECKED_VERSIONS:
            counts = totals[version]
            counts[0] += report.model_difference(version) is None
            counts[1] += len(report.run(version, "glibc").observations)
            counts[2] += report.model_agreeing_ops(version)
    locked = glibcs.locked_builds()
    rows = []
    for version in glibcs.CHECKED_VERSIONS:
        build = glibcs.build_for(version)
        exact, checked, agreeing = totals[version]
        rows.append(
            MatrixRow(
                version,
                build.build,
                "this machine's own" if build.is_system else locked[version].suite,
                "directly" if build.is_system else "through its own ld.so",
                len(traces),
                exact,
                checked,
                agreeing,
            )
        )
    return rows


def matrix_key(traces: Sequence[Path]) -> str:
    """A hash of everything the matrix of `traces` depends on."""
    sources = sorted((_PACKAGE / "sim").glob("*.py")) + [
        _PACKAGE / "native" / name for name in ("oracle.py", "replay.c", "versions.py")
    ]
    return input_key(
        [
            *(path.read_text(encoding="utf-8") for path in [*sources, *traces]),
            Path(__file__).read_text(encoding="utf-8"),
            glibcs.LOCK_PATH.read_text(encoding="utf-8"),
            glibcs.system_build_name(),
        ]
    )


def cached_matrix(traces: Sequence[Path]) -> list[MatrixRow]:
    """`check_matrix`, run once per set of inputs (the model, the oracle, the traces, the
    builds) and kept in the cache."""

    def compute() -> list[dict[str, Any]]:
        return [asdict(row) for row in check_matrix(traces)]

    return [MatrixRow(**entry) for entry in cached_json(MATRIX_KIND, matrix_key(traces), compute)]


def matrix_table(rows: Sequence[MatrixRow]) -> str:
    """A Markdown table: one row per build."""
    lines = [
        "| glibc | Debian build | From | Programs run | Traces exact | Ops checked | "
        "Ops agreeing |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for row in rows:
        lines.append(
            f"| {row.version} | `{row.build}` | {row.suite} | {row.runs_as} | "
            f"{row.exact_traces} of {row.traces} | {row.ops:,} | {row.agreeing_ops:,} |"
        )
    return "\n".join(lines)
