"""MkDocs hook: state the build machine on the page "Where the outputs came from".

The page carries the marker `brkdoc.provenance.MARKER`; at build time it becomes a table of the
machine's C library, kernel and distribution (`brkdoc.provenance.build_machine_table`). A page
list without the marker stops the build, so the statement cannot silently disappear.

`MATRIX_MARKER` becomes the matrix of glibc builds, with how many operations of the CS:APP
traces each version's model matched on its real build (`brkdoc.native.matrix`, measured at
build time and cached on its inputs).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mkdocs.exceptions import PluginError

from brkdoc.errors import BrkdocError
from brkdoc.native.matrix import cached_matrix, matrix_table
from brkdoc.provenance import MARKER, build_machine_table

PAGE = "about/provenance.md"
MATRIX_MARKER = "<!-- brkdoc:glibc-matrix -->"
TRACES = Path(__file__).resolve().parent.parent / "examples" / "traces" / "csapp"


def glibc_matrix() -> str:
    traces = sorted(TRACES.glob("*.rep"))
    if not traces:
        raise PluginError(f"provenance: no CS:APP traces in {TRACES}")
    try:
        return matrix_table(cached_matrix(traces))
    except BrkdocError as error:
        raise PluginError(f"provenance: {error}") from None


def on_page_markdown(markdown: str, *, page: Any, **_: Any) -> str:
    if page.file.src_uri != PAGE:
        return markdown
    for marker in (MARKER, MATRIX_MARKER):
        if marker not in markdown:
            raise PluginError(f"{PAGE} lost its marker {marker}")
    built = markdown.replace(MARKER, build_machine_table())
    return built.replace(MATRIX_MARKER, glibc_matrix())
