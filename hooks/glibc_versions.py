"""MkDocs hook: the table on the "glibc versions" page, measured at build time on each build.

The page carries `MARKER`; the build replaces it with `brkdoc.native.glibc_facts.facts_table`
of the probe's results on every checked glibc (fetched by `make glibcs`). The results are cached
on their inputs (`facts_key`), so the edit loop re-runs nothing until the probe, the lock or the
machine changes. When they are not cached, `on_config` starts measuring them in a child process
(`brkdoc.native.warm`), so the pages before this one are rendered meanwhile. A page without the
marker, or a build that is not fetched, stops the build.
"""

from __future__ import annotations

from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError

from brkdoc.errors import BrkdocError
from brkdoc.native import warm
from brkdoc.native.glibc_facts import cached_facts, facts_table

PAGE = "glibc-versions.md"
MARKER = "<!-- brkdoc:glibc-versions-table -->"


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    warm.start("facts")
    return config


def on_page_markdown(markdown: str, *, page: Any, **_: Any) -> str:
    if page.file.src_uri != PAGE:
        return markdown
    if MARKER not in markdown:
        raise PluginError(f"{PAGE} lost its table marker {MARKER}")
    warm.wait("facts")
    try:
        table = facts_table(cached_facts())
    except BrkdocError as error:
        raise PluginError(f"glibc_versions: {error}") from None
    return markdown.replace(MARKER, table)
