"""brkdoc.trace: the allocation trace format, shared by the model and the live oracle.

- `brkdoc.trace.text`: the text format (CS:APP malloc-lab traces, plus `c ID SIZE` for
  `calloc(1, SIZE)`), `TraceOp`, `parse_trace`, `trace_lines`, and `stopped_at`, the error
  line for a run that stops at an operation;
- `brkdoc.trace.observation`: `Observation`, what one operation did, and its JSONL line
  (`format_observation`, `parse_observation`);
- `brkdoc.trace.ids`: `IdTable`, a value per trace id in little memory.

`brkdoc.sim` runs traces through the model and `brkdoc.native` through the real glibc; both
read and write them with this package and neither needs the other for it. Like `brkdoc.sim`,
it is pure (no ctypes, os, subprocess or file I/O), so the in-page playground runs it too.

```pycon
>>> from brkdoc.trace import parse_trace
>>> [op.text() for op in parse_trace(["1", "2", "a 0 24", "f 0"], "small.rep")]
['a 0 24', 'f 0']

```
"""

from __future__ import annotations

from brkdoc.trace.ids import IdTable
from brkdoc.trace.observation import Observation, format_observation, parse_observation
from brkdoc.trace.text import (
    MAX_LINE,
    NUMBER_LIMIT,
    TraceOp,
    parse_trace,
    stopped_at,
    trace_lines,
)

__all__ = [
    "MAX_LINE",
    "NUMBER_LIMIT",
    "IdTable",
    "Observation",
    "TraceOp",
    "format_observation",
    "parse_observation",
    "parse_trace",
    "stopped_at",
    "trace_lines",
]
