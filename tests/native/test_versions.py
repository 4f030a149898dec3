"""One trace across versions: real builds and profiles side by side, and where they part."""

from __future__ import annotations

import shutil

import pytest

from brkdoc.errors import BrkdocError
from brkdoc.native.glibcs import CHECKED_VERSIONS, build_for
from brkdoc.native.versions import VersionRun, VersionsReport, run_versions, strace_counts
from brkdoc.trace import Observation, TraceOp, parse_trace

# The first malloc(24) of a fresh process, then a realloc(1000 -> 500) whose split-off tail
# 2.43 reuses for the next malloc(400), then frees.
SCENARIO = ["0", "3", "5", "1", "a 0 24", "a 1 1000", "r 1 500", "a 2 400", "f 2"]


def _ops(lines: list[str]) -> list[TraceOp]:
    return list(parse_trace(lines, "scenario.rep"))


@pytest.fixture(scope="module")
def report() -> VersionsReport:
    return run_versions(_ops(SCENARIO), "scenario.rep")


def test_every_version_runs_on_its_build_and_its_model(report: VersionsReport) -> None:
    assert [(run.version, run.source) for run in report.runs] == [
        (version, source) for version in CHECKED_VERSIONS for source in ("glibc", "model")
    ]
    for run in report.real():
        assert run.build == build_for(run.version).build
        assert len(run.observations) == len(SCENARIO) - 4
        assert run.abort is None


def test_the_builds_part_at_the_first_pointer(report: VersionsReport) -> None:
    parting = report.parting()
    assert parting is not None
    assert parting.index == 0
    assert parting.op.line == 5
    offsets = {label: obs.offset for label, obs in parting.did.items() if obs is not None}
    for version in CHECKED_VERSIONS:
        expected = 0x10 if version in ("2.43", "2.44") else 0x2A0
        assert offsets[f"{version} glibc"] == expected
    assert set(parting.did) == {run.label for run in report.runs}


def test_identical_builds_are_grouped(report: VersionsReport) -> None:
    assert report.identical_groups() == [["2.31", "2.36", "2.41"], ["2.43", "2.44"]]


def test_peaks_come_from_the_observations(report: VersionsReport) -> None:
    for run in report.runs:
        assert run.peak_brk == max(obs.brk for obs in run.observations) == 0x21000
        assert run.peak_mmapped == 0


@pytest.mark.skipif(shutil.which("strace") is None, reason="real syscall counts need strace")
def test_real_syscall_counts_come_from_strace(report: VersionsReport) -> None:
    for run in report.real():
        assert run.syscalls is not None
        assert run.syscalls.get("brk", 0) >= 1


def test_without_counting_real_runs_have_no_syscall_counts() -> None:
    one = ["0", "1", "1", "1", "a 0 24"]
    report = run_versions(_ops(one), "one.rep", ("2.43",), count_syscalls=False)
    glibc, model = report.runs
    assert glibc.syscalls is None
    assert model.syscalls == {"brk": 2}


def _run(version: str, source: str, offsets: list[int], abort: str | None = None) -> VersionRun:
    observations = tuple(
        Observation(i, "a", i, "heap", offset, 0x21000, 0) for i, offset in enumerate(offsets)
    )
    return VersionRun(version, source, version, observations, abort, {})  # type: ignore[arg-type]


def _report(*runs: VersionRun) -> VersionsReport:
    ops = tuple(TraceOp(5 + i, "a", i, 24) for i in range(3))
    return VersionsReport("t.rep", ops, runs)


def test_a_model_difference_is_found_and_counted() -> None:
    report = _report(_run("2.43", "glibc", [16, 48, 80]), _run("2.43", "model", [16, 48, 96]))
    found = report.model_difference("2.43")
    assert found is not None
    assert found.index == 2
    assert report.model_agreeing_ops("2.43") == 2
    assert report.parting() is None  # one build only: nothing to part from


def test_an_abort_on_one_build_only_is_where_they_part() -> None:
    report = _report(
        _run("2.36", "glibc", [672, 704, 736]),
        _run("2.36", "model", [672, 704, 736]),
        _run("2.44", "glibc", [672, 704], abort="free(): invalid pointer"),
        _run("2.44", "model", [672, 704], abort="free(): invalid pointer"),
    )
    parting = report.parting()
    assert parting is not None
    assert parting.index == 2
    assert parting.did["2.44 glibc"] is None
    assert report.model_difference("2.44") is None
    assert report.as_dict()["identical"] == [["2.36"], ["2.44"]]


def test_strace_counts_start_after_the_slot_table() -> None:
    log = "\n".join(
        [
            "brk(NULL)                               = 0x5555",
            "mmap(NULL, 8192, PROT_READ, MAP_PRIVATE, 3, 0) = 0x7f00",  # the loader's
            "mmap(NULL, 32, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f01",
            "brk(0x5576)                             = 0x5576",
            "mmap(NULL, 266240, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f02",
            "munmap(0x7f02, 266240)                  = 0",
            "+++ exited with 0 +++",
        ]
    )
    assert strace_counts(log, 3) == {"brk": 1, "mmap": 1, "munmap": 1}
    with pytest.raises(BrkdocError, match="lacks the slot table"):
        strace_counts(log, 7)
