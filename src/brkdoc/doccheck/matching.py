"""The one rule set for comparing output shown on a page with output produced by a live run.

Rules, applied the same way to every block and to every file under `examples/`:

1. A line that is exactly `...` matches any number of lines, including none.
2. Addresses (`0x` followed by 8 to 16 hex digits, and both ends of the `start-end` ranges of
   `/proc/PID/maps` lines) and PIDs (`[pid N]`, `/proc/N/`, `pid N`, `pid=N`, `PID N`) are
   bound, as `brkdoc.doccheck.binding` describes: within one compared output, a shown address or
   PID stands for one real value, different ones for different values, and the distances between
   shown addresses of one region (addresses within 1 GiB of each other) must be the real ones.
   Only each region's base is free.
3. Everything else must match exactly. Trailing white space on a line, and blank lines at the
   very end, are ignored.

One compared output is the stdout of one python or C block, of one `$ ` command of a console
block, of one `>>>` example, or one `examples/*.out` file.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from brkdoc.doccheck.binding import Bindings, Conflict, Line, parse_line

__all__ = ["ELLIPSIS_LINE", "SEARCH_LIMIT", "Mismatch", "compare", "normalize_line"]

ELLIPSIS_LINE = "..."
# Alignments tried before giving up; only pages with many `...` over repetitive output get near.
SEARCH_LIMIT = 200_000


def normalize_line(line: str) -> str:
    """Replace addresses and PIDs in one line by placeholders, and drop trailing spaces.

    >>> normalize_line("brk(0x55d0c0a21000) = 0x55d0c0a42000")
    'brk(<ADDR>) = <ADDR>'
    >>> normalize_line("mmap(NULL, 266240, PROT_READ|PROT_WRITE, ...) = 0x7f3a2c1e5000  ")
    'mmap(NULL, 266240, PROT_READ|PROT_WRITE, ...) = <ADDR>'
    """
    return parse_line(line).template


def _lines(text: str) -> list[Line]:
    lines = [parse_line(line) for line in text.splitlines()]
    while lines and not lines[-1].text:
        lines.pop()
    return lines


_ALIGN_LIMIT = 4_000_000  # cells; beyond this a plain unified diff is shown instead

_HEADER = (
    "output differs ('-' is shown on the page, '+' is what this machine printed; addresses "
    "and PIDs are bound, and addresses keep the page's distances, see docs/about/testing.md):"
)


@dataclass(frozen=True)
class Mismatch:
    """Why shown output and real output differ, as a readable expected-versus-got diff.

    Lines that match under the rules are shown once, as context; lines an `...` absorbed are
    folded into one `... (N lines)` line; only real differences carry `-` and `+`. A line whose
    text matches but whose addresses or PIDs break the binding is shown as `-` and `+` too,
    followed by a `!` line that says which distance or value differs.
    """

    expected: str
    got: str
    reason: str = ""

    def __str__(self) -> str:
        want, have = _lines(self.expected), _lines(self.got)
        if (len(want) + 1) * (len(have) + 1) > _ALIGN_LIMIT:
            texts = ([line.text for line in want], [line.text for line in have])
            body = list(difflib.unified_diff(*texts, lineterm=""))
        else:
            body = _aligned_diff(want, have)
        reason = [self.reason] if self.reason else []
        return "\n".join([_HEADER, *reason, *body])


def _is_ellipsis(line: Line) -> bool:
    return line.text == ELLIPSIS_LINE


def _edit_costs(want: list[Line], have: list[Line]) -> list[list[int]]:
    """cost[i][j]: the fewest changes that align want[i:] with have[j:], where an `...` line
    absorbs any run of lines for free (lines compared by template, tokens aside)."""
    rows, cols = len(want), len(have)
    cost = [[0] * (cols + 1) for _ in range(rows + 1)]
    for j in range(cols - 1, -1, -1):
        cost[rows][j] = cost[rows][j + 1] + 1
    for i in range(rows - 1, -1, -1):
        ellipsis = _is_ellipsis(want[i])
        cost[i][cols] = cost[i + 1][cols] + (0 if ellipsis else 1)
        for j in range(cols - 1, -1, -1):
            if ellipsis:
                cost[i][j] = min(cost[i + 1][j], cost[i][j + 1])
            else:
                # A changed line (one `-` and one `+`) costs as much as a missing or extra one,
                # so a change right after `...` shows as a change instead of being absorbed.
                same = want[i].template == have[j].template
                step = cost[i + 1][j + 1] + (0 if same else 1)
                cost[i][j] = min(step, cost[i + 1][j] + 1, cost[i][j + 1] + 1)
    return cost


def _aligned_diff(want: list[Line], have: list[Line]) -> list[str]:
    """Walk one cheapest alignment and print it: context, folded `...`, `-` and `+` lines.

    Bindings are made along the walk, the way the search in `_matches` makes them first, so a
    line that breaks them is the one the diff marks."""
    cost = _edit_costs(want, have)
    rows, cols = len(want), len(have)
    out: list[str] = []
    bindings = Bindings.for_page(want)
    i = j = absorbed = 0
    while i < rows or j < cols:
        if i < rows and _is_ellipsis(want[i]):
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
            and want[i].template == have[j].template
            and cost[i][j] == cost[i + 1][j + 1]
        ):
            bound = bindings.bind(want[i], have[j])
            if isinstance(bound, Conflict):
                out += [f"- {want[i].text}", f"+ {have[j].text}", f"  ! {bound.message}"]
            else:
                bindings = bound
                out.append(f"  {have[j].text}")
            i += 1
            j += 1
        elif i < rows and j < cols and cost[i][j] == cost[i + 1][j + 1] + 1:
            out += [f"- {want[i].text}", f"+ {have[j].text}"]
            i += 1
            j += 1
        elif i < rows and cost[i][j] == cost[i + 1][j] + 1:
            out.append(f"- {want[i].text}")
            i += 1
        else:
            out.append(f"+ {have[j].text}")
            j += 1
    return out


def _completable(want: list[Line], have: list[Line]) -> list[bytearray]:
    """done[i][j] is 1 when want[i:] can match have[j:] line by line, tokens aside."""
    rows, cols = len(want), len(have)
    done = [bytearray(cols + 1) for _ in range(rows + 1)]
    done[rows][cols] = 1
    for i in range(rows - 1, -1, -1):
        below, row = done[i + 1], done[i]
        if _is_ellipsis(want[i]):
            row[cols] = below[cols]
            for j in range(cols - 1, -1, -1):
                row[j] = below[j] or row[j + 1]
        else:
            template = want[i].template
            for j in range(cols):
                row[j] = below[j + 1] and have[j].template == template
    return done


class _SearchExhausted(Exception):
    pass


def _matches(want: list[Line], have: list[Line]) -> bool:
    """Search the alignments of `want` with `have` (an `...` absorbing any run of lines,
    shortest first) for one whose tokens bind; raise _SearchExhausted past SEARCH_LIMIT."""
    done = _completable(want, have)
    if not done[0][0]:
        return False
    rows, cols = len(want), len(have)
    stack = [(0, 0, Bindings.for_page(want))]
    seen: set[tuple[int, int, object]] = set()
    for _ in range(SEARCH_LIMIT):
        if not stack:
            return False
        i, j, bindings = stack.pop()
        if i == rows:
            return True  # done[i][j] held, so j == cols
        state = (i, j, bindings.key())
        if state in seen:
            continue
        seen.add(state)
        if _is_ellipsis(want[i]):
            ends = [k for k in range(j, cols + 1) if done[i + 1][k]]
            stack += [(i + 1, k, bindings) for k in reversed(ends)]
        else:
            bound = bindings.bind(want[i], have[j])
            if not isinstance(bound, Conflict):
                stack.append((i + 1, j + 1, bound))
    raise _SearchExhausted


def compare(expected: str, got: str) -> Mismatch | None:
    """Return None when `got` matches `expected` under the rules, else a Mismatch."""
    want, have = _lines(expected), _lines(got)
    try:
        if _matches(want, have):
            return None
    except _SearchExhausted:
        reason = (
            f"(gave up after {SEARCH_LIMIT} ways of aligning the lines: show more lines "
            "around each `...`)"
        )
        return Mismatch(expected, got, reason)
    return Mismatch(expected, got)
