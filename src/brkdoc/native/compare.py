"""The model against the real glibc, operation by operation: where they first part, as data.

`compare_trace` replays a trace on a real glibc (the running one, or a build fetched by
`make glibcs`) and runs it through a profile of the model, and returns a `Comparison`: either
every operation agrees, or the first place where they part and what each side did there.
`brkdoc compare` prints it, and the oracle tests assert on it, so both judge agreement alike.

When both sides stop at the same operation with the same message (glibc's abort, or a crash
by the same signal), that counts as agreement too: the model predicted the misuse.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from brkdoc.errors import NotGlibcError
from brkdoc.native.oracle import CRASH_PREFIX, replay_trace
from brkdoc.native.versions import model_profile
from brkdoc.platform import glibc_version
from brkdoc.sim import Heap, HeapView, MallocCrash, MallocError, Profile, simulate, snapshot
from brkdoc.trace import Observation, TraceOp

__all__ = ["Comparison", "Difference", "Stop", "Verdict", "compare_trace", "comparison_profile"]

# "agree": every op alike; "both-abort"/"both-crash": alike, then both stop at the same op with
# the same message or signal; "differ": an op both ran differs; "model-stops": the model stops
# (aborts, crashes, or cannot model the state) where glibc does not, or not the same way;
# "glibc-stops": glibc aborts or crashes where the model carries on.
Verdict = Literal["agree", "both-abort", "both-crash", "differ", "model-stops", "glibc-stops"]


@dataclass(frozen=True)
class Difference:
    """The first op both sides ran and saw differently: what each did, and the model's heap
    right after it."""

    index: int
    op: TraceOp
    model_did: Observation
    glibc_did: Observation
    heap: HeapView


@dataclass(frozen=True)
class Stop:
    """The op where one side or both stopped: the model's error (None if it carried on) and
    glibc's abort message or the oracle's "killed by SIGNAL (...)" (None if it carried on)."""

    index: int
    op: TraceOp
    model_error: MallocError | None
    glibc_stop: str | None


@dataclass(frozen=True)
class Comparison:
    """What `compare_trace` found: the versions compared, the verdict, how many ops gave the
    same observation on both sides before it, and where they parted or stopped (None when
    every op agrees)."""

    glibc: str
    model: str
    verdict: Verdict
    agreeing: int
    at: Difference | Stop | None

    @property
    def agrees(self) -> bool:
        """Whether the model predicted glibc on every op (stopping alike counts)."""
        return self.verdict in ("agree", "both-abort", "both-crash")


def comparison_profile(glibc: str | None, model: str | None = None) -> Profile:
    """The profile a comparison on glibc `glibc` (None: the running one) models: that version's,
    or that of `model` if given. NotGlibcError when no glibc is named and the running C library
    is not glibc; a one-line BrkdocError for a version no profile models."""
    version = glibc or glibc_version()
    if version is None:
        raise NotGlibcError("compare needs glibc: the running C library is not glibc")
    return model_profile(model or version)


def compare_trace(
    ops: Sequence[TraceOp], profile: Profile, *, glibc: str | None = None
) -> Comparison:
    """Replay `ops` on glibc `glibc` (None: the running one) and through `profile`, and say
    where they first part. The replay runs first, in a child process; then the model."""
    real, real_stop = replay_trace(ops, glibc=glibc)
    version = glibc or glibc_version() or "unknown"

    def found(verdict: Verdict, at: Difference | Stop) -> Comparison:
        return Comparison(version, profile.name, verdict, at.index, at)

    heap = Heap(profile, record_syscalls=False)
    model = simulate(ops, profile, heap)
    index = 0
    try:
        for index, expected in enumerate(real):
            got = next(model)
            if got != expected:
                return found("differ", Difference(index, ops[index], got, expected, snapshot(heap)))
        index = len(real)
        if index < len(ops):
            next(model)
    except MallocError as error:
        stop = Stop(index, ops[index], error, real_stop)
        if real_stop is not None and index == len(real):
            if str(error) == real_stop:
                return found("both-abort", stop)
            if isinstance(error, MallocCrash) and real_stop.startswith(
                f"{CRASH_PREFIX}{error.signal} "
            ):
                return found("both-crash", stop)
        return found("model-stops", stop)
    if real_stop is not None:
        return found("glibc-stops", Stop(index, ops[index], None, real_stop))
    return Comparison(version, profile.name, "agree", len(real), None)
