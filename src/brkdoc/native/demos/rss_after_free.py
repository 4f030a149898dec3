"""Demo `rss-after-free`: freed small blocks keep RSS up; malloc_trim(0) brings it down.

The probe (questions_probe.c) allocates 409,600 blocks of 100 bytes, writes them, and frees all
but every 512th, so a block in use sits at the top of the heap and between every run of freed
blocks. glibc-2.36 malloc/malloc.c: `_int_free` puts 7 chunks of a size in the tcache and, for
chunks up to `get_max_fast ()` (128 bytes on 64-bit), the rest on a fastbin without merging
them; the top chunk cannot shrink past the live block at the top (`systrim` only lowers the
break), so free() gives nothing back. `__malloc_trim` -> `mtrim` first merges the fastbins
(`malloc_consolidate`), then calls `madvise (MADV_DONTNEED)` on the whole pages inside each free
chunk. glibc 2.43 removed the fastbins (commit e3062b06c5): the chunks are merged at free time
instead, and RSS stays up all the same.
"""

from __future__ import annotations

from brkdoc.native.demos.probe import glibc_at_least, run_probe
from brkdoc.native.demos.result import DemoResult, Evidence, measure_and_judge

NAME = "rss-after-free"
CLAIM = (
    "Freeing many small blocks between blocks still in use lowers neither RSS nor the break; "
    "malloc_trim(0) then gives back the whole free pages (RSS falls by most of the freed bytes)."
)
COUNT = 409_600
SIZE = 100
KEEP_EVERY = 512


def measure() -> Evidence:
    return run_probe(NAME, (COUNT, SIZE, KEEP_EVERY))


def judge(evidence: Evidence) -> bool:
    free_bytes = evidence["free_bytes_after_free"]
    if glibc_at_least(evidence, (2, 43)):
        fastbins_as_expected = evidence["fastbin_bytes_after_free"] == 0
    else:
        fastbins_as_expected = evidence["fastbin_bytes_after_free"] >= 0.9 * free_bytes
    return bool(
        evidence["rss_grown_by_blocks"] >= 0.9 * evidence["count"] * evidence["size"]
        and free_bytes >= evidence["freed_bytes"]
        and evidence["rss_drop_after_free"] < 0.05 * free_bytes
        and evidence["break_moved_by_free"] == 0
        and fastbins_as_expected
        and evidence["fastbin_bytes_after_trim"] == 0
        and evidence["malloc_trim_returned"] == 1
        and evidence["rss_drop_after_trim"] >= 0.8 * free_bytes
    )


def run() -> DemoResult:
    return measure_and_judge(NAME, CLAIM, measure, judge)
