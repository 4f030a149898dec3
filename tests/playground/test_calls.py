"""brkdoc.playground.calls: the playground's input, C-like calls or a trace."""

from __future__ import annotations

import pytest

from brkdoc.errors import InputError
from brkdoc.playground.calls import Call, is_trace, parse_calls, parse_input
from brkdoc.sim import M_MMAP_THRESHOLD


def test_every_function_the_page_offers() -> None:
    text = """
    a = malloc(40_000)   # a comment
    b = calloc(10, 4);
    a = realloc(a, 0x100 * 2)
    c = realloc(NULL, 8)
    free(b)
    free(NULL)
    malloc_trim(0)
    mallopt(M_MMAP_THRESHOLD, 1 << 20)  // C++ style comment
    malloc(-1)
    """
    calls = parse_calls(text, "calls")
    assert calls == [
        Call(2, "a = malloc(40_000)", "malloc", "a", None, (40000,)),
        Call(3, "b = calloc(10, 4)", "calloc", "b", None, (10, 4)),
        Call(4, "a = realloc(a, 0x100 * 2)", "realloc", "a", "a", (512,)),
        Call(5, "c = realloc(NULL, 8)", "realloc", "c", None, (8,)),
        Call(6, "free(b)", "free", None, "b", ()),
        Call(7, "free(NULL)", "free", None, None, ()),
        Call(8, "malloc_trim(0)", "malloc_trim", None, None, (0,)),
        Call(9, "mallopt(M_MMAP_THRESHOLD, 1 << 20)", "mallopt", None, None,
             (M_MMAP_THRESHOLD, 1 << 20)),
        Call(10, "malloc(-1)", "malloc", None, None, (-1,)),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a = malloc(1)\nfree(b)", "calls:2: free(b): b was never assigned"),
        ("a = malloc(1, 2)", "calls:1: a = malloc(1, 2): malloc takes 1 argument(s)"),
        ("a = mmap(1)", "calls:1: a = mmap(1): unknown function mmap (known: malloc, calloc, "
         "realloc, free, malloc_trim, mallopt)"),
        ("free(1)", "calls:1: free(1): the pointer must be a name or NULL"),
        ("a = malloc(1)\nx = free(a)", "calls:2: x = free(a): free returns no pointer to keep"),
        ("a = malloc(size)", "calls:1: a = malloc(size): size is not a number"),
        ("a = malloc(1 << 999)", "calls:1: a = malloc(1 << 999): shift by 999 is out of range"),
        ("a = malloc(M_TOP_PAD)",
         "calls:1: a = malloc(M_TOP_PAD): M_TOP_PAD is a mallopt parameter, not a size"),
        ("a[0] = malloc(1)", "calls:1: a[0] = malloc(1): assign to a plain name such as a"),
        ("a = malloc(1", "calls:1: cannot read 'a = malloc(1': expected a call"),
        ("import os", "calls:1: cannot read 'import os': expected a call"),
        ("a = malloc(size=3)", "calls:1: cannot read 'a = malloc(size=3)': expected a call"),
    ],
)  # fmt: skip
def test_mistakes_name_their_line(text: str, message: str) -> None:
    with pytest.raises(InputError) as raised:
        parse_calls(text, "calls")
    assert str(raised.value) == message


def test_a_trace_is_told_apart_by_its_header() -> None:
    assert is_trace("\n  4\n1\na 0 1\n")
    assert not is_trace("a = malloc(4)")
    assert not is_trace("")
    calls = parse_input("2\n3\na 0 100\nr 0 200\nf 0\n", "trace")
    assert [(c.line, c.source, c.function, c.target, c.pointer) for c in calls] == [
        (3, "a 0 100", "malloc", "0", None),
        (4, "r 0 200", "realloc", "0", "0"),
        (5, "f 0", "free", None, "0"),
    ]


def test_a_bad_trace_reports_as_the_parser_does() -> None:
    with pytest.raises(InputError, match=r"^trace:3: unknown operation 'x'"):
        parse_input("1\n1\nx 0\n", "trace")
