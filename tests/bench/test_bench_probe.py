"""brkdoc.bench.probe and runner: the C probe compiles, runs in child processes, and reports
numbers that make structural sense. No timing is asserted: only counts and shapes."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from brkdoc.bench import run_bench
from brkdoc.bench.probe import compile_probe, parse_probe_output, run_experiment
from brkdoc.errors import BrkdocError

needs_gcc = pytest.mark.skipif(
    shutil.which("gcc") is None, reason="no C compiler to build the probe"
)


def test_parse_reads_name_value_lines() -> None:
    assert parse_probe_output("a 1.5\n\nb 2\n") == {"a": 1.5, "b": 2.0}


@pytest.mark.parametrize("bad", ["a", "a 1 2", "a one"])
def test_parse_rejects_malformed_lines(bad: str) -> None:
    with pytest.raises(BrkdocError, match="line 1"):
        parse_probe_output(bad)


@needs_gcc
def test_probe_is_compiled_once_and_reused(tmp_path: Path) -> None:
    first = compile_probe(tmp_path)
    mtime = first.stat().st_mtime_ns
    second = compile_probe(tmp_path)
    assert first == second
    assert second.stat().st_mtime_ns == mtime
    assert os.access(first, os.X_OK)
    assert [p.name for p in tmp_path.iterdir()] == [first.name]  # no leftovers


@needs_gcc
def test_unknown_experiment_is_refused(tmp_path: Path) -> None:
    with pytest.raises(BrkdocError, match="unknown"):
        run_experiment(compile_probe(tmp_path), "nonsense")


def test_child_does_not_inherit_malloc_tunables(tmp_path: Path) -> None:
    # A stand-in probe that reports which allocator settings reached it.
    fake = tmp_path / "probe"
    fake.write_text(
        "#!/bin/sh\n"
        "echo tunables ${#GLIBC_TUNABLES}\n"
        "echo threshold ${#MALLOC_MMAP_THRESHOLD_}\n"
        "echo preload ${#LD_PRELOAD}\n"
        "echo kept ${#BRKDOC_KEEP}\n"
    )
    fake.chmod(0o755)
    env = dict(
        os.environ,
        GLIBC_TUNABLES="glibc.malloc.mmap_threshold=4096",
        MALLOC_MMAP_THRESHOLD_="4096",
        LD_PRELOAD="/nonexistent.so",
        BRKDOC_KEEP="yes",
    )
    values = run_experiment(fake, "vma", env=env)
    assert values == {"tunables": 0, "threshold": 0, "preload": 0, "kept": 3}


@needs_gcc
def test_quick_run_is_structurally_sound() -> None:
    report = run_bench(quick=True)
    # Every touched page faulted exactly once: huge pages are off for that region.
    assert report.first_touch_faults == report.first_touch_pages > 0
    vmas = {row.what: row for row in report.vmas}
    assert (
        vmas["mmap 1 page, each with a gap after it"].vmas_added
        == vmas["mmap 1 page, each with a gap after it"].calls
    )
    # Adjacent anonymous mappings and a growing heap merge into existing VMAs.
    assert vmas["mmap 1 page, each next to the last"].vmas_added <= 1
    assert vmas["brk: grow the heap by 1 page"].vmas_added <= 1
    assert report.vma_many > report.vma_baseline
    returns = {row.syscall: row for row in report.returns}
    assert returns["none"].rss_returned == 0
    for syscall in ("munmap", "brk", "madvise"):
        # At least half the block: RSS counters are approximate, but not by megabytes.
        assert returns[syscall].rss_returned >= report.return_bytes // 2, syscall
    assert all(row.ns > 0 for row in report.costs if not row.what.startswith("difference"))
    assert all(p.fixed_ns > 0 and p.dynamic_ns > 0 for p in report.sweep)
