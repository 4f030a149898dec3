"""Collect every fenced block under docs/, and every docstring example under src/brkdoc, as a
test (see brkdoc.doccheck)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sybil import Sybil

from brkdoc.doccheck.docstrings import DocstringDocument, DocstringParser
from brkdoc.doccheck.sybil_parsers import DocsParser, ReasonedSkipParser, remove_page_workdir

ROOT = Path(__file__).parent

DOCS_SYBIL = Sybil(
    parsers=[DocsParser(ROOT), ReasonedSkipParser()],
    patterns=["*.md"],
    path=str(ROOT / "docs"),
    name="docs",
    teardown=remove_page_workdir,
)

# `__main__.py` is left out: importing it (for its globals) would run the CLI.
DOCSTRINGS_SYBIL = Sybil(
    parsers=[DocstringParser(ROOT)],
    patterns=["*.py"],
    excludes=["__main__.py"],
    path=str(ROOT / "src" / "brkdoc"),
    document_types={".py": DocstringDocument},
    name="docstrings",
    teardown=remove_page_workdir,
)

pytest_collect_file = (DOCS_SYBIL + DOCSTRINGS_SYBIL).pytest()


# Under pytest-xdist (`make test` runs pytest with `-n auto`), tests that share state run on one
# worker, in collection order:
# - each docs page: its blocks share one scratch folder and run in page order (a later block
#   may run what an earlier one compiled);
# - each module's docstring examples: a docstring's examples build on each other, in order;
# - the browser suite: one strict site build, one server and one Chromium per session;
# - the standalone-snippet check: one bare virtualenv per module.
# Everything else (unit tests, demos in child processes, oracle runs) spreads over the workers.
# The groups follow from the node id alone, so a scheduler applies them. (xdist's own
# `xdist_group` marks do not group anything under pytest 9.2: xdist rewrites `item._nodeid`,
# which pytest 9.2 no longer reads.)
_GROUPED_MODULES = ("tests/test_snippets_standalone.py",)


def xdist_scope(nodeid: str) -> str:
    """The unit of work a test belongs to: tests with the same scope run on one worker, in order."""
    path = nodeid.split("::", 1)[0]
    if path.startswith(("docs/", "src/")) or path in _GROUPED_MODULES:
        return path
    if path.startswith("tests/browser/"):
        return "tests/browser/"
    return nodeid


# The xdist hooks are optional, so that `pytest -p no:xdist` runs without the plugin.
@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object:
    from xdist.scheduler import LoadScopeScheduling  # noqa: PLC0415  (only under xdist)

    class SharedStateScheduling(LoadScopeScheduling):  # type: ignore[misc]  # xdist is untyped
        def _split_scope(self, nodeid: str) -> str:
            return xdist_scope(nodeid)

    return SharedStateScheduling(config, log)


# Reports that workers hand over (tests/browser/conftest.py's summary), printed by the controller.
_WORKER_SUMMARIES = pytest.StashKey[list[tuple[str, list[str]]]]()


def pytest_configure(config: pytest.Config) -> None:
    config.stash[_WORKER_SUMMARIES] = []


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    summary = getattr(node, "workeroutput", {}).get("brkdoc_summary", [])
    node.config.stash[_WORKER_SUMMARIES].extend(summary)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for title, lines in terminalreporter.config.stash.get(_WORKER_SUMMARIES, []):
        terminalreporter.section(title)
        for line in lines:
            terminalreporter.write_line(line)
