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


def test_rounds_interleave_and_end_with_the_median_of_their_ratios() -> None:
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "sim_speed.py"),
            "--ops",
            "2000",
            "--rounds",
            "3",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    out = done.stdout
    assert [f"round {n} of 3:" for n in (1, 2, 3)] == re.findall(r"^round \d of 3:", out, re.M)
    each = [float(x) for x in re.findall(r"live/model: ([\d.]+)x \(speed line", out)]
    median = re.search(
        r"^pure Python, median of 3 rounds: live/model ([\d.]+)x .*rounds: (.*)\)", out, re.M
    )
    assert median is not None
    assert float(median.group(1)) == sorted(each)[1]


def test_no_rounds_is_a_usage_error() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "sim_speed.py"), "--rounds", "0"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert "--rounds must be at least 1" in done.stderr
