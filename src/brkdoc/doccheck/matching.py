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


_ALIGN_LIMIT = 4_000_000  # cells; beyond this a plain unified diff is shown instead


@dataclass(frozen=True)
class Mismatch:
    """Why shown output and real output differ, as a readable expected-versus-got diff.

    Lines that match under the rules are shown once, as context; lines an `...` absorbed are
    folded into one `... (N lines)` line; only real differences carry `-` and `+`.
    """

    expected: str
    got: str

    def __str__(self) -> str:
        want, have = _lines(self.expected), _lines(self.got)
        if (len(want) + 1) * (len(have) + 1) > _ALIGN_LIMIT:
            body = list(difflib.unified_diff(want, have, lineterm=""))
        else:
            body = _aligned_diff(want, have)
        header = [
            "output differs (addresses and PIDs match by pattern; '-' is shown on the page, "
            "'+' is what this machine printed):"
        ]
        return "\n".join(header + body)


def _edit_costs(want: list[str], have: list[str]) -> list[list[int]]:
    """cost[i][j]: the fewest changes that align want[i:] with have[j:], where an `...` line
    absorbs any run of lines for free (both lists already normalized)."""
    rows, cols = len(want), len(have)
    cost = [[0] * (cols + 1) for _ in range(rows + 1)]
    for j in range(cols - 1, -1, -1):
        cost[rows][j] = cost[rows][j + 1] + 1
    for i in range(rows - 1, -1, -1):
        ellipsis = want[i] == ELLIPSIS_LINE
        cost[i][cols] = cost[i + 1][cols] + (0 if ellipsis else 1)
        for j in range(cols - 1, -1, -1):
            if ellipsis:
                cost[i][j] = min(cost[i + 1][j], cost[i][j + 1])
            else:
                # A changed line (one `-` and one `+`) costs as much as a missing or extra one,
                # so a change right after `...` shows as a change instead of being absorbed.
                same = want[i] == have[j]
                step = cost[i + 1][j + 1] + (0 if same else 1)
                cost[i][j] = min(step, cost[i + 1][j] + 1, cost[i][j + 1] + 1)
    return cost


def _aligned_diff(want: list[str], have: list[str]) -> list[str]:
    """Walk one cheapest alignment and print it: context, folded `...`, `-` and `+` lines."""
    norm_want = [normalize_line(line) for line in want]
    norm_have = [normalize_line(line) for line in have]
    cost = _edit_costs(norm_want, norm_have)
    rows, cols = len(want), len(have)
    out: list[str] = []
    i = j = absorbed = 0
    while i < rows or j < cols:
        if i < rows and norm_want[i] == ELLIPSIS_LINE:
            # End the `...` as early as an optimal alignment allows, so that the lines after
            # it show up as context rather than being swallowed.
            if cost[i][j] == cost[i + 1][j]:
                out.append(f"  ... ({absorbed} lines)")
                absorbed = 0
                i += 1
            else:
                absorbed += 1
                j += 1
        elif (
            i < rows
            and j < cols
            and norm_want[i] == norm_have[j]
            and cost[i][j] == cost[i + 1][j + 1]
        ):
            out.append(f"  {have[j]}")
            i += 1
            j += 1
        elif i < rows and j < cols and cost[i][j] == cost[i + 1][j + 1] + 1:
            out.append(f"- {want[i]}")
            out.append(f"+ {have[j]}")
            i += 1
            j += 1
        elif i < rows and cost[i][j] == cost[i + 1][j] + 1:
            out.append(f"- {want[i]}")
            i += 1
        else:
            out.append(f"+ {have[j]}")
            j += 1
    return out


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
