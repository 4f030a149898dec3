"""Demo `calloc-fresh`: calloc of fresh mmapped memory does not zero it, so RSS stays flat.

glibc-2.36 malloc/malloc.c `__libc_calloc`: when the chunk is mmapped (`chunk_is_mmapped (p)`)
it returns the memory without clearing it, because fresh anonymous pages read as zeros
(mmap(2)); only with a perturb byte set (M_PERTURB, MALLOC_PERTURB_) does it `memset`. The
pages are then faulted in only when written; reading them maps the shared zero page, which does
not count in RSS. For chunks from the top of the main heap it clears only the part that was
handed out before (MORECORE_CLEARS). malloc + memset touches every page.
"""

from __future__ import annotations

from brkdoc.native.demos.probe import run_probe
from brkdoc.native.demos.result import DemoResult, Evidence, measure_and_judge

NAME = "calloc-fresh"
CLAIM = (
    "calloc of a large block on fresh mmapped memory skips the zeroing: the block reads as "
    "zeros while RSS does not grow, whereas malloc + memset, or calloc with M_PERTURB set, "
    "makes every page resident."
)
SIZE = 64 * 1024 * 1024


def measure() -> Evidence:
    return run_probe(NAME, (SIZE,))


def judge(evidence: Evidence) -> bool:
    size = evidence["size"]
    return bool(
        evidence["calloc_reads_zero"]
        and evidence["rss_grown_by_calloc"] < size / 100
        and evidence["rss_grown_after_reading"] < size / 100
        and evidence["rss_grown_by_malloc_memset"] >= 0.9 * size
        and evidence["rss_grown_by_calloc_with_perturb"] >= 0.9 * size
    )


def run() -> DemoResult:
    return measure_and_judge(NAME, CLAIM, measure, judge)
