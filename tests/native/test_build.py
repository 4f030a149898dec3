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
