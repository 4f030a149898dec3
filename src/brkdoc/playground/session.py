"""Run the playground's calls step by step and describe the heap after any step.

A `Session` runs every call once, recording what each returned, the program break, the bytes in
mmapped chunks and the system calls it made. Pictures are drawn on demand: `state(k)` replays
the calls up to step k on a fresh heap (the model is deterministic) and draws it with the same
renderer as the site's figures, so `free(D)` after the fragmentation page's four mallocs draws
that page's figure exactly. Step -1 is the heap before the first call.

>>> from brkdoc.playground.calls import parse_calls
>>> from brkdoc.sim.profiles import GLIBC_2_36
>>> session = Session(parse_calls("a = malloc(24)\\nfree(a)\\nfree(a)", "calls"), GLIBC_2_36)
>>> [step.result for step in session.steps], session.stop.message
(['0x5555555592a0', None], 'free(): double free detected in tcache 2')
>>> [(chunk["state"], chunk["label"]) for b in session.state(1)["bins"] for chunk in b["chunks"]]
[('tcache', 'a')]
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

from brkdoc.playground.calls import Call
from brkdoc.render.adapter import heap_map_from_view
from brkdoc.render.heapmap import Layout, render_heap_map
from brkdoc.render.timeline import render_timeline
from brkdoc.sim.errors import MallocAbort, MallocError
from brkdoc.sim.heap import Heap
from brkdoc.sim.profiles import Profile
from brkdoc.sim.view import HeapView, format_view, snapshot

__all__ = ["BLOCKS_LAYOUT_LIMIT", "Session", "StepRecord", "Stop", "bins_of"]

# Heaps with at most this many chunks are drawn one labelled box per chunk, as the
# fragmentation page draws them; bigger heaps to scale (the renderer's "linear" layout).
BLOCKS_LAYOUT_LIMIT = 16


@dataclass(frozen=True)
class StepRecord:
    """What one call did. `result` is the pointer (hex) or number returned, None for free;
    `where` is "heap", "mmap" or None; `brk` and `mmapped` are after the call."""

    index: int
    line: int
    source: str
    result: str | None
    where: str | None
    brk: int
    mmapped: int
    syscalls: tuple[str, ...]


@dataclass(frozen=True)
class Stop:
    """Why the run ended before the last call: glibc aborts (`abort` true, with glibc's own
    message) or the model cannot say what glibc does (`abort` false)."""

    index: int
    line: int
    source: str
    message: str
    abort: bool


def _apply(heap: Heap, names: dict[str, int], call: Call) -> str | None:
    """Make one call on `heap`; what it returned, as the playground shows it."""
    function = call.function
    numbers = call.numbers
    pointer = names.get(call.pointer, 0) if call.pointer is not None else 0
    if function == "free":
        heap.free(pointer)
        return None
    if function == "malloc_trim":
        return str(heap.malloc_trim(numbers[0]))
    if function == "mallopt":
        return str(heap.mallopt(numbers[0], numbers[1]))
    if function == "malloc":
        result = heap.malloc(numbers[0])
    elif function == "calloc":
        result = heap.calloc(numbers[0], numbers[1])
    else:
        result = heap.realloc(pointer, numbers[0])
    if call.target is not None:
        names[call.target] = result
    return hex(result) if result else "NULL"


def _where(heap: Heap, result: str | None, call: Call) -> str | None:
    if result is None or call.function in ("malloc_trim", "mallopt") or result == "NULL":
        return None
    return "mmap" if (int(result, 16) - 16) in heap.mmapped_chunks else "heap"


def bins_of(view: HeapView, labels: dict[int, str]) -> list[dict[str, Any]]:
    """The free chunks grouped by bin, each bin's chunks in address order."""
    heap_map = heap_map_from_view(view, labels)
    groups: dict[tuple[str, int | None], list[dict[str, Any]]] = {}
    for chunk in heap_map.chunks:
        if chunk.state in ("in_use", "top"):
            continue
        groups.setdefault((chunk.state, chunk.bin_index), []).append(
            {"offset": chunk.offset, "size": chunk.size, "state": chunk.state, "label": chunk.label}
        )
    order = ("tcache", "fastbin", "unsorted", "smallbin", "largebin")
    return [
        {"name": _bin_name(state, index, chunks[0]["size"]), "chunks": chunks}
        for (state, index), chunks in sorted(
            groups.items(), key=lambda item: (order.index(item[0][0]), item[0][1] or 0)
        )
    ]


def _bin_name(state: str, index: int | None, size: int) -> str:
    if state == "tcache":
        return f"tcache bin {index} (chunks of {size:#x} bytes)"
    if state == "fastbin":
        return f"fastbin {index} (chunks of {size:#x} bytes)"
    if state == "unsorted":
        return "unsorted bin"
    kind = "small" if state == "smallbin" else "large"
    return f"{kind} bin {index}"


class Session:
    """The calls of one run, what each did, and views of the heap between them."""

    def __init__(self, calls: list[Call], profile: Profile) -> None:
        self.calls = calls
        self.profile = profile
        self.steps: list[StepRecord] = []
        self.stop: Stop | None = None
        heap = Heap(profile)
        names: dict[str, int] = {}
        seen = 0
        for index, call in enumerate(calls):
            try:
                result = _apply(heap, names, call)
            except MallocError as error:
                self.stop = Stop(
                    index, call.line, call.source, str(error), isinstance(error, MallocAbort)
                )
                break
            made = tuple(str(syscall) for syscall in heap.syscalls[seen:])
            seen = len(heap.syscalls)
            self.steps.append(
                StepRecord(
                    index, call.line, call.source, result, _where(heap, result, call),
                    heap.brk, heap.mmapped, made,
                )
            )  # fmt: skip
        # The heap replayed for pictures, and how many calls it has made.
        self._heap = Heap(profile, record_syscalls=False)
        self._names: dict[str, int] = {}
        self._done = 0

    def _heap_after(self, step: int) -> tuple[Heap, dict[str, int]]:
        """The heap after step `step` (-1: before any call), replaying from the start if needed."""
        if not -1 <= step < len(self.steps):
            raise ValueError(f"no step {step}: the run has {len(self.steps)}")
        if self._done > step + 1:
            self._heap = Heap(self.profile, record_syscalls=False)
            self._names = {}
            self._done = 0
        while self._done <= step:
            _apply(self._heap, self._names, self.calls[self._done])
            self._done += 1
        return self._heap, self._names

    def _view(self, step: int) -> tuple[HeapView, dict[int, str]]:
        heap, names = self._heap_after(step)
        labels = {pointer: name for name, pointer in names.items()}
        return snapshot(heap), labels

    def state(self, step: int) -> dict[str, Any]:
        """The heap after step `step`: its map (SVG), its bins and its chunk table as text."""
        view, labels = self._view(step)
        caption = "Before any call" if step < 0 else f"After {self.steps[step].source}"
        heap_map = heap_map_from_view(view, labels, caption)
        layout: Layout = "blocks" if len(heap_map.chunks) <= BLOCKS_LAYOUT_LIMIT else "linear"
        return {
            "step": step,
            "svg": render_heap_map(heap_map, layout),
            "bins": bins_of(view, labels),
            "table": format_view(view),
            "brk": view.brk,
            "mmapped": view.mmapped_bytes,
            "mmap_threshold": view.mmap_threshold,
            "trim_threshold": view.trim_threshold,
        }

    def diff(self, first: int, second: int) -> dict[str, Any]:
        """What changed from after step `first` to after step `second` (first < second)."""
        if first > second:
            first, second = second, first
        before, _ = self._view(first)
        before_text = format_view(before).splitlines()
        after, _ = self._view(second)
        after_text = format_view(after).splitlines()
        changes = [
            line
            for line in difflib.unified_diff(before_text, after_text, lineterm="", n=0)
            if not line.startswith(("---", "+++", "@@"))
        ]
        return {
            "first": first,
            "second": second,
            "brk": after.brk - before.brk,
            "mmapped": after.mmapped_bytes - before.mmapped_bytes,
            "syscalls": [
                call for step in self.steps[first + 1 : second + 1] for call in step.syscalls
            ],
            "changes": changes,
        }

    def timeline(self) -> str:
        """The break and mmapped bytes after every step, drawn as the site draws a trace."""
        brk = [step.brk for step in self.steps]
        mmapped = [step.mmapped for step in self.steps]
        return render_timeline(brk, mmapped, "Program break and mmapped bytes", "step")
