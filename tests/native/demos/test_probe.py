"""The C probe behind six demos: its output format, its errors, its clean environment."""

from __future__ import annotations

import pytest

from brkdoc.errors import BrkdocError
from brkdoc.native import run_demo
from brkdoc.native.child import ChildError
from brkdoc.native.demos.probe import (
    compile_probe,
    glibc_at_least,
    parse_probe_output,
    run_probe,
)
from brkdoc.native.glibcs import build_for
from brkdoc.platform import glibc_version


def test_parse_keeps_text_and_reads_integers() -> None:
    parsed = parse_probe_output(
        "glibc 2.36\nnew_arenas 15\ndrop -4096\nthp always [madvise] never\n"
    )
    assert parsed == {
        "glibc": "2.36",
        "new_arenas": 15,
        "drop": -4096,
        "thp": "always [madvise] never",
    }


def test_parse_rejects_a_line_without_value() -> None:
    with pytest.raises(ChildError, match="line 2: expected 'name value'"):
        parse_probe_output("glibc 2.36\nlonely\n")


def test_glibc_at_least() -> None:
    assert glibc_at_least({"glibc": "2.43"}, (2, 43))
    assert not glibc_at_least({"glibc": "2.36"}, (2, 41))
    assert glibc_at_least({"glibc": "3.0"}, (2, 44))


@pytest.mark.skipif(glibc_version() is None, reason="the probe needs glibc's malloc")
def test_unknown_experiment_is_one_clear_error() -> None:
    with pytest.raises(ChildError, match="unknown experiment or wrong arguments: nope"):
        run_probe("nope")


@pytest.mark.skipif(glibc_version() is None, reason="the probe needs glibc's malloc")
def test_probe_does_not_inherit_tunables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GLIBC_TUNABLES", "glibc.malloc.hugetlb=1")
    plain = run_probe("hugetlb", (4096,))
    assert plain["glibc_tunables"] == "(unset)"
    tuned = run_probe("hugetlb", (4096,), env={"GLIBC_TUNABLES": "glibc.malloc.hugetlb=1"})
    assert tuned["glibc_tunables"] == "glibc.malloc.hugetlb=1"


def test_probe_needs_mallinfo2() -> None:
    with pytest.raises(BrkdocError, match=r"needs mallinfo2 \(glibc 2.33 or later\), not 2.31"):
        compile_probe("2.31")


@pytest.mark.skipif(glibc_version() is None, reason="the probe needs glibc's malloc")
def test_rss_after_free_on_243_has_no_fastbins() -> None:
    result = run_demo("rss-after-free", glibc="2.43")
    assert result.holds, result.evidence
    assert (result.glibc, result.evidence["glibc"]) == ("2.43", "2.43")
    assert result.build == build_for("2.43").build
    # glibc 2.43 removed the fastbins: the frees merged the chunks, and RSS still stayed.
    assert result.evidence["fastbin_bytes_after_free"] == 0
    assert result.evidence["rss_drop_after_free"] == 0


@pytest.mark.skipif(glibc_version() is None, reason="the probe needs glibc's malloc")
def test_arena_max_on_244_is_max_of_cpus_and_8() -> None:
    result = run_demo("arena-max", glibc="2.44")
    assert result.holds, result.evidence
    cpus = result.evidence["online_cpus"]
    assert result.evidence["new_arenas_default"] == min(24, max(cpus, 8) - 1)
    assert result.evidence["new_arenas_pinned"] == result.evidence["new_arenas_default"]


@pytest.mark.skipif(glibc_version() is None, reason="the probe demos need glibc")
def test_a_probe_demo_runs_without_the_callers_malloc_settings_and_says_so(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MALLOC_TOP_PAD_", "1")
    result = run_demo("calloc-fresh")
    assert result.holds, result.evidence
    assert result.removed_environment == ("MALLOC_TOP_PAD_",)
