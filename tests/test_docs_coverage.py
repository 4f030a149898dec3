"""Every fenced block in docs/ is collected by Sybil: count fences independently, compare.

The count here deliberately does not use brkdoc.doccheck.fences, so a lexer bug that drops a
fence (as Sybil's stock lexer drops fences with attributes) shows up as a failure.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import DOCS_SYBIL, ROOT

from brkdoc.doccheck.sybil_parsers import region_fence_lines

PAGES = sorted((ROOT / "docs").rglob("*.md"))
_FENCE = re.compile(r"^\s*(`{3,}|~{3,})")


def opening_fence_lines(text: str) -> set[int]:
    """Line numbers of opening fences, by a plain open/close toggle on fence lines."""
    lines: set[int] = set()
    open_marker: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        match = _FENCE.match(line)
        if match is None:
            continue
        marker = match.group(1)
        if open_marker is None:
            open_marker = marker
            lines.add(number)
        elif (
            marker[0] == open_marker[0]
            and len(marker) >= len(open_marker)
            and not line.strip().strip(marker[0])
        ):
            open_marker = None
    return lines


def test_there_are_pages() -> None:
    assert len(PAGES) >= 10


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_fence_is_collected(page: Path) -> None:
    document = DOCS_SYBIL.parse(page)
    collected = region_fence_lines(region for _, region in document.regions)
    missing = opening_fence_lines(page.read_text(encoding="utf-8")) - collected
    assert not missing, f"{page.relative_to(ROOT)}: fences not collected at lines {sorted(missing)}"


def test_counter_sees_titled_and_indented_fences() -> None:
    text = '```c title="a.c"\nint x;\n```\n\n!!! note\n    ```console\n    $ true\n    ```\n'
    assert opening_fence_lines(text) == {1, 6}
