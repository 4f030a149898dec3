"""The glibc probe on each real build: the measured facts, against glibc's history and the model."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from brkdoc.native import build, glibc_facts
from brkdoc.native.glibc_facts import FACT_ROWS, GlibcFacts, facts_table, measure_facts
from brkdoc.native.glibcs import CHECKED_VERSIONS, build_for
from brkdoc.sim import get_profile

NEW = ("2.43", "2.44")  # no fastbins, 16-chunk tcache bins, lazy tcache, new mmapped layout


@pytest.fixture(scope="module")
def measured() -> dict[str, GlibcFacts]:
    return {version: measure_facts(version) for version in CHECKED_VERSIONS}


@pytest.mark.parametrize("version", CHECKED_VERSIONS)
def test_the_probe_sees_each_versions_malloc(version: str, measured: dict[str, GlibcFacts]) -> None:
    facts = measured[version]
    assert facts.build == build_for(version).build
    assert facts.first_offset == (0x10 if version in NEW else 0x2A0)
    assert facts.first_growth == 0x21000
    assert facts.tcache_depth == (16 if version in NEW else 7)
    assert facts.fastbin_blocks == (0 if version in NEW else 20 - 7)
    assert facts.calloc_from_tcache == (version >= "2.41")
    assert facts.realloc_in_place
    assert facts.realloc_tail_reused == (version in NEW)
    assert facts.mmapped_usable == (200680 if version in NEW else 200688)
    assert facts.mxfast_accepted == 1
    assert facts.mxfast_fastbin_blocks == 0


@pytest.mark.parametrize("version", CHECKED_VERSIONS)
def test_each_fact_matches_the_versions_model(
    version: str, measured: dict[str, GlibcFacts]
) -> None:
    facts, profile = measured[version], get_profile(version)
    assert facts.tcache_depth == profile.tcache_count
    assert facts.has_fastbins == profile.has_fastbins
    assert facts.calloc_from_tcache == profile.calloc_uses_tcache


def test_the_arena_limit_follows_the_cpu_count(measured: dict[str, GlibcFacts]) -> None:
    cpus = measured["2.36"].online_cpus
    assert cpus == os.cpu_count()
    for version, facts in measured.items():
        # 8 arenas per CPU up to 2.43; from 2.44 max(CPUs, 8). 64 threads ask for more.
        limit = max(cpus, 8) if version == "2.44" else 8 * cpus
        assert facts.arenas_total == min(limit, 64 + 1), version


def test_top_pad_as_the_loader_lists_it(measured: dict[str, GlibcFacts]) -> None:
    listed = {version: facts.top_pad_listed for version, facts in measured.items()}
    assert listed == {"2.31": None, "2.36": "0x0", "2.41": "0x20000", "2.43": "0x20000",
                      "2.44": "0x20000"}  # fmt: skip


def test_the_table_has_a_column_per_build_and_a_change_per_row(
    measured: dict[str, GlibcFacts],
) -> None:
    table = facts_table(list(measured.values())).splitlines()
    assert len(table) == 2 + len(FACT_ROWS)
    assert table[0].startswith("| Fact | 2.31 (")
    assert table[0].endswith(" | What changed it |")
    first = table[2].split(" | ")
    assert first[1:6] == ["`0x2a0`", "`0x2a0`", "`0x2a0`", "`0x10`", "`0x10`"]
    assert (
        "[2bf2188fae](https://sourceware.org/git/?p=glibc.git;a=commit;h=2bf2188fae)" in (table[2])
    )
    assert all(row.count(" | ") == len(CHECKED_VERSIONS) + 1 for row in table[2:])


def test_cached_facts_are_reused_until_an_input_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, measured: dict[str, GlibcFacts]
) -> None:
    monkeypatch.setattr(build, "cache_dir", lambda: tmp_path)
    key = glibc_facts.facts_key(("2.43",))
    cached = tmp_path / "glibc-facts" / f"{key}.json"
    cached.parent.mkdir(parents=True)
    # A cache entry is used as it is: here one that says 99, which no probe measures.
    planted = {**measured["2.43"].as_dict(), "tcache_depth": 99}
    cached.write_text(json.dumps([planted]), encoding="utf-8")
    assert glibc_facts.cached_facts(("2.43",))[0].tcache_depth == 99
    assert glibc_facts.facts_key(("2.44",)) != key
    cached.write_text("not json", encoding="utf-8")  # a damaged entry is measured again
    assert glibc_facts.cached_facts(("2.43",))[0].tcache_depth == 16
