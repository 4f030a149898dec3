"""The one rule set for comparing output shown on a page with output produced by a live run.

Rules, applied the same way to every block and to every file under `examples/`:

1. A line that is exactly `...` matches any number of lines, including none.
2. Addresses match any address: `0x` followed by 8 to 16 hex digits, and the `start-end`
   ranges of `/proc/PID/maps` lines.
3. PIDs match any PID: `[pid N]`, `/proc/N/`, `pid N`, `pid=N` and `PID N`.
4. Everything else must match exactly. Trailing white space on a line, and blank lines at the
   very end, are ignored.

Both sides are normalized with rules 2 and 3 before comparing, so the page can show real
output from the machine that built the site.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

__all__ = ["ELLIPSIS_LINE", "Mismatch", "compare", "normalize_line"]

ELLIPSIS_LINE = "..."

_MAPS_RANGE = re.compile(r"\b[0-9a-f]{8,16}-[0-9a-f]{8,16}\b")
_HEX_ADDRESS = re.compile(r"\b0x[0-9a-fA-F]{8,16}\b")
_PID_PATTERNS = (
    (re.compile(r"\[pid\s+\d+\]"), "[pid <PID>]"),
    (re.compile(r"/proc/\d+/"), "/proc/<PID>/"),
    (re.compile(r"\b(pid|PID)([ =])\d+\b"), r"\1\2<PID>"),
)


def normalize_line(line: str) -> str:
    """Replace addresses and PIDs in one line by placeholders, and drop trailing spaces.

    >>> normalize_line("brk(0x55d0c0a21000) = 0x55d0c0a42000")
    'brk(<ADDR>) = <ADDR>'
    >>> normalize_line("mmap(NULL, 266240, PROT_READ|PROT_WRITE, ...) = 0x7f3a2c1e5000  ")
    'mmap(NULL, 266240, PROT_READ|PROT_WRITE, ...) = <ADDR>'
    """
    line = _MAPS_RANGE.sub("<ADDR>-<ADDR>", line)
    line = _HEX_ADDRESS.sub("<ADDR>", line)
    for pattern, replacement in _PID_PATTERNS:
        line = pattern.sub(replacement, line)
    return line.rstrip()


def _lines(text: str) -> list[str]:
    lines = [line.rstrip() for line in text.splitlines()]
    while lines and not lines[-1]:
        lines.pop()
    return lines


@dataclass(frozen=True)
class Mismatch:
    """Why shown output and real output differ, as a readable expected-versus-got diff."""

    expected: str
    got: str

    def __str__(self) -> str:
        diff = difflib.unified_diff(
            _lines(self.expected),
            _lines(self.got),
            fromfile="expected (shown on the page)",
            tofile="got (this machine, now)",
            lineterm="",
        )
        return "output differs (addresses and PIDs match by pattern):\n" + "\n".join(diff)


def _matches(expected: list[str], got: list[str]) -> bool:
    """Match line lists where an `...` line in `expected` stands for any run of lines."""
    # reachable[j]: expected[:i] can match got[:j]. Dynamic programming keeps this linear in
    # the product of the sizes, with no regex backtracking on long outputs.
    reachable = [True] + [False] * len(got)
    for line in expected:
        if line == ELLIPSIS_LINE:
            seen = False
            for j in range(len(got) + 1):
                seen = seen or reachable[j]
                reachable[j] = seen
        else:
            reachable = [False] + [reachable[j] and got[j] == line for j in range(len(got))]
    return reachable[len(got)]


def compare(expected: str, got: str) -> Mismatch | None:
    """Return None when `got` matches `expected` under the rules, else a Mismatch."""
    want = [normalize_line(line) for line in _lines(expected)]
    have = [normalize_line(line) for line in _lines(got)]
    if _matches(want, have):
        return None
    return Mismatch(expected, got)
