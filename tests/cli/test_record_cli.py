"""`brkdoc record` refuses bad input in one line, before the program runs, and never with a
traceback; shells' exit statuses for programs that cannot start."""

from __future__ import annotations

from pathlib import Path

import pytest

from brkdoc.cli import main


def _record(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    status = main(["record", *args])
    captured = capsys.readouterr()
    assert captured.out == ""
    return status, captured.err


@pytest.mark.parametrize(
    ("output", "message"),
    [
        (
            "{tmp}/no/such/dir/x.rep",
            "-o {tmp}/no/such/dir/x.rep: no such directory: {tmp}/no/such/dir",
        ),
        ("{tmp}", "-o {tmp}: is a directory; give a file name"),
        ("/proc/x.rep", "-o /proc/x.rep: cannot write in /proc: "),
    ],
)
def test_the_output_is_checked_before_the_program_starts(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, output: str, message: str
) -> None:
    marker = tmp_path / "ran"
    output = output.format(tmp=tmp_path)
    status, err = _record(capsys, "-o", output, "--", "touch", str(marker))
    assert status == 2
    assert err.startswith("brkdoc: " + message.format(tmp=tmp_path))
    assert err.count("\n") == 1
    assert not marker.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_programs_that_cannot_start_exit_as_in_a_shell(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "not-executable").write_text("echo hi\n")
    (tmp_path / "folder").mkdir()
    cases = [
        ("no-such-command", 127, "brkdoc: no-such-command: command not found\n"),
        ("./missing", 127, "brkdoc: ./missing: no such file\n"),
        ("./folder", 126, "brkdoc: ./folder: is a directory\n"),
        ("./not-executable", 126, "brkdoc: ./not-executable: permission denied (not executable)\n"),
    ]
    for program, expected_status, expected_err in cases:
        assert _record(capsys, "-o", "x.rep", "--", program) == (expected_status, expected_err)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["folder", "not-executable"]


def test_an_executable_the_kernel_cannot_run_exits_126(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    junk = tmp_path / "junk"
    junk.write_bytes(b"\x7fELF not really")
    junk.chmod(0o755)
    assert _record(capsys, "--", "./junk") == (
        126,
        "brkdoc: ./junk: cannot run: Exec format error\n",
    )


def test_record_without_a_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["record", "--"])
    assert stopped.value.code == 2
    assert "give the program to run: brkdoc record -- COMMAND [ARGS...]" in capsys.readouterr().err


def test_help_explains_the_file_names(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["record", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "to OUT, a descendant process's to OUT.PID" in text
    assert "with its Nth exec to OUT.PID.N" in text
