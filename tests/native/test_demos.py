"""Every demo holds on this machine, and each test fails when the demo's claim is false.

The tests assert on the measured evidence itself (not only on `holds`), and check that each
demo's `judge` rejects evidence in which the claim is false.
"""

from __future__ import annotations

from typing import Any

import pytest

from brkdoc.errors import BrkdocError, NotGlibcError
from brkdoc.native import DEMO_NAMES, DemoResult, libc, run_demo
from brkdoc.native.demos import claim_of, demo_module
from brkdoc.native.demos import fixed_threshold as fixed
from brkdoc.native.demos.result import (
    PAGE,
    chosen_glibc,
    mmapped_chunk_size,
    on_glibc,
    request2size,
)
from brkdoc.platform import glibc_version

pytestmark = pytest.mark.skipif(
    glibc_version() is None, reason="the C library is not glibc; the live demos need glibc's malloc"
)
MiB = 1024 * 1024

_cache: dict[str, DemoResult] = {}


def result_of(name: str) -> DemoResult:
    """Each demo runs once per test session; several tests read its evidence."""
    if name not in _cache:
        _cache[name] = run_demo(name)
    return _cache[name]


def falsified(name: str, **changes: Any) -> bool:
    """What the demo's judge says about its real evidence with some measurements changed."""
    evidence = dict(result_of(name).evidence) | changes
    verdict: bool = demo_module(name).judge(evidence)
    return verdict


@pytest.mark.parametrize("name", DEMO_NAMES)
def test_demo_holds_and_reports_itself(name: str) -> None:
    result = result_of(name)
    assert result.holds, result.evidence
    assert result.name == name
    assert result.claim == claim_of(name)
    assert result.claim.endswith(".")
    assert result.glibc == glibc_version()
    assert set(result.as_dict()) == {
        "name",
        "claim",
        "holds",
        "evidence",
        "glibc",
        "build",
        "removed_environment",
    }
    assert result.build.startswith(result.glibc)


def test_threshold() -> None:
    evidence = result_of("threshold").evidence
    assert evidence["small_where"] == "heap"
    assert evidence["big_where"] == "mmap"
    assert evidence["mmapped_chunks_added"] == 1
    assert evidence["mapped_bytes_added"] == mmapped_chunk_size(256 * 1024) == 266240
    assert not falsified("threshold", big_where="heap")
    assert not falsified("threshold", mapped_bytes_added=256 * 1024)


def test_dynamic_threshold() -> None:
    evidence = result_of("dynamic-threshold").evidence
    assert evidence["first_where"] == "mmap"
    assert evidence["second_where"] == "heap"
    assert evidence["first_mapped_bytes"] == mmapped_chunk_size(MiB) == MiB + PAGE
    assert evidence["second_mapped_bytes"] == 0
    # The new threshold is exactly the freed chunk's size: one 16-byte step decides.
    assert evidence["at_threshold_where"] == "mmap"
    assert evidence["below_threshold_where"] == "heap"
    assert 128 * 1024 < evidence["top_after_first_free"] < 2 * (MiB + PAGE)
    assert evidence["brk_moved_after_first_free"] is False
    assert evidence["released_after_second_free"] > 0
    assert not falsified("dynamic-threshold", second_where="mmap")
    assert not falsified("dynamic-threshold", brk_moved_after_first_free=True)
    assert evidence["top_between_thresholds"]
    assert evidence["brk_fell_after_second"]
    assert not falsified("dynamic-threshold", top_after_first_free=2 * (MiB + PAGE))
    assert not falsified("dynamic-threshold", released_after_second_free=0)


@pytest.mark.parametrize(
    ("via", "setting"),
    [
        ("mallopt", "mmap_threshold"),
        ("env", "mmap_threshold"),
        ("tunable", "mmap_threshold"),
        ("mallopt", "trim_threshold"),
        ("mallopt", "top_pad"),
        ("mallopt", "mmap_max"),
    ],
)
def test_fixed_threshold(via: fixed.Via, setting: str) -> None:
    result = fixed.run(via=via, setting=setting)
    assert result.holds, result.evidence
    assert result.evidence["first_where"] == "mmap"
    assert result.evidence["second_where"] == "mmap"
    assert result.evidence["second_mapped_bytes"] == MiB + PAGE
    assert (result.evidence["via"], result.evidence["setting"]) == (via, setting)


def test_fixed_threshold_judge_notices_a_moving_threshold() -> None:
    assert not falsified("fixed-threshold", second_where="heap", second_mapped_bytes=0)


def test_fixed_threshold_rejects_unknown_options() -> None:
    with pytest.raises(BrkdocError, match="unknown setting"):
        fixed.run(setting="arena_max")


def test_trim() -> None:
    evidence = result_of("trim").evidence
    assert evidence["blocks_where"] == ["heap"]
    assert evidence["released"] >= evidence["grown"] - (128 * 1024 + PAGE)
    assert evidence["top_after_free"] <= 128 * 1024 + PAGE
    assert evidence["guard_is_highest"]
    assert evidence["pinned_brk_after_free"] == evidence["pinned_brk_peak"]
    assert evidence["released_after_guard_free"] > 0
    assert not falsified("trim", pinned_released=PAGE)
    assert not falsified("trim", released=0)
    # The named checks a page shows are the judge's own, computed from the raw values.
    checks = ("released_all_but_kept", "top_below_kept", "pinned_brk_unmoved")
    assert all(evidence[check] is True for check in checks)
    assert not falsified("trim", top_after_free=evidence["kept_at_most"])


def test_malloc_trim() -> None:
    evidence = result_of("malloc-trim").evidence
    pages = evidence["freed_whole_pages_bytes"]
    assert evidence["blocks_contiguous"]
    assert pages >= 63 * 120 * 1024
    assert evidence["rss_drop_after_free"] < 0.1 * pages
    assert evidence["rss_drop_after_trim"] >= 0.9 * pages
    assert evidence["brk_after_trim"] == evidence["brk_before"]
    assert not falsified("malloc-trim", rss_drop_after_trim=pages // 2)
    assert not falsified("malloc-trim", rss_drop_after_free=pages)
    assert not falsified("malloc-trim", brk_after_trim=evidence["brk_before"] - PAGE)
    assert evidence["free_drop_below_10pct"]
    assert evidence["trim_drop_above_90pct"]


def test_rlimit_fallback() -> None:
    evidence = result_of("rlimit-fallback").evidence
    assert evidence["brk_blocked"]
    assert evidence["block_address"] != 0
    assert evidence["block_where"] == "mmap"
    assert evidence["brk_after"] == evidence["brk_before"]
    assert evidence["mmapped_chunks_added"] == 0
    # glibc 2.36 rounds the fallback mapping up to a multiple of MMAP_AS_MORECORE_SIZE (1 MiB).
    assert evidence["arena_bytes_added"] >= request2size(evidence["request"])
    assert not falsified("rlimit-fallback", block_where="heap")
    assert not falsified("rlimit-fallback", block_address=0)


def test_thread_arena() -> None:
    evidence = result_of("thread-arena").evidence
    assert evidence["main_thread_where"] == "heap"
    assert evidence["thread_where"] == "mmap"
    assert evidence["arena_heap_base"] % (64 * MiB) == 0
    assert evidence["arena_heap_reserved_bytes"] == 64 * MiB
    assert evidence["brk_after"] == evidence["brk_before"]
    assert not falsified("thread-arena", thread_where="heap")


def test_madvise() -> None:
    evidence = result_of("madvise").evidence
    size = evidence["size"]
    assert evidence["dontneed_rss_drop"] >= 0.9 * size
    assert evidence["dontneed_bytes_seen"] == [0]
    assert evidence["free_rss_drop"] < 0.1 * size
    assert evidence["free_bytes_seen"] == [evidence["fill"]]
    assert not falsified("madvise", free_rss_drop=size)
    assert not falsified("madvise", dontneed_bytes_seen=[0, 0xAB])


def test_unknown_demo() -> None:
    with pytest.raises(BrkdocError, match="no demo named 'nope'"):
        run_demo("nope")


def test_not_glibc_gives_a_clear_message(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(libc, "glibc_version", lambda: None)
    with pytest.raises(NotGlibcError, match="need glibc's malloc"):
        run_demo("threshold")


def test_rss_after_free() -> None:
    evidence = result_of("rss-after-free").evidence
    free_bytes = evidence["free_bytes_after_free"]
    assert evidence["kept"] == evidence["count"] // 512
    assert evidence["rss_drop_after_free"] < 0.05 * free_bytes
    assert evidence["break_moved_by_free"] == 0
    assert evidence["rss_drop_after_trim"] >= 0.8 * free_bytes
    if glibc_version() == "2.36":
        # 100-byte blocks are fastbin-sized: free() does not even merge them.
        assert evidence["fastbin_bytes_after_free"] >= 0.9 * free_bytes
    assert not falsified("rss-after-free", rss_drop_after_trim=free_bytes // 2)
    assert not falsified("rss-after-free", rss_drop_after_free=free_bytes)
    assert not falsified("rss-after-free", fastbin_bytes_after_trim=4096)


def test_arena_max() -> None:
    evidence = result_of("arena-max").evidence
    cpus = evidence["online_cpus"]
    if glibc_version() == "2.36":
        # Debian's 2.36 counts every online CPU (the backport of upstream 472894d2cf).
        assert evidence["new_arenas_default"] == min(24, max(8 * cpus, 9) - 1)
        assert evidence["new_arenas_pinned"] == evidence["new_arenas_default"]
    assert evidence["affinity_cpus_pinned"] == 1
    assert evidence["new_arenas_capped"] == 1
    assert evidence["vmsize_grown_default"] >= evidence["new_arenas_default"] * 64 * MiB
    assert evidence["vmrss_grown_default"] < 4 * MiB
    assert not falsified("arena-max", new_arenas_capped=3)
    # An affinity-counting glibc with one allowed CPU stops at 9 arenas: 8 new ones.
    assert not falsified("arena-max", new_arenas_pinned=8)
    assert not falsified("arena-max", vmrss_grown_default=evidence["vmsize_grown_default"])


def test_arena_limit_formula_by_version() -> None:
    arena_max = demo_module("arena-max")
    assert arena_max.arenas_in_all(2, {"glibc": "2.36"}) == 16
    assert arena_max.arenas_in_all(1, {"glibc": "2.36"}) == 9
    assert arena_max.arenas_in_all(2, {"glibc": "2.44"}) == 8
    assert arena_max.arenas_in_all(12, {"glibc": "2.44"}) == 12


def test_hugetlb() -> None:
    evidence = result_of("hugetlb").evidence
    with open("/sys/kernel/mm/transparent_hugepage/enabled", encoding="ascii") as setting:
        assert evidence["thp_enabled"] == setting.read().strip()
    assert evidence["advised_plain"] is False
    if evidence["thp_mode"] == "madvise":
        assert evidence["advised_tunable"] is True
        assert evidence["anon_huge_bytes_tunable"] >= 2 * MiB
        assert evidence["anon_huge_bytes_plain"] == 0
        assert not falsified("hugetlb", anon_huge_bytes_tunable=0)
        assert not falsified("hugetlb", advised_tunable=False)
        assert evidence["heap_end_on_huge_page_tunable"] is True
        assert not falsified("hugetlb", heap_end_on_huge_page_tunable=False)
    assert not falsified("hugetlb", advised_plain=True)


def test_hugetlb_judge_follows_the_kernel_setting() -> None:
    hugetlb = demo_module("hugetlb")
    never = {
        "thp_mode": "never",
        "glibc": "2.36",
        "advised_plain": False,
        "advised_tunable": False,
        "anon_huge_bytes_plain": 0,
        "anon_huge_bytes_tunable": 0,
    }
    assert hugetlb.judge(never)
    assert not hugetlb.judge(never | {"anon_huge_bytes_tunable": 2 * MiB})
    assert not hugetlb.judge(never | {"advised_tunable": True})
    always = never | {"thp_mode": "always", "anon_huge_bytes_plain": 6 * MiB}
    assert hugetlb.judge(always)
    assert not hugetlb.judge(always | {"anon_huge_bytes_plain": 0})


def test_overcommit() -> None:
    evidence = result_of("overcommit").evidence
    touched = evidence["touched"]
    assert evidence["rss_grown_by_malloc"] < MiB
    assert 0.9 * touched <= evidence["rss_grown_by_touch"] <= touched + MiB
    assert evidence["over_rlimit_errno"] == "ENOMEM"
    if str(evidence["overcommit_memory"]) == "0":
        assert evidence["blocks_granted"] * evidence["block"] >= 2 * evidence["mem_available"]
        assert evidence["oversized_granted"] == 0
        assert not falsified("overcommit", oversized_granted=1, oversized_errno="0")
    assert not falsified("overcommit", rss_grown_by_malloc=evidence["vmsize_grown"])
    assert not falsified("overcommit", over_rlimit_granted=1)


def test_realloc_mremap() -> None:
    evidence = result_of("realloc-mremap").evidence
    for size in (1, 8, 64):
        assert evidence[f"realloc_faults_{size}mib"] == 0
        assert evidence[f"copy_faults_{size}mib"] >= size * MiB // PAGE
        assert evidence[f"contents_kept_{size}mib"] == 1
    assert not falsified("realloc-mremap", realloc_faults_64mib=64 * MiB // PAGE)
    assert not falsified("realloc-mremap", contents_kept_8mib=0)


def test_calloc_fresh() -> None:
    evidence = result_of("calloc-fresh").evidence
    size = evidence["size"]
    assert evidence["rss_grown_by_calloc"] < size / 100
    assert evidence["rss_grown_by_malloc_memset"] >= 0.9 * size
    assert evidence["rss_grown_by_calloc_with_perturb"] >= 0.9 * size
    assert not falsified("calloc-fresh", rss_grown_by_calloc=size)
    assert not falsified("calloc-fresh", calloc_reads_zero=0)


def test_demos_know_the_glibc_they_run_on() -> None:
    assert chosen_glibc() is None
    with on_glibc("2.43"):
        assert chosen_glibc() == "2.43"
        with on_glibc(None):
            assert chosen_glibc() is None
        assert chosen_glibc() == "2.43"
    assert chosen_glibc() is None
