"""Simulator speed: operations per second on a generated 1,000,000-operation trace.

Run: `.venv/bin/python benchmarks/sim_speed.py [--ops N] [--seed S]`. It writes the trace to a
temporary file and runs `brkdoc simulate TRACE` (summary mode: parse + simulate, no per-op
output) in a fresh interpreter; the "speed" line is brkdoc's own figure, and the wall time
includes interpreter start-up.
The workload mixes sizes like the CS:APP traces: mostly small blocks (16 B to 4 KiB, log-uniform),
a few large ones (up to 1 MiB, some mmapped), about 10% reallocs, and a bounded live set.
Target on the 2-core project machine: at least 300,000 ops/s.
"""

from __future__ import annotations

import argparse
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path


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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ops", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "generated.rep"
        write_trace(path, args.ops, args.seed)
        # A fresh interpreter, as a reader would run it; wall time includes start-up.
        command = [sys.executable, "-m", "brkdoc", "simulate", str(path), "--glibc", "2.36"]
        started = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        wall = time.perf_counter() - started
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(done.stdout.rstrip())
    if done.returncode != 0:
        print(done.stderr.rstrip(), file=sys.stderr)
        return done.returncode
    print(f"wall time {wall:.2f} s including interpreter start: {args.ops / wall:,.0f} ops/s")
    print(f"peak RSS of brkdoc simulate: {usage.ru_maxrss / 1024:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
