"""One trace across glibc versions: each real build and each model profile, side by side.

`run_versions` replays a trace on every checked glibc build (through its own loader, see
`brkdoc.native.glibcs`) and through the simulator's profile of each version. The report says
where the real builds part (the first operation on which they do not all agree, and what each
did there), which versions behave identically, how far each model agrees with its build, and
per run the peak break, the peak bytes in mmapped chunks and the memory system calls made.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from brkdoc.errors import BrkdocError
from brkdoc.native.glibcs import CHECKED_VERSIONS, build_for
from brkdoc.native.oracle import replay_trace
from brkdoc.sim import Heap, MallocError, Profile, UnknownVersion, get_profile, simulate
from brkdoc.trace import Observation, TraceOp

__all__ = [
    "Parting",
    "VersionRun",
    "VersionsReport",
    "model_profile",
    "run_versions",
    "strace_counts",
]

Source = Literal["glibc", "model"]
_CALL = re.compile(r"^(\w+)\(")


def model_profile(version: str) -> Profile:
    """The simulator's profile of glibc `version`; a one-line BrkdocError when none is checked.

    Every comparison of the model with a real build gets its profile here.
    """
    try:
        return get_profile(version)
    except UnknownVersion:
        raise BrkdocError(
            f"glibc {version} has no checked model; the checked versions are "
            f"{', '.join(CHECKED_VERSIONS)} (choose one with --glibc)"
        ) from None


@dataclass(frozen=True)
class VersionRun:
    """A trace run on one real build (`source` "glibc") or through one profile ("model").

    `build` is the Debian build for a real run ("2.43-7") and the profile's name for a model
    run. `syscalls` counts brk, mmap, munmap, mremap and madvise calls made by malloc (None
    when strace, which counts them for real builds, is not installed). `abort` is glibc's (or
    the model's) message when the run stopped at a misuse.
    """

    version: str
    source: Source
    build: str
    observations: tuple[Observation, ...]
    abort: str | None
    syscalls: dict[str, int] | None

    @property
    def label(self) -> str:
        return f"{self.version} {self.source}"

    @property
    def peak_brk(self) -> int:
        return max((obs.brk for obs in self.observations), default=0)

    @property
    def peak_mmapped(self) -> int:
        return max((obs.mmapped for obs in self.observations), default=0)

    def at(self, index: int) -> Observation | None:
        return self.observations[index] if index < len(self.observations) else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "source": self.source,
            "build": self.build,
            "ops_done": len(self.observations),
            "abort": self.abort,
            "peak_brk": self.peak_brk,
            "peak_mmapped": self.peak_mmapped,
            "syscalls": self.syscalls,
        }


@dataclass(frozen=True)
class Parting:
    """The first operation on which runs differ, and what each run did there (None: it had
    stopped before, at an abort)."""

    index: int
    op: TraceOp
    did: dict[str, Observation | None]

    def as_dict(self) -> dict[str, Any]:
        return {
            "i": self.index,
            "line": self.op.line,
            "op": self.op.text(),
            "did": {
                label: None if obs is None else obs._asdict() for label, obs in self.did.items()
            },
        }


@dataclass(frozen=True)
class VersionsReport:
    """Every run of one trace, with the comparisons `brkdoc versions` prints."""

    trace: str
    ops: tuple[TraceOp, ...]
    runs: tuple[VersionRun, ...]

    def real(self) -> list[VersionRun]:
        return [run for run in self.runs if run.source == "glibc"]

    def run(self, version: str, source: Source) -> VersionRun:
        return next(r for r in self.runs if r.version == version and r.source == source)

    def parting(self) -> Parting | None:
        """Where the real builds part: the first op they do not all agree on."""
        return _first_difference(self.ops, self.real(), self.runs)

    def model_difference(self, version: str) -> Parting | None:
        """The first op on which version's model and its real build differ."""
        pair = [self.run(version, "glibc"), self.run(version, "model")]
        return _first_difference(self.ops, pair, pair)

    def model_agreeing_ops(self, version: str) -> int:
        """How many ops the model of `version` gets exactly right before its first difference."""
        found = self.model_difference(version)
        return len(self.run(version, "glibc").observations) if found is None else found.index

    def identical_groups(self) -> list[list[str]]:
        """The versions whose real builds did exactly the same on every op, grouped."""
        groups: list[tuple[VersionRun, list[str]]] = []
        for run in self.real():
            for first, members in groups:
                if first.observations == run.observations and first.abort == run.abort:
                    members.append(run.version)
                    break
            else:
                groups.append((run, [run.version]))
        return [members for _, members in groups]

    def as_dict(self) -> dict[str, Any]:
        parting = self.parting()
        return {
            "trace": self.trace,
            "ops": len(self.ops),
            "parting": None if parting is None else parting.as_dict(),
            "identical": self.identical_groups(),
            "models": {
                version: {
                    "agreeing_ops": self.model_agreeing_ops(version),
                    "exact": self.model_difference(version) is None,
                }
                for version in dict.fromkeys(run.version for run in self.real())
            },
            "runs": [run.as_dict() for run in self.runs],
        }


def _first_difference(
    ops: Sequence[TraceOp], compared: Sequence[VersionRun], shown: Sequence[VersionRun]
) -> Parting | None:
    longest = max((len(run.observations) for run in compared), default=0)
    for index in range(longest):
        seen = {run.at(index) for run in compared}
        if len(seen) > 1:
            return Parting(index, ops[index], {run.label: run.at(index) for run in shown})
    if len({run.abort for run in compared}) > 1 and longest < len(ops):
        return Parting(longest, ops[longest], {run.label: run.at(longest) for run in shown})
    return None


def strace_counts(log: str, slots: int) -> dict[str, int]:
    """Count the calls in an oracle's strace log that malloc made: those after the mmap of the
    oracle's own slot table."""
    lines = log.splitlines()
    table = f"mmap(NULL, {(slots + 1) * 8}, "
    start = next((i for i, line in enumerate(lines) if line.startswith(table)), None)
    if start is None:
        raise BrkdocError("the oracle's strace log lacks the slot table's mmap")
    counts: dict[str, int] = {}
    for line in lines[start + 1 :]:
        found = _CALL.match(line)
        if found:
            counts[found.group(1)] = counts.get(found.group(1), 0) + 1
    return counts


def _real_run(ops: list[TraceOp], version: str, count_syscalls: bool) -> VersionRun:
    build = build_for(version).build
    if not count_syscalls:
        observations, abort = replay_trace(ops, glibc=version)
        return VersionRun(version, "glibc", build, tuple(observations), abort, None)
    with tempfile.TemporaryDirectory() as scratch:
        log = Path(scratch) / "strace.txt"
        observations, abort = replay_trace(ops, glibc=version, strace_to=log)
        slots = len({op.id for op in ops})
        counts = strace_counts(log.read_text(encoding="utf-8", errors="replace"), slots)
    return VersionRun(version, "glibc", build, tuple(observations), abort, counts)


def _model_run(ops: list[TraceOp], version: str) -> VersionRun:
    profile = model_profile(version)
    heap = Heap(profile, record_syscalls=False)
    observations: list[Observation] = []
    abort: str | None = None
    try:
        observations.extend(simulate(ops, profile, heap))
    except MallocError as error:
        abort = str(error)
    return VersionRun(
        version, "model", profile.name, tuple(observations), abort, dict(heap.syscall_counts)
    )


def run_versions(
    ops: Iterable[TraceOp],
    trace: str,
    versions: Sequence[str] = CHECKED_VERSIONS,
    *,
    count_syscalls: bool | None = None,
) -> VersionsReport:
    """Replay `ops` on each version's real build and through its profile.

    Syscall counts of real builds come from strace; by default they are counted when strace is
    installed. GlibcUnavailable (naming `make glibcs`) when a build is not fetched.
    """
    kept = list(ops)
    counting = shutil.which("strace") is not None if count_syscalls is None else count_syscalls
    runs: list[VersionRun] = []
    for version in versions:
        runs.append(_real_run(kept, version, counting))
        runs.append(_model_run(kept, version))
    return VersionsReport(trace, tuple(kept), tuple(runs))
