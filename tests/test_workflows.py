"""The GitHub workflows pass zizmor and actionlint, and the check behind that claim can fail."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHECK = ROOT / "scripts" / "check-workflows"

# One workflow with a fault for each tool: an action pinned by tag with the checkout's credentials
# kept and no permissions block (zizmor), and a job that needs a job that does not exist
# (actionlint).
FAULTY_WORKFLOW = """\
name: faulty
on: [push]
jobs:
  build:
    runs-on: ubuntu-24.04
    needs: [no-such-job]
    steps:
      - uses: actions/checkout@v4
      - run: echo "${{ github.event.head_commit.message }}"
"""


def _check(github_dir: Path) -> subprocess.CompletedProcess[str]:
    if shutil.which("node") is None:
        pytest.fail("node is missing: install Node.js (Debian: nodejs, npm)", pytrace=False)
    return subprocess.run(
        [str(CHECK), str(github_dir)], capture_output=True, text=True, check=False, cwd=ROOT
    )


def test_workflows_pass_zizmor_and_actionlint() -> None:
    result = _check(ROOT / ".github")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "zizmor: 3 file(s)" in result.stdout
    assert "No findings to report" in result.stdout
    assert "actionlint: 2 workflow(s)" in result.stdout


def test_the_check_reports_a_faulty_workflow(tmp_path: Path) -> None:
    workflows = tmp_path / "workflows"
    workflows.mkdir()
    (workflows / "faulty.yml").write_text(FAULTY_WORKFLOW, encoding="utf-8")
    result = _check(tmp_path)
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "unpinned-uses" in output  # zizmor
    assert "template-injection" in output  # zizmor
    assert 'job "build" needs job "no-such-job" which does not exist' in output  # actionlint


def test_the_check_refuses_an_empty_folder(tmp_path: Path) -> None:
    result = _check(tmp_path)
    assert result.returncode == 2
    assert "no workflows" in result.stderr
