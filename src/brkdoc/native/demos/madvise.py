"""Demo `madvise`: MADV_DONTNEED drops pages at once; MADV_FREE lets the kernel take them later.

madvise(2): after MADV_DONTNEED, private anonymous pages read back as zero-fill-on-demand
pages; after MADV_FREE (Linux 4.5) the kernel may free the pages when it needs memory, and until
then the data stays and a write cancels the advice. So MADV_DONTNEED lowers RSS at once, while
MADV_FREE leaves it until reclaim. glibc's malloc uses MADV_DONTNEED (`mtrim`, `shrink_heap`).
"""

from __future__ import annotations

import ctypes

from brkdoc.native import libc
from brkdoc.native.demos.result import PAGE, DemoResult, Evidence, conduct
from brkdoc.native.procfs import StatusReader

NAME = "madvise"
CLAIM = (
    "MADV_DONTNEED drops the pages at once (RSS falls and the data reads back as zeros), while "
    "MADV_FREE only marks them: without memory pressure RSS and the data stay."
)
SIZE = 8 * 1024 * 1024
FILL = 0xAB


def _advise(advice: int, status: StatusReader) -> Evidence:
    region = libc.mmap(
        SIZE, libc.PROT_READ | libc.PROT_WRITE, libc.MAP_PRIVATE | libc.MAP_ANONYMOUS
    )
    ctypes.memset(region, FILL, SIZE)
    rss_before = status.rss()
    libc.madvise(region, SIZE, advice)
    rss_after = status.rss()
    # One byte of every page: the advice acts on whole pages.
    first_bytes = {ctypes.string_at(region + offset, 1)[0] for offset in range(0, SIZE, PAGE)}
    libc.munmap(region, SIZE)
    return {"rss_drop": rss_before - rss_after, "bytes_seen": sorted(first_bytes)}


def measure() -> Evidence:
    """Runs in the child."""
    status = StatusReader()
    dontneed = _advise(libc.MADV_DONTNEED, status)
    lazy = _advise(libc.MADV_FREE, status)
    return {
        "size": SIZE,
        "fill": FILL,
        "dontneed_rss_drop": dontneed["rss_drop"],
        "dontneed_bytes_seen": dontneed["bytes_seen"],
        "free_rss_drop": lazy["rss_drop"],
        "free_bytes_seen": lazy["bytes_seen"],
    }


def judge(evidence: Evidence) -> bool:
    size = evidence["size"]
    return bool(
        evidence["dontneed_rss_drop"] >= 0.9 * size
        and evidence["dontneed_bytes_seen"] == [0]
        and evidence["free_rss_drop"] < 0.1 * size
        and evidence["free_bytes_seen"] == [evidence["fill"]]
    )


def run() -> DemoResult:
    return conduct(NAME, CLAIM, f"{__name__}:measure", judge)
