"""Demo `trim`: free memory at the top of the heap lowers the break; a live block on top stops it.

glibc-2.36 malloc/malloc.c `_int_free`: after coalescing, a free chunk of at least
FASTBIN_CONSOLIDATION_THRESHOLD (64 KiB) in the main arena calls `systrim (mp_.top_pad, av)` when
`chunksize (av->top) >= mp_.trim_threshold`. `systrim` gives back whole pages of the top chunk
beyond `top_pad` by calling MORECORE (sbrk) with a negative increment. Only the top chunk can be
given back this way: the break is one boundary, so a block still in use above free memory pins it.
"""

from __future__ import annotations

from brkdoc.glibc_constants import DEFAULT_TOP_PAD, DEFAULT_TRIM_THRESHOLD
from brkdoc.native import libc
from brkdoc.native.demos.result import MINSIZE, PAGE, DemoResult, Evidence, conduct, where

NAME = "trim"
CLAIM = (
    "Freeing memory at the top of the heap beyond the trim threshold lowers the program break, "
    "but a live block at the top keeps the break where it is."
)
# Below the 128 KiB mmap threshold, so every block comes from the brk heap, and above the tcache
# and fastbin sizes, so every free coalesces at once.
BLOCK = 64 * 1024
COUNT = 32


def measure() -> Evidence:
    """Runs in the child."""
    # A fresh interpreter may already have freed an mmapped chunk and so raised the trim threshold
    # (dynamic threshold); pin it at glibc's default, DEFAULT_TRIM_THRESHOLD, so it is known.
    accepted = libc.mallopt(libc.M_TRIM_THRESHOLD, DEFAULT_TRIM_THRESHOLD)
    # Part 1: grow the heap, then free everything from the top down.
    start = libc.sbrk(0)
    blocks = [libc.malloc(BLOCK) for _ in range(COUNT)]
    # `where` reads /proc/self/maps, which allocates Python buffers and so can move the break;
    # look the blocks up before taking the readings the claim rests on, never between them.
    places = {where(block) for block in blocks}
    peak = libc.sbrk(0)
    for block in reversed(blocks):
        libc.free(block)
    after_free = libc.sbrk(0)
    top_after_free = libc.mallinfo2().keepcost

    # Part 2: the same, but the last block allocated (the highest) stays in use.
    pinned_blocks = [libc.malloc(BLOCK) for _ in range(COUNT)]
    guard = pinned_blocks[-1]
    pinned_places = {where(block) for block in pinned_blocks[:-1]}
    pinned_peak = libc.sbrk(0)
    for block in reversed(pinned_blocks[:-1]):
        libc.free(block)
    pinned_after_free = libc.sbrk(0)
    libc.free(guard)
    after_guard_free = libc.sbrk(0)
    top_after_guard_free = libc.mallinfo2().keepcost
    evidence: Evidence = {
        "trim_threshold": DEFAULT_TRIM_THRESHOLD,
        "mallopt_accepted": accepted,
        "block": BLOCK,
        "count": COUNT,
        "blocks_where": sorted(places),
        "brk_start": start,
        "brk_peak": peak,
        "grown": peak - start,
        "brk_after_free": after_free,
        "released": peak - after_free,
        "top_after_free": top_after_free,
        "pinned_blocks_where": sorted(pinned_places),
        "guard_address": guard,
        "guard_is_highest": all(block < guard for block in pinned_blocks[:-1]),
        "pinned_brk_peak": pinned_peak,
        "pinned_brk_after_free": pinned_after_free,
        "pinned_released": pinned_peak - pinned_after_free,
        "released_after_guard_free": pinned_peak - after_guard_free,
        "top_after_guard_free": top_after_guard_free,
        "kept_at_most": KEPT_AT_MOST,
    }
    return evidence | break_checks(evidence)


# systrim keeps top_pad plus less than a page of the top chunk and gives back the rest.
KEPT_AT_MOST = DEFAULT_TOP_PAD + MINSIZE + PAGE


def break_checks(evidence: Evidence) -> dict[str, bool]:
    """The facts about the break that the claim rests on, named so that a page can show them:
    the raw addresses and sizes vary with the interpreter's own use of the heap."""
    return {
        "released_all_but_kept": evidence["released"] >= evidence["grown"] - KEPT_AT_MOST,
        "top_below_kept": evidence["top_after_free"] < KEPT_AT_MOST,
        "pinned_brk_unmoved": evidence["pinned_released"] == 0,
        "guard_free_released": evidence["released_after_guard_free"] > 0,
        "guard_free_top_below_kept": evidence["top_after_guard_free"] < KEPT_AT_MOST,
    }


def judge(evidence: Evidence) -> bool:
    # The checks are computed again from the raw values, so a falsified value is noticed.
    return bool(
        evidence["mallopt_accepted"]
        and evidence["blocks_where"] == ["heap"]
        and evidence["grown"] > 0
        and evidence["pinned_blocks_where"] == ["heap"]
        and evidence["guard_is_highest"]
        and all(break_checks(evidence).values())
    )


def run() -> DemoResult:
    return conduct(NAME, CLAIM, f"{__name__}:measure", judge)
