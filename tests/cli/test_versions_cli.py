"""`brkdoc versions TRACE [--json]`: the readable report, the JSON object, and bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from brkdoc.cli import main
from brkdoc.native.glibcs import CHECKED_VERSIONS, build_for


@pytest.fixture
def trace(tmp_path: Path) -> Path:
    path = tmp_path / "two.rep"
    path.write_text("0\n2\n3\n1\na 0 24\na 1 200000\nf 0\n", encoding="utf-8")
    return path


def test_the_report_shows_where_versions_part(
    trace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["versions", str(trace)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"trace: {trace} (3 ops)"
    builds = ", ".join(f"{v} ({build_for(v).build})" for v in CHECKED_VERSIONS)
    assert lines[1] == f"glibc builds: {builds}"
    assert lines[2] == "versions part at op 0 (line 5, 'a 0 24'):"
    assert lines[3].startswith("  2.31  heap +0x2a0, brk +0x21000, mmapped 0    model: ")
    assert lines[6].startswith("  2.43  heap +0x10,  brk +0x21000, mmapped 0    model: ")
    assert "identical on every op: 2.31 = 2.36 = 2.41 | 2.43 = 2.44" in lines
    table = lines[lines.index("") + 1 :]
    assert table[0].split() == ["version", "run", "peak", "brk", "peak", "mmapped", "syscalls"]
    assert len(table) == 1 + 2 * len(CHECKED_VERSIONS)
    assert table[1].split()[:4] == ["2.31", "glibc", "+0x21000", "200704"]


def test_json_is_one_object_naming_every_run(
    trace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["versions", str(trace), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert set(report) == {"trace", "ops", "parting", "identical", "models", "runs"}
    assert report["parting"]["i"] == 0
    assert report["parting"]["did"]["2.44 glibc"]["offset"] == 0x10
    assert [(run["version"], run["source"]) for run in report["runs"]] == [
        (v, s) for v in CHECKED_VERSIONS for s in ("glibc", "model")
    ]
    assert report["runs"][0]["build"] == build_for("2.31").build
    assert report["runs"][0]["peak_mmapped"] == 200704
    assert set(report["models"]) == set(CHECKED_VERSIONS)


def test_a_malformed_trace_is_one_line_with_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.rep"
    bad.write_text("0\n1\n1\n1\na 0 x\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "brkdoc", "versions", str(bad)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.startswith(f"brkdoc: {bad}:5: ")
    assert done.stderr.count("\n") == 1
