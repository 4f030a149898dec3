from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from brkdoc.native.build import CompileError, clean_malloc_environment, compile_cached

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
