"""The root conftest's grouping for pytest-xdist: shared state stays on one worker."""

from __future__ import annotations

from conftest import xdist_scope


def test_blocks_of_one_page_share_a_worker_and_pages_do_not() -> None:
    first = xdist_scope("docs/kernel/brk.md::sybil:docs,line:9,column:1")
    assert first == xdist_scope("docs/kernel/brk.md::sybil:docs,line:150,column:1")
    assert first != xdist_scope("docs/kernel/mmap.md::sybil:docs,line:9,column:1")


def test_docstring_examples_of_one_module_share_a_worker() -> None:
    view = xdist_scope("src/brkdoc/sim/view.py::sybil:docstrings,line:5,column:1")
    assert view == xdist_scope("src/brkdoc/sim/view.py::sybil:docstrings,line:120,column:1")
    assert view != xdist_scope("src/brkdoc/sim/heap.py::sybil:docstrings,line:30,column:1")


def test_the_browser_suite_is_one_unit() -> None:
    pages = xdist_scope("tests/browser/test_pages.py::test_no_console_errors[index.md]")
    assert pages == xdist_scope("tests/browser/test_site.py::test_search_finds_mmap_threshold")


def test_other_tests_spread_one_by_one() -> None:
    one = xdist_scope("tests/sim/test_heap.py::test_a")
    assert one == "tests/sim/test_heap.py::test_a"
    assert one != xdist_scope("tests/sim/test_heap.py::test_b")
    module = "tests/test_snippets_standalone.py"
    assert xdist_scope(f"{module}::test_block_runs[x]") == xdist_scope(f"{module}::test_y")
