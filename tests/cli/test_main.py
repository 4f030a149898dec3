from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from brkdoc.cli import build_parser, main
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


def test_brkdoc_writes_no_terminal_colour_codes() -> None:
    # brkdoc prints no colour at all, so "no colour when piped" holds by construction; what can
    # break it is a colour code added to the source, which this finds. Whoever adds colour on a
    # terminal replaces this with a test of the terminal check.
    source = Path(__file__).resolve().parents[2] / "src" / "brkdoc"
    escapes = ("\\x1b[", "\\033[", "\\u001b[", "\x1b[")
    found = [
        f"{path.relative_to(source)}: {escape}"
        for path in sorted(source.rglob("*.py"))
        for escape in escapes
        if escape in path.read_text(encoding="utf-8")
    ]
    assert not found


def _commands() -> list[str]:
    subparsers = next(
        action
        for action in build_parser()._actions
        if isinstance(action, argparse._SubParsersAction)
    )
    return list(subparsers.choices)


def test_the_command_list_is_read_from_the_parser() -> None:
    assert {"info", "demo", "simulate", "replay", "compare", "record", "bench"} <= set(_commands())


@pytest.mark.parametrize("command", _commands())
def test_every_command_describes_itself_in_its_help(command: str) -> None:
    result = _brkdoc(command, "--help")
    assert result.returncode == 0
    # argparse prints the description as the paragraph between the usage and the arguments.
    paragraphs = result.stdout.split("\n\n")
    assert len(paragraphs) >= 3
    assert not paragraphs[1].startswith(("positional arguments", "options"))
    assert len(paragraphs[1].split()) >= 8


def test_an_ascii_terminal_gets_ascii_stand_ins_not_a_traceback() -> None:
    env = {**os.environ, "PYTHONIOENCODING": "ascii"}
    result = subprocess.run(
        [sys.executable, "-m", "brkdoc", "bench", "--quick"],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert " us " in result.stdout or " us\n" in result.stdout
    assert result.stdout.isascii()


def test_a_full_disk_is_one_line_not_a_traceback() -> None:
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [sys.executable, "-m", "brkdoc", "info"],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
        )
    assert result.returncode == 1
    assert result.stderr == "brkdoc: cannot write: No space left on device\n"
