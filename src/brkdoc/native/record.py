"""`brkdoc record`: turn a real program's allocations into a CS:APP trace with glibc's mtrace.

The program runs with `LD_PRELOAD=<record_preload.so>:libc_malloc_debug.so` and
`MALLOC_TRACE=<file>`. The preloaded constructor calls `mtrace()`, after which glibc writes one
line per call: `+ ADDR SIZE` (malloc, and also calloc and the memalign family), `- ADDR` (free,
and realloc to 0 bytes), `< OLD` then `> NEW SIZE` (realloc), `! OLD SIZE` (failed realloc).

What a trace cannot express, and how the recording handles it:

- calloc and memalign/posix_memalign/aligned_alloc/valloc/pvalloc are recorded as malloc; the
  summary counts them. For calloc that is faithful to the recorded run (libc_malloc_debug's
  calloc is `__libc_malloc` plus memset, so it does use the tcache, see malloc/malloc-debug.c
  `__debug_calloc`), but a run without the debug library would take calloc's own path, which
  never uses the tcache. The memalign family loses its alignment;
- mallopt and malloc_trim are not in the trace at all (counted in the summary);
- a failed realloc ('!') is dropped, a free of memory allocated before tracing began is dropped;
- mtrace's own bookkeeping (its FILE and buffers) is allocated on the same heap before the
  first traced call, so the program's real addresses are offset from what a replay shows;
- threads: all calls land in one trace, as if one thread made them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from brkdoc.errors import BrkdocError
from brkdoc.native.build import compile_cached

__all__ = ["RecordSummary", "convert_mtrace", "preload_library", "record_trace"]

_SOURCE = Path(__file__).with_name("record_preload.c")
_DEBUG_LIBRARY_NAMES = ("libc_malloc_debug.so.0", "libc_malloc_debug.so")
_DEBUG_LIBRARY_DIRS = ("/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64")


@dataclass
class RecordSummary:
    """What a recording produced and what it could not express."""

    output: Path
    ops: int = 0
    ids: int = 0
    exit_status: int = 0
    calloc_calls: int = 0
    memalign_calls: int = 0
    mallopt_calls: int = 0
    trim_calls: int = 0
    failed_reallocs: int = 0
    unmatched_frees: int = 0
    notes: list[str] = field(default_factory=list)

    def describe(self) -> str:
        lines = [f"wrote {self.output}: {self.ops} operations on {self.ids} blocks"]
        inexpressible = [
            (self.calloc_calls, "calloc call(s), recorded as malloc"),
            (self.memalign_calls, "memalign-family call(s), recorded as malloc"),
            (self.mallopt_calls, "mallopt call(s), not in the trace"),
            (self.trim_calls, "malloc_trim call(s), not in the trace"),
            (self.failed_reallocs, "failed realloc(s), dropped"),
            (self.unmatched_frees, "free(s) of memory allocated before tracing, dropped"),
        ]
        for count, what in inexpressible:
            if count:
                lines.append(f"note: {count} {what}")
        if self.exit_status:
            lines.append(f"note: the program exited with status {self.exit_status}")
        return "\n".join(lines)


def _debug_library() -> str:
    for directory in _DEBUG_LIBRARY_DIRS:
        for name in _DEBUG_LIBRARY_NAMES:
            candidate = Path(directory) / name
            if candidate.exists():
                return str(candidate)
    raise BrkdocError("libc_malloc_debug.so not found: recording needs glibc 2.34 or later")


def preload_library() -> Path:
    """The compiled preload library, cached like the other helpers (brkdoc.native.build)."""
    source = _SOURCE.read_text(encoding="utf-8")
    return compile_cached(
        source, "record", ("-O2", "-shared", "-fPIC"), libraries=("-ldl",), suffix=".so"
    )


def _operation_fields(raw: str) -> list[str]:
    """The fields of an mtrace line from its operation character on ("@ CALLER" dropped)."""
    fields = raw.split()
    if fields and fields[0] == "@":
        fields = fields[1:]
        while fields and fields[0] not in ("+", "-", "<", ">", "!", "="):
            fields = fields[1:]
    return fields


def convert_mtrace(lines: list[str], summary: RecordSummary) -> list[str]:
    """Translate mtrace lines to trace operations (without header), filling in `summary`."""
    live: dict[str, int] = {}
    ops: list[str] = []
    next_id = 0
    pending_old: str | None = None
    for raw in lines:
        fields = _operation_fields(raw)
        if not fields:
            continue
        kind = fields[0]
        if kind == "+" and len(fields) >= 3:
            live[fields[1]] = next_id
            ops.append(f"a {next_id} {int(fields[2], 16)}")
            next_id += 1
        elif kind == "-" and len(fields) >= 2:
            block = live.pop(fields[1], None)
            if block is None:
                summary.unmatched_frees += 1
            else:
                ops.append(f"f {block}")
        elif kind == "<" and len(fields) >= 2:
            pending_old = fields[1]
        elif kind == ">" and len(fields) >= 3 and pending_old is not None:
            block = live.pop(pending_old, None)
            size = int(fields[2], 16)
            if block is None:
                live[fields[1]] = next_id
                ops.append(f"a {next_id} {size}")
                next_id += 1
            else:
                live[fields[1]] = block
                ops.append(f"r {block} {size}")
            pending_old = None
        elif kind == "!":
            summary.failed_reallocs += 1
    summary.ops = len(ops)
    summary.ids = next_id
    return ops


def record_trace(command: list[str], output: Path) -> RecordSummary:
    """Run `command` under mtrace and write its allocations to `output` as a trace."""
    if shutil.which(command[0]) is None and not Path(command[0]).exists():
        raise BrkdocError(f"command not found: {command[0]}")
    preload = preload_library()
    summary = RecordSummary(output=output)
    with tempfile.TemporaryDirectory() as scratch:
        mtrace_file = Path(scratch) / "mtrace.log"
        counts_file = Path(scratch) / "counts"
        env = dict(os.environ)
        env["LD_PRELOAD"] = f"{preload}:{_debug_library()}"
        env["MALLOC_TRACE"] = str(mtrace_file)
        env["BRKDOC_RECORD_COUNTS"] = str(counts_file)
        done = subprocess.run(command, env=env, check=False)
        summary.exit_status = done.returncode
        if not mtrace_file.exists():
            raise BrkdocError("the program wrote no mtrace output (is it a glibc program?)")
        lines = mtrace_file.read_text(errors="replace").splitlines()
        if counts_file.exists():
            numbers = [int(n) for n in counts_file.read_text().split()]
            if len(numbers) == 4:
                (
                    summary.calloc_calls,
                    summary.memalign_calls,
                    summary.mallopt_calls,
                    summary.trim_calls,
                ) = numbers
    ops = convert_mtrace(lines, summary)
    header = ["0", str(summary.ids), str(len(ops)), "1"]
    text = "\n".join([*header, *ops]) + "\n"
    partial = output.with_name(output.name + ".part")
    partial.write_text(text)
    partial.replace(output)
    return summary
