"""`brkdoc info`: which C library, kernel and distribution this machine runs."""

from __future__ import annotations

import argparse
import json
from typing import Any

from brkdoc.platform import describe_platform


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "info",
        help="show the C library, kernel and distribution of this machine",
        description="Show the C library, kernel and distribution that outputs on this machine "
        "come from.",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    facts = describe_platform()
    if args.json:
        print(json.dumps(facts.as_dict(), indent=2))
    else:
        for key, value in facts.as_dict().items():
            print(f"{key + ':':<14}{value}")
    return 0
