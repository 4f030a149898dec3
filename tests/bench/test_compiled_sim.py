"""benchmarks/compiled_sim.py: the mypyc-compiled model gives exactly the pure model's output.

The compiled copy is built once per source digest under .cache/compiled-sim (about half a minute
of CPU), then every example trace and a generated one run through both, in separate
interpreters, and everything the model reports is compared: each observation, the summary, the
simulated system calls, the final heap map and glibc's abort message on a double free.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from tests.loading import load_by_path

ROOT = Path(__file__).resolve().parents[2]
compiled_sim = load_by_path("benchmarks/compiled_sim.py", "compiled_sim_under_test")
sim_speed = load_by_path("benchmarks/sim_speed.py", "sim_speed_under_test")

# Run in a child: prints where the model was loaded from, then everything it reports.
_REPORT = """
import sys
from pathlib import Path
import brkdoc.sim.heap
import brkdoc.trace.text
from brkdoc.sim import Heap, MallocAbort, format_strace, format_view
from brkdoc.sim import simulate, snapshot
from brkdoc.sim.trace import summarize
from brkdoc.trace import format_observation, parse_trace

print(brkdoc.sim.heap.__file__)
print(brkdoc.trace.text.__file__)
for name in sys.argv[1:]:
    lines = Path(name).read_text(encoding="latin-1").splitlines()
    heap = Heap()
    print(name)
    for obs in simulate(list(parse_trace(lines, name)), heap=heap):
        print(format_observation(obs))
    print(format_strace(heap.syscalls))
    print(format_view(snapshot(heap)))
    print(summarize(parse_trace(lines, name), Heap()))
heap = Heap()
pointer = heap.malloc(40)
heap.free(pointer)
try:
    heap.free(pointer)
except MallocAbort as error:
    print("abort:", error)
"""


def _report(traces: list[Path], pythonpath: Path | None) -> tuple[tuple[str, str], str]:
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    done = subprocess.run(
        [sys.executable, "-c", _REPORT, *map(str, traces)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    heap_from, trace_from, report = done.stdout.split("\n", 2)
    return (heap_from, trace_from), report


@pytest.mark.slow
def test_the_compiled_model_reports_exactly_what_the_pure_model_reports(tmp_path: Path) -> None:
    folder = compiled_sim.build()
    generated = tmp_path / "generated.rep"
    sim_speed.write_trace(generated, 20_000, 7)
    traces = [*sorted((ROOT / "examples" / "traces").rglob("*.rep")), generated]
    assert len(traces) >= 13
    pure_from, pure = _report(traces, None)
    compiled_from, compiled = _report(traces, folder)
    # Both really ran what they claim: .py files, and extension modules from the copy (the
    # model's and the trace format's, which its hot loop calls).
    source = ROOT / "src" / "brkdoc"
    assert pure_from == (str(source / "sim" / "heap.py"), str(source / "trace" / "text.py"))
    for module in compiled_from:
        assert module.startswith(str(folder))
        assert module.endswith(sysconfig.get_config_var("EXT_SUFFIX"))
    assert "abort: free(): double free detected in tcache 2" in pure
    assert pure.count("\n") > 100_000
    assert compiled == pure


def test_the_build_key_follows_the_source() -> None:
    key = compiled_sim.build_key()
    assert key == compiled_sim.build_key()
    assert len(key) == 64
    assert {
        "sim/allocate",
        "sim/bins",
        "sim/heap",
        "sim/trace",
        "trace/text",
        "trace/ids",
        "glibc_constants",
    } <= set(compiled_sim.MODULES)
    assert not [name for name in compiled_sim.MODULES if name.endswith("/__init__")]
