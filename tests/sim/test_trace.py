"""Trace parsing: the accepted shapes and the error for each malformed line."""

from __future__ import annotations

import pytest

from brkdoc.errors import InputError
from brkdoc.sim import (
    GLIBC_2_36,
    GLIBC_2_41,
    Observation,
    TraceOp,
    format_observation,
    parse_observation,
    parse_trace,
    simulate,
)


def test_four_line_header_and_crlf() -> None:
    text = "20000\r\n2\r\n3\r\n1\r\na 0 10\r\nr 0 20\r\n\r\nf 0\r\n"
    ops = list(parse_trace(text.splitlines(keepends=True), "t.rep"))
    assert ops == [TraceOp(5, "a", 0, 10), TraceOp(6, "r", 0, 20), TraceOp(8, "f", 0, None)]


def test_two_line_header() -> None:
    ops = list(parse_trace(["1", "2", "a 0 5", "f 0"], "t.rep"))
    assert [op.op for op in ops] == ["a", "f"]


@pytest.mark.parametrize(
    ("lines", "line", "message"),
    [
        (["1", "1", "x 0 5"], 3, "unknown operation 'x' (expected a, c, r or f)"),
        (["1", "1", "a 0"], 3, "expected 'a ID SIZE'"),
        (["1", "1", "c 0"], 3, "expected 'c ID SIZE'"),
        (["1", "1", "c 0 -1"], 3, "size must not be negative"),
        (["1", "1", "a zero 5"], 3, "id must be a whole number"),
        (["1", "1", "a 0 -5"], 3, "size must not be negative"),
        (["1", "1", "f 3"], 3, "free of id 3, which was never allocated"),
        (["1", "1", "r 3 10"], 3, "realloc of id 3, which was never allocated"),
        (["1", "2", "a 0 5"], 2, "header says 2 operations, the trace has 1"),
        (["5", "a 0 5"], 2, "expected a header of 2 or 4 numbers"),
        ([], 1, "no header"),
    ],
)
def test_malformed_traces(lines: list[str], line: int, message: str) -> None:
    with pytest.raises(InputError) as caught:
        list(parse_trace(lines, "bad.rep"))
    assert caught.value.line == line
    assert message in caught.value.message
    assert str(caught.value).startswith(f"bad.rep:{line}: ")


def test_observation_round_trip() -> None:
    obs = Observation(3, "a", 7, "heap", 672, 135168, 0)
    line = format_observation(obs)
    assert list(__import__("json").loads(line)) == [
        "i",
        "op",
        "id",
        "where",
        "offset",
        "brk",
        "mmapped",
    ]
    assert parse_observation(line) == obs


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
    assert list(__import__("json").loads(old[2])) == list(__import__("json").loads(old[0]))
