"""brkdoc.playground.api: what the page's JavaScript calls, against the command line itself."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from brkdoc.playground.api import (
    profile_names,
    session_diff,
    session_state,
    simulate_text,
    start_session,
)
from brkdoc.sim.profiles import PROFILES

CASES = {
    "ok.rep": "2\n4\na 0 40000\na 1 200000\nf 1\nr 0 100\n",
    "crlf.rep": "1\r\n2\r\na 0 10\r\nf 0\r\n",
    "old-mac.rep": "1\r2\ra 0 10\rf 0\r",
    "abort.rep": "1\n3\na 0 24\nf 0\nf 0\n",
    "bad-utf8.rep": "1\n2\na 0 10\nf é\n",
    # A form feed is whitespace inside a line for a file, but a line break for str.splitlines.
    "form-feed.rep": "1\n3\na 0 10\x0cf 0\nx\n",
    "no-header.rep": "a 0 10\n",
    "empty.rep": "",
}


def _cli(path: Path, glibc: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "brkdoc", "simulate", "--jsonl", "--glibc", glibc, path.name]
    return subprocess.run(command, capture_output=True, text=True, check=False, cwd=path.parent)


@pytest.mark.parametrize("glibc", list(PROFILES))
@pytest.mark.parametrize("name", list(CASES))
def test_simulate_text_is_what_the_cli_prints(tmp_path: Path, name: str, glibc: str) -> None:
    path = tmp_path / name
    path.write_bytes(CASES[name].encode("utf-8"))
    cli = _cli(path, glibc)
    output, error = simulate_text(CASES[name], glibc, name)
    assert output == cli.stdout
    if cli.returncode == 0:
        assert error is None
    else:
        assert cli.stderr == f"brkdoc: {error}\n"


def test_an_unknown_version_names_the_choices() -> None:
    output, error = simulate_text("1\n1\na 0 1\n", "1.0", "t.rep")
    assert output == ""
    assert error == f"--glibc: no checked profile for glibc 1.0 (choose from {', '.join(PROFILES)})"


def test_profile_names_are_the_simulators() -> None:
    assert profile_names() == list(PROFILES)


def test_a_session_through_json() -> None:
    started = json.loads(start_session("a = malloc(10)\nfree(a)\nfree(a)", "2.36"))
    assert started["error"] is None
    assert [step["source"] for step in started["steps"]] == ["a = malloc(10)", "free(a)"]
    assert started["stop"]["message"] == "free(): double free detected in tcache 2"
    assert json.loads(session_state(0))["svg"].startswith("<svg")
    assert json.loads(session_diff(-1, 1))["brk"] == 0x21000
    assert json.loads(start_session("free(x)", "2.36")) == {
        "error": "calls:1: free(x): x was never assigned"
    }
