"""Demo `thread-arena`: a second thread's malloc is served from an mmapped arena heap.

glibc-2.36 malloc/arena.c: a thread's first allocation picks an arena (`arena_get2`); while there
are fewer arenas than the limit it creates one (`_int_new_arena` -> `new_heap`), whose heap is an
mmapped reservation of HEAP_MAX_SIZE (2 * DEFAULT_MMAP_THRESHOLD_MAX = 64 MiB on 64-bit), aligned to
that size so that `heap_for_ptr` can find it by masking. Only the main arena uses brk.
"""

from __future__ import annotations

import threading

from brkdoc.glibc_constants import HEAP_MAX_SIZE
from brkdoc.native import libc
from brkdoc.native.demos.result import DemoResult, Evidence, conduct, where
from brkdoc.native.procfs import read_maps

NAME = "thread-arena"
CLAIM = (
    "A malloc from a second thread is served from its own arena heap, an aligned anonymous "
    "mapping outside [heap], and does not move the program break."
)
REQUEST = 200


def measure() -> Evidence:
    """Runs in the child."""
    main_block = libc.malloc(REQUEST)
    addresses: list[int] = []
    brk_before = libc.sbrk(0)
    worker = threading.Thread(target=lambda: addresses.append(libc.malloc(REQUEST)))
    worker.start()
    worker.join()
    brk_after = libc.sbrk(0)
    block = addresses[0]
    heap_base = block & ~(HEAP_MAX_SIZE - 1)
    # The arena heap's reservation: how much of [heap_base, heap_base + HEAP_MAX_SIZE) is covered by
    # anonymous mappings (the usable part is read-write, the rest PROT_NONE).
    covered = sum(
        min(mapping.end, heap_base + HEAP_MAX_SIZE) - max(mapping.start, heap_base)
        for mapping in read_maps()
        if mapping.kind == "anonymous"
        and mapping.end > heap_base
        and mapping.start < heap_base + HEAP_MAX_SIZE
    )
    evidence: Evidence = {
        "request": REQUEST,
        "main_thread_where": where(main_block),
        "thread_address": block,
        "thread_where": where(block),
        "arena_heap_base": heap_base,
        "heap_max_size": HEAP_MAX_SIZE,
        "arena_heap_reserved_bytes": covered,
        "brk_before": brk_before,
        "brk_after": brk_after,
    }
    libc.free(main_block)
    return evidence


def judge(evidence: Evidence) -> bool:
    return bool(
        evidence["main_thread_where"] == "heap"
        and evidence["thread_where"] == "mmap"
        and evidence["arena_heap_reserved_bytes"] == evidence["heap_max_size"]
        and evidence["brk_after"] == evidence["brk_before"]
    )


def run() -> DemoResult:
    return conduct(NAME, CLAIM, f"{__name__}:measure", judge)
