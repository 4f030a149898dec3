"""The live demonstrations of glibc's malloc policy, by name.

Each demo module has `NAME`, `CLAIM`, `measure()`, `judge(evidence)` and `run()`. The first
eight measure in a child interpreter; the last six run a small C probe (`probe.py`) in a child
process. This package maps names to modules and imports a module only when it is run.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import TYPE_CHECKING, Any

from brkdoc.errors import BrkdocError

if TYPE_CHECKING:
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


def run_demo(name: str, *, glibc: str | None = None, **options: Any) -> DemoResult:
    """Run demo `name` in a child process and return its judged result.

    `glibc` names a checked glibc build to run the child on (None: the system's own); when
    this interpreter cannot start on it, `InterpreterUnavailable` says so.
    """
    from brkdoc.native.demos.result import on_glibc  # noqa: PLC0415 (the CLI lists names without it)

    module = demo_module(name)
    with on_glibc(glibc):
        result: DemoResult = module.run(**options)
    return result


def __getattr__(name: str) -> Any:
    # `DemoResult` loads with the machinery it belongs to, so that `brkdoc --help`, which needs
    # only DEMO_NAMES, does not import the child-process code.
    if name == "DemoResult":
        from brkdoc.native.demos.result import DemoResult  # noqa: PLC0415

        return DemoResult
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
