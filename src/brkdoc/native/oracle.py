"""The live oracle: replay allocation operations through the real glibc in a child process.

The child is `replay.c` (shipped next to this module), compiled with the system C compiler on
first use and cached under `$XDG_CACHE_HOME/brkdoc` (default `~/.cache/brkdoc`), keyed by a hash
of its source and the compiler command. It allocates nothing while replaying, so what it reports
is what glibc does for exactly these operations from a fresh process. The child's environment
is stripped of `MALLOC_*` and `GLIBC_TUNABLES` so the defaults apply.

`glibc="2.43"` (any of `brkdoc.native.glibcs.CHECKED_VERSIONS`) replays on that real build
instead, through its own loader; the program is then linked for that build (one binary per link
flavour), and since every result is an offset from the initial break, runs on different builds
compare directly.
"""

from __future__ import annotations

import signal
import struct
import subprocess
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from brkdoc.errors import BrkdocError
from brkdoc.native import glibcs
from brkdoc.native.build import (
    CompileError,
    clean_malloc_environment,
    compile_cached,
    signal_name,
)
from brkdoc.trace import Observation, TraceOp

__all__ = [
    "CRASH_PREFIX",
    "OP_CALLOC",
    "OP_FREE",
    "OP_MALLOC",
    "OP_MALLOPT",
    "OP_REALLOC",
    "OP_TRIM",
    "STRACED_CALLS",
    "OracleError",
    "RawResult",
    "ReplayOutcome",
    "describe_stop",
    "oracle_binary",
    "replay_raw",
    "replay_trace",
]

OP_MALLOC, OP_REALLOC, OP_FREE, OP_CALLOC, OP_MALLOPT, OP_TRIM = 1, 2, 3, 4, 5, 6
_SOURCE = Path(__file__).with_name("replay.c")
# The system calls through which malloc gets and returns memory.
STRACED_CALLS = "brk,mmap,munmap,mremap,madvise"
_CFLAGS = ("-O2", "-Wall", "-Wextra")
_TRACE_OPS = {"a": OP_MALLOC, "c": OP_CALLOC, "r": OP_REALLOC, "f": OP_FREE}
_MASK64 = (1 << 64) - 1
# How a replay that died of a signal (not glibc's own abort) is described: "killed by SIGSEGV
# (Segmentation fault)". Abort messages are glibc's text and never start like this.
CRASH_PREFIX = "killed by "


def describe_stop(message: str) -> str:
    """A replay's stop as a message names it: "glibc aborted: MESSAGE" for glibc's own abort,
    "glibc's replay was killed by SIGSEGV (Segmentation fault)" for a crash."""
    if message.startswith(CRASH_PREFIX):
        return f"glibc's replay was {message}"
    return f"glibc aborted: {message}"


class OracleError(BrkdocError):
    """The oracle could not be built or run."""


@dataclass(frozen=True)
class RawResult:
    """One replayed call: the returned pointer (absolute; 0 for NULL or a free), whether its
    chunk is mmapped, the break minus the initial break, and mallinfo2().hblkhd."""

    pointer: int
    mmapped_chunk: bool
    brk: int
    mmapped: int


@dataclass(frozen=True)
class ReplayOutcome:
    """Results of a replay; `abort_message` is glibc's message if it aborted part way, or
    `CRASH_PREFIX` and the signal's name if the process crashed (the results are those of the
    operations completed before it)."""

    initial_break: int
    results: list[RawResult]
    abort_message: str | None


def oracle_binary(glibc: str | None = None) -> Path:
    """The compiled replay program for glibc `glibc` (None: the system's), building it if the
    cache lacks this version of it."""
    flags: tuple[str, ...] = _CFLAGS
    libraries: tuple[str, ...] = ()
    if glibc is not None:
        libraries = glibcs.link_args(glibc)
        if not glibcs.has_mallinfo2(glibc):
            flags += ("-DBRKDOC_MALLINFO1",)
    try:
        return compile_cached(
            _SOURCE.read_text(encoding="utf-8"), "replay", flags, libraries=libraries
        )
    except CompileError as error:
        raise OracleError(str(error)) from None


def replay_raw(
    records: Sequence[tuple[int, int, int]],
    slots: int,
    *,
    glibc: str | None = None,
    strace_to: Path | None = None,
) -> ReplayOutcome:
    """Replay (op, slot, argument) records in a fresh child; see replay.c for the encoding.

    For OP_MALLOPT the slot is the parameter number (may be negative) and the argument its
    value; for OP_TRIM the argument is the pad. `glibc` names the build to run on (None: the
    system's own). With `strace_to`, the child runs under strace, which writes its memory
    system calls to that file; malloc's own start after the mmap of the slot table,
    `(slots + 1) * 8` bytes.
    """
    payload = bytearray(struct.pack("=Q", slots))
    pack = struct.Struct("=QQQ").pack
    for op, slot, argument in records:
        # Sizes are size_t (up to 2**64-1); mallopt's slot and value may be negative ints.
        payload += pack(op, slot & _MASK64, argument & _MASK64)
    argv = glibcs.run_argv(glibc, [str(oracle_binary(glibc))])
    if strace_to is not None:
        argv = ["strace", "-o", str(strace_to), "-e", f"trace={STRACED_CALLS}", *argv]
    done = subprocess.run(
        argv,
        input=bytes(payload),
        capture_output=True,
        env=clean_malloc_environment(),
        check=False,
    )
    output = done.stdout
    if len(output) < 8:
        reason = _signal_name(done.returncode) or done.stderr.decode(errors="replace").strip()
        raise OracleError(f"the oracle produced no output: {reason or 'no message'}")
    (initial_break,) = struct.unpack_from("=Q", output)
    body = output[8:]
    count = len(body) // 32
    results = [
        RawResult(pointer, bool(mapped), brk, mmapped)
        for pointer, mapped, brk, mmapped in struct.iter_unpack("=QQQQ", body[: count * 32])
    ]
    message: str | None = None
    if done.returncode != 0:
        text = done.stderr.decode(errors="replace").strip()
        crashed = _signal_name(done.returncode)
        if done.returncode == -signal.SIGABRT and text:
            message = text.splitlines()[-1]
        elif crashed is not None:
            message = CRASH_PREFIX + crashed
        else:
            detail = f": {' '.join(text.split())}" if text else ""
            raise OracleError(f"the oracle failed with exit status {done.returncode}{detail}")
    return ReplayOutcome(initial_break, results, message)


def _signal_name(returncode: int) -> str | None:
    """'SIGSEGV (Segmentation fault)' for a child killed by signal 11, None for an exit."""
    if returncode >= 0:
        return None
    return signal_name(-returncode, described=True)


def replay_trace(
    ops: Iterable[TraceOp], *, glibc: str | None = None, strace_to: Path | None = None
) -> tuple[list[Observation], str | None]:
    """Replay a parsed trace through glibc (`glibc`: the build's version, None for the system's
    own); returns observations and glibc's abort message. `strace_to`: as for `replay_raw`."""
    slots: dict[int, int] = {}
    records: list[tuple[int, int, int]] = []
    kept: list[TraceOp] = []
    for op in ops:
        slot = slots.setdefault(op.id, len(slots))
        records.append((_TRACE_OPS[op.op], slot, op.size))
        kept.append(op)
    outcome = replay_raw(records, len(slots), glibc=glibc, strace_to=strace_to)
    return list(_observations(kept, outcome)), outcome.abort_message


def _observations(ops: Sequence[TraceOp], outcome: ReplayOutcome) -> Iterator[Observation]:
    start = outcome.initial_break
    for i, (op, result) in enumerate(zip(ops, outcome.results, strict=False)):
        if op.op == "f" or not result.pointer:
            where, offset = None, None
        elif result.mmapped_chunk:
            where, offset = "mmap", None
        else:
            where, offset = "heap", result.pointer - start
        yield Observation(i, op.op, op.id, where, offset, result.brk, result.mmapped)
