from __future__ import annotations

from pathlib import Path

import pytest

from brkdoc.doccheck.examples import ExampleFailed, find_examples, run_example


def test_c_without_output_is_only_compiled(tmp_path: Path) -> None:
    (tmp_path / "a.c").write_text("int main(void) { return 1; }\n")
    (example,) = find_examples(tmp_path)
    assert run_example(example) is None


def test_c_with_output_is_run(tmp_path: Path) -> None:
    (tmp_path / "b.c").write_text('#include <stdio.h>\nint main(void) { puts("b"); return 0; }\n')
    (tmp_path / "b.out").write_text("")
    (example,) = find_examples(tmp_path)
    assert run_example(example) == "b\n"


def test_failing_python_example_raises(tmp_path: Path) -> None:
    (tmp_path / "c.py").write_text("raise SystemExit(4)\n")
    (tmp_path / "c.out").write_text("")
    (example,) = find_examples(tmp_path)
    with pytest.raises(ExampleFailed, match="status 4"):
        run_example(example)
