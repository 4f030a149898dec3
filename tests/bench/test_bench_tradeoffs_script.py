"""benchmarks/bench_tradeoffs.py: writes the page's JSON atomically (run in quick mode here)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from types import ModuleType

import pytest

import brkdoc.bench
from tests.loading import load_by_path

ROOT = Path(__file__).resolve().parents[2]


def _script() -> ModuleType:
    return load_by_path("benchmarks/bench_tradeoffs.py", "bench_tradeoffs")


@pytest.mark.skipif(shutil.which("gcc") is None, reason="no C compiler to build the probe")
def test_writes_json_with_provenance(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    script = _script()
    real = brkdoc.bench.run_bench
    monkeypatch.setattr(script, "run_bench", lambda **kw: real(quick=True, **kw))
    target = tmp_path / "out" / "bench.json"
    assert script.main(["--output", str(target)]) == 0
    data = json.loads(target.read_text(encoding="utf-8"))
    assert data["command"] == "python benchmarks/bench_tradeoffs.py"
    assert data["schema"] == 1
    assert [p.name for p in target.parent.iterdir()] == ["bench.json"]  # no temporary left
