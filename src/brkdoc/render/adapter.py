"""Turn the simulator's `snapshot()` into the renderer's `HeapMap`.

The snapshot says what each chunk is; the map adds what a figure prints (names, a caption).

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
from collections.abc import Mapping

from brkdoc.render.model import Chunk, HeapMap, MappedChunk

# A pointer returned by malloc lies CHUNK_HDR_SZ bytes after its chunk's start (the prev_size and
# size words), for heap and mmapped chunks alike.
from brkdoc.sim.params import CHUNK_HDR_SZ
from brkdoc.sim.view import HeapView

__all__ = ["heap_map_from_view"]


def heap_map_from_view(
    view: HeapView, labels: Mapping[int, str] | None = None, caption: str = ""
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
    starts = sorted((pointer - CHUNK_HDR_SZ, name) for pointer, name in names.items())
    chunks: list[Chunk] = []
    for item in view.chunks:
        state = item.state
        label: str | None = None
        if state == "in_use":
            label = names.get(item.address + CHUNK_HDR_SZ)
            if label is None and item.is_tcache_struct:
                label = "tcache struct"
        elif state != "top":
            first = bisect_left(starts, (item.address, ""))
            last = bisect_left(starts, (item.address + item.size, ""))
            label = "+".join(name for _, name in starts[first:last]) or None
        chunks.append(Chunk(item.offset, item.size, state, item.bin, label))
    mapped = tuple(MappedChunk(m.size, names.get(m.address + CHUNK_HDR_SZ)) for m in view.mmapped)
    return HeapMap(chunks=tuple(chunks), brk=view.brk, mmapped=mapped, caption=caption)
