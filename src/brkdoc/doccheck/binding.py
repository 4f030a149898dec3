"""Addresses and PIDs on a page stand for values, and addresses keep their distances.

A page shows the addresses one run printed; another run prints others, because the kernel
randomizes where the program, its heap, the mmap area and the stack start. What does not
change, and what pages read off their output, is how far apart the addresses of one area are:
`brk(NULL) = 0x...c000` followed by `brk(0x...d000)` says the break moved by 0x21000. So:

- Every address on the page belongs to a *region*: sort the distinct addresses the block shows,
  and start a new region wherever two neighbours are more than `REGION_GAP` (1 GiB) apart.
  Linux puts the program and its heap, the mmap area and the stack terabytes apart and
  randomizes each on its own; inside one of them a program's addresses lie within megabytes.
- Inside a region, real addresses are the shown ones shifted by one constant: the first address
  of the region met in the output fixes the shift, and every other must agree. So the
  differences between shown addresses are checked exactly, and only each region's base is free.
- Two different shown addresses must be two different real addresses, also across regions.
- One shown PID stands for one real PID throughout the block, and two shown PIDs for two.

`Bindings` holds what has been fixed so far; `bind` either extends it with one line's tokens or
names the first token that breaks the rule.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

__all__ = [
    "REGION_GAP",
    "Bindings",
    "Conflict",
    "Line",
    "Token",
    "parse_line",
    "regions_of",
]

REGION_GAP = 1 << 30

# One pass, left to right, so that both sides list their tokens in the same order. Maps ranges
# (`start-end` of /proc/PID/maps) come first: each end is an address without `0x`.
_TOKEN = re.compile(
    r"\b(?P<start>[0-9a-f]{8,16})-(?P<end>[0-9a-f]{8,16})\b"
    r"|(?P<hex>\b0x[0-9a-fA-F]{8,16}\b)"
    r"|\[pid\s+(?P<bracket_pid>\d+)\]"
    r"|/proc/(?P<proc_pid>\d+)/"
    r"|\b(?P<word>pid|PID)(?P<sep>[ =])(?P<word_pid>\d+)\b"
)

TokenKind = Literal["address", "pid"]


@dataclass(frozen=True)
class Token:
    kind: TokenKind
    value: int

    def __str__(self) -> str:
        return f"{self.value:#x}" if self.kind == "address" else f"pid {self.value}"


@dataclass(frozen=True)
class Line:
    """One output line: its text, the text with placeholders for its tokens, and the tokens."""

    text: str
    template: str
    tokens: tuple[Token, ...]


def _replace(match: re.Match[str], tokens: list[Token]) -> str:
    if match["start"] is not None:
        tokens.append(Token("address", int(match["start"], 16)))
        tokens.append(Token("address", int(match["end"], 16)))
        return "<ADDR>-<ADDR>"
    if match["hex"] is not None:
        tokens.append(Token("address", int(match["hex"], 16)))
        return "<ADDR>"
    if match["bracket_pid"] is not None:
        tokens.append(Token("pid", int(match["bracket_pid"])))
        return "[pid <PID>]"
    if match["proc_pid"] is not None:
        tokens.append(Token("pid", int(match["proc_pid"])))
        return "/proc/<PID>/"
    tokens.append(Token("pid", int(match["word_pid"])))
    return f"{match['word']}{match['sep']}<PID>"


def parse_line(text: str) -> Line:
    """Split a line into its template and its address and PID tokens (trailing spaces dropped).

    >>> line = parse_line("brk(0x55d0c0a21000) = 0x55d0c0a42000  ")
    >>> line.template
    'brk(<ADDR>) = <ADDR>'
    >>> [str(token) for token in line.tokens]
    ['0x55d0c0a21000', '0x55d0c0a42000']
    """
    text = text.rstrip()
    tokens: list[Token] = []
    template = _TOKEN.sub(lambda match: _replace(match, tokens), text)
    return Line(text, template, tuple(tokens))


def regions_of(addresses: Iterable[int]) -> dict[int, int]:
    """Map each address to the number of its region: neighbours more than REGION_GAP apart
    (after sorting) start a new region.

    >>> regions = regions_of([0x7F0000001000, 0x55D000000000, 0x55D000021000])
    >>> {hex(address): region for address, region in regions.items()}
    {'0x55d000000000': 0, '0x55d000021000': 0, '0x7f0000001000': 1}
    """
    region_of: dict[int, int] = {}
    region = -1
    previous: int | None = None
    for address in sorted(set(addresses)):
        if previous is None or address - previous > REGION_GAP:
            region += 1
        region_of[address] = region
        previous = address
    return region_of


def _offset(distance: int) -> str:
    return f"+{distance:#x}" if distance >= 0 else f"-{-distance:#x}"


@dataclass(frozen=True)
class Conflict:
    """Why one line's tokens break the binding, in one sentence."""

    message: str


@dataclass(frozen=True)
class Bindings:
    """What the block has fixed so far. Immutable: `bind` returns a new value, so a search over
    alignments can keep the bindings of each branch."""

    region_of: Mapping[int, int]
    # region -> (first shown address, the real address it stands for)
    anchors: Mapping[int, tuple[int, int]] = field(default_factory=dict)
    shown_by_real: Mapping[int, int] = field(default_factory=dict)
    real_pids: Mapping[int, int] = field(default_factory=dict)
    shown_by_real_pid: Mapping[int, int] = field(default_factory=dict)

    @classmethod
    def for_page(cls, lines: Iterable[Line]) -> Bindings:
        """Empty bindings, with the regions of every address the page's lines show."""
        addresses = (t.value for line in lines for t in line.tokens if t.kind == "address")
        return cls(MappingProxyType(regions_of(addresses)))

    def key(self) -> tuple[frozenset[tuple[int, int]], frozenset[tuple[int, int]]]:
        """A hashable summary: the shown-to-real pairs of addresses and of PIDs."""
        return (
            frozenset(self.shown_by_real.items()),
            frozenset(self.shown_by_real_pid.items()),
        )

    def bind(self, shown: Line, real: Line) -> Bindings | Conflict:
        """Bind the tokens of a shown line to those of the real line it was aligned with (the
        two templates are equal, so the tokens pair up in order)."""
        anchors = dict(self.anchors)
        shown_by_real = dict(self.shown_by_real)
        real_pids = dict(self.real_pids)
        shown_by_real_pid = dict(self.shown_by_real_pid)
        for want, have in zip(shown.tokens, real.tokens, strict=True):
            if want.kind == "pid":
                problem = _bind_pid(want.value, have.value, real_pids, shown_by_real_pid)
            else:
                region = self.region_of[want.value]
                problem = _bind_address(
                    want.value, have.value, anchors.setdefault(region, (want.value, have.value))
                )
                if problem is None:
                    problem = _bind_unique(want.value, have.value, shown_by_real, "address")
            if problem is not None:
                return Conflict(problem)
        return Bindings(
            self.region_of,
            MappingProxyType(anchors),
            MappingProxyType(shown_by_real),
            MappingProxyType(real_pids),
            MappingProxyType(shown_by_real_pid),
        )


def _bind_address(shown: int, real: int, anchor: tuple[int, int]) -> str | None:
    shown_base, real_base = anchor
    if real - real_base == shown - shown_base:
        return None
    return (
        f"page: {shown:#x} = {shown_base:#x} {_offset(shown - shown_base)}; "
        f"here: {real:#x} = {real_base:#x} {_offset(real - real_base)}"
    )


def _bind_unique(
    shown: int, real: int, shown_by_real: dict[int, int], kind: TokenKind
) -> str | None:
    earlier = shown_by_real.setdefault(real, shown)
    if earlier == shown:
        return None
    first, second, here = (Token(kind, value) for value in (earlier, shown, real))
    return f"page: {first} and {second} are two values; here both are {here}"


def _bind_pid(
    shown: int, real: int, real_pids: dict[int, int], shown_by_real_pid: dict[int, int]
) -> str | None:
    earlier = real_pids.setdefault(shown, real)
    if earlier != real:
        return f"page: pid {shown} is pid {earlier} earlier in this output; here it is pid {real}"
    return _bind_unique(shown, real, shown_by_real_pid, "pid")
