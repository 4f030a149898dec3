"""`brkdoc --help` stays fast: the command modules import their implementations when run."""

from __future__ import annotations

import subprocess
import sys

# Each is imported by one command's handler only; none is needed to parse arguments.
HANDLER_ONLY = (
    "brkdoc.bench",
    "brkdoc.native.child",
    "brkdoc.native.demos.fixed_threshold",
    "brkdoc.native.demos.result",
    "brkdoc.native.compare",
    "brkdoc.native.oracle",
    "brkdoc.native.record",
    "brkdoc.native.versions",
    "brkdoc.sim",
)


def test_help_imports_no_command_implementation() -> None:
    probe = (
        "import sys\nfrom brkdoc.cli import build_parser\nbuild_parser().format_help()\n"
        "print(' '.join(sorted(sys.modules)))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    loaded = set(done.stdout.split())
    assert "brkdoc.cli" in loaded
    assert not [name for name in HANDLER_ONLY if name in loaded]


def test_help_still_lists_every_command() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "brkdoc", "--help"], capture_output=True, text=True, check=True
    )
    for command in ("info", "demo", "simulate", "replay", "compare", "record", "bench"):
        assert command in done.stdout
