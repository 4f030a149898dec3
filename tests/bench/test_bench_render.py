"""brkdoc.bench.render: units, and tables that carry every row of the report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from brkdoc.bench.render import (
    format_bytes,
    format_ns,
    markdown_costs,
    markdown_returns,
    markdown_sweep,
    markdown_vmas,
    text_report,
)
from brkdoc.bench.report import GROUPS, BenchReport, report_from_dict

SAVED = Path(__file__).resolve().parents[2] / "docs" / "data" / "bench.json"


@pytest.fixture
def report() -> BenchReport:
    return report_from_dict(json.loads(SAVED.read_text(encoding="utf-8")))


@pytest.mark.parametrize(
    ("ns", "text"),
    [(12.34, "12.3 ns"), (999.0, "999 ns"), (1500.0, "1.5 µs"), (2_345_678.0, "2.35 ms")],
)
def test_format_ns_picks_the_unit(ns: float, text: str) -> None:
    assert format_ns(ns) == text


def test_format_bytes_shows_partial_mebibytes() -> None:
    assert format_bytes(0) == "0"
    assert format_bytes(8 << 20) == "8 MiB"
    assert format_bytes(8 * 1048576 - 4096) == "8188 KiB"
    assert format_bytes(1_000_000) == "0.95 MiB"


def test_text_report_has_every_row(report: BenchReport) -> None:
    text = text_report(report)
    for row in report.costs:
        assert row.what in text
    for group in GROUPS.values():
        assert group in text
    for vma in report.vmas:
        assert vma.what in text
    for ret in report.returns:
        assert ret.what in text
    assert text.count(" KiB ") + text.count(" MiB ") >= len(report.sweep)


def _body_rows(table: str) -> int:
    return len(table.splitlines()) - 2


def test_markdown_tables_have_one_line_per_row(report: BenchReport) -> None:
    for group_id, group in GROUPS.items():
        expected = sum(1 for row in report.costs if row.group == group)
        assert _body_rows(markdown_costs(report, group_id)) == expected
    assert _body_rows(markdown_vmas(report)) == len(report.vmas)
    assert _body_rows(markdown_sweep(report)) == len(report.sweep)
    assert _body_rows(markdown_returns(report)) == len(report.returns)


def test_unknown_group_is_a_key_error(report: BenchReport) -> None:
    with pytest.raises(KeyError):
        markdown_costs(report, "nonsense")
