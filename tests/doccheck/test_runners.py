from __future__ import annotations

from pathlib import Path

import pytest

from brkdoc.doccheck.runners import (
    ConsoleSyntaxError,
    compile_c,
    parse_console,
    run_console,
    run_pycon,
    run_python,
)


def test_parse_console_splits_commands_and_output() -> None:
    steps = parse_console("$ echo a \\\n  b\na b\n$ true\n")
    assert [s.command for s in steps] == ["echo a \\\n  b", "true"]
    assert [s.expected for s in steps] == ["a b", ""]


def test_console_block_must_start_with_a_prompt() -> None:
    with pytest.raises(ConsoleSyntaxError):
        parse_console("output first\n$ true\n")


def test_console_compares_output(tmp_path: Path) -> None:
    assert run_console("$ echo 266240\n266240\n", tmp_path) is None
    failure = run_console("$ echo 266241\n266240\n", tmp_path)
    assert failure is not None
    assert "- 266240" in failure
    assert "+ 266241" in failure


def test_console_command_must_succeed(tmp_path: Path) -> None:
    failure = run_console("$ false\n", tmp_path)
    assert failure is not None
    assert "status 1" in failure


def test_console_runs_in_the_page_folder(tmp_path: Path) -> None:
    (tmp_path / "marker.txt").write_text("here\n")
    assert run_console("$ cat marker.txt\nhere\n", tmp_path) is None


def test_python_runs_in_a_fresh_interpreter(tmp_path: Path) -> None:
    assert run_python("import sys\nprint(__name__)\n", tmp_path, "b1", "__main__\n") is None
    failure = run_python("raise SystemExit(3)\n", tmp_path, "b2", None)
    assert failure is not None
    assert "status 3" in failure


def test_python_output_is_compared(tmp_path: Path) -> None:
    failure = run_python("print(1)\n", tmp_path, "b3", "2\n")
    assert failure is not None
    assert "+ 1" in failure


def test_pycon_uses_ellipsis_and_address_rules(tmp_path: Path) -> None:
    ok = ">>> print('a b c')\na ... c\n>>> print(hex(0x7f0000001000))\n0x7f1234567000\n"
    assert run_pycon(ok, tmp_path, "s1") is None
    failure = run_pycon(">>> 1 + 1\n3\n", tmp_path, "s2")
    assert failure is not None
    assert "Expected" in failure


def test_c_compiles_with_warnings_as_errors(tmp_path: Path) -> None:
    source = '#include <stdio.h>\nint main(void) { int unused; puts("x"); return 0; }\n'
    failure = compile_c(source, "w.c", tmp_path, None)
    assert failure is not None
    assert "unused" in failure


def test_c_output_is_compared(tmp_path: Path) -> None:
    source = '#include <stdio.h>\nint main(void) { puts("hello"); return 0; }\n'
    assert compile_c(source, "h.c", tmp_path, "hello\n") is None
    assert compile_c(source, "h.c", tmp_path, "goodbye\n") is not None


FIRST_POINTER = """#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(void) {
    char *start = sbrk(0);
    char *p = malloc(24);
    printf("%#lx\\n", (long) (p - start));
    return 0;
}
"""


@pytest.mark.parametrize(("glibc", "offset"), [("2.31", "0x2a0"), ("2.43", "0x10")])
def test_a_c_block_runs_on_the_glibc_it_names(glibc: str, offset: str, tmp_path: Path) -> None:
    assert compile_c(FIRST_POINTER, "first.c", tmp_path, f"{offset}\n", glibc) is None
    other = "0x10" if offset == "0x2a0" else "0x2a0"
    failure = compile_c(FIRST_POINTER, "first.c", tmp_path, f"{other}\n", glibc)
    assert failure is not None
    assert f"+ {offset}" in failure
    assert (tmp_path / f"first-glibc-{glibc}").exists()


def test_an_unchecked_glibc_on_a_block_names_the_checked_ones(tmp_path: Path) -> None:
    failure = compile_c(FIRST_POINTER, "first.c", tmp_path, "0x10\n", "2.39")
    assert failure == (
        'glibc="2.39": glibc 2.39 is not one of the checked versions (2.31, 2.36, 2.41, 2.43, 2.44)'
    )
