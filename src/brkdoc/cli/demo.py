"""`brkdoc demo`: placeholder until its issue lands."""

from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser("demo", help="(not yet available)")
    parser.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    print("brkdoc demo: not implemented yet")
    return 1
