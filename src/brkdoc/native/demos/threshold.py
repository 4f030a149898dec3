"""Demo `threshold`: small requests come from the brk heap, big ones get their own mapping.

glibc-2.36 malloc/malloc.c `sysmalloc`: when the top chunk cannot serve a request and
`nb >= mp_.mmap_threshold`, `sysmalloc_mmap` maps ALIGN_UP(nb + SIZE_SZ, pagesize) bytes for that
one chunk and counts it in `n_mmaps`/`mmapped_mem` (mallinfo2's `hblks`/`hblkhd`).
"""

from __future__ import annotations

from brkdoc.glibc_constants import DEFAULT_MMAP_THRESHOLD
from brkdoc.native import libc
from brkdoc.native.demos.result import (
    CHUNK_HDR_SZ,
    PAGE,
    DemoResult,
    Evidence,
    conduct,
    mmapped_chunk_size,
    where,
)

NAME = "threshold"
CLAIM = (
    "A small request is served from the brk heap, while a request above the mmap threshold "
    "gets an anonymous mapping of its own, sized to whole pages."
)
SMALL_REQUEST = 100
# Twice the default threshold, and far more than any free chunk a fresh interpreter leaves in its
# heap, so only sysmalloc can serve it.
BIG_REQUEST = 256 * 1024


def measure() -> Evidence:
    """Runs in the child."""
    # The interpreter hosting this demo may already have raised the dynamic threshold while it
    # started: compiling a module without a cached .pyc can free a mmapped block of 256 KiB or
    # more. Setting the threshold back to its default value undoes that (and freezes it; the
    # dynamic-threshold demo shows it moving). Such a start-up can also leave free chunks big
    # enough to serve BIG_REQUEST, which is why `make test` compiles brkdoc's bytecode first.
    libc.mallopt(libc.M_MMAP_THRESHOLD, DEFAULT_MMAP_THRESHOLD)
    small = libc.malloc(SMALL_REQUEST)
    before = libc.mallinfo2()
    big = libc.malloc(BIG_REQUEST)
    after = libc.mallinfo2()
    evidence: Evidence = {
        "mmap_threshold": DEFAULT_MMAP_THRESHOLD,
        "small_request": SMALL_REQUEST,
        "small_address": small,
        "small_where": where(small),
        "big_request": BIG_REQUEST,
        "big_address": big,
        "big_where": where(big),
        "big_offset_in_page": big % PAGE,
        "mmapped_chunks_added": after.hblks - before.hblks,
        "mapped_bytes_added": after.hblkhd - before.hblkhd,
        "expected_mapping_size": mmapped_chunk_size(BIG_REQUEST),
    }
    libc.free(big)
    libc.free(small)
    return evidence


def judge(evidence: Evidence) -> bool:
    return bool(
        evidence["small_where"] == "heap"
        and evidence["big_where"] == "mmap"
        and evidence["mmapped_chunks_added"] == 1
        and evidence["mapped_bytes_added"] == evidence["expected_mapping_size"]
        and evidence["mapped_bytes_added"] >= evidence["big_request"]
        # the chunk header sits at the very start of the mapping
        and evidence["big_offset_in_page"] == CHUNK_HDR_SZ
    )


def run() -> DemoResult:
    return conduct(NAME, CLAIM, f"{__name__}:measure", judge)
