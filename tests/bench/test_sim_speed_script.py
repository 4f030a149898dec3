"""benchmarks/sim_speed.py runs the model and the live replay on one trace and prints both."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_a_small_run_prints_both_figures_the_ratios_and_the_peak_rss() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "sim_speed.py"), "--ops", "3000"],
        capture_output=True,
        text=True,
        check=True,
    )
    out = done.stdout
    assert "ops: 3000" in out
    assert re.search(r"^live glibc replay: [\d,]+ ops/s wall, [\d,]+ ops/s CPU", out, re.M)
    assert re.search(r"^model, pure Python: [\d,]+ ops/s .* peak RSS [\d.]+ MB$", out, re.M)
    ratios = re.search(r"live/model: ([\d.]+)x .*, ([\d.]+)x .*, ([\d.]+)x", out)
    assert ratios is not None
    assert all(float(value) > 0 for value in ratios.groups())
