"""`brkdoc info`: which C library, kernel and distribution this machine runs."""

from __future__ import annotations

import argparse
import json
from typing import Any

from brkdoc.native.glibcs import CHECKED_VERSIONS, system_version
from brkdoc.platform import describe_platform


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "info",
        help="show the C library, kernel and distribution of this machine",
        description="Show the C library, kernel and distribution that outputs on this machine "
        "come from, and which of the simulator's checked glibc profiles matches the running "
        "glibc (none when its version is not one of them).",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    facts = describe_platform()
    profile = system_version()
    if args.json:
        print(json.dumps({**facts.as_dict(), "profile": profile}, indent=2))
        return 0
    for key, value in facts.as_dict().items():
        print(f"{key + ':':<14}{value}")
    if profile is not None:
        matched = f"{profile} (the simulator's profile of this glibc, checked against it)"
    else:
        matched = f"none checked for this C library (checked: {', '.join(CHECKED_VERSIONS)})"
    print(f"{'profile:':<14}{matched}")
    return 0
