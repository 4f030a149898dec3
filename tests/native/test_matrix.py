"""The check matrix on the provenance page: builds, and model-vs-build agreement counted live."""

from __future__ import annotations

from pathlib import Path

import pytest

from brkdoc.native import build, glibcs
from brkdoc.native.matrix import MatrixRow, cached_matrix, check_matrix, matrix_table

TRACES = Path(__file__).resolve().parents[2] / "examples" / "traces" / "csapp"


def test_each_build_is_a_row_with_its_counts() -> None:
    rows = check_matrix([TRACES / "short1-bal.rep"])
    assert [row.version for row in rows] == list(glibcs.CHECKED_VERSIONS)
    for row in rows:
        built = glibcs.build_for(row.version)
        assert row.build == built.build
        assert row.runs_as == ("directly" if built.is_system else "through its own ld.so")
        assert (row.traces, row.ops) == (1, 12)
        assert row.agreeing_ops <= row.ops
        assert row.exact_traces == (row.agreeing_ops == row.ops)


def test_a_model_that_disagrees_is_counted(monkeypatch: pytest.MonkeyPatch) -> None:
    # Model 2.43 with the 2.36 profile: the first pointer differs, so no op counts as agreeing
    # before the first difference at op 0.
    from brkdoc.native import versions  # noqa: PLC0415

    real = versions.model_profile
    monkeypatch.setattr(versions, "model_profile", lambda v: real("2.36" if v == "2.43" else v))
    rows = {row.version: row for row in check_matrix([TRACES / "short1-bal.rep"])}
    assert (rows["2.43"].exact_traces, rows["2.43"].agreeing_ops) == (0, 0)
    assert rows["2.36"].agreeing_ops == 12


def test_the_matrix_is_cached_on_its_inputs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(build, "cache_dir", lambda: tmp_path)
    trace = tmp_path / "one.rep"
    trace.write_text("0\n1\n1\n1\na 0 24\n", encoding="utf-8")
    first = cached_matrix([trace])
    assert len(list((tmp_path / "glibc-matrix").glob("*.json"))) == 1
    assert cached_matrix([trace]) == first
    trace.write_text("0\n1\n2\n1\na 0 24\nf 0\n", encoding="utf-8")  # a new input
    assert cached_matrix([trace])[0].ops == 2
    assert len(list((tmp_path / "glibc-matrix").glob("*.json"))) == 2


def test_the_table_has_one_line_per_build() -> None:
    row = MatrixRow("2.43", "2.43-7", "sid", "through its own ld.so", 12, 12, 112384, 112384)
    table = matrix_table([row]).splitlines()
    assert (
        table[2]
        == "| 2.43 | `2.43-7` | sid | through its own ld.so | 12 of 12 | 112,384 | 112,384 |"
    )
