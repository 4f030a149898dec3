"""What every demo returns, and the one way a demo is run.

A demo has two halves. `measure` runs inside a fresh child interpreter and returns only numbers,
addresses and short strings: the evidence. `judge` runs in the parent and decides from that evidence
alone whether the claim holds, so `holds` is always computed from measurements, and a test can
feed `judge` altered evidence to check that it notices a false claim.
"""

from __future__ import annotations

import mmap
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Literal

# The chunk geometry (malloc/malloc.c's names), defined once; demos import it from here.
from brkdoc.glibc_constants import CHUNK_HDR_SZ, MALLOC_ALIGNMENT, MINSIZE, SIZE_SZ, request2size
from brkdoc.native.build import malloc_settings
from brkdoc.native.child import DEFAULT_TIMEOUT, run_in_child
from brkdoc.native.libc import require_glibc
from brkdoc.native.procfs import classify

__all__ = [
    "CHUNK_HDR_SZ",
    "MALLOC_ALIGNMENT",
    "MINSIZE",
    "PAGE",
    "SIZE_SZ",
    "DemoResult",
    "Evidence",
    "Where",
    "chosen_glibc",
    "conduct",
    "glibc_build",
    "measure_and_judge",
    "mmapped_chunk_size",
    "on_glibc",
    "page_down",
    "page_up",
    "request2size",
    "request_taking_top",
    "where",
]

Evidence = dict[str, Any]
Where = Literal["heap", "mmap", "other", "unmapped"]

# The page size of the machine the demo runs on (the model's PAGE_SIZE is x86-64's 4 KiB).
PAGE = mmap.PAGESIZE


@dataclass(frozen=True)
class DemoResult:
    """One demo's outcome. `as_dict()` is the `brkdoc demo NAME --json` object."""

    name: str
    claim: str
    holds: bool
    evidence: Evidence = field(default_factory=dict)
    glibc: str = ""
    build: str = ""
    # Malloc settings of the caller's environment that the child ran without (MALLOC_ARENA_MAX,
    # GLIBC_TUNABLES, ...): a demo shows glibc's defaults, whatever the reader's shell sets.
    removed_environment: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "claim": self.claim,
            "holds": self.holds,
            "evidence": dict(self.evidence),
            "glibc": self.glibc,
            "build": self.build,
            "removed_environment": list(self.removed_environment),
        }


# The glibc build the next demos' children run on (None: the system's own). A context variable
# rather than a parameter, so every demo's `run()` keeps its signature.
_GLIBC: ContextVar[str | None] = ContextVar("brkdoc_demo_glibc", default=None)


@contextmanager
def on_glibc(version: str | None) -> Iterator[None]:
    """Run the demos started inside this block on glibc build `version` (None: the system's)."""
    token = _GLIBC.set(version)
    try:
        yield
    finally:
        _GLIBC.reset(token)


def chosen_glibc() -> str | None:
    """The glibc build demos are running on now (None: the system's own). A demo that runs a C
    helper builds it with `glibcs.link_args(v)` and starts it with `glibcs.run_argv(v, ...)`."""
    return _GLIBC.get()


def glibc_build(version: str | None) -> tuple[str, str]:
    """(glibc version, Debian build) a demo's child runs on; NotGlibcError for another libc."""
    from brkdoc.native import glibcs  # noqa: PLC0415 (keeps plain demos light)

    if version is None:
        system = require_glibc()
        return system, glibcs.system_build_name()
    return version, glibcs.build_for(version).build


def conduct(
    name: str,
    claim: str,
    target: str,
    judge: Callable[[Evidence], bool],
    *,
    kwargs: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> DemoResult:
    """Measure in a child interpreter (`target`, "module:function"), judge in the parent.

    The child runs on the glibc build chosen with `on_glibc` (the system's by default), in a
    clean malloc environment (see `run_in_child`'s `clean_malloc`) plus `env`. See
    `measure_and_judge` for the rest.
    """
    chosen = chosen_glibc()

    def measure() -> Evidence:
        evidence: Evidence = run_in_child(
            target, kwargs=kwargs, env=env, timeout=timeout, glibc=chosen, clean_malloc=True
        )
        return evidence

    return measure_and_judge(name, claim, measure, judge)


def measure_and_judge(
    name: str,
    claim: str,
    measure: Callable[[], Evidence],
    judge: Callable[[Evidence], bool],
) -> DemoResult:
    """Call `measure` (which starts a child of its own: an interpreter, or the C probe), judge
    its evidence here, and name the glibc build (chosen with `on_glibc`) and the caller's malloc
    settings the child ran without. Raises NotGlibcError before measuring on another libc."""
    version, build = glibc_build(chosen_glibc())
    removed = tuple(malloc_settings())
    evidence = measure()
    return DemoResult(
        name=name,
        claim=claim,
        holds=judge(evidence),
        evidence=evidence,
        glibc=version,
        build=build,
        removed_environment=removed,
    )


def page_up(value: int) -> int:
    return (value + PAGE - 1) & ~(PAGE - 1)


def page_down(value: int) -> int:
    return value & ~(PAGE - 1)


def request_taking_top(top_size: int) -> int:
    """A request that takes nearly all of the top chunk, leaving MINSIZE + 16 bytes of it.

    `_int_malloc` splits top only `if (size >= nb + MINSIZE)`. One more alignment unit is left
    because a top of exactly MINSIZE makes `malloc_trim(0)` grow the break by a page on glibc 2.36:
    in `systrim`, `top_area` is then -1, and comparing it with the unsigned `pad` does not stop the
    function (observed with strace; our reading of the code).
    """
    return top_size - MINSIZE - MALLOC_ALIGNMENT - SIZE_SZ


def mmapped_chunk_size(request: int) -> int:
    """The length glibc mmaps for a chunk of its own: `sysmalloc_mmap`, ALIGN_UP(nb + SIZE_SZ)."""
    return page_up(request2size(request) + SIZE_SZ)


def where(address: int) -> Where:
    """Classify a malloc result: "heap" ([heap], brk), "mmap" (an anonymous mapping), or other."""
    kind = classify(address)
    if kind == "anonymous":
        return "mmap"
    return kind
