from __future__ import annotations

import json
import subprocess
import sys

import pytest

from brkdoc.cli import main
from brkdoc.native import glibcs
from brkdoc.native.glibcs import CHECKED_VERSIONS as CHECKED
from brkdoc.platform import glibc_version


def _brkdoc(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "brkdoc", *args], capture_output=True, text=True, check=False
    )


def test_help_lists_the_commands() -> None:
    result = _brkdoc("--help")
    assert result.returncode == 0
    commands = ("info", "demo", "simulate", "replay", "compare", "versions", "record", "bench")
    for command in commands:
        assert command in result.stdout


def test_usage_error_exits_2_without_traceback() -> None:
    result = _brkdoc("no-such-command")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "invalid choice" in result.stderr


def test_info_json_is_one_object(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["info", "--json"]) == 0
    facts = json.loads(capsys.readouterr().out)
    assert facts["libc"] == "glibc"
    assert facts["page_size"] > 0
    assert facts["profile"] == (facts["libc_version"] if facts["libc_version"] in CHECKED else None)


def test_info_names_the_matching_profile_or_none(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["info"]) == 0
    version = glibc_version()
    assert f"profile:      {version} (the simulator's profile of this glibc" in (
        capsys.readouterr().out
    )
    monkeypatch.setattr(glibcs, "glibc_version", lambda: "2.39")
    assert main(["info"]) == 0
    assert capsys.readouterr().out.endswith(
        "profile:      none checked for this C library (checked: 2.31, 2.36, 2.41, 2.43, 2.44)\n"
    )
    assert main(["info", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["profile"] is None


def test_output_has_no_color_when_piped() -> None:
    result = _brkdoc("info")
    assert "\x1b[" not in result.stdout
