"""Demo `hugetlb`: GLIBC_TUNABLES=glibc.malloc.hugetlb=1 makes malloc advise huge pages.

glibc-2.36 malloc/malloc.c `do_set_hugetlb`: value 1 sets `mp_.thp_pagesize` (from
/sys/kernel/mm/transparent_hugepage/hpage_pmd_size) only if `__malloc_thp_mode ()`
(sysdeps/unix/sysv/linux/malloc-hugepages.c) reads "always [madvise] never" from
/sys/kernel/mm/transparent_hugepage/enabled: in "always" mode the kernel uses huge pages
anyway, in "never" mode not at all. Then `madvise_thp` calls `madvise (MADV_HUGEPAGE)` on every
mmapped chunk and heap extension of at least a huge page, and `sysmalloc` rounds the break up to
a huge-page boundary (so the first heap growth is anything from 132 KiB to 2 MiB + 132 KiB).
The kernel marks such a mapping VM_HUGEPAGE ("hg" in smaps VmFlags, proc(5)) and its page
faults get 2 MiB pages (AnonHugePages). glibc 2.43 also acts in "always" mode (commit
05a14648e9 and others).

What holds therefore depends on this kernel's setting, which the demo reads and reports.
"""

from __future__ import annotations

import re

from brkdoc.native.demos.probe import glibc_at_least, run_probe
from brkdoc.native.demos.result import DemoResult, Evidence, measure_and_judge

NAME = "hugetlb"
CLAIM = (
    "With the kernel's THP setting at madvise, GLIBC_TUNABLES=glibc.malloc.hugetlb=1 makes "
    "malloc call madvise(MADV_HUGEPAGE) on a large block, which the kernel then backs with "
    "huge pages (AnonHugePages), and without the tunable it gets none; with THP always the "
    "kernel uses huge pages anyway, and with never not at all."
)
BLOCK = 8 * 1024 * 1024
HUGE_PAGE = 2 * 1024 * 1024
TUNABLE = "glibc.malloc.hugetlb=1"


def thp_mode(setting: str) -> str:
    """The selected word of the kernel's THP setting.

    ```pycon
    >>> from brkdoc.native.demos.hugetlb import thp_mode
    >>> thp_mode("always [madvise] never")
    'madvise'

    ```
    """
    chosen = re.search(r"\[(\w+)\]", setting)
    return chosen.group(1) if chosen else "unknown"


def measure() -> Evidence:
    plain = run_probe(NAME, (BLOCK,))
    tuned = run_probe(NAME, (BLOCK,), env={"GLIBC_TUNABLES": TUNABLE})
    evidence: Evidence = {
        "thp_enabled": plain["thp_enabled"],
        "thp_mode": thp_mode(str(plain["thp_enabled"])),
        "glibc": plain["glibc"],
        "block": BLOCK,
        "tunable": TUNABLE,
    }
    for run_name, measured in (("plain", plain), ("tunable", tuned)):
        evidence[f"first_heap_growth_{run_name}"] = measured["first_heap_growth"]
        evidence[f"heap_end_on_huge_page_{run_name}"] = measured["heap_end_on_huge_page"] == 1
        evidence[f"advised_{run_name}"] = measured["block_advised_hugepage"] == 1
        evidence[f"anon_huge_bytes_{run_name}"] = measured["block_anon_huge_bytes"]
    return evidence


def judge(evidence: Evidence) -> bool:
    mode = evidence["thp_mode"]
    plain_huge, tuned_huge = evidence["anon_huge_bytes_plain"], evidence["anon_huge_bytes_tunable"]
    if evidence["advised_plain"]:
        return False
    if mode == "madvise":
        return bool(
            evidence["advised_tunable"]
            and tuned_huge >= HUGE_PAGE
            and plain_huge == 0
            and evidence["heap_end_on_huge_page_tunable"]
        )
    # Before 2.43 glibc advises nothing unless the setting is madvise.
    quiet = glibc_at_least(evidence, (2, 43)) or not evidence["advised_tunable"]
    if mode == "always":
        return bool(quiet and plain_huge >= HUGE_PAGE)
    if mode == "never":
        return bool(quiet and plain_huge == 0 and tuned_huge == 0)
    return False


def run() -> DemoResult:
    return measure_and_judge(NAME, CLAIM, measure, judge)
