"""Demo `arena-max`: each thread's first malloc makes an arena, up to a limit set by the CPUs.

glibc-2.36 malloc/arena.c `arena_get2`: with no free arena, a new one is made
(`_int_new_arena` -> `new_heap`, a 64 MiB reservation, HEAP_MAX_SIZE, mapped PROT_NONE with
MAP_NORESERVE and made writable as it is used) while `narenas <= narenas_limit - 1`. The limit
is `mp_.arena_max` if set (MALLOC_ARENA_MAX, glibc.malloc.arena_max), otherwise it is computed
once `narenas > mp_.arena_test` (8 on 64-bit) as NARENAS_FROM_NCORES (n) = 8 * n, so the total
is max(8 * n, 9). Which n: upstream 2.35 to 2.38 counted the CPUs in the affinity mask
(`__get_nprocs_sched`); commit 472894d2cf (2.39, BZ 30945) went back to all online CPUs
(`__get_nprocs`), and the backport 8e99cc76a2 on release/2.36/master is in Debian's
2.36-9+deb12u14 (debian/patches/git-updates.diff). glibc 2.44 computes the limit once
`narenas >= arena_test`, as max(__get_nprocs (), arena_test): max(CPUs, 8) arenas in all.

The probe runs 24 threads three times: as is, with MALLOC_ARENA_MAX=2, and with its affinity
mask narrowed to one CPU.
"""

from __future__ import annotations

from brkdoc.native.demos.probe import glibc_at_least, run_probe
from brkdoc.native.demos.result import DemoResult, Evidence, measure_and_judge

NAME = "arena-max"
CLAIM = (
    "Each thread's first malloc makes a new arena that reserves 64 MiB of address space "
    "(VmSize) but almost no memory (VmRSS), up to a limit of 8 arenas per online CPU (from "
    "glibc 2.44 max(CPUs, 8)), counting all online CPUs even when the affinity mask allows "
    "one; MALLOC_ARENA_MAX caps the number."
)
THREADS = 24
ARENA_MAX = 2
_RUNS = {
    "default": ((THREADS, 0), {}),
    "capped": ((THREADS, 0), {"MALLOC_ARENA_MAX": str(ARENA_MAX)}),
    "pinned": ((THREADS, 1), {}),
}


def measure() -> Evidence:
    evidence: Evidence = {"threads": THREADS, "arena_max_capped": ARENA_MAX}
    for run_name, (args, env) in _RUNS.items():
        measured = run_probe(NAME, args, env=env)
        evidence["glibc"] = measured["glibc"]
        evidence["online_cpus"] = measured["online_cpus"]
        evidence["arena_heap_bytes"] = measured["arena_heap_bytes"]
        for key in ("affinity_cpus", "new_arenas", "vmsize_grown", "vmrss_grown"):
            evidence[f"{key}_{run_name}"] = measured[key]
    return evidence


def arenas_in_all(cpus: int, evidence: Evidence) -> int:
    """How many arenas (the main one included) `arena_get2` allows without MALLOC_ARENA_MAX."""
    if glibc_at_least(evidence, (2, 44)):
        return max(cpus, 8)
    # The limit is computed only once narenas > arena_test (8), so at least 9 exist.
    return max(8 * cpus, 9)


def judge(evidence: Evidence) -> bool:
    threads = evidence["threads"]
    expected = min(threads, arenas_in_all(evidence["online_cpus"], evidence) - 1)
    new = evidence["new_arenas_default"]
    reserved = evidence["vmsize_grown_default"]
    heap = evidence["arena_heap_bytes"]
    return bool(
        new == expected
        and evidence["affinity_cpus_pinned"] == 1
        and evidence["new_arenas_pinned"] == expected
        and evidence["new_arenas_capped"] == evidence["arena_max_capped"] - 1
        and new * heap <= reserved < (new + 1) * heap
        and evidence["vmrss_grown_default"] < reserved / 100
    )


def run() -> DemoResult:
    return measure_and_judge(NAME, CLAIM, measure, judge)
