"""Demo `malloc-trim`: malloc_trim(0) gives back free pages in the middle of the heap.

glibc-2.36 malloc/malloc.c `mtrim` (called by `__malloc_trim` for every arena): for each free
chunk in the unsorted bin and in every bin from `bin_index (pagesize)` up, it calls
`__madvise (..., MADV_DONTNEED)` on the whole pages inside the chunk (keeping its header and list
pointers), and only then `systrim` for the top. The pages stay mapped and the break does not move,
but they stop counting in RSS. This has been so since glibc 2.8 (ChangeLog, 2007-12-16). Plain
free() never does it: `_int_free` only trims the top chunk.

The source document this project started from said that memory in the middle of the heap cannot be
returned and that malloc_trim only releases the top; this demo measures the opposite.
"""

from __future__ import annotations

import ctypes
import itertools

from brkdoc.native import libc
from brkdoc.native.demos.result import (
    CHUNK_HDR_SZ,
    MINSIZE,
    PAGE,
    DemoResult,
    Evidence,
    conduct,
    request2size,
    request_taking_top,
    where,
)
from brkdoc.native.procfs import StatusReader

NAME = "malloc-trim"
CLAIM = (
    "free() leaves free pages in the middle of the heap resident, and malloc_trim(0) gives them "
    "back to the kernel (RSS falls) while the program break stays where it is."
)
# Below the 128 KiB mmap threshold: these blocks come from the brk heap.
BLOCK = 120 * 1024
COUNT = 64
FILL = 0x5A


def _use_up_top() -> list[int]:
    """Allocate until the top chunk is smaller than a page, and return the fillers.

    Then malloc_trim's final `systrim` step has no whole page of top to give back, so the break
    cannot move and any RSS drop comes from the middle of the heap. A filler may come from a
    free chunk in the bins instead of the top; then it is simply kept and the loop goes on.
    """
    fillers = []
    for _ in range(1000):
        top = libc.mallinfo2().keepcost
        if top <= MINSIZE + PAGE:
            break
        fillers.append(libc.malloc(request_taking_top(top)))
    return fillers


def measure() -> Evidence:
    """Runs in the child."""
    status = StatusReader()  # its buffer is allocated now, not while measuring
    blocks = [libc.malloc(BLOCK) for _ in range(COUNT)]
    for block in blocks:
        ctypes.memset(block, FILL, BLOCK)  # touch every page so that it is resident
    # The guard pins the break above the blocks. It has the blocks' size, and the blocks all
    # came from the top chunk, so no free chunk in the bins is big enough for it: it comes from
    # the top chunk too, right above them.
    guard = libc.malloc(BLOCK)
    places = sorted({where(block) for block in blocks} | {where(guard)})
    fillers = _use_up_top()
    top_left = libc.mallinfo2().keepcost

    brk_before = libc.sbrk(0)
    rss_before_free = status.rss()
    for block in blocks:
        libc.free(block)
    rss_after_free = status.rss()
    brk_after_free = libc.sbrk(0)
    returned = libc.malloc_trim(0)
    rss_after_trim = status.rss()
    brk_after_trim = libc.sbrk(0)

    # The whole pages inside the freed span, from the first block to the guard's chunk header.
    # How many there are depends by one on where the span starts in its first page, and that
    # moves with the interpreter's own allocations (its environment's size, say). So this is
    # the number that every placement of the span contains: (length + 1) // PAGE - 1 pages.
    span = guard - CHUNK_HDR_SZ - blocks[0]
    whole_pages = ((span + 1) // PAGE - 1) * PAGE
    libc.free(guard)
    for filler in fillers:
        libc.free(filler)
    evidence: Evidence = {
        "block": BLOCK,
        "count": COUNT,
        "blocks_contiguous": all(
            later - earlier == request2size(BLOCK) for earlier, later in itertools.pairwise(blocks)
        ),
        "where": places,
        "guard_above_blocks": guard > blocks[-1],
        "top_left_after_guard": top_left,
        "freed_whole_pages_bytes": whole_pages,
        "rss_before_free": rss_before_free,
        "rss_after_free": rss_after_free,
        "rss_after_trim": rss_after_trim,
        "rss_drop_after_free": rss_before_free - rss_after_free,
        "rss_drop_after_trim": rss_after_free - rss_after_trim,
        "malloc_trim_returned": returned,
        "brk_before": brk_before,
        "brk_after_free": brk_after_free,
        "brk_after_trim": brk_after_trim,
    }
    return evidence | rss_checks(evidence)


def rss_checks(evidence: Evidence) -> dict[str, bool]:
    """The facts the claim rests on, named so that a page can show them: the raw RSS figures
    vary with the interpreter's own memory, these do not."""
    pages = evidence["freed_whole_pages_bytes"]
    return {
        "free_drop_below_10pct": evidence["rss_drop_after_free"] < 0.1 * pages,
        "trim_drop_above_90pct": evidence["rss_drop_after_trim"] >= 0.9 * pages,
        "brk_unmoved": evidence["brk_after_free"] == evidence["brk_after_trim"]
        and evidence["brk_after_trim"] == evidence["brk_before"],
    }


def judge(evidence: Evidence) -> bool:
    # The checks are computed again from the raw values, so a falsified value is noticed.
    checks = rss_checks(evidence)
    return bool(
        evidence["blocks_contiguous"]
        and evidence["where"] == ["heap"]
        and evidence["guard_above_blocks"]
        and evidence["freed_whole_pages_bytes"] >= evidence["block"] * (evidence["count"] - 1)
        and checks["free_drop_below_10pct"]
        and checks["trim_drop_above_90pct"]
        and evidence["malloc_trim_returned"]
        and checks["brk_unmoved"]
    )


def run() -> DemoResult:
    return conduct(NAME, CLAIM, f"{__name__}:measure", judge)
