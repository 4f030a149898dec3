"""brkdoc.glibc_constants: glibc's fixed numbers, one definition for the model and the demos."""

from __future__ import annotations

import subprocess
import sys

import pytest

from brkdoc import glibc_constants
from brkdoc.glibc_constants import request2size
from brkdoc.native import libc
from brkdoc.native.demos import result
from brkdoc.sim import params


@pytest.mark.parametrize(
    ("asked", "chunk"),
    [(0, 32), (1, 32), (24, 32), (25, 48), (40, 48), (41, 64), (1032, 1040), (131064, 131072)],
)
def test_request2size_adds_the_size_field_and_rounds_up_to_16(asked: int, chunk: int) -> None:
    assert request2size(asked) == chunk


def test_the_model_and_the_demos_share_one_definition() -> None:
    for name in glibc_constants.__all__:
        assert getattr(params, name) is getattr(glibc_constants, name), name
    for name in ("M_TRIM_THRESHOLD", "M_TOP_PAD", "M_MMAP_THRESHOLD", "M_MMAP_MAX"):
        assert getattr(libc, name) == getattr(glibc_constants, name)
    for name in ("CHUNK_HDR_SZ", "MALLOC_ALIGNMENT", "MINSIZE", "SIZE_SZ", "request2size"):
        assert getattr(result, name) is getattr(glibc_constants, name)


def test_a_demo_child_does_not_load_the_simulator() -> None:
    # Importing any brkdoc.sim module runs the package's __init__ and loads the whole model: a
    # demo's child interpreter would pay for it, and allocate more, before it measures.
    probe = (
        "import sys, brkdoc.native.demos.threshold, brkdoc.native.demos.fixed_threshold; "
        "print(sorted(m for m in sys.modules if m.startswith('brkdoc.sim')))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout == "[]\n"
