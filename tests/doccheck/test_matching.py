from __future__ import annotations

import pytest

from brkdoc.doccheck import matching
from brkdoc.doccheck.matching import compare, normalize_line


def test_identical_output_matches() -> None:
    assert compare("a\nb\n", "a\nb") is None


def test_a_changed_size_fails_with_a_readable_diff() -> None:
    shown = "mmap(NULL, 266240, PROT_READ|PROT_WRITE, ...) = 0x7f0000000000\n"
    live = "mmap(NULL, 266241, PROT_READ|PROT_WRITE, ...) = 0x7f1234567000\n"
    mismatch = compare(shown, live)
    assert mismatch is not None
    text = str(mismatch)
    assert "- mmap(NULL, 266240" in text
    assert "+ mmap(NULL, 266241" in text


def test_diff_shows_matching_lines_as_context_and_folds_ellipsis() -> None:
    shown = "start 0x55d0c0a21000\n...\nmain\nsize 266240\nend\n"
    live = "start 0x5600aa000000\nloader 1\nloader 2\nmain\nsize 266241\nend\n"
    text = str(compare(shown, live))
    assert text.splitlines()[1:] == [
        "  start 0x5600aa000000",
        "  ... (2 lines)",
        "  main",
        "- size 266240",
        "+ size 266241",
        "  end",
    ]


def test_addresses_match_when_their_distances_hold() -> None:
    assert (
        compare("brk(0x55d0c0a21000) = 0x55d0c0a42000", "brk(0x5600aa000000) = 0x5600aa021000")
        is None
    )


STRACE_SHOWN = """\
brk(NULL)                               = 0x558c7532d000
...
brk(NULL)                               = 0x558c7532d000
brk(0x558c7534e000)                     = 0x558c7534e000
mmap(NULL, 266240, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7ff6f856f000
munmap(0x7ff6f856f000, 266240)          = 0
Small (1KB): 0x558c7532d2a0
Large (256KB): 0x7ff6f856f010
"""

STRACE_PRINTED = """\
brk(NULL)                               = 0x5601d4a0c000
arch_prctl(0x3001 /* ARCH_??? */, 0x7ffd6e2b1e20) = -1 EINVAL (Invalid argument)
brk(NULL)                               = 0x5601d4a0c000
brk(0x5601d4a2d000)                     = 0x5601d4a2d000
mmap(NULL, 266240, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f12a0b3e000
munmap(0x7f12a0b3e000, 266240)          = 0
Small (1KB): 0x5601d4a0c2a0
Large (256KB): 0x7f12a0b3e010
"""


def test_a_strace_with_the_same_distances_matches() -> None:
    assert compare(STRACE_SHOWN, STRACE_PRINTED) is None


def test_a_changed_break_movement_fails_and_says_which_distance() -> None:
    moved = STRACE_PRINTED.replace("0x5601d4a2d000", "0x5601d4a2e000")
    text = str(compare(STRACE_SHOWN, moved))
    assert text.splitlines()[1:] == [
        "  brk(NULL)                               = 0x5601d4a0c000",
        "  ... (1 lines)",
        "  brk(NULL)                               = 0x5601d4a0c000",
        "- brk(0x558c7534e000)                     = 0x558c7534e000",
        "+ brk(0x5601d4a2e000)                     = 0x5601d4a2e000",
        "  ! page: 0x558c7534e000 = 0x558c7532d000 +0x21000; "
        "here: 0x5601d4a2e000 = 0x5601d4a0c000 +0x22000",
        "  mmap(NULL, 266240, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = "
        "0x7f12a0b3e000",
        "  munmap(0x7f12a0b3e000, 266240)          = 0",
        "  Small (1KB): 0x5601d4a0c2a0",
        "  Large (256KB): 0x7f12a0b3e010",
    ]


def test_a_pointer_offset_inside_the_heap_is_checked() -> None:
    moved = STRACE_PRINTED.replace("0x5601d4a0c2a0", "0x5601d4a0c2b0")
    assert "here: 0x5601d4a0c2b0 = 0x5601d4a0c000 +0x2b0" in str(compare(STRACE_SHOWN, moved))


def test_regions_have_free_bases_of_their_own() -> None:
    # The mmap area moved by another amount than the heap: that is ASLR, not a difference.
    shifted = STRACE_PRINTED.replace("0x7f12a0b3e", "0x7ee000123")
    assert compare(STRACE_SHOWN, shifted) is None


def test_a_shown_address_stands_for_one_value() -> None:
    shown = "mmap(...) = 0x7f0000001000\nmunmap(0x7f0000001000, 4096) = 0\n"
    assert compare(shown, "mmap(...) = 0x7f0000005000\nmunmap(0x7f0000005000, 4096) = 0") is None
    text = str(compare(shown, "mmap(...) = 0x7f0000005000\nmunmap(0x7f0000006000, 4096) = 0"))
    assert "! page: 0x7f0000001000 = 0x7f0000001000 +0x0; here: 0x7f0000006000" in text


def test_two_shown_addresses_are_two_values_across_regions() -> None:
    shown = "a 0x550000000000\nb 0x7f0000000000\n"
    assert compare(shown, "a 0x560000000000\nb 0x7e0000000000") is None
    text = str(compare(shown, "a 0x560000000000\nb 0x560000000000"))
    assert "! page: 0x550000000000 and 0x7f0000000000 are two values; here both are" in text


def test_maps_ranges_bind_both_ends() -> None:
    shown = "55d0c0a00000-55d0c0a21000 rw-p 00000000 00:00 0    [heap]\nbreak 0x55d0c0a21000"
    live = "5600aa000000-5600aa021000 rw-p 00000000 00:00 0    [heap]\nbreak 0x5600aa021000"
    assert compare(shown, live) is None
    assert compare(shown, live.replace("5600aa021000 rw", "5600aa022000 rw")) is not None
    assert compare(shown, live.replace("break 0x5600aa021000", "break 0x5600aa000000")) is not None


def test_pids_stand_for_one_value_each() -> None:
    shown = "[pid 1234] clone3() = 1235\n[pid 1235] exit\n[pid 1234] exit\n"
    assert compare(shown, "[pid 7] clone3() = 1235\n[pid 8] exit\n[pid 7] exit") is None
    mixed = str(compare(shown, "[pid 7] clone3() = 1235\n[pid 8] exit\n[pid 8] exit"))
    assert "! page: pid 1234 is pid 7 earlier in this output; here it is pid 8" in mixed
    merged = str(compare(shown, "[pid 7] clone3() = 1235\n[pid 7] exit\n[pid 7] exit"))
    assert "! page: pid 1234 and pid 1235 are two values; here both are pid 7" in merged


def test_the_search_tries_other_alignments_of_an_ellipsis() -> None:
    # The first brk line after `...` would bind the break at +0x1000; only the second fits.
    shown = "brk(NULL) = 0x55aa00000000\n...\nbrk(0x55aa00021000) = 0x55aa00021000\nend"
    live = (
        "brk(NULL) = 0x56bb00000000\nbrk(0x56bb00001000) = 0x56bb00001000\n"
        "brk(0x56bb00021000) = 0x56bb00021000\nend"
    )
    assert compare(shown, live) is None


def test_a_search_that_explodes_gives_up_with_a_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(matching, "SEARCH_LIMIT", 50)
    shown = "0x550000000000\n...\n0x550000000000\n...\n0x550000001000\n"
    live = "0x560000000000\n" + "0x560000000000\n" * 30 + "0x560000000002\n"
    text = str(compare(shown, live))
    assert "gave up after 50 ways of aligning the lines" in text


def test_short_hex_numbers_are_exact() -> None:
    assert compare("offset 0x21000", "offset 0x22000") is not None


def test_maps_ranges_match_a_range_with_the_same_size() -> None:
    shown = "55d0c0a00000-55d0c0a21000 rw-p 00000000 00:00 0    [heap]"
    live = "5600aa000000-5600aa021000 rw-p 00000000 00:00 0    [heap]"
    assert compare(shown, live) is None
    assert compare(shown, live.replace("rw-p", "r--p")) is not None


def test_pids_match_by_pattern() -> None:
    assert compare("[pid 1234] exit", "[pid 99] exit") is None
    assert compare("/proc/1234/maps", "/proc/5/maps") is None
    assert compare("pid 12", "pid 4711") is None
    assert compare("count 12", "count 4711") is not None


def test_ellipsis_line_matches_any_number_of_lines() -> None:
    assert compare("a\n...\nz", "a\nz") is None
    assert compare("a\n...\nz", "a\nb\nc\nz") is None
    assert compare("...\nz", "x\ny\nz") is None
    assert compare("a\n...", "a") is None
    assert compare("a\n...\nz", "a\nb\nc") is not None


def test_ellipsis_inside_a_line_is_literal() -> None:
    assert compare("a ... b", "a x b") is not None


def test_trailing_whitespace_and_final_blank_lines_are_ignored() -> None:
    assert compare("a  \n\n\n", "a") is None
    assert compare("a\n\nb", "a\nb") is not None


def test_normalize_line_keeps_sizes() -> None:
    assert normalize_line("munmap(0x7f3a2c1e5000, 266240) = 0") == "munmap(<ADDR>, 266240) = 0"


def test_a_change_right_after_an_ellipsis_shows_both_sides() -> None:
    shown = "start\n...\nsize 266240\nend\n"
    live = "start\nloader 1\nloader 2\nsize 266241\nend\n"
    assert str(compare(shown, live)).splitlines()[1:] == [
        "  start",
        "  ... (2 lines)",
        "- size 266240",
        "+ size 266241",
        "  end",
    ]
