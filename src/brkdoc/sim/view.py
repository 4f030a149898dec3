"""A read-only picture of a `Heap`: every chunk in address order with its state and bin.

```pycon
>>> from brkdoc.sim import Heap, snapshot
>>> heap = Heap()
>>> a, b = heap.malloc(2000), heap.malloc(100)
>>> heap.free(a)
>>> view = snapshot(heap)
>>> for c in view.chunks:
...     print(c.offset, c.size, c.state, c.bin)
0 656 in_use None
656 2016 unsorted 1
2672 112 in_use None
2784 132384 top None
>>> view.brk, view.mmapped_bytes
(135168, 0)

```
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, get_args

if TYPE_CHECKING:
    from brkdoc.sim.state import HeapState

__all__ = ["STATES", "ChunkState", "ChunkView", "HeapView", "MmapView", "format_view", "snapshot"]

# The one list of chunk states; brkdoc.render draws and names exactly these.
ChunkState = Literal["in_use", "tcache", "fastbin", "unsorted", "smallbin", "largebin", "top"]
STATES: tuple[ChunkState, ...] = get_args(ChunkState)


@dataclass(frozen=True)
class ChunkView:
    """One heap chunk. `state` is one of STATES; `bin` is the tcache, fastbin or regular bin
    index (1 = unsorted, 2..63 small, 64..126 large), None for in-use chunks and the top.
    `address` is absolute; `offset` is from the initial program break. `is_tcache_struct`
    marks the 0x290 chunk glibc allocates for the tcache itself."""

    address: int
    offset: int
    size: int
    state: ChunkState
    bin: int | None
    is_tcache_struct: bool = False


@dataclass(frozen=True)
class MmapView:
    """One mmapped chunk: its address (the mapping's start) and size (the mapping's length)."""

    address: int
    size: int


@dataclass(frozen=True)
class HeapView:
    """Chunks in address order (the top chunk last), mmapped chunks by address, and totals."""

    heap_start: int
    brk: int
    mmapped_bytes: int
    mmap_threshold: int
    trim_threshold: int
    chunks: tuple[ChunkView, ...]
    mmapped: tuple[MmapView, ...]


def _bins_of(heap: HeapState) -> dict[int, int]:
    where: dict[int, int] = {}
    for index in range(1, 128):
        header = -index
        chunk = heap.fd[header]
        while chunk != header:
            where[chunk] = index
            chunk = heap.fd[chunk]
    return where


def snapshot(heap: HeapState) -> HeapView:
    """The heap's chunks now. Costs time proportional to the number of chunks."""
    start = heap.heap_start
    entries: list[tuple[int, int, ChunkState, int | None]] = []
    for chunk, size in heap.used.items():
        entries.append((chunk, size, "in_use", None))
    if heap.tcache is not None:
        for index, bin_ in enumerate(heap.tcache):
            entries.extend((chunk, index * 16 + 32, "tcache", index) for chunk in bin_)
    for index, fastbin in enumerate(heap.fastbins):
        entries.extend((chunk, index * 16 + 32, "fastbin", index) for chunk in fastbin)
    for chunk, index in _bins_of(heap).items():
        state: ChunkState = "unsorted" if index == 1 else "smallbin" if index < 64 else "largebin"
        entries.append((chunk, heap.free_size[chunk], state, index))
    if heap.top is not None:
        entries.append((heap.top, heap.top_size, "top", None))
    entries.sort()
    chunks = tuple(
        ChunkView(addr, addr - start, size, state, bin_, addr == heap.tcache_struct)
        for addr, size, state, bin_ in entries
    )
    mmapped = tuple(MmapView(addr, size) for addr, size in sorted(heap.mmapped_chunks.items()))
    return HeapView(
        heap_start=start,
        brk=heap.brk,
        mmapped_bytes=heap.mmapped,
        mmap_threshold=heap.tunables.mmap_threshold,
        trim_threshold=heap.tunables.trim_threshold,
        chunks=chunks,
        mmapped=mmapped,
    )


def format_view(view: HeapView, around: int | None = None, context: int = 8) -> str:
    """A text table of the chunks; with `around` (an offset), only chunks near it.

    ```pycon
    >>> from brkdoc.sim import Heap, format_view, snapshot
    >>> heap = Heap()
    >>> _ = heap.malloc(10)
    >>> print(format_view(snapshot(heap)))
    brk +0x21000, mmapped 0 bytes, mmap threshold 131072, trim threshold 131072
        offset      size  state     bin
           0x0     0x290  in_use         (tcache structure)
         0x290      0x20  in_use
         0x2b0   0x20d50  top

    ```
    """
    lines = [
        f"brk +{view.brk:#x}, mmapped {view.mmapped_bytes} bytes, "
        f"mmap threshold {view.mmap_threshold}, trim threshold {view.trim_threshold}",
        f"{'offset':>10}  {'size':>8}  {'state':<8}  bin",
    ]
    chunks = list(view.chunks)
    first, last = 0, len(chunks)
    if around is not None and chunks:
        nearest = min(range(len(chunks)), key=lambda k: abs(chunks[k].offset - around))
        first, last = max(0, nearest - context), min(len(chunks), nearest + context + 1)
        if first:
            lines.append(f"{'...':>10}")
    for chunk in chunks[first:last]:
        bin_ = "" if chunk.bin is None else str(chunk.bin)
        note = "  (tcache structure)" if chunk.is_tcache_struct else ""
        lines.append(
            f"{chunk.offset:>#10x}  {chunk.size:>#8x}  {chunk.state:<8}  {bin_:<3}{note}".rstrip()
        )
    if last < len(chunks):
        lines.append(f"{'...':>10}")
    for mapping in view.mmapped:
        lines.append(f"mmapped chunk at {mapping.address:#x}, {mapping.size} bytes")
    return "\n".join(lines)
