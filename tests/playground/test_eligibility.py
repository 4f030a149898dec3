"""brkdoc.playground.eligibility: which python blocks get a Run button."""

from __future__ import annotations

import pytest

from brkdoc.playground.eligibility import verdict


@pytest.mark.parametrize(
    "source",
    [
        "from brkdoc.sim import Heap\nprint(Heap().brk)",
        "import brkdoc.sim.trace\nimport json, math\nfrom collections import Counter",
        "from __future__ import annotations\nfrom brkdoc.sim.view import format_view",
        "from brkdoc.trace import parse_trace\nprint(list(parse_trace(['1', '0'], 't')))",
        "print(sum(range(10)))",
    ],
)
def test_pure_blocks_run_in_the_page(source: str) -> None:
    assert verdict(source).runnable


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ("import subprocess", "needs the live system (it uses subprocess)"),
        ("from brkdoc.native import run_demo", "needs the live system (it uses brkdoc.native)"),
        ("import os.path", "needs the live system (it uses os.path)"),
        ("from brkdoc.doccheck.matching import compare", "uses brkdoc.doccheck.matching, which"),
        ("import numpy", "uses numpy, which the in-page Python does not load"),
        ("from brkdoc import sim", "uses brkdoc, which"),
        ("data = open('x').read()", "calls open(), which reaches outside"),
        ("__import__('os')", "calls __import__()"),
        ("def f(:\n", "does not parse"),
    ],
)
def test_other_blocks_say_why(source: str, reason: str) -> None:
    judged = verdict(source)
    assert not judged.runnable
    assert judged.reason.startswith(reason)
