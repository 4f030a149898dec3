"""`brkdoc demo`: --list, the readable report, --json, and usage errors."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from brkdoc.cli import main
from brkdoc.native import DEMO_NAMES, glibcs, libc
from brkdoc.platform import glibc_version

needs_glibc = pytest.mark.skipif(
    glibc_version() is None, reason="the C library is not glibc; the live demos need glibc's malloc"
)


def test_list_names_every_demo_with_its_claim(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == list(DEMO_NAMES)
    assert all(line.endswith(".") for line in lines)


@needs_glibc
def test_json_is_one_object_with_the_five_keys(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "threshold", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert set(result) == {"name", "claim", "holds", "evidence", "glibc", "build"}
    assert result["name"] == "threshold"
    assert result["holds"] is True
    assert result["evidence"]["big_where"] == "mmap"
    assert result["glibc"] == glibc_version()


@needs_glibc
def test_report_is_readable(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "fixed-threshold", "--via", "tunable"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"fixed-threshold: holds (glibc {glibc_version()})\nclaim: ")
    assert "  via                  tunable\n" in out
    assert "  second_where         mmap\n" in out
    assert "  second_address       0x" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["demo"], "a demo NAME or --list is required"),
        (["demo", "threshold", "--list"], "either --list or a demo NAME"),
        (["demo", "threshold", "--via", "env"], "--via applies only to fixed-threshold"),
        (["demo", "no-such-demo"], "invalid choice"),
    ],
)
def test_usage_errors_exit_2(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as caught:
        main(argv)
    assert caught.value.code == 2
    assert message in capsys.readouterr().err


def test_not_glibc_is_one_line_and_no_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(libc, "glibc_version", lambda: None)
    assert main(["demo", "trim"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1
    assert captured.err.startswith("brkdoc: the live demos need glibc's malloc")


@needs_glibc
@pytest.mark.parametrize("version", glibcs.CHECKED_VERSIONS)
def test_json_names_the_build_the_demo_ran_on(
    version: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(["demo", "threshold", "--glibc", version, "--json"])
    captured = capsys.readouterr()
    result = json.loads(captured.out)
    assert result["glibc"] == version
    assert result["build"] == glibcs.build_for(version).build
    starts = subprocess.run(
        glibcs.run_argv(version, [sys.executable, "-c", "pass"]), capture_output=True, check=False
    )
    if starts.returncode == 0:
        assert status == 0
        assert result["holds"] is True
        assert captured.err == ""
    else:
        # Said plainly: no verdict, a reason, and exit status 3 (not "the claim is false").
        assert status == 3
        assert result["ran"] is False
        assert "holds" not in result
        assert result["reason"].startswith(f"this Python cannot start on glibc {version}: ")
        assert captured.err == f"brkdoc: {result['reason']}\n"


@needs_glibc
def test_the_report_names_the_build_when_one_is_asked_for(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["demo", "threshold", "--glibc", "2.43"]) == 0
    build = glibcs.build_for("2.43").build
    assert capsys.readouterr().out.startswith(f"threshold: holds (glibc 2.43, build {build})\n")


def test_an_unchecked_glibc_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["demo", "threshold", "--glibc", "2.39"])
    assert caught.value.code == 2
    assert "invalid choice: '2.39'" in capsys.readouterr().err
