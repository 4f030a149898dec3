"""Read the per-image logs that record_preload.c writes and turn each into trace operations.

A log starts with a header (`brkdoc-record 1`, then `pid`, `ppid`, `origin`, `exe`, `argv`
lines) and has one line per call, numbers in hex, each naming the allocating thread:
`m T PTR SIZE`, `c T PTR COUNT SIZE`, `r T OLD NEW SIZE`, `f T PTR`, `A T PTR ALIGN SIZE`,
`o T PARAM VALUE`, `t T PAD`. The preload writes each line with one write(), so the only
incomplete line a log can have is its last one, when the process was killed while writing it.

calloc(COUNT, SIZE) becomes `c ID COUNT*SIZE`, the trace's calloc(1, COUNT*SIZE): glibc's
`__libc_calloc` (malloc/malloc.c) multiplies the two with an overflow check and uses only the
product from then on. When the product overflows (2.31 to 2.41 multiply into a ptrdiff_t, so
2**63 bytes already does), glibc returns NULL with ENOMEM; the preload logs that NULL like any
failed call, and the conversion drops it (below).

What a trace cannot express, and what the conversion does with it (each counted in the
summary, so the recorder can say so):

- the memalign family becomes `a ID SIZE`; the alignment is lost, so those blocks may sit
  elsewhere in the replay;
- mallopt and malloc_trim are not in the trace;
- calls that failed (NULL) are dropped, and so are frees of blocks the log never saw being
  allocated (allocated by ld.so before malloc was interposed, or by the parent before a fork);
  a realloc of such a block becomes an allocation.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

__all__ = ["ImageLog", "LogError", "TraceStats", "convert_calls", "parse_log"]

_MAGIC = "brkdoc-record 1"
# How many numbers follow the thread in each kind of call line.
_ARITY = {"m": 2, "c": 3, "r": 3, "f": 1, "A": 3, "o": 2, "t": 1}
# One more than the largest size_t: no calloc that returned a block had a product this large.
_SIZE_LIMIT = 1 << 64


class LogError(ValueError):
    """A log that record_preload.c did not write (no header, or a malformed call line)."""


@dataclass
class TraceStats:
    """What one image's trace holds and what it could not express."""

    ops: int = 0
    ids: int = 0
    threads: int = 0
    calloc_calls: int = 0
    memalign_calls: int = 0
    mallopt_calls: int = 0
    trim_calls: int = 0
    failed_calls: int = 0
    unmatched_frees: int = 0
    unmatched_reallocs: int = 0
    torn_tail: bool = False
    incomplete: bool = False  # the preload could not write the log to its end

    def notes(self) -> list[str]:
        """One phrase per thing the trace could not express, empty when it holds everything."""
        counted = [
            (self.memalign_calls, "memalign-family call(s), recorded as malloc (alignment lost)"),
            (self.mallopt_calls, "mallopt call(s), not in the trace"),
            (self.trim_calls, "malloc_trim call(s), not in the trace"),
            (self.failed_calls, "failed allocation(s), dropped"),
            (self.unmatched_frees, "free(s) of memory allocated before recording, dropped"),
            (
                self.unmatched_reallocs,
                "realloc(s) of memory allocated before recording, recorded as malloc",
            ),
        ]
        notes = [f"{count} {what}" for count, what in counted if count]
        if self.threads > 1:
            notes.append(
                f"{self.threads} threads allocated; a replay puts all their blocks in the main"
                " arena (other arenas are not modelled)"
            )
        if self.incomplete:
            notes.append(
                "the recorder could not write this log to its end (disk full, or a file size"
                " limit): the trace stops early"
            )
        elif self.torn_tail:
            notes.append("the process was killed while logging a call; that call is dropped")
        return notes


@dataclass
class ImageLog:
    """One program image's log: who wrote it and its call lines (header removed)."""

    pid: int
    ppid: int
    origin: str  # "exec" (a program image started) or "fork" (a copy of the parent's image)
    exe: str
    argv: list[str]
    calls: list[str] = field(default_factory=list)
    torn_tail: bool = False


def parse_log(data: bytes, name: str) -> ImageLog:
    """Split a raw log into its header and its complete call lines."""
    text = data.decode("utf-8", errors="surrogateescape")
    torn = bool(text) and not text.endswith("\n")
    lines = text.split("\n")
    if torn:
        lines = lines[:-1]
    if not lines or lines[0] != _MAGIC:
        raise LogError(f"{name}: not a brkdoc record log")
    header: dict[str, str] = {}
    for line in lines[1:6]:
        key, _, value = line.partition(" ")
        header[key] = value
    missing = {"pid", "ppid", "origin", "exe", "argv"} - header.keys()
    if missing:
        raise LogError(f"{name}: the log's header lacks {', '.join(sorted(missing))}")
    argv = [bytes.fromhex(word).decode("utf-8", "replace") for word in header["argv"].split()]
    return ImageLog(
        pid=int(header["pid"], 16),
        ppid=int(header["ppid"], 16),
        origin=header["origin"],
        exe=header["exe"],
        argv=argv,
        calls=[line for line in lines[6:] if line],
        torn_tail=torn,
    )


class _Converter:
    """Gives each block a trace id when it is allocated and keeps it across reallocs."""

    def __init__(self, stats: TraceStats) -> None:
        self.stats = stats
        self.live: dict[int, int] = {}  # address -> id
        self.ops: list[str] = []
        self.next_id = 0

    def allocated(self, address: int, line: str) -> None:
        self.live[address] = self.next_id
        self.ops.append(line)
        self.next_id += 1

    def freed(self, address: int) -> None:
        block = self.live.pop(address, None)
        if block is None:
            self.stats.unmatched_frees += 1
        else:
            self.ops.append(f"f {block}")

    def call(self, kind: str, values: list[int]) -> None:
        stats = self.stats
        if kind in ("m", "c", "A"):
            address = values[0]
            if address == 0:
                stats.failed_calls += 1
            elif kind == "c":
                stats.calloc_calls += 1
                self.allocated(address, f"c {self.next_id} {values[1] * values[2]}")
            else:
                stats.memalign_calls += kind == "A"
                self.allocated(address, f"a {self.next_id} {values[-1]}")
        elif kind == "f":
            self.freed(values[0])
        elif kind == "r":
            self.reallocated(*values)
        elif kind == "o":
            stats.mallopt_calls += 1
        else:
            stats.trim_calls += 1

    def reallocated(self, old: int, new: int, size: int) -> None:
        if new == 0 and (size != 0 or old == 0):
            self.stats.failed_calls += 1  # the old block, if any, is still there
        elif new == 0:
            self.freed(old)  # realloc(p, 0) frees p and returns NULL
        elif old in self.live:
            block = self.live.pop(old)
            self.live[new] = block
            self.ops.append(f"r {block} {size}")
        else:
            self.stats.unmatched_reallocs += old != 0
            self.allocated(new, f"a {self.next_id} {size}")


def _overflows(kind: str, values: list[int]) -> bool:
    """A calloc that returned a block although COUNT*SIZE overflows: glibc never does that."""
    return kind == "c" and values[0] != 0 and values[1] * values[2] >= _SIZE_LIMIT


def convert_calls(calls: Iterable[str], stats: TraceStats, name: str = "log") -> list[str]:
    """Translate call lines to trace operations (without header), filling in `stats`."""
    converter = _Converter(stats)
    threads: set[int] = set()
    for number, line in enumerate(calls, start=1):
        kind, *numbers = line.split() or ["?"]
        try:
            thread, *values = (int(word, 16) for word in numbers)
        except ValueError:
            thread, values = -1, []
        if thread < 0 or len(values) != _ARITY.get(kind, -1) or _overflows(kind, values):
            raise LogError(f"{name}: call {number} is malformed: {line[:80]!r}")
        threads.add(thread)
        converter.call(kind, values)
    stats.ops = len(converter.ops)
    stats.ids = converter.next_id
    stats.threads = len(threads)
    return converter.ops
