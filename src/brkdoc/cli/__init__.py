"""The `brkdoc` command: parse arguments, call the library, format the result.

Each subcommand lives in its own module with a `register(subparsers)` function that adds its
parser and sets `handler`, a callable taking the parsed namespace and returning an exit status.
Usage errors exit with status 2 (argparse's convention); expected failures print one line to
stderr and exit non-zero, never a traceback.
"""

from __future__ import annotations

import argparse
import codecs
import io
import os
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


# What a terminal that cannot show a character gets instead (PYTHONIOENCODING=ascii, a C
# locale): a readable stand-in for the few characters brkdoc itself prints, an escape otherwise.
_STAND_INS = {
    "\u00b5": "u",  # micro sign, in "µs"
    "\u00d7": "x",  # multiplication sign
    "\u2013": "-",  # en dash
    "\u2014": "-",  # em dash
    "\u2026": "...",  # ellipsis
    "\u2248": "~",  # almost equal to
    "\u2192": "->",  # rightwards arrow
}
_ERRORS = "brkdoc-stand-in"


def _stand_in(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeEncodeError):
        raise error
    text = error.object[error.start : error.end]
    return "".join(_STAND_INS.get(char, f"\\u{ord(char):04x}") for char in text), error.end


def _safe_streams() -> None:
    """Make printing never fail on an encoding that lacks a character."""
    try:
        codecs.lookup_error(_ERRORS)
    except LookupError:
        codecs.register_error(_ERRORS, _stand_in)
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper) and stream.errors == "strict":
            stream.reconfigure(errors=_ERRORS)


def main(argv: Sequence[str] | None = None) -> int:
    _safe_streams()
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        status: int = args.handler(args)
        sys.stdout.flush()
    except BrkdocError as error:
        print(f"brkdoc: {error}", file=sys.stderr)
        return error.exit_status
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader piped us into `head`; that is not an error worth a traceback.
        _discard_stdout()
        return 0
    except OSError as error:
        # Every file brkdoc reads is checked where it is opened, so this is the output failing
        # (a full disk, /dev/full) or a program that could not be started.
        reason = error.strerror or str(error)
        message = f"{reason}: {error.filename}" if error.filename else f"cannot write: {reason}"
        print(f"brkdoc: {message}", file=sys.stderr)
        _discard_stdout()
        return 1
    return status


def _discard_stdout() -> None:
    """Point stdout at /dev/null, so that the interpreter's last flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, io.UnsupportedOperation):
        pass
