"""The `brkdoc` command: parse arguments, call the library, format the result.

Each subcommand lives in its own module with a `register(subparsers)` function that adds its
parser and sets `handler`, a callable taking the parsed namespace and returning an exit status.
Usage errors exit with status 2 (argparse's convention); expected failures print one line to
stderr and exit non-zero, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from brkdoc import __version__
from brkdoc.cli import bench, demo, info, trace, versions
from brkdoc.errors import BrkdocError

__all__ = ["build_parser", "main"]

_COMMAND_MODULES = (info, demo, trace, versions, bench)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="brkdoc",
        description="How Linux programs get memory: brk() versus mmap(), shown live.",
    )
    parser.add_argument("--version", action="version", version=f"brkdoc {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in _COMMAND_MODULES:
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        status: int = args.handler(args)
    except BrkdocError as error:
        print(f"brkdoc: {error}", file=sys.stderr)
        return error.exit_status
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader piped us into `head`; that is not an error worth a traceback.
        sys.stderr.close()
        return 0
    return status
