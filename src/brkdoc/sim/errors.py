"""Failures of the simulated allocator, worded as glibc words them."""

from __future__ import annotations

from brkdoc.errors import BrkdocError
from brkdoc.trace.text import TraceOp

__all__ = ["MallocAbort", "MallocCrash", "MallocError", "UnsupportedState"]


class MallocError(BrkdocError):
    """Base class: the simulation cannot continue past this operation.

    When raised while running a trace, `trace_op` is the failing operation (a TraceOp) and
    `ops_done` how many operations completed before it.
    """

    trace_op: TraceOp | None = None
    ops_done: int = 0


class MallocAbort(MallocError):
    """glibc would print `message` and abort the process here (`malloc_printerr`).

    The message is glibc's own, e.g. "free(): double free detected in tcache 2".
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class MallocCrash(MallocError):
    """glibc would crash here without a message: it reads memory that is not mapped.

    Example: freeing an mmapped block a second time. The first free unmapped it, and the second
    reads the chunk header from the hole (`signal` is "SIGSEGV"), unless something else was
    mapped there in between, which the model would know of only if it mapped it itself.
    """

    def __init__(self, signal: str, message: str) -> None:
        super().__init__(message)
        self.signal = signal
        self.message = message


class UnsupportedState(MallocError):
    """The program did something whose outcome depends on memory contents the model does not keep.

    Example: freeing a chunk that already sits in a fastbin while its tcache bin has room. glibc
    then corrupts its own lists without noticing; the simulator stops instead of guessing.
    """
