"""Running functions in a fresh child interpreter, and containing its failures."""

from __future__ import annotations

import compileall
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from brkdoc.errors import NotGlibcError
from brkdoc.native import child, glibcs
from brkdoc.native.child import ChildError, InterpreterUnavailable, compile_package, run_in_child


def test_returns_the_targets_result() -> None:
    assert run_in_child("math:factorial", args=[5]) == 120
    assert run_in_child("json:dumps", args=[[1, 2]], kwargs={"separators": (",", ":")}) == "[1,2]"


def test_child_is_a_fresh_process_with_the_given_environment() -> None:
    import os  # noqa: PLC0415

    assert run_in_child("os:getpid") != os.getpid()
    assert (
        run_in_child("os:getenv", args=["BRKDOC_CHILD_TEST"], env={"BRKDOC_CHILD_TEST": "x"}) == "x"
    )


def test_a_segfault_becomes_one_line_and_the_parent_carries_on() -> None:
    with pytest.raises(ChildError) as caught:
        run_in_child("faulthandler:_sigsegv")
    message = str(caught.value)
    assert message == "faulthandler:_sigsegv crashed: the child process was killed by SIGSEGV"
    assert "\n" not in message
    assert run_in_child("math:factorial", args=[3]) == 6


def test_a_timeout_kills_the_child() -> None:
    with pytest.raises(
        ChildError, match=r"time:sleep did not finish within 1 s; the child was killed"
    ):
        run_in_child("time:sleep", args=[60], timeout=1)


def test_an_exception_in_the_child_is_one_line() -> None:
    with pytest.raises(ChildError) as caught:
        run_in_child("math:factorial", args=[-1])
    assert str(caught.value) == "ValueError: factorial() not defined for negative values"


def test_an_unknown_target_is_reported() -> None:
    with pytest.raises(ChildError, match="ModuleNotFoundError"):
        run_in_child("brkdoc.no_such_module:f")


def _completed(stdout: str, status: int = 0, stderr: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.CompletedProcess(["python"], status, stdout, stderr)


def test_not_glibc_errors_keep_their_type() -> None:
    line = child._RESULT_MARK + '{"error": "not glibc", "kind": "NotGlibcError"}'
    with pytest.raises(NotGlibcError, match="not glibc"):
        child._interpret("t:f", _completed(line, status=1))


def test_missing_result_quotes_stderr_on_one_line() -> None:
    with pytest.raises(ChildError) as caught:
        child._interpret("t:f", _completed("noise", status=3, stderr="first\nsecond\n"))
    assert (
        str(caught.value) == "t:f: the child exited with status 3 without a result (first second)"
    )


def test_other_output_is_ignored() -> None:
    answer = "chatter\n" + child._RESULT_MARK + '{"ok": [1]}\nmore chatter\n'
    assert child._interpret("t:f", _completed(answer)) == [1]


def _interpreter_starts_on(version: str) -> bool:
    """Checked without brkdoc: does `python -c pass` start through that build's loader?"""
    argv = glibcs.run_argv(version, [sys.executable, "-c", "pass"])
    return subprocess.run(argv, capture_output=True, check=False).returncode == 0


@pytest.mark.parametrize("version", glibcs.CHECKED_VERSIONS)
def test_the_child_runs_on_the_glibc_build_asked_for(version: str) -> None:
    if _interpreter_starts_on(version):
        assert run_in_child("brkdoc.platform:glibc_version", glibc=version) == version
    else:
        with pytest.raises(InterpreterUnavailable, match=f"cannot start on glibc {version}: "):
            run_in_child("brkdoc.platform:glibc_version", glibc=version)


def test_a_missing_symbol_version_is_one_line_naming_what_needs_it() -> None:
    stderr = (
        "/usr/bin/python3: /c/libc.so.6: version `GLIBC_2.34' not found "
        "(required by /usr/bin/python3)\n"
        "/usr/bin/python3: /c/libc.so.6: version `GLIBC_2.32' not found "
        "(required by /l/libpython.so)\n"
    )
    completed = subprocess.CompletedProcess(["python"], 1, "", stderr)
    with pytest.raises(InterpreterUnavailable) as caught:
        child._interpret("x:y", completed, "2.31")
    assert str(caught.value) == (
        "this Python cannot start on glibc 2.31: /usr/bin/python3 needs GLIBC_2.34, "
        "which glibc 2.31 lacks"
    )
    assert caught.value.exit_status == 3


def test_bytecode_is_brought_up_to_date_before_a_child_starts(tmp_path: Path) -> None:
    # A stale .pyc makes the child compile, and the compiler's frees move malloc's dynamic
    # threshold before the demo measures: the parent compiles first.
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "mod.py").write_text("X = 1\n")
    compile_package.__wrapped__(package)
    assert list((package / "__pycache__").glob("mod.*.pyc"))


def test_run_in_child_compiles_brkdoc_first_and_once_per_process(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    walked: list[str] = []
    real_walk = compileall.compile_dir

    def counting_walk(folder: str, **options: Any) -> bool:
        walked.append(folder)
        return real_walk(folder, **options)

    monkeypatch.setattr(compileall, "compile_dir", counting_walk)
    compile_package.cache_clear()
    run_in_child("json:dumps", args=[1])
    run_in_child("json:dumps", args=[2])
    assert walked == [str(Path(child.__file__).resolve().parents[1])]
