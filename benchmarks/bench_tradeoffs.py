"""Measure this machine with `brkdoc bench` and commit the numbers to the trade-offs page.

    .venv/bin/python benchmarks/bench_tradeoffs.py            # writes docs/data/bench.json
    .venv/bin/python benchmarks/bench_tradeoffs.py --output - # prints the JSON instead

This is the one command that puts numbers on the site: docs/tradeoffs.md never contains a
typed number; the build hook (hooks/bench_plot.py) renders its tables and plot from the file
written here. The file is replaced atomically, so a failed run leaves the old numbers intact.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from brkdoc.bench import run_bench
from brkdoc.errors import BrkdocError

DEFAULT_OUTPUT = Path(__file__).resolve().parent.parent / "docs" / "data" / "bench.json"


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".bench-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--output",
        default=str(DEFAULT_OUTPUT),
        help="where to write the JSON ('-' for stdout); default docs/data/bench.json",
    )
    args = parser.parse_args(argv)
    started = time.monotonic()
    try:
        report = run_bench(progress=lambda name: print(f"measuring: {name}", file=sys.stderr))
    except BrkdocError as error:
        print(f"bench_tradeoffs: {error}", file=sys.stderr)
        return 1
    data = report.as_dict()
    data["measured_on"] = datetime.date.today().isoformat()
    data["command"] = "python benchmarks/bench_tradeoffs.py"
    text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    if args.output == "-":
        sys.stdout.write(text)
    else:
        _write_atomically(Path(args.output), text)
        print(f"wrote {args.output} in {time.monotonic() - started:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
