"""Every fenced block in docs/ is collected by Sybil: count fences independently, compare.

The count here deliberately does not use brkdoc.doccheck.fences, so a lexer bug that drops a
fence (as Sybil's stock lexer drops fences with attributes) shows up as a failure.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import DOCS_SYBIL, ROOT
from sybil import Sybil

from brkdoc.doccheck.sybil_parsers import region_fence_lines

PAGES = sorted((ROOT / "docs").rglob("*.md"))
# A fence line: block-quote markers, or a list marker, then three or more backticks or tildes.
_FENCE = re.compile(r"^(?P<container>(?:\s*>)*\s*(?:(?:[-*+]|\d+[.)])\s+)?)(?P<marker>`{3,}|~{3,})")


def opening_fence_lines(text: str) -> set[int]:
    """Line numbers of opening fences, by a plain open/close toggle on fence lines."""
    lines: set[int] = set()
    open_marker: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        match = _FENCE.match(line)
        if match is None:
            continue
        marker = match["marker"]
        if open_marker is None:
            open_marker = marker
            lines.add(number)
        elif (
            marker[0] == open_marker[0]
            and len(marker) >= len(open_marker)
            and not line[match.end() :].strip()
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


QUOTED_AND_LISTED = (
    "> ```python\n> x = 1\n> ```\n\n"  # a block quote
    "> > ~~~console\n> > $ true\n> > ~~~\n\n"  # a quote in a quote, tildes
    "1. ```console\n   $ true\n   ```\n"  # a numbered item's first line
    "2. Then:\n\n    ```pycon\n    >>> 1\n    1\n    ```\n"  # under a numbered item
    "- ``` { .console .no-copy }\n  $ true\n  ```\n"  # a bullet's first line
)


def test_counter_sees_fences_in_block_quotes_and_list_items() -> None:
    assert opening_fence_lines(QUOTED_AND_LISTED) == {1, 5, 9, 14, 18}


def test_the_harness_collects_what_the_counter_sees(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(QUOTED_AND_LISTED, encoding="utf-8")
    sybil = Sybil(parsers=DOCS_SYBIL.parsers, patterns=["*.md"], path=str(tmp_path))
    collected = region_fence_lines(region for _, region in sybil.parse(page).regions)
    assert collected == opening_fence_lines(QUOTED_AND_LISTED)
