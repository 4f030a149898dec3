"""Errors that the CLI reports as one line, with an exit status, instead of a traceback."""

from __future__ import annotations

__all__ = ["BrkdocError", "InputError", "NotGlibcError"]


class BrkdocError(Exception):
    """An expected failure: the CLI prints `brkdoc: <message>` and exits with `exit_status`."""

    exit_status = 1


class InputError(BrkdocError):
    """Bad input, reported as `FILE:LINE: what is wrong`; exit status 2 like a usage error."""

    exit_status = 2

    def __init__(self, path: str, line: int, message: str) -> None:
        super().__init__(f"{path}:{line}: {message}")
        self.path = path
        self.line = line
        self.message = message


class NotGlibcError(BrkdocError):
    """The running C library is not glibc, so a live demonstration cannot run."""
