"""Turn the simulator's `snapshot()` into the renderer's `HeapMap`.

The renderer does not depend on the simulator's classes, only on the attributes read here, so
either side can change without the other as long as this file is kept in step.

```pycon
>>> from brkdoc.sim import Heap, snapshot
>>> from brkdoc.render.adapter import heap_map_from_view
>>> heap = Heap()
>>> a, b = heap.malloc(2000), heap.malloc(100)
>>> heap.free(a)
>>> heap_map = heap_map_from_view(snapshot(heap), labels={b: "B"})
>>> [(c.state, c.label) for c in heap_map.chunks]
[('in_use', 'tcache struct'), ('unsorted', None), ('in_use', 'B'), ('top', None)]

```
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Mapping, Sequence
from typing import Protocol

from brkdoc.render.model import CHUNK_STATES, Chunk, HeapMap, MappedChunk

__all__ = ["CHUNK_HEADER", "heap_map_from_view"]

# A pointer returned by malloc lies this many bytes after its chunk's start on x86-64
# (prev_size and size words), for heap and mmapped chunks alike.
CHUNK_HEADER = 16


class _ChunkLike(Protocol):
    @property
    def address(self) -> int: ...
    @property
    def offset(self) -> int: ...
    @property
    def size(self) -> int: ...
    @property
    def state(self) -> str: ...
    @property
    def bin(self) -> int | None: ...
    @property
    def is_tcache_struct(self) -> bool: ...


class _MmapLike(Protocol):
    @property
    def address(self) -> int: ...
    @property
    def size(self) -> int: ...


class _ViewLike(Protocol):
    @property
    def brk(self) -> int: ...
    @property
    def chunks(self) -> Sequence[_ChunkLike]: ...
    @property
    def mmapped(self) -> Sequence[_MmapLike]: ...


def heap_map_from_view(
    view: _ViewLike, labels: Mapping[int, str] | None = None, caption: str = ""
) -> HeapMap:
    """A `HeapMap` of a simulator snapshot.

    `labels` maps pointers (as malloc returned them) to the names the figure prints, for both
    heap and mmapped blocks. A chunk in use takes the name of its own pointer. A free chunk
    takes the names of every labelled block that started inside it, joined with "+", so a
    reader sees "B+C" once `free` has merged B and C. The top chunk is never named: merging
    into it is the point where a block stops being a thing of its own. The chunk holding the
    tcache itself is labelled "tcache struct".
    """
    names = labels or {}
    starts = sorted((pointer - CHUNK_HEADER, name) for pointer, name in names.items())
    chunks: list[Chunk] = []
    for item in view.chunks:
        state = next((s for s in CHUNK_STATES if s == item.state), None)
        if state is None:
            raise ValueError(f"the simulator reported an unknown chunk state {item.state!r}")
        label: str | None = None
        if state == "in_use":
            label = names.get(item.address + CHUNK_HEADER)
            if label is None and item.is_tcache_struct:
                label = "tcache struct"
        elif state != "top":
            first = bisect_left(starts, (item.address, ""))
            last = bisect_left(starts, (item.address + item.size, ""))
            label = "+".join(name for _, name in starts[first:last]) or None
        chunks.append(Chunk(item.offset, item.size, state, item.bin, label))
    mapped = tuple(MappedChunk(m.size, names.get(m.address + CHUNK_HEADER)) for m in view.mmapped)
    return HeapMap(chunks=tuple(chunks), brk=view.brk, mmapped=mapped, caption=caption)
