"""Demo `rlimit-fallback`: when the break cannot grow, malloc maps memory instead.

glibc-2.36 malloc/malloc.c `sysmalloc`: if MORECORE (sbrk) fails, `sysmalloc_mmap_fallback` maps
a region to use "as if" it were more heap ("we ignore mmap max count and threshold limits, since the
space will not be used as a segregated mmap region"), and marks the arena non-contiguous. Unlike a
chunk of its own, this memory counts in `system_mem` (mallinfo2's `arena`), not in `hblks`.

The break is blocked the way a real program can run into it: a mapping sits right above it (the
kernel's brk refuses to grow into the page before the next mapping). RLIMIT_DATA is not used here:
since Linux 4.7 it limits private mmaps too, so it blocks the fallback as well.
"""

from __future__ import annotations

from brkdoc.native import libc
from brkdoc.native.demos.result import (
    PAGE,
    DemoResult,
    Evidence,
    conduct,
    page_up,
    request_taking_top,
    where,
)

NAME = "rlimit-fallback"
CLAIM = (
    "When the program break cannot grow (here a mapping sits just above it), malloc still "
    "succeeds, from memory it maps with mmap, and the break does not move."
)
# Below the 128 KiB mmap threshold, so without the blockade this would grow the brk heap.
REQUEST = 100 * 1024


def measure() -> Evidence:
    """Runs in the child."""
    # Use up the top chunk so that the request below has to ask the kernel for memory.
    filler = libc.malloc(request_taking_top(libc.mallinfo2().keepcost))
    brk_before = libc.sbrk(0)
    wall = libc.mmap(
        PAGE,
        libc.PROT_NONE,
        libc.MAP_PRIVATE | libc.MAP_ANONYMOUS | libc.MAP_FIXED_NOREPLACE,
        address=page_up(brk_before),
    )
    try:
        libc.sbrk(PAGE)
        brk_blocked = False
    except OSError:
        brk_blocked = True
    before = libc.mallinfo2()
    block = libc.malloc(REQUEST)
    after = libc.mallinfo2()
    brk_after = libc.sbrk(0)
    evidence: Evidence = {
        "request": REQUEST,
        "brk_before": brk_before,
        "wall_address": wall,
        "brk_blocked": brk_blocked,
        "block_address": block,
        "block_where": where(block) if block else "none",
        "brk_after": brk_after,
        "arena_bytes_added": after.arena - before.arena,
        "mmapped_chunks_added": after.hblks - before.hblks,
    }
    libc.free(block)
    libc.free(filler)
    return evidence


def judge(evidence: Evidence) -> bool:
    return bool(
        evidence["brk_blocked"]
        and evidence["wall_address"] == evidence["brk_before"]
        and evidence["block_address"] != 0
        and evidence["block_where"] == "mmap"
        and evidence["brk_after"] == evidence["brk_before"]
        # fallback memory becomes heap (system_mem), not a chunk of its own (hblks)
        and evidence["mmapped_chunks_added"] == 0
        and evidence["arena_bytes_added"] >= evidence["request"]
    )


def run() -> DemoResult:
    return conduct(NAME, CLAIM, f"{__name__}:measure", judge)
