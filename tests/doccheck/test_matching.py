from __future__ import annotations

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


def test_addresses_match_any_address() -> None:
    assert (
        compare("brk(0x55d0c0a21000) = 0x55d0c0a42000", "brk(0x5600aa000000) = 0x5600aa021000")
        is None
    )


def test_short_hex_numbers_are_exact() -> None:
    assert compare("offset 0x21000", "offset 0x22000") is not None


def test_maps_ranges_match_any_range() -> None:
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
