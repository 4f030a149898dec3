"""MkDocs hook: state the build machine on the page "Where the outputs came from".

The page carries the marker `brkdoc.provenance.MARKER`; at build time it becomes a table of the
machine's C library, kernel and distribution (`brkdoc.provenance.build_machine_table`). A page
list without the marker stops the build, so the statement cannot silently disappear.

`MATRIX_MARKER` becomes the matrix of glibc builds, with how many operations of the CS:APP
traces each version's model matched on its real build (`brkdoc.native.matrix`, measured at
build time and cached on its inputs). When it is not cached, `on_config` starts measuring it in
a child process (`brkdoc.native.warm`). MkDocs converts the pages in file order, so this page is
among the first; its table goes in only at `on_page_context`, which MkDocs runs once every page
has been converted: the child measures while the whole site is converted on the other core.
The table is converted with the site's own Markdown extensions, as it would be in the page.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import markdown as python_markdown  # type: ignore[import-untyped]  # ships no type information
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority
from mkdocs.utils.templates import TemplateContext

from brkdoc.errors import BrkdocError
from brkdoc.native import warm
from brkdoc.native.matrix import cached_matrix, matrix_table
from brkdoc.provenance import MARKER, build_machine_table

PAGE = "about/provenance.md"
MATRIX_MARKER = "<!-- brkdoc:glibc-matrix -->"
# What stands for the matrix from on_page_markdown to on_page_context: a paragraph of its own,
# a block like the table that takes its place.
_PENDING = "brkdoc-glibc-matrix-pending"
TRACES = Path(__file__).resolve().parent.parent / "examples" / "traces" / "csapp"


def _traces() -> list[Path]:
    return sorted(TRACES.glob("*.rep"))


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    traces = _traces()
    if traces:  # glibc_matrix reports a lack of traces
        warm.start("matrix", traces)
    return config


def glibc_matrix() -> str:
    traces = _traces()
    if not traces:
        raise PluginError(f"provenance: no CS:APP traces in {TRACES}")
    warm.wait("matrix", traces)
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
    return built.replace(MATRIX_MARKER, f"\n{_PENDING}\n")


@event_priority(100)  # before the search plugin reads the page's text
def on_page_context(
    context: TemplateContext, *, page: Any, config: MkDocsConfig, **_: Any
) -> TemplateContext:
    if page.file.src_uri != PAGE:
        return context
    pending = f"<p>{_PENDING}</p>"
    if page.content is None or pending not in page.content:
        raise PluginError(f"{PAGE}: the matrix's place {pending} is not in the page's HTML")
    table = python_markdown.markdown(
        glibc_matrix(),
        extensions=config.markdown_extensions,
        extension_configs=config.mdx_configs,
    )
    page.content = page.content.replace(pending, table)
    return context
