"""brkdoc.bench.report: organising raw probe values, and the JSON round trip."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from brkdoc.bench.report import GROUPS, SWEEP_SIZES, build_report, report_from_dict
from brkdoc.errors import BrkdocError

SAVED = Path(__file__).resolve().parents[2] / "docs" / "data" / "bench.json"


@pytest.fixture
def saved() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(SAVED.read_text(encoding="utf-8"))
    return data


def test_saved_page_data_rebuilds_into_the_same_report(saved: dict[str, Any]) -> None:
    report = report_from_dict(saved)
    rebuilt = report.as_dict()
    for key in ("costs", "vmas", "returns", "sweep", "machine"):
        assert rebuilt[key] == saved[key], key


def test_every_group_has_rows_and_every_row_a_known_group(saved: dict[str, Any]) -> None:
    report = report_from_dict(saved)
    groups = {row.group for row in report.costs}
    assert groups == set(GROUPS.values())


def test_sweep_covers_every_size_in_order(saved: dict[str, Any]) -> None:
    report = report_from_dict(saved)
    assert [point.size for point in report.sweep] == list(SWEEP_SIZES)


def test_sweep_sizes_match_the_c_probe() -> None:
    source = (SAVED.parents[2] / "src" / "brkdoc" / "bench" / "bench_probe.c").read_text()
    body = source.split("sweep_sizes[] = {", 1)[1].split("};", 1)[0]
    assert [int(n) for n in body.replace(",", " ").split()] == list(SWEEP_SIZES)


def test_per_page_rows_divide_the_per_call_cost(saved: dict[str, Any]) -> None:
    report = report_from_dict(saved)
    per_call = report.cost("brk: grow the heap by 1 MiB").ns
    per_page = report.cost("brk: grow by 1 MiB, per page").ns
    assert per_page == pytest.approx(per_call / 256)


def test_shootdown_row_is_the_difference_of_the_two_munmaps(saved: dict[str, Any]) -> None:
    report = report_from_dict(saved)
    alone = report.cost("munmap 1 touched page, one thread").ns
    remote = report.cost("munmap 1 touched page, a 2nd thread on another CPU").ns
    assert report.cost("difference: the TLB shootdown").ns == pytest.approx(remote - alone)


def test_single_cpu_machines_have_no_shootdown_row(saved: dict[str, Any]) -> None:
    raw = {name: dict(values) for name, values in saved["raw"].items()}
    del raw["tlb"]["munmap_1page_with_remote_thread"]
    report = build_report(raw, saved["machine"])
    whats = {row.what for row in report.costs}
    assert "difference: the TLB shootdown" not in whats
    assert "munmap 1 touched page, one thread" in whats


def test_a_missing_experiment_is_an_error_not_a_traceback(saved: dict[str, Any]) -> None:
    raw = dict(saved["raw"])
    del raw["vma"]
    with pytest.raises(BrkdocError, match="vma"):
        build_report(raw, saved["machine"])


def test_a_missing_value_names_itself(saved: dict[str, Any]) -> None:
    raw = {name: dict(values) for name, values in saved["raw"].items()}
    del raw["kernel"]["zero_page"]
    with pytest.raises(BrkdocError, match="zero_page"):
        build_report(raw, saved["machine"])


def test_wrong_schema_is_rejected(saved: dict[str, Any]) -> None:
    saved["schema"] = 999
    with pytest.raises(BrkdocError, match="schema"):
        report_from_dict(saved)
