"""The recorder's logs become traces: ids follow blocks, and what a trace cannot say is counted."""

from __future__ import annotations

import pytest

from brkdoc.native.record_log import LogError, TraceStats, convert_calls, parse_log

HEADER = (
    "brkdoc-record 1\npid 1f4\nppid 1f3\norigin fork\nexe /usr/bin/bash\nargv 62617368 2d63 6c73 \n"
)


def test_parse_log_reads_the_header() -> None:
    log = parse_log((HEADER + "m 1 10 20\nf 1 10\n").encode(), "500.0")
    assert (log.pid, log.ppid, log.origin, log.exe) == (500, 499, "fork", "/usr/bin/bash")
    assert log.argv == ["bash", "-c", "ls"]
    assert log.calls == ["m 1 10 20", "f 1 10"]
    assert not log.torn_tail


def test_a_last_line_cut_short_is_dropped_and_reported() -> None:
    log = parse_log((HEADER + "m 1 10 20\nm 1 4").encode(), "500.0")
    assert log.calls == ["m 1 10 20"]
    assert log.torn_tail
    stats = TraceStats(torn_tail=log.torn_tail)
    convert_calls(log.calls, stats)
    assert "the process was killed while logging a call; that call is dropped" in stats.notes()


def test_something_else_is_not_a_log() -> None:
    with pytest.raises(LogError, match=r"500\.0: not a brkdoc record log"):
        parse_log(b"= Start\n@ ./prog:[0x117b] + 0x55c29cbf14a0 0x64\n", "500.0")
    with pytest.raises(LogError, match="lacks argv, exe"):
        parse_log(b"brkdoc-record 1\npid 1\nppid 1\norigin exec\n", "1.0")


def test_calls_become_operations_on_ids() -> None:
    calls = [
        "m 1 a0 64",  # malloc(100)
        "c 1 200 1 c8",  # calloc(1, 200)
        "r 1 a0 300 1388",  # realloc to 5000, moved
        "f 1 200",
        "A 1 400 40 40",  # posix_memalign(64, 64)
        "r 1 300 0 ffffffffff",  # failed realloc: the block stays
        "r 1 0 500 10",  # realloc(NULL, 16) is a malloc
        "r 1 500 0 0",  # realloc(p, 0) frees p
        "f 1 300",
        "f 1 999",  # allocated before recording
        "r 1 998 600 20",  # likewise, so it becomes an allocation
        "m 1 0 ffffffffffff",  # failed malloc
        "o 1 fffffffd 10000",
        "t 1 0",
        "f 1 400",
        "f 1 600",
    ]
    stats = TraceStats()
    ops = convert_calls(calls, stats)
    assert ops == [
        "a 0 100",
        "c 1 200",
        "r 0 5000",
        "f 1",
        "a 2 64",
        "a 3 16",
        "f 3",
        "f 0",
        "a 4 32",
        "f 2",
        "f 4",
    ]
    assert (stats.ops, stats.ids, stats.threads) == (11, 5, 1)
    assert (stats.calloc_calls, stats.memalign_calls) == (1, 1)
    assert (stats.mallopt_calls, stats.trim_calls) == (1, 1)
    assert (stats.failed_calls, stats.unmatched_frees, stats.unmatched_reallocs) == (2, 1, 1)


def test_calloc_becomes_a_calloc_of_the_product() -> None:
    stats = TraceStats()
    # calloc(3, 8), calloc(0, 16) and calloc(2**31, 2**31): each a calloc(1, COUNT*SIZE).
    calls = ["c 1 10 3 8", "c 1 20 0 10", "c 1 30 80000000 80000000", "f 1 10"]
    assert convert_calls(calls, stats) == ["c 0 24", "c 1 0", f"c 2 {2**62}", "f 0"]
    assert stats.calloc_calls == 3
    assert stats.notes() == []  # the trace says everything these calls did


def test_a_calloc_whose_product_overflows_is_a_failed_call() -> None:
    # glibc's calloc returns NULL (ENOMEM) when COUNT*SIZE does not fit in a size_t; the preload
    # logs that NULL, and the call is dropped like any failed allocation.
    stats = TraceStats()
    assert convert_calls(["c 1 0 2 8000000000000000", "m 1 10 8"], stats) == ["a 0 8"]
    assert (stats.failed_calls, stats.calloc_calls) == (1, 0)
    assert stats.notes() == ["1 failed allocation(s), dropped"]


def test_a_calloc_that_returned_a_block_for_an_overflowing_product_is_malformed() -> None:
    with pytest.raises(LogError, match=r"500\.0: call 2 is malformed: 'c 1 10 2 8000000000000000'"):
        convert_calls(["m 1 20 8", "c 1 10 2 8000000000000000"], TraceStats(), "500.0")


def test_threads_are_counted_and_the_replay_caveat_is_said() -> None:
    stats = TraceStats()
    convert_calls(["m 1 10 8", "m 2 20 8", "f 3 10", "f 2 20"], stats)
    assert stats.threads == 3
    assert stats.notes() == [
        "3 threads allocated; a replay puts all their blocks in the main arena"
        " (other arenas are not modelled)"
    ]


@pytest.mark.parametrize("line", ["m 1 10", "f", "x 1 2", "m 1 zz 8", "r 1 2 3", "   "])
def test_a_malformed_call_names_its_number(line: str) -> None:
    with pytest.raises(LogError, match=r"500\.0: call 2 is malformed"):
        convert_calls(["m 1 10 8", line], TraceStats(), "500.0")


def test_an_incomplete_log_is_said_once() -> None:
    stats = TraceStats(torn_tail=True, incomplete=True)
    assert stats.notes() == [
        "the recorder could not write this log to its end (disk full, or a file size limit):"
        " the trace stops early"
    ]
