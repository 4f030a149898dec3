"""The site's figures, each produced by running the simulator and drawing its state.

Nothing here is drawn by hand: a figure is a list of calls on a fresh `brkdoc.sim.Heap`, and
the picture is the heap's snapshot after them. The MkDocs hook `hooks/sim_figures.py` calls
`site_figures()` at build time and writes each SVG into the built site. Pure: traces arrive as
lines of text, and SVG leaves as a string.

>>> figures = fragmentation_figures()
>>> sorted(figures)[:2]
['fragmentation-1-allocated.svg', 'fragmentation-2-free-b.svg']
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from brkdoc.render.adapter import heap_map_from_view
from brkdoc.render.heapmap import Layout, render_heap_map
from brkdoc.render.timeline import render_timeline
from brkdoc.sim import GLIBC_2_36, GLIBC_2_43, Heap, Profile, simulate, snapshot
from brkdoc.trace import parse_trace

__all__ = [
    "FRAGMENTATION_SIZE",
    "Step",
    "fragmentation_figures",
    "run_steps",
    "site_figures",
    "trace_figures",
    "version_figures",
]

# Each of A, B, C and D: far above the largest tcache and fastbin sizes, so a freed block goes
# to the unsorted bin and coalesces, and far below the 128 KiB mmap threshold, so all four
# come from the heap.
FRAGMENTATION_SIZE = 40_000
# The seed document's mmap case: blocks at or above the 128 KiB threshold.
LARGE_SIZE = 256 * 1024
SMALL_SIZE = 100


@dataclass(frozen=True)
class Step:
    """Calls to make, then a figure to draw: `calls` are ("malloc", name, size) or
    ("free", name). `figure` is the file name of the picture after these calls, or ""."""

    calls: tuple[tuple[str, str] | tuple[str, str, int], ...]
    figure: str
    caption: str


def run_steps(
    steps: Iterable[Step], layout: Layout = "blocks", profile: Profile = GLIBC_2_36
) -> dict[str, str]:
    """Run the steps on one fresh heap of glibc `profile` and draw a figure after each step
    that names one."""
    heap = Heap(profile)
    pointers: dict[str, int] = {}
    figures: dict[str, str] = {}
    for step in steps:
        for call in step.calls:
            if call[0] == "malloc" and len(call) == 3:
                pointers[call[1]] = heap.malloc(call[2])
            elif call[0] == "free":
                heap.free(pointers[call[1]])
            else:
                raise ValueError(f"unknown call {call!r}")
        if step.figure:
            labels = {pointer: name for name, pointer in pointers.items()}
            heap_map = heap_map_from_view(snapshot(heap), labels, step.caption)
            figures[step.figure] = render_heap_map(heap_map, layout)
    return figures


def _mallocs(names: str, size: int) -> tuple[tuple[str, str, int], ...]:
    return tuple(("malloc", name, size) for name in names)


def fragmentation_figures() -> dict[str, str]:
    """The seed's A/B/C/D scenario, and its small-block and mmap variants."""
    figures = run_steps(
        [
            Step(
                _mallocs("ABCD", FRAGMENTATION_SIZE),
                "fragmentation-1-allocated.svg",
                f"A, B, C, D = malloc({FRAGMENTATION_SIZE:,}) each",
            ),
            Step((("free", "B"),), "fragmentation-2-free-b.svg", "After free(B)"),
            Step((("free", "C"),), "fragmentation-3-free-c.svg", "After free(C)"),
            Step((("free", "D"),), "fragmentation-4-free-d.svg", "After free(D)"),
        ]
    )
    figures |= run_steps(
        [
            Step(_mallocs("ABCD", SMALL_SIZE), "", ""),
            Step(
                (("free", "B"), ("free", "C"), ("free", "D")),
                "fragmentation-small.svg",
                f"malloc({SMALL_SIZE}) four times, then free(B), free(C), free(D)",
            ),
        ]
    )
    figures |= run_steps(
        [
            Step(
                (*_mallocs("ABC", FRAGMENTATION_SIZE), *_mallocs("DE", LARGE_SIZE)),
                "fragmentation-mmap.svg",
                f"A, B, C = malloc({FRAGMENTATION_SIZE:,}); D, E = malloc({LARGE_SIZE:,})",
            ),
            Step((("free", "D"),), "fragmentation-mmap-free-d.svg", "After free(D)"),
        ]
    )
    return figures


def version_figures() -> dict[str, str]:
    """The same small-block calls on glibc 2.36 and on 2.43, for drawing side by side.

    2.36 sets the tcache up at the first call, in front of everything; 2.43 only at the first
    free of a small block, so its tcache struct lands after the blocks already handed out.

    >>> sorted(version_figures())
    ['fragmentation-small-2.36.svg', 'fragmentation-small-2.43.svg']
    """
    figures: dict[str, str] = {}
    for profile in (GLIBC_2_36, GLIBC_2_43):
        figures |= run_steps(
            [
                Step(_mallocs("ABCD", SMALL_SIZE), "", ""),
                Step(
                    (("free", "B"), ("free", "C"), ("free", "D")),
                    f"fragmentation-small-{profile.name}.svg",
                    f"glibc {profile.name}: malloc({SMALL_SIZE}) x4, free(B), free(C), free(D)",
                ),
            ],
            profile=profile,
        )
    return figures


def trace_figures(
    lines: Iterable[str], path: str, name: str, stop_after: int | None = None
) -> dict[str, str]:
    """A timeline of a whole trace and a heap map after operation `stop_after` (0-based).

    With `stop_after` None the heap map shows the state after the last operation.
    """
    ops = list(parse_trace(lines, path))
    heap = Heap(record_syscalls=False)
    brk: list[int] = []
    mmapped: list[int] = []
    drawn: str | None = None
    last = len(ops) - 1 if stop_after is None else stop_after
    if not 0 <= last < len(ops):
        raise ValueError(f"{path}: no operation {last} (the trace has {len(ops)})")
    for observation in simulate(ops, heap=heap):
        brk.append(observation.brk)
        mmapped.append(observation.mmapped)
        if observation.i == last:
            caption = f"{name}: the heap after operation {last + 1:,} of {len(ops):,}"
            view = heap_map_from_view(snapshot(heap), caption=caption)
            drawn = render_heap_map(view, "linear")
    assert drawn is not None  # the loop visits operation `last`, checked above
    return {
        f"{name}-heap.svg": drawn,
        f"{name}-timeline.svg": render_timeline(brk, mmapped, f"{name}: break and mmapped bytes"),
    }


def site_figures(traces: dict[str, tuple[str, list[str], int | None]]) -> dict[str, str]:
    """Every figure of the site, keyed by file name.

    `traces` maps a figure name to (path, lines, stop_after) of a trace that the caller read.
    """
    figures = fragmentation_figures() | version_figures()
    for name, (path, lines, stop_after) in traces.items():
        figures |= trace_figures(lines, path, name, stop_after)
    return figures
