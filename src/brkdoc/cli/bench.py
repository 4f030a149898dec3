"""`brkdoc bench`: measure what brk, mmap, page faults and malloc cost on this machine."""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "bench",
        help="measure brk, mmap, page faults, munmap and malloc on this machine",
        description="Measure, on this machine, what growing memory with brk or mmap costs, what "
        "a first touch, munmap and a TLB shootdown cost, how the VMA count grows, what "
        "malloc+free costs across the mmap threshold, and how long returning memory takes. "
        "Every experiment runs in a child process; the whole run takes a few seconds.",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="shrink every loop (checks that it runs; the numbers are not meaningful)",
    )
    parser.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    # Imported here: the bench package is most of the CLI's import time, and only this needs it.
    from brkdoc.bench import run_bench  # noqa: PLC0415
    from brkdoc.bench.render import text_report  # noqa: PLC0415

    started = time.monotonic()
    report = run_bench(quick=args.quick)
    if args.json:
        print(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))
    else:
        print(text_report(report))
        # Wall time goes to stderr so the table on stdout stays the same shape run to run.
        print(f"measured in {time.monotonic() - started:.1f} s", file=sys.stderr)
    return 0
