"""pytest-examples over docs/ and src/brkdoc docstrings: lint and format-check every Python
block with ruff, and run each one on its own, as a reader who copies only that block would.
(The docstrings' `pycon` sessions and bare `>>>` examples run in the docstring Sybil, see
brkdoc.doccheck.docstrings.)

`make update-examples` (pytest --update-examples) rewrites `#>` print output and formatting.
Blocks that include a file from examples/ are checked by tests/test_examples.py instead.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from pytest_examples import CodeExample, EvalExample, find_examples
from pytest_examples.config import ExamplesConfig

from brkdoc.doccheck.snippets import included_paths

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ExamplesConfig(
    line_length=88,
    target_version="py311",
    quotes="double",
    ruff_ignore=["T201", "E402", "B018"],
)
RUFF = Path(sys.executable).parent / "ruff"


def _examples() -> list[CodeExample]:
    found = find_examples(str(ROOT / "docs"), str(ROOT / "src" / "brkdoc"))
    return [ex for ex in found if not included_paths(ex.source)]


EXAMPLES = _examples()
PYTHON = [ex for ex in EXAMPLES if ex.prefix.split()[0].lower() in {"py", "python"}]


def _id(example: CodeExample) -> str:
    return f"{example.path.relative_to(ROOT)}:{example.start_line}"


def _ruff_format(source: str) -> str:
    result = subprocess.run(
        [str(RUFF), "format", "--line-length", str(CONFIG.line_length), "-"],
        input=source,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        pytest.fail(f"ruff format could not parse the block:\n{result.stderr}", pytrace=False)
    return result.stdout


def test_examples_are_found() -> None:
    assert PYTHON, "no python blocks found in docs/ or docstrings"


@pytest.mark.parametrize("example", PYTHON, ids=_id)
def test_python_block(example: CodeExample, eval_example: EvalExample) -> None:
    eval_example.config = CONFIG
    if eval_example.update_examples:
        eval_example.format_ruff(example)
        formatted = _ruff_format(example.source)
        if formatted != example.source:
            example.source = formatted
            eval_example._mark_for_update(example)
    else:
        eval_example.lint_ruff(example)
        formatted = _ruff_format(example.source)
        assert formatted == example.source, (
            f"{_id(example)} is not ruff-formatted; run `make update-examples`"
        )
    if "#>" in example.source:
        if eval_example.update_examples:
            eval_example.run_print_update(example)
        else:
            eval_example.run_print_check(example)
    else:
        eval_example.run(example)
