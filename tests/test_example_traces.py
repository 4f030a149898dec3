"""examples/traces/python-startup.rep is what its documented command records on this machine.

Python's start-up allocates differently with another locale or another environment, so the
trace is recorded with both pinned (examples/traces/README.md). Recording it again with the
same command must give the committed file, operation by operation.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from brkdoc.platform import glibc_version

ROOT = Path(__file__).resolve().parents[1]
TRACE = ROOT / "examples" / "traces" / "python-startup.rep"
PYTHON = "/usr/bin/python3"
RECORDED_WITH = "3.11.2"
# The pinned environment of the documented command: nothing but a locale and a PATH, and the
# standard streams on /dev/null (a pipe instead changes Python's start-up allocations too).
PINNED_ENV = {"LC_ALL": "C", "PATH": "/usr/bin:/bin"}


def _python_version() -> str | None:
    try:
        done = subprocess.run(
            [PYTHON, "-c", "import platform; print(platform.python_version())"],
            capture_output=True,
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return None
    return done.stdout.strip()


def test_python_startup_trace_is_reproduced_by_its_command(tmp_path: Path) -> None:
    version = _python_version()
    if glibc_version() != "2.36" or version != RECORDED_WITH:
        pytest.skip(
            f"the trace was recorded with Python {RECORDED_WITH} on glibc 2.36; this machine "
            f"has Python {version} and glibc {glibc_version()}"
        )
    fresh = tmp_path / "python-startup.rep"
    argv = [sys.executable, "-m", "brkdoc", "record", "-o", str(fresh), "--", PYTHON]
    subprocess.run(
        [*argv, "-S", "-c", "pass"],
        env=PINNED_ENV,
        check=True,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    assert fresh.read_text(encoding="utf-8") == TRACE.read_text(encoding="utf-8")
