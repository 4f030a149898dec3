"""The live demonstrations of glibc's malloc policy, by name.

Each demo module has `NAME`, `CLAIM`, `measure()`, `judge(evidence)` and `run()`. The first
eight measure in a child interpreter; the last six run a small C probe (`probe.py`) in a child
process. This package maps names to modules and imports a module only when it is run.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

from brkdoc.errors import BrkdocError
from brkdoc.native.demos.result import DemoResult

__all__ = ["DEMO_NAMES", "DemoResult", "claim_of", "demo_module", "run_demo"]

_MODULES = {
    "threshold": "threshold",
    "dynamic-threshold": "dynamic_threshold",
    "fixed-threshold": "fixed_threshold",
    "trim": "trim",
    "malloc-trim": "malloc_trim",
    "rlimit-fallback": "rlimit_fallback",
    "thread-arena": "thread_arena",
    "madvise": "madvise",
    "rss-after-free": "rss_after_free",
    "arena-max": "arena_max",
    "hugetlb": "hugetlb",
    "overcommit": "overcommit",
    "realloc-mremap": "realloc_mremap",
    "calloc-fresh": "calloc_fresh",
}
DEMO_NAMES: tuple[str, ...] = tuple(_MODULES)


def demo_module(name: str) -> ModuleType:
    """The module implementing demo `name`; BrkdocError for an unknown name."""
    if name not in _MODULES:
        known = ", ".join(DEMO_NAMES)
        raise BrkdocError(f"no demo named {name!r} (known: {known})")
    return importlib.import_module(f"{__name__}.{_MODULES[name]}")


def claim_of(name: str) -> str:
    """The one-sentence claim demo `name` checks."""
    claim: str = demo_module(name).CLAIM
    return claim


def run_demo(name: str, **options: Any) -> DemoResult:
    """Run demo `name` in a child process and return its judged result."""
    result: DemoResult = demo_module(name).run(**options)
    return result
