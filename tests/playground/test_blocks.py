"""brkdoc.playground.blocks: a site block run in the page prints what it prints anywhere."""

from __future__ import annotations

import subprocess
import sys

from brkdoc.playground.blocks import run_block

BLOCK = """\
from brkdoc.sim import Heap, format_strace

heap = Heap()
p = heap.malloc(200_000)
print(heap.is_mmapped(p))
print(format_strace(heap.syscalls), end="")
"""


def test_output_equals_a_fresh_interpreters() -> None:
    fresh = subprocess.run(
        [sys.executable, "-c", BLOCK], capture_output=True, text=True, check=True
    )
    assert run_block(BLOCK) == fresh.stdout


def test_each_block_starts_with_an_empty_namespace() -> None:
    run_block("leftover = 1")
    assert "NameError: name 'leftover' is not defined" in run_block("print(leftover)")


def test_an_exception_ends_the_output_with_its_traceback() -> None:
    printed = run_block("print('before')\nraise ValueError('boom')")
    assert printed.startswith("before\nTraceback (most recent call last):")
    assert printed.endswith("ValueError: boom\n")
