"""MkDocs hook: state the build machine on the page "Where the outputs came from".

The page carries the marker `brkdoc.provenance.MARKER`; at build time it becomes a table of the
machine's C library, kernel and distribution (`brkdoc.provenance.build_machine_table`). A page
list without the marker stops the build, so the statement cannot silently disappear.
"""

from __future__ import annotations

from typing import Any

from mkdocs.exceptions import PluginError

from brkdoc.provenance import MARKER, build_machine_table

PAGE = "about/provenance.md"


def on_page_markdown(markdown: str, *, page: Any, **_: Any) -> str:
    if page.file.src_uri != PAGE:
        return markdown
    if MARKER not in markdown:
        raise PluginError(f"{PAGE} lost its build-machine marker {MARKER}")
    return markdown.replace(MARKER, build_machine_table())
