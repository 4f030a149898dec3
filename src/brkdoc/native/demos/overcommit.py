"""Demo `overcommit`: malloc promises address space; the kernel gives memory on first touch.

mmap(2) of private anonymous memory is charged against the commit limit only as the kernel's
overcommit policy says (Linux mm/util.c `__vm_enough_memory`; Documentation/mm/
overcommit-accounting.rst). With vm.overcommit_memory=0 (heuristic) a single request larger
than RAM plus swap is refused, and anything else is allowed, however much is already
promised; with 1 every request is allowed; with 2 the total promised may not exceed
CommitLimit. No page is allocated until it is touched (the fault handler, `do_anonymous_page`
in mm/memory.c), so RSS grows only with use. When touched pages cannot be found, the kernel's
OOM killer (mm/oom_kill.c `out_of_memory`) kills a process; malloc never sees that. RLIMIT_AS
(setrlimit(2)) limits the address space, so malloc fails with ENOMEM at once.

The probe never touches more than TOUCH bytes and reads vm.overcommit_memory without changing
it (it is system-wide); the RLIMIT_AS it sets is its own.
"""

from __future__ import annotations

from brkdoc.native.demos.probe import run_probe
from brkdoc.native.demos.result import DemoResult, Evidence, measure_and_judge

NAME = "overcommit"
CLAIM = (
    "Under vm.overcommit_memory 0 or 1, malloc grants blocks totalling far more than the free "
    "memory and RSS grows only by the pages touched (0 refuses one block larger than RAM plus "
    "swap, 2 keeps the total under CommitLimit); an RLIMIT_AS makes malloc fail with ENOMEM."
)
TOUCH = 64 * 1024 * 1024
MiB = 1024 * 1024


def measure() -> Evidence:
    return run_probe(NAME, (TOUCH,))


def _policy_holds(evidence: Evidence) -> bool:
    mode = str(evidence["overcommit_memory"])
    granted = evidence["blocks_granted"] * evidence["block"]
    all_granted = evidence["blocks_granted"] == evidence["blocks"]
    oversized_refused = (
        not evidence["oversized_granted"] and evidence["oversized_errno"] == "ENOMEM"
    )
    if mode == "0":
        return bool(all_granted and granted >= 2 * evidence["mem_available"] and oversized_refused)
    if mode == "1":
        return bool(all_granted and evidence["oversized_granted"])
    if mode == "2":
        return bool(granted <= evidence["commit_limit"] and oversized_refused)
    return False


def judge(evidence: Evidence) -> bool:
    touched = evidence["touched"]
    return bool(
        _policy_holds(evidence)
        and evidence["blocks_granted"] >= 1
        and evidence["vmsize_grown"] >= evidence["blocks_granted"] * evidence["block"]
        and evidence["rss_grown_by_malloc"] < MiB
        and 0.9 * touched <= evidence["rss_grown_by_touch"] <= touched + MiB
        and not evidence["over_rlimit_granted"]
        and evidence["over_rlimit_errno"] == "ENOMEM"
        and evidence["under_rlimit_granted"]
    )


def run() -> DemoResult:
    return measure_and_judge(NAME, CLAIM, measure, judge)
