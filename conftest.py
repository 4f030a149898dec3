"""Collect every fenced block under docs/ as a test (see brkdoc.doccheck)."""

from __future__ import annotations

from pathlib import Path

from sybil import Sybil

from brkdoc.doccheck.sybil_parsers import DocsParser, ReasonedSkipParser, remove_page_workdir

ROOT = Path(__file__).parent

DOCS_SYBIL = Sybil(
    parsers=[DocsParser(ROOT), ReasonedSkipParser()],
    patterns=["*.md"],
    path=str(ROOT / "docs"),
    name="docs",
    teardown=remove_page_workdir,
)

pytest_collect_file = DOCS_SYBIL.pytest()
