"""Every file under examples/ compiles or runs, and matches its committed output."""

from __future__ import annotations

from pathlib import Path

import pytest

from brkdoc.doccheck.examples import Example, find_examples, run_example
from brkdoc.doccheck.matching import compare

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = find_examples(ROOT / "examples")


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: str(e.source.relative_to(ROOT)))
def test_example(example: Example) -> None:
    output = run_example(example)
    if example.has_expected:
        assert output is not None
        expected = example.expected_path.read_text(encoding="utf-8")
        mismatch = compare(expected, output)
        assert mismatch is None, (
            f"{example.source.relative_to(ROOT)}:\n{mismatch}\n"
            "(if the change is intended: python -m brkdoc.doccheck.regen examples)"
        )
