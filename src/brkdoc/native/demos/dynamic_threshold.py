"""Demo `dynamic-threshold`: freeing an mmapped chunk raises the mmap and trim thresholds.

glibc-2.36 malloc/malloc.c `__libc_free`: when a chunk with IS_MMAPPED is freed, the dynamic
threshold is on (`!mp_.no_dyn_threshold`), and its size is above `mp_.mmap_threshold` and at most
DEFAULT_MMAP_THRESHOLD_MAX, then `mmap_threshold = chunksize (p)` and
`trim_threshold = 2 * mmap_threshold`.

The thresholds are not readable from outside, so the demo probes them: a request whose chunk size
equals the new threshold must be mmapped, one 16 bytes smaller must come from the heap, and a free
that leaves the top chunk between the old trim threshold (128 KiB) and twice the new mmap threshold
must leave the break where it is.
"""

from __future__ import annotations

import ctypes

from brkdoc.glibc_constants import DEFAULT_TRIM_THRESHOLD
from brkdoc.native import libc
from brkdoc.native.demos.result import (
    MALLOC_ALIGNMENT,
    SIZE_SZ,
    DemoResult,
    Evidence,
    conduct,
    mmapped_chunk_size,
    where,
)

NAME = "dynamic-threshold"
CLAIM = (
    "After a 1 MiB mmapped block is freed, the mmap threshold rises to that chunk's size and the "
    "trim threshold to twice that, so the next 1 MiB request is served from the heap."
)
REQUEST = 1024 * 1024


def free_and_reallocate(request: int, chunk_sizes: dict[str, int] | None = None) -> Evidence:
    """malloc(request), free it, malloc(request) again; where did each come from?

    Runs in the child. Shared with the fixed-threshold demo, which runs it after fixing a setting.
    `chunk_sizes["first"]`, when given, receives the first block's chunk size.
    """
    before = libc.mallinfo2()
    first = libc.malloc(request)
    first_where = where(first)
    after_first = libc.mallinfo2()
    # The size word just below the pointer, its three flag bits (SIZE_BITS) cleared: what
    # `free` sets the threshold to. Read, not computed: glibc 2.43 changed the mmapped chunk
    # layout (614cfd0f8a).
    if chunk_sizes is not None:
        chunk_sizes["first"] = ctypes.c_size_t.from_address(first - SIZE_SZ).value & ~0x7
    libc.free(first)
    after_free = libc.mallinfo2()
    second = libc.malloc(request)
    second_where = where(second)
    after_second = libc.mallinfo2()
    return {
        "request": request,
        "first_address": first,
        "first_where": first_where,
        "first_mapped_bytes": after_first.hblkhd - before.hblkhd,
        "second_address": second,
        "second_where": second_where,
        "second_mapped_bytes": after_second.hblkhd - after_free.hblkhd,
    }


def measure() -> Evidence:
    """Runs in the child."""
    chunk_sizes: dict[str, int] = {}
    evidence = free_and_reallocate(REQUEST, chunk_sizes)
    new_threshold = chunk_sizes["first"]
    # Chunk size = new threshold: sysmalloc's `nb >= mp_.mmap_threshold` holds, so it is mmapped.
    at_threshold = libc.malloc(new_threshold - SIZE_SZ)
    at_threshold_where = where(at_threshold)
    # One alignment unit (16 bytes) less: below the threshold, so the heap grows instead.
    below_threshold = libc.malloc(new_threshold - SIZE_SZ - MALLOC_ALIGNMENT)
    below_threshold_where = where(below_threshold)

    # Freeing the block just below the top chunk merges it into top. With the default trim
    # threshold that top would be trimmed; with the raised one it is not.
    brk_before = libc.sbrk(0)
    libc.free(below_threshold)
    top_after_first_free = libc.mallinfo2().keepcost
    brk_after_first_free = libc.sbrk(0)
    # Freeing the second 1 MiB block, which sits below it, pushes top past 2 x threshold.
    libc.free(evidence["second_address"])
    brk_after_second_free = libc.sbrk(0)
    libc.free(at_threshold)
    evidence.update(
        {
            "expected_first_mapping": mmapped_chunk_size(REQUEST),
            "new_mmap_threshold": new_threshold,
            "at_threshold_chunk_size": new_threshold,
            "at_threshold_where": at_threshold_where,
            "below_threshold_chunk_size": new_threshold - MALLOC_ALIGNMENT,
            "below_threshold_where": below_threshold_where,
            "top_after_first_free": top_after_first_free,
            "brk_moved_after_first_free": brk_after_first_free != brk_before,
            "released_after_second_free": brk_before - brk_after_second_free,
        }
    )
    return evidence | trim_checks(evidence)


def trim_checks(evidence: Evidence) -> dict[str, bool]:
    """The trim facts the claim rests on, named so that a page can show them: the raw top size
    and release vary with the interpreter's own use of the heap."""
    top = evidence["top_after_first_free"]
    return {
        # trim threshold = 2 x threshold: a top above the default 128 KiB but below 2 x
        # threshold stays, and once it passes 2 x threshold the break comes down.
        "top_between_thresholds": DEFAULT_TRIM_THRESHOLD < top < 2 * evidence["new_mmap_threshold"],
        "brk_fell_after_second": evidence["released_after_second_free"] > 0,
    }


def judge(evidence: Evidence) -> bool:
    # The checks are computed again from the raw values, so a falsified value is noticed.
    checks = trim_checks(evidence)
    return bool(
        evidence["first_where"] == "mmap"
        and evidence["first_mapped_bytes"] == evidence["expected_first_mapping"]
        and evidence["second_where"] == "heap"
        and evidence["at_threshold_where"] == "mmap"
        and evidence["below_threshold_where"] == "heap"
        and checks["top_between_thresholds"]
        and not evidence["brk_moved_after_first_free"]
        and checks["brk_fell_after_second"]
    )


def run() -> DemoResult:
    return conduct(NAME, CLAIM, f"{__name__}:measure", judge)
