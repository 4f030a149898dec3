"""`brkdoc demo`: --list, the readable report, --json, and usage errors."""

from __future__ import annotations

import json
import os
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


def test_list_json_is_an_array_of_names_and_claims(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--list", "--json"]) == 0
    listing = json.loads(capsys.readouterr().out)
    assert [entry["name"] for entry in listing] == list(DEMO_NAMES)
    assert all(set(entry) == {"name", "claim"} for entry in listing)


@needs_glibc
def test_json_is_one_object_with_the_six_keys(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in [key for key in os.environ if key.startswith("MALLOC_")] + ["GLIBC_TUNABLES"]:
        monkeypatch.delenv(name, raising=False)
    assert main(["demo", "threshold", "--json"]) == 0
    captured = capsys.readouterr()
    result = json.loads(captured.out)
    assert set(result) == {
        "name",
        "claim",
        "holds",
        "evidence",
        "glibc",
        "build",
        "removed_environment",
    }
    assert result["removed_environment"] == []
    assert captured.err == ""
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


@needs_glibc
def test_a_malloc_setting_of_the_callers_shell_is_removed_and_named(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # One arena for every thread would make thread-arena's claim false; the demo must show
    # glibc's defaults, and say that it dropped the reader's setting.
    monkeypatch.setenv("MALLOC_ARENA_MAX", "1")
    monkeypatch.setenv("GLIBC_TUNABLES", "glibc.malloc.arena_max=1")
    assert main(["demo", "thread-arena", "--json"]) == 0
    captured = capsys.readouterr()
    result = json.loads(captured.out)
    assert result["holds"] is True
    assert result["removed_environment"] == ["GLIBC_TUNABLES", "MALLOC_ARENA_MAX"]
    assert captured.err == (
        "brkdoc: the demo ran in a clean malloc environment, without GLIBC_TUNABLES, "
        "MALLOC_ARENA_MAX from yours\n"
    )


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
