"""Readers for /proc/PID/maps and /proc/PID/status."""

from __future__ import annotations

import os
import sys

import pytest

from brkdoc.errors import BrkdocError
from brkdoc.native import procfs

MAPS = """\
55d0c0a00000-55d0c0a21000 rw-p 00000000 00:00 0                          [heap]
7f1200000000-7f1200021000 rw-p 00000000 00:00 0{trailing_space}
7f1200021000-7f1204000000 ---p 00000000 00:00 0
7f12a0000000-7f12a0200000 r-xp 00001000 08:01 1234                       /usr/lib/libc.so.6
7ffd00000000-7ffd00021000 rw-p 00000000 00:00 0                          [stack]
""".format(trailing_space=" ")  # the kernel ends a pathless line with a space


def test_parse_maps_reads_every_field() -> None:
    heap, anonymous, reserved, library, stack = procfs.parse_maps(MAPS.splitlines())
    assert (heap.start, heap.end, heap.size) == (0x55D0C0A00000, 0x55D0C0A21000, 0x21000)
    assert heap.perms == "rw-p"
    assert library.offset == 0x1000
    assert library.device == "08:01"
    assert library.inode == 1234
    assert library.path == "/usr/lib/libc.so.6"
    assert anonymous.path == ""
    assert reserved.perms == "---p"
    assert stack.path == "[stack]"


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        (0x55D0C0A00000, "heap"),
        (0x55D0C0A20FFF, "heap"),
        (0x55D0C0A21000, "unmapped"),
        (0x7F1200000010, "anonymous"),
        (0x7F1203FFFFFF, "anonymous"),
        (0x7F12A0000100, "other"),
        (0x7FFD00000000, "other"),
        (0x1000, "unmapped"),
    ],
)
def test_classify(address: int, kind: str) -> None:
    assert procfs.classify(address, procfs.parse_maps(MAPS.splitlines())) == kind


def test_named_anonymous_memory_counts_as_anonymous() -> None:
    line = "7f1200000000-7f1200021000 rw-p 00000000 00:00 0   [anon: glibc: malloc]"
    assert procfs.parse_maps([line])[0].kind == "anonymous"


def test_malformed_maps_line_names_its_number() -> None:
    with pytest.raises(BrkdocError, match="maps line 2"):
        procfs.parse_maps(["55d0c0a00000-55d0c0a21000 rw-p 00000000 00:00 0", "garbage"])


def test_read_maps_of_this_process_has_a_heap_and_the_interpreter() -> None:
    mappings = procfs.read_maps()
    assert any(mapping.kind == "heap" for mapping in mappings)
    assert any(os.path.realpath(sys.executable) == mapping.path for mapping in mappings)


def test_read_maps_of_a_missing_process_is_one_line() -> None:
    with pytest.raises(BrkdocError, match=r"cannot read /proc/\d+/maps"):
        procfs.read_maps(2**22 + 1)


def test_parse_status() -> None:
    text = "Name:\tpython3\nVmData:\t  123 kB\nVmRSS:\t  456 kB\nThreads:\t1\n"
    assert procfs.parse_status(text)["VmRSS"] == "456 kB"
    assert procfs.parse_status(text)["Threads"] == "1"


def test_vm_rss_and_vm_data_are_positive_byte_counts() -> None:
    assert procfs.vm_rss() > 0
    assert procfs.vm_rss() % 1024 == 0
    assert procfs.vm_data(os.getpid()) > 0


def test_status_reader_reads_a_field_without_reading_it_whole() -> None:
    reader = procfs.StatusReader()
    assert reader.rss() > 0
    assert reader.read("VmData") % 1024 == 0
    with pytest.raises(BrkdocError, match="no VmNothing field"):
        reader.read("VmNothing")
