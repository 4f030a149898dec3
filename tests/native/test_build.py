from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from brkdoc.errors import BrkdocError
from brkdoc.native.build import CompileError, clean_malloc_environment, compile_cached, run_helper

HELLO = '#include <unistd.h>\nint main(void) { write(1, "hi\\n", 3); return 0; }\n'


def test_compiles_once_and_reuses_the_binary(tmp_path: Path) -> None:
    first = compile_cached(HELLO, "hello", ("-O2",), tmp_path)
    mtime = first.stat().st_mtime_ns
    second = compile_cached(HELLO, "hello", ("-O2",), tmp_path)
    assert first == second
    assert second.stat().st_mtime_ns == mtime
    assert subprocess.run([first], check=True, capture_output=True, text=True).stdout == "hi\n"


def test_new_source_or_flags_give_a_new_binary(tmp_path: Path) -> None:
    base = compile_cached(HELLO, "hello", ("-O2",), tmp_path)
    assert compile_cached(HELLO, "hello", ("-O0",), tmp_path) != base
    assert compile_cached(HELLO + "\n", "hello", ("-O2",), tmp_path) != base


def test_compile_failure_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CompileError, match="compiling broken failed"):
        compile_cached("int main(void) { return }\n", "broken", (), tmp_path)


def test_clean_environment_drops_malloc_settings() -> None:
    env = {
        "PATH": "/bin",
        "MALLOC_MMAP_THRESHOLD_": "1",
        "GLIBC_TUNABLES": "glibc.malloc.trim_threshold=1",
        "LD_PRELOAD": "x.so",
    }
    assert clean_malloc_environment(env) == {"PATH": "/bin"}


def test_cc_may_carry_arguments(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CC", "gcc -O0 -g")
    binary = compile_cached(HELLO, "hello", ("-Wall",), tmp_path)
    assert subprocess.run([binary], check=True, capture_output=True, text=True).stdout == "hi\n"
    monkeypatch.setenv("CC", "gcc")
    assert compile_cached(HELLO, "hello", ("-Wall",), tmp_path) != binary


@pytest.mark.parametrize(
    ("cc", "message"),
    [
        (
            "no-such-compiler -O0",
            "CC='no-such-compiler -O0': no program 'no-such-compiler' on PATH",
        ),
        ("gcc '-O0", 'CC="gcc \'-O0" is not a valid command line: No closing quotation'),
    ],
)
def test_a_bad_cc_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cc: str, message: str
) -> None:
    monkeypatch.setenv("CC", cc)
    with pytest.raises(CompileError) as caught:
        compile_cached(HELLO, "hello", (), tmp_path)
    assert str(caught.value).startswith(message)


class _HelperFailed(BrkdocError):
    pass


def _sh(script: str, **words: Any) -> subprocess.CompletedProcess[bytes]:
    return run_helper(["/bin/sh", "-c", script], timeout=5, timed_out="too slow", **words)


def test_a_helper_gets_stdin_and_a_clean_malloc_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MALLOC_TOP_PAD_", "0")
    monkeypatch.setenv("GLIBC_TUNABLES", "glibc.malloc.top_pad=0")
    monkeypatch.setenv("BRKDOC_KEEP", "kept")
    script = 'cat; echo "[$MALLOC_TOP_PAD_][$GLIBC_TUNABLES][$BRKDOC_KEEP][$ADDED]"'
    done = _sh(script, stdin=b"in ", env={"ADDED": "x"})
    assert done.stdout == b"in [][][kept][x]\n"
    kept = _sh(script, stdin=b"", clean_malloc=False)
    assert kept.stdout == b"[0][glibc.malloc.top_pad=0][kept][]\n"
    given = _sh(script, stdin=b"", environ={"PATH": "/bin", "MALLOC_ARENA_MAX": "1"})
    assert given.stdout == b"[][][][]\n"


def test_a_helper_that_fails_is_one_line_in_the_callers_words() -> None:
    with pytest.raises(_HelperFailed) as caught:
        _sh("echo first >&2; echo second >&2; exit 3", error=_HelperFailed, failed="probe x")
    assert str(caught.value) == "probe x: first second"
    with pytest.raises(BrkdocError, match=r"^probe y: exit status 4$"):
        _sh("exit 4", failed="probe y")
    # Without `failed`, the status is the caller's to read.
    assert _sh("exit 5").returncode == 5


def test_a_helper_out_of_time_or_missing_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(_HelperFailed, match=r"^too slow$"):
        run_helper(["sleep", "10"], timeout=0.2, timed_out="too slow", error=_HelperFailed)
    missing = str(tmp_path / "no-such-helper")
    with pytest.raises(BrkdocError, match=r"^cannot start no-such-helper: No such file"):
        run_helper([missing], timeout=5, timed_out="-")
    with pytest.raises(BrkdocError, match=r"^cannot start the thing: No such file"):
        run_helper([missing], timeout=5, timed_out="-", cannot_start="cannot start the thing")


def test_signal_name_names_the_signal_and_falls_back_for_real_time_ones() -> None:
    from brkdoc.native.build import signal_name  # noqa: PLC0415

    assert signal_name(11) == "SIGSEGV"
    assert signal_name(11, described=True) == "SIGSEGV (Segmentation fault)"
    assert signal_name(35) == "signal 35"
    assert signal_name(35, described=True) == "signal 35"
