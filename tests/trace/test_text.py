"""brkdoc.trace.text: the accepted shapes of a trace and the error for each malformed line."""

from __future__ import annotations

import pytest

from brkdoc.errors import InputError
from brkdoc.sim import Heap, summarize_lines
from brkdoc.trace import TraceOp, parse_trace, stopped_at


def test_four_line_header_and_crlf() -> None:
    text = "20000\r\n2\r\n3\r\n1\r\na 0 10\r\nr 0 20\r\n\r\nf 0\r\n"
    ops = list(parse_trace(text.splitlines(keepends=True), "t.rep"))
    assert ops == [TraceOp(5, "a", 0, 10), TraceOp(6, "r", 0, 20), TraceOp(8, "f", 0, 0)]


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
        # int() and str.split() accept all of these; the format is ASCII digits and spaces.
        (["1", "1", "a 0 +10"], 3, "size must be a whole number in ASCII digits 0-9, not '+10'"),
        (["1", "1", "a 0 1_000"], 3, "size must be a whole number in ASCII digits 0-9"),
        (["1", "1", "a 0\xa010"], 3, "byte 0xA0 in column 4 is not ASCII: a trace is ASCII text"),
        (["1", "1", "a 0\x8510"], 3, "byte 0x85 in column 4 is not ASCII"),
        (["1", "1", "a 0 \u0661"], 3, "character U+0661 in column 5 is not ASCII"),
        (["1", "\xb2", "a 0 1"], 2, "byte 0xB2 in column 1 is not ASCII"),
        (["1", "+1", "a 0 1"], 2, "a header number must be a whole number in ASCII digits"),
        (["1", "1", "a 0\x0b10"], 3, "control character 0x0B in column 4"),
        (["1", "1", "a 0 10\rf 0"], 3, "control character 0x0D in column 7"),
        (["1", "1", "a 0 18446744073709551616"], 3, "size '18446744073709551616' is too large"),
        (["1", "1", "a 18446744073709551616 1"], 3, "id '18446744073709551616' is too large"),
        (["1", "1", "f -1"], 3, "id must not be negative, got '-1'"),
    ],
)
def test_malformed_traces(lines: list[str], line: int, message: str) -> None:
    with pytest.raises(InputError) as caught:
        list(parse_trace(lines, "bad.rep"))
    assert caught.value.line == line
    assert message in caught.value.message
    assert str(caught.value).startswith(f"bad.rep:{line}: ")
    # The one-pass summary rejects the same traces with the same error.
    with pytest.raises(InputError) as one_pass:
        summarize_lines(lines, "bad.rep", Heap())
    assert str(one_pass.value) == str(caught.value)


def test_the_largest_numbers_are_accepted() -> None:
    ops = list(parse_trace(["1", "1", "a 18446744073709551615 18446744073709551615"], "t.rep"))
    assert ops == [TraceOp(3, "a", 2**64 - 1, 2**64 - 1)]


def test_tabs_and_crlf_separate_fields() -> None:
    ops = list(parse_trace(["1\r\n", "1\r\n", "a\t0 \t 7 \r\n"], "t.rep"))
    assert ops == [TraceOp(3, "a", 0, 7)]


def test_a_huge_number_is_refused_in_one_short_line() -> None:
    with pytest.raises(InputError) as caught:
        list(parse_trace(["1", "1", "a 0 " + "9" * 100_000], "t.rep"))
    message = str(caught.value)
    assert message == (
        "t.rep:3: size '999999999999999999999999'... (100,000 characters) is too large: "
        "the largest is 2**64-1"
    )


def test_an_op_reads_back_as_its_trace_line() -> None:
    ops = list(parse_trace(["1", "4", "a 0 40", "c 1 0", "r 0 7", "f 0"], "t.rep"))
    assert [op.text() for op in ops] == ["a 0 40", "c 1 0", "r 0 7", "f 0"]


def test_a_stopped_run_names_the_file_line_and_op() -> None:
    error = stopped_at("t.rep", TraceOp(6, "f", 0, 0), "free(): double free detected in tcache 2")
    assert str(error) == "t.rep:6: free(): double free detected in tcache 2 (op 'f 0')"
