"""Simulator speed beside the real glibc's, on one generated 1,000,000-operation trace, in one run.

Run: `.venv/bin/python benchmarks/sim_speed.py [--ops N] [--seed S] [--compiled]`.

It writes the trace to a temporary file, then
- model: runs `brkdoc simulate TRACE --glibc 2.36` (summary mode: parse and simulate in one
  streaming pass, no per-op output) in a fresh interpreter; the figure is brkdoc's own "speed"
  line, the wall time adds interpreter start-up, and the peak RSS is that process's
  (`wait4`'s ru_maxrss);
- live: replays the same operations through glibc with the oracle (`brkdoc.native.replay.c`,
  compiled once), timing the child process from start to exit with its input and output pipes;
- prints both figures and their ratios (live / model), by wall time and by CPU time (from
  `wait4`, per child). Machines are noisy: compare ratios from one run, not figures from
  different runs; on a busy machine the CPU-time ratio is the steadier one.
With `--compiled` it also times the mypyc-compiled copy of the model (benchmarks/compiled_sim.py
builds it under .cache/ on first use; it needs gcc and the Python headers).

The workload mixes sizes like the CS:APP traces: mostly small blocks (16 B to 4 KiB, log-uniform),
a few large ones (up to 1 MiB, some mmapped), about 10% reallocs, and a bounded live set.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from brkdoc.native.build import clean_malloc_environment
from brkdoc.native.oracle import OP_FREE, OP_MALLOC, OP_REALLOC, oracle_binary
from brkdoc.trace import parse_trace

_OPCODES = {"a": OP_MALLOC, "r": OP_REALLOC, "f": OP_FREE}


def generate(ops: int, seed: int) -> Iterator[str]:
    """The operation lines (no header); ids are fresh for every allocation, as in CS:APP traces."""
    rng = random.Random(seed)
    live: list[int] = []
    next_id = 0
    max_live = 4000

    def size() -> int:
        if rng.random() < 0.01:
            return rng.randint(4096, 1 << 20)
        return int(2 ** rng.uniform(4, 12))

    for _ in range(ops):
        roll = rng.random()
        if live and (roll < 0.45 or len(live) >= max_live):
            slot = rng.randrange(len(live))
            live[slot], live[-1] = live[-1], live[slot]
            yield f"f {live.pop()}\n"
        elif live and roll < 0.55:
            yield f"r {rng.choice(live)} {size()}\n"
        else:
            yield f"a {next_id} {size()}\n"
            live.append(next_id)
            next_id += 1


def write_trace(path: Path, ops: int, seed: int) -> None:
    """Write the trace without holding it in memory (the header's id count is an upper bound)."""
    with path.open("w") as out:
        out.write(f"0\n{ops}\n{ops}\n1\n")
        out.writelines(generate(ops, seed))


@dataclass(frozen=True)
class ChildRun:
    """One child process: what it printed, its wall time, its CPU time and its peak RSS."""

    stdout: bytes
    wall: float
    cpu: float
    peak_rss_kib: int


def run_child(command: list[str], env: dict[str, str], stdin: bytes = b"") -> ChildRun:
    """Run `command` to completion; `wait4` reports that child's own CPU time and peak RSS.

    CPU time is what the ratios below use as well as wall time: with other work on the
    machine, a process's wall time depends on how often it got a core, its CPU time much less.
    """
    with tempfile.TemporaryFile() as given, tempfile.TemporaryFile() as out:
        given.write(stdin)
        given.seek(0)
        started = time.perf_counter()
        child = subprocess.Popen(command, stdin=given, stdout=out, stderr=subprocess.PIPE, env=env)
        assert child.stderr is not None
        errors = child.stderr.read()
        _pid, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        child.stderr.close()
        out.seek(0)
        output = out.read()
    if child.returncode != 0:
        message = errors.decode(errors="replace").strip()
        raise SystemExit(f"{command[0]} failed ({child.returncode}): {message}")
    return ChildRun(output, wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss)


@dataclass(frozen=True)
class ModelRun:
    output: str
    ops_per_second: float
    child: ChildRun


def run_model(trace: Path, pythonpath: Path | None = None) -> ModelRun:
    """`brkdoc simulate` in a fresh interpreter (the compiled copy first on the path if given)."""
    env = dict(os.environ)
    if pythonpath is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(pythonpath), env.get("PYTHONPATH")]))
    command = [sys.executable, "-m", "brkdoc", "simulate", str(trace), "--glibc", "2.36"]
    child = run_child(command, env)
    output = child.stdout.decode()
    found = re.search(r"^speed: ([\d,]+) ops/s$", output, re.MULTILINE)
    if found is None:
        raise SystemExit(f"brkdoc simulate printed no speed line:\n{output}")
    return ModelRun(output.rstrip(), float(found.group(1).replace(",", "")), child)


def run_live(trace: Path) -> tuple[int, ChildRun]:
    """The oracle child replaying the trace through glibc: start, replay, pipes, exit."""
    slots: dict[int, int] = {}
    payload = bytearray()
    pack = struct.Struct("=Qqq").pack
    count = 0
    with trace.open(encoding="latin-1") as handle:
        for op in parse_trace(handle, str(trace)):
            slot = slots.setdefault(op.id, len(slots))
            payload += pack(_OPCODES[op.op], slot, op.size)
            count += 1
    payload[:0] = struct.pack("=Q", len(slots))
    binary = str(oracle_binary())  # compiled (or found in the cache) before the clock starts
    child = run_child([binary], clean_malloc_environment(), bytes(payload))
    if len(child.stdout) != 8 + 32 * count:
        raise SystemExit(f"the oracle replayed {(len(child.stdout) - 8) // 32} of {count} ops")
    return count, child


def _model_line(label: str, run: ModelRun, ops: int, live: ChildRun) -> str:
    child = run.child
    return (
        f"{label}: {run.ops_per_second:,.0f} ops/s (brkdoc's speed line); whole process "
        f"{ops / child.wall:,.0f} ops/s wall, {ops / child.cpu:,.0f} ops/s CPU; "
        f"peak RSS {child.peak_rss_kib / 1024:.1f} MB\n"
        f"  live/model: {ops / live.wall / run.ops_per_second:.1f}x (speed line vs live wall), "
        f"{child.wall / live.wall:.1f}x (wall, whole processes), "
        f"{child.cpu / live.cpu:.1f}x (CPU time, whole processes)"
    )


@dataclass(frozen=True)
class Round:
    """One model run (and one of the compiled copy) beside one live replay, back to back."""

    model: ModelRun
    fast: ModelRun | None
    ops: int
    live: ChildRun


def _ratios(run: ModelRun, ops: int, live: ChildRun) -> tuple[float, float]:
    """live/model by the speed line against the live wall time, and by CPU time."""
    return ops / live.wall / run.ops_per_second, run.child.cpu / live.cpu


def _median_line(label: str, ratios: list[tuple[float, float]]) -> str:
    by_speed = statistics.median(speed for speed, _ in ratios)
    by_cpu = statistics.median(cpu for _, cpu in ratios)
    each = ", ".join(f"{speed:.1f}x" for speed, _ in ratios)
    return (
        f"{label}, median of {len(ratios)} rounds: live/model {by_speed:.1f}x (speed line vs "
        f"live wall; rounds: {each}), {by_cpu:.1f}x (CPU time, whole processes)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--ops", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--compiled", action="store_true", help="also time the mypyc build")
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="model and live runs, interleaved, each round printed and the ratios' median last "
        "(one live replay is short enough for a noisy machine to move it by half)",
    )
    args = parser.parse_args()
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    compiled: Path | None = None
    if args.compiled:
        from compiled_sim import build  # noqa: PLC0415  (benchmarks/ is on sys.path)

        compiled = build()
    rounds: list[Round] = []
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "generated.rep"
        write_trace(path, args.ops, args.seed)
        for _ in range(args.rounds):
            model = run_model(path)
            fast = run_model(path, compiled) if compiled is not None else None
            ops, live = run_live(path)
            rounds.append(Round(model, fast, ops, live))
    print(rounds[0].model.output)
    for number, done in enumerate(rounds, start=1):
        if args.rounds > 1:
            print(f"round {number} of {args.rounds}:")
        ops, live = done.ops, done.live
        print(
            f"live glibc replay: {ops / live.wall:,.0f} ops/s wall, {ops / live.cpu:,.0f} ops/s "
            f"CPU ({ops:,} ops; whole oracle process, pipes included)"
        )
        print(_model_line("model, pure Python", done.model, ops, live))
        if done.fast is not None:
            if done.fast.output.split("\nspeed:")[0] != done.model.output.split("\nspeed:")[0]:
                raise SystemExit("the compiled model's summary differs from the pure model's")
            print(_model_line("model, mypyc-compiled", done.fast, ops, live))
    if args.rounds > 1:
        print(_median_line("pure Python", [_ratios(r.model, r.ops, r.live) for r in rounds]))
        if compiled is not None:
            fast_ratios = [_ratios(r.fast, r.ops, r.live) for r in rounds if r.fast is not None]
            print(_median_line("mypyc-compiled", fast_ratios))
    print("load average at the end: {:.2f} {:.2f} {:.2f} (2 cores here)".format(*os.getloadavg()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
