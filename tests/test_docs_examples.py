"""pytest-examples over docs/ and src/brkdoc docstrings: lint and format-check every Python
block with ruff, and run each one on its own, as a reader who copies only that block would.
(The docstrings' `pycon` sessions and bare `>>>` examples run in the docstring Sybil, see
brkdoc.doccheck.docstrings.)

`make update-examples` (pytest --update-examples) rewrites `#>` print output and formatting.
Blocks that include a file from examples/ are checked by tests/test_examples.py instead.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from pytest_examples import CodeExample, EvalExample, find_examples

from brkdoc.doccheck.snippets import included_paths

ROOT = Path(__file__).resolve().parents[1]
LINE_LENGTH = 88
RUFF = Path(sys.executable).parent / "ruff"


def _examples() -> list[CodeExample]:
    found = find_examples(str(ROOT / "docs"), str(ROOT / "src" / "brkdoc"))
    return [ex for ex in found if not included_paths(ex.source)]


EXAMPLES = _examples()
PYTHON = [ex for ex in EXAMPLES if ex.prefix.split()[0].lower() in {"py", "python"}]


def _id(example: CodeExample) -> str:
    return f"{example.path.relative_to(ROOT)}:{example.start_line}"


def _ruff_format(source: str) -> str:
    """The block as `ruff format` writes it, `#> ` output comments kept as they are.

    ruff (like black) would write `#> 3` as `# > 3`; pytest-examples spaces the comments out
    around its black run and back, and this does the same around ruff's."""
    result = subprocess.run(
        [str(RUFF), "format", "--line-length", str(LINE_LENGTH), "-"],
        input=re.sub(r"^( *#)> ", r"\1 > ", source, flags=re.MULTILINE),
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        pytest.fail(f"ruff format could not parse the block:\n{result.stderr}", pytrace=False)
    return re.sub(r"^( *#) > ", r"\1> ", result.stdout, flags=re.MULTILINE)


def test_examples_are_found() -> None:
    assert PYTHON, "no python blocks found in docs/ or docstrings"


@pytest.mark.parametrize("example", PYTHON, ids=_id)
def test_python_block(example: CodeExample, eval_example: EvalExample) -> None:
    eval_example.set_config(
        line_length=LINE_LENGTH,
        # set_config's annotation lists "py310" twice where "py311" was meant; the config
        # it builds (ExamplesConfig) takes "py311", which black and ruff are given.
        target_version="py311",  # type: ignore[arg-type]
        quotes="double",
        ruff_ignore=["T201", "E402", "B018"],
    )
    if eval_example.update_examples:
        eval_example.format(example)  # ruff's fixes, then black; the block is rewritten
    else:
        eval_example.lint(example)  # ruff check, and black's check
    # The project formats with ruff; black (above) agrees with it on every block today.
    assert _ruff_format(example.source) == example.source, (
        f"{_id(example)} is not as `ruff format` writes it: run `make update-examples` (it "
        "formats with black), and mend by hand what ruff format still writes otherwise"
    )
    if "#>" in example.source:
        if eval_example.update_examples:
            eval_example.run_print_update(example)
        else:
            eval_example.run_print_check(example)
    else:
        eval_example.run(example)
