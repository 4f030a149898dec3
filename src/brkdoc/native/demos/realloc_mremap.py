"""Demo `realloc-mremap`: growing an mmapped block moves page tables, it copies nothing.

glibc-2.36 malloc/malloc.c `__libc_realloc`: for an mmapped chunk it first tries
`mremap_chunk`, which calls `__mremap (block, total_size, new_size, MREMAP_MAYMOVE)`. The kernel
(mremap(2); mm/mremap.c `move_page_tables`) grows the mapping in place or moves its page-table
entries to a new range, so the data is not copied and no page is faulted in: the cost does not
grow with the block's size. A malloc + memcpy + free faults in every page it copies into.

The probe fixes M_MMAP_THRESHOLD at 128 KiB so that every block is mmapped, then doubles a
written 1, 8 and 64 MiB block with realloc, and counts minor page faults (getrusage(2)).
"""

from __future__ import annotations

from brkdoc.native.demos.probe import run_probe
from brkdoc.native.demos.result import PAGE, DemoResult, Evidence, measure_and_judge

NAME = "realloc-mremap"
CLAIM = (
    "realloc that doubles a large mmapped block keeps its contents without a single page fault "
    "whatever its size (mremap moves the pages), while malloc + memcpy faults in every page."
)
SIZES_MIB = (1, 8, 64)
MiB = 1024 * 1024


def measure() -> Evidence:
    evidence = run_probe(NAME, SIZES_MIB)
    evidence["sizes_mib"] = list(SIZES_MIB)
    return evidence


def judge(evidence: Evidence) -> bool:
    for size in evidence["sizes_mib"]:
        if not (
            evidence[f"mmapped_{size}mib"]
            and evidence[f"contents_kept_{size}mib"]
            and evidence[f"realloc_faults_{size}mib"] == 0
            and evidence[f"copy_faults_{size}mib"] >= size * MiB // PAGE
        ):
            return False
    return True


def run() -> DemoResult:
    return measure_and_judge(NAME, CLAIM, measure, judge)
