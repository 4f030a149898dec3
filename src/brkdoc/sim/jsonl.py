"""What `brkdoc simulate --jsonl` prints for a trace, kept in one place.

The command line and the in-page playground (`brkdocPlayground.simulate`) both call
`jsonl_lines`, so the two cannot disagree on a byte: the same line per operation, and the same
`FILE:LINE: message (op 'f 1')` error when the model stops at a misuse.

```pycon
>>> from brkdoc.sim.jsonl import jsonl_lines
>>> from brkdoc.sim.profiles import GLIBC_2_36
>>> from brkdoc.trace import parse_trace
>>> ops = list(parse_trace(["1", "3", "a 0 24", "f 0", "f 0"], "twice.rep"))
>>> lines = jsonl_lines(ops, "twice.rep", GLIBC_2_36)
>>> print(next(lines), end="")
{"i": 0, "op": "a", "id": 0, "where": "heap", "offset": 672, "brk": 135168, "mmapped": 0}
>>> print(next(lines), end="")
{"i": 1, "op": "f", "id": 0, "where": null, "offset": null, "brk": 135168, "mmapped": 0}
>>> next(lines)
Traceback (most recent call last):
  ...
brkdoc.errors.BrkdocError: twice.rep:5: free(): double free detected in tcache 2 (op 'f 0')

```
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from brkdoc.errors import BrkdocError
from brkdoc.sim.errors import MallocError
from brkdoc.sim.heap import Heap
from brkdoc.sim.profiles import Profile
from brkdoc.sim.trace import simulate
from brkdoc.trace.observation import format_observation
from brkdoc.trace.text import TraceOp, stopped_at

__all__ = ["jsonl_lines", "trace_abort"]


def trace_abort(path: str, op: TraceOp, error: MallocError) -> BrkdocError:
    """The one-line error for a trace the model stops in: file, line, glibc's message, the op."""
    return stopped_at(path, op, str(error))


def jsonl_lines(
    ops: Sequence[TraceOp], path: str, profile: Profile, heap: Heap | None = None
) -> Iterator[str]:
    """One JSON line (ending in a newline) per operation, as `simulate --jsonl` prints them.

    Raises the `trace_abort` error after the lines of the operations before a misuse.
    """
    if heap is None:
        heap = Heap(profile, record_syscalls=False)
    done = 0
    try:
        for observation in simulate(ops, profile, heap):
            yield format_observation(observation) + "\n"
            done += 1
    except MallocError as error:
        raise trace_abort(path, ops[done], error) from None
