from __future__ import annotations

from brkdoc.doccheck.binding import REGION_GAP, Bindings, Conflict, Token, parse_line, regions_of


def test_tokens_are_listed_left_to_right() -> None:
    line = parse_line("[pid 12] 55d0c0a00000-55d0c0a21000 at 0x7f0000001000 in /proc/12/maps")
    assert line.template == "[pid <PID>] <ADDR>-<ADDR> at <ADDR> in /proc/<PID>/maps"
    assert line.tokens == (
        Token("pid", 12),
        Token("address", 0x55D0C0A00000),
        Token("address", 0x55D0C0A21000),
        Token("address", 0x7F0000001000),
        Token("pid", 12),
    )


def test_short_hex_numbers_and_plain_numbers_are_not_tokens() -> None:
    assert parse_line("brk moved by 0x21000, count 4711").tokens == ()


def test_regions_split_where_neighbours_are_more_than_the_gap_apart() -> None:
    base = 0x7F0000000000
    regions = regions_of([base, base + REGION_GAP, base + 2 * REGION_GAP + 1])
    assert regions == {base: 0, base + REGION_GAP: 0, base + 2 * REGION_GAP + 1: 1}


def test_bind_fixes_one_shift_per_region() -> None:
    shown = [parse_line("0x550000001000 0x7f0000000000"), parse_line("0x550000003000")]
    bindings = Bindings.for_page(shown)
    first = bindings.bind(shown[0], parse_line("0x560000001000 0x7e0000000000"))
    assert isinstance(first, Bindings)
    assert isinstance(first.bind(shown[1], parse_line("0x560000003000")), Bindings)
    wrong = first.bind(shown[1], parse_line("0x560000004000"))
    assert isinstance(wrong, Conflict)
    assert wrong.message == (
        "page: 0x550000003000 = 0x550000001000 +0x2000; "
        "here: 0x560000004000 = 0x560000001000 +0x3000"
    )


def test_bind_leaves_the_earlier_bindings_alone() -> None:
    shown = [parse_line("pid 5")]
    bindings = Bindings.for_page(shown)
    assert isinstance(bindings.bind(shown[0], parse_line("pid 6")), Bindings)
    assert bindings.real_pids == {}
