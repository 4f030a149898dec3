"""brkdoc.render: pictures of the simulated heap, as SVG text. Pure: no I/O.

- `HeapMap` (with `Chunk`, `MappedChunk`) is the renderer's own input: chunks in address order,
  the program break, mmapped chunks. `heap_map_from_view` builds one from `brkdoc.sim.snapshot`.
- `render_heap_map` draws the heap: chunks in use, free chunks coloured by bin, the top chunk,
  the program break, and the mmapped chunks in a row of their own.
- `render_timeline` draws the program break and the mmapped bytes over a trace.
- `brkdoc.render.figures` holds the site's figures, each produced by running the simulator.

Every SVG carries a `<title>`, an `aria-label` and a `<desc>`, and one small `<style>` whose
colours follow the reader's light or dark scheme (see `brkdoc.render.svg`).
"""

from __future__ import annotations

from brkdoc.render.adapter import heap_map_from_view
from brkdoc.render.heapmap import render_heap_map
from brkdoc.render.model import CHUNK_STATES, Chunk, ChunkState, HeapMap, MappedChunk
from brkdoc.render.timeline import render_timeline

__all__ = [
    "CHUNK_STATES",
    "Chunk",
    "ChunkState",
    "HeapMap",
    "MappedChunk",
    "heap_map_from_view",
    "render_heap_map",
    "render_timeline",
]
