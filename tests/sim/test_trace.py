"""brkdoc.sim.trace: traces run through the model, in one pass or two, with the same results."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from brkdoc.sim import (
    GLIBC_2_36,
    GLIBC_2_41,
    Heap,
    MallocAbort,
    simulate,
    summarize,
    summarize_lines,
)
from brkdoc.trace import TraceOp, format_observation, parse_trace

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "path",
    sorted((ROOT / "examples" / "traces").rglob("*.rep")),
    ids=lambda path: path.stem,
)
def test_the_one_pass_summary_equals_parse_then_summarize(path: Path) -> None:
    lines = path.read_text(encoding="latin-1").splitlines(keepends=True)
    two_pass_heap, one_pass_heap = Heap(), Heap()
    two_pass = summarize(parse_trace(lines, path.name), two_pass_heap)
    assert summarize_lines(lines, path.name, one_pass_heap) == two_pass
    assert one_pass_heap.syscalls == two_pass_heap.syscalls
    assert two_pass.ops > 0


def test_the_one_pass_summary_runs_calloc_lines_like_summarize() -> None:
    lines = ["1", "5", "c 0 40", "a 1 200000", "c 2 300000", "f 0", "r 1 10"]
    two_pass_heap, one_pass_heap = Heap(), Heap()
    two_pass = summarize(parse_trace(lines, "c.rep"), two_pass_heap)
    assert summarize_lines(lines, "c.rep", one_pass_heap) == two_pass
    assert one_pass_heap.syscalls == two_pass_heap.syscalls
    assert two_pass.ops == 5


def test_the_one_pass_summary_reports_the_failing_operation() -> None:
    # A double free of a small block is glibc's "double free detected in tcache 2".
    lines = ["2", "4", "a 0 40", "a 1 40", "f 0", "f 0"]
    with pytest.raises(MallocAbort) as two_pass:
        summarize(parse_trace(lines, "t.rep"), Heap())
    with pytest.raises(MallocAbort) as one_pass:
        summarize_lines(lines, "t.rep", Heap())
    assert str(one_pass.value) == str(two_pass.value)
    assert one_pass.value.trace_op == two_pass.value.trace_op == TraceOp(6, "f", 0, 0)
    assert one_pass.value.ops_done == two_pass.value.ops_done == 3


def test_calloc_lines_parse_and_simulate_like_malloc_lines() -> None:
    ops = list(parse_trace(["1", "4", "a 0 40", "f 0", "c 1 40", "f 1"], "c.rep"))
    assert ops[2] == TraceOp(5, "c", 1, 40)
    old = [format_observation(obs) for obs in simulate(ops, GLIBC_2_36)]
    new = [format_observation(obs) for obs in simulate(ops, GLIBC_2_41)]
    assert old[2] == (
        '{"i": 2, "op": "c", "id": 1, "where": "heap", "offset": 720, "brk": 135168, "mmapped": 0}'
    )
    # 2.41 takes the chunk that free(0) cached; 2.36's calloc never looks at the tcache.
    assert '"offset": 672' in new[2]
    assert list(json.loads(old[2])) == list(json.loads(old[0]))
