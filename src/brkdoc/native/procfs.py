"""Readers for /proc/PID/maps and /proc/PID/status (proc(5)).

`classify` answers the question every demo asks: does this address lie in the brk heap
(`[heap]`), in an anonymous mapping (where mmapped chunks, arena heaps and the mmap fallback
live), or somewhere else?

`StatusReader` reads VmRSS/VmData into a buffer it allocated up front. A demo that measures the
heap must not allocate a large block while measuring, because that block would come from the
heap being measured; reading the whole status file into a new string would do exactly that.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from brkdoc.errors import BrkdocError

__all__ = [
    "AddressKind",
    "Mapping",
    "StatusReader",
    "classify",
    "find_mapping",
    "parse_maps",
    "parse_status",
    "read_maps",
    "read_status",
    "vm_data",
    "vm_rss",
]

AddressKind = Literal["heap", "anonymous", "other", "unmapped"]


@dataclass(frozen=True)
class Mapping:
    """One line of /proc/PID/maps: the range [start, end) and what backs it."""

    start: int
    end: int
    perms: str
    offset: int
    device: str
    inode: int
    path: str

    @property
    def size(self) -> int:
        return self.end - self.start

    @property
    def kind(self) -> AddressKind:
        if self.path == "[heap]":
            return "heap"
        # Anonymous memory has no path; glibc 2.39+ may name it "[anon: glibc: malloc]".
        if self.path == "" or self.path.startswith("[anon:"):
            return "anonymous"
        return "other"

    def __contains__(self, address: object) -> bool:
        return isinstance(address, int) and self.start <= address < self.end


def _proc_path(pid: int | None, name: str) -> str:
    return f"/proc/{'self' if pid is None else pid}/{name}"


def parse_maps(lines: Iterable[str]) -> list[Mapping]:
    """Parse the text of a maps file. Malformed lines raise BrkdocError naming the line."""
    mappings = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        fields = line.split(maxsplit=5)
        try:
            start, end = (int(part, 16) for part in fields[0].split("-"))
            mapping = Mapping(
                start=start,
                end=end,
                perms=fields[1],
                offset=int(fields[2], 16),
                device=fields[3],
                inode=int(fields[4]),
                path=fields[5].strip() if len(fields) > 5 else "",
            )
        except (IndexError, ValueError):
            raise BrkdocError(f"maps line {number} is not in proc(5) format: {line!r}") from None
        mappings.append(mapping)
    return mappings


def read_maps(pid: int | None = None) -> list[Mapping]:
    """The mappings of process `pid` (this process when None)."""
    path = _proc_path(pid, "maps")
    try:
        with open(path, encoding="utf-8", errors="replace") as maps:
            return parse_maps(maps.read().splitlines())
    except OSError as error:
        raise BrkdocError(f"cannot read {path}: {error.strerror}") from None


def find_mapping(address: int, mappings: Iterable[Mapping]) -> Mapping | None:
    """The mapping that contains `address`, if any."""
    return next((mapping for mapping in mappings if address in mapping), None)


def classify(address: int, mappings: Iterable[Mapping] | None = None) -> AddressKind:
    """Where `address` lives: "heap", "anonymous", "other" or "unmapped".

    Without `mappings`, this process's maps are read now.
    """
    mapping = find_mapping(address, read_maps() if mappings is None else mappings)
    return "unmapped" if mapping is None else mapping.kind


def parse_status(text: str) -> dict[str, str]:
    """The `Name:\\tvalue` lines of a status file as a dict (values stripped)."""
    fields = {}
    for line in text.splitlines():
        name, colon, value = line.partition(":")
        if colon:
            fields[name] = value.strip()
    return fields


def read_status(pid: int | None = None) -> dict[str, str]:
    """All fields of /proc/PID/status."""
    path = _proc_path(pid, "status")
    try:
        with open(path, encoding="utf-8", errors="replace") as status:
            return parse_status(status.read())
    except OSError as error:
        raise BrkdocError(f"cannot read {path}: {error.strerror}") from None


def _kilobytes_to_bytes(value: str, field: str) -> int:
    number, _, unit = value.partition(" ")
    if unit.strip() != "kB" or not number.isdigit():
        raise BrkdocError(f"unexpected {field} value in status: {value!r}")
    return int(number) * 1024


def vm_rss(pid: int | None = None) -> int:
    """Resident set size in bytes (VmRSS)."""
    return _kilobytes_to_bytes(read_status(pid)["VmRSS"], "VmRSS")


def vm_data(pid: int | None = None) -> int:
    """Size of the data segment plus private writable mappings in bytes (VmData)."""
    return _kilobytes_to_bytes(read_status(pid)["VmData"], "VmData")


class StatusReader:
    """Reads one kB field of /proc/PID/status without allocating from the C heap.

    The buffer is allocated once, here; each `read` fills it with `os.readv` and only slices out
    the few bytes of the wanted number.
    """

    def __init__(self, pid: int | None = None, buffer_size: int = 1 << 16) -> None:
        self._path = _proc_path(pid, "status")
        self._buffer = bytearray(buffer_size)

    def read(self, field: str) -> int:
        """The field's value in bytes, e.g. `read("VmRSS")`."""
        try:
            fd = os.open(self._path, os.O_RDONLY)
        except OSError as error:
            raise BrkdocError(f"cannot read {self._path}: {error.strerror}") from None
        try:
            length = os.readv(fd, [self._buffer])
        finally:
            os.close(fd)
        key = b"\n" + field.encode() + b":"
        start = self._buffer.find(key, 0, length)
        if start < 0:
            raise BrkdocError(f"{self._path} has no {field} field")
        end = self._buffer.find(b"\n", start + 1, length)
        value = bytes(self._buffer[start + len(key) : end]).decode().strip()
        return _kilobytes_to_bytes(value, field)

    def rss(self) -> int:
        """VmRSS in bytes."""
        return self.read("VmRSS")
