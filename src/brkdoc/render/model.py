"""What a heap map shows, as plain data: the renderer's input, independent of the simulator.

Offsets are bytes from the initial program break (where the heap starts), the same origin the
`brkdoc simulate --jsonl` lines use, so a figure and a JSONL line can be read side by side.

>>> heap = HeapMap.from_tuples(
...     [(0, 0x290, "in_use"), (0x290, 0x20, "tcache"), (0x2B0, 0x20D50, "top")],
...     brk=0x21000,
... )
>>> [chunk.state for chunk in heap.chunks], hex(heap.brk)
(['in_use', 'tcache', 'top'], '0x21000')
>>> HeapMap.from_tuples([(0, 0x40, "in_use"), (0x30, 0x20, "top")], brk=0x1000)
Traceback (most recent call last):
...
ValueError: chunk at +0x30 overlaps the chunk before it, which ends at +0x40
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from brkdoc.sim.view import STATES, ChunkState

__all__ = [
    "CHUNK_STATES",
    "FREE_STATES",
    "Chunk",
    "ChunkState",
    "HeapMap",
    "MappedChunk",
]

# The simulator's list, under the renderer's name for it.
CHUNK_STATES: tuple[ChunkState, ...] = STATES
# Free as far as the program is concerned. Tcache and fastbin chunks still look "in use" to
# glibc's coalescing (their neighbour's PREV_INUSE bit stays set); the figure shows them free
# because no live block lives there.
FREE_STATES: frozenset[ChunkState] = frozenset(CHUNK_STATES) - {"in_use", "top"}


@dataclass(frozen=True, slots=True)
class Chunk:
    """One chunk of the heap: where it starts, its size (header included) and what it is.

    `bin_index` is the tcache, fastbin or regular bin index when the chunk is free, else None.
    `label` is the program's name for the block (a trace id, or "A"), if it has one.
    """

    offset: int
    size: int
    state: ChunkState
    bin_index: int | None = None
    label: str | None = None

    def __post_init__(self) -> None:
        if self.state not in CHUNK_STATES:
            raise ValueError(f"unknown chunk state {self.state!r}")
        if self.size <= 0:
            raise ValueError(f"chunk at +{self.offset:#x} has size {self.size}")

    @property
    def end(self) -> int:
        """The offset just past the chunk."""
        return self.offset + self.size


@dataclass(frozen=True, slots=True)
class MappedChunk:
    """A chunk malloc got from its own mmap: `size` is the mapping's length."""

    size: int
    label: str | None = None


@dataclass(frozen=True)
class HeapMap:
    """The main arena's heap in address order, the program break, and the mmapped chunks.

    The chunks must be in address order and must not overlap; the break must not lie below the
    end of the last one. (In glibc the top chunk ends exactly at the break; the check is looser so
    a caller can draw a heap it only partly knows.)
    """

    chunks: tuple[Chunk, ...]
    brk: int
    mmapped: tuple[MappedChunk, ...] = ()
    caption: str = ""
    heap_start: int = field(default=0)

    def __post_init__(self) -> None:
        previous_end = self.heap_start
        for chunk in self.chunks:
            if chunk.offset < previous_end:
                raise ValueError(
                    f"chunk at +{chunk.offset:#x} overlaps the chunk before it,"
                    f" which ends at +{previous_end:#x}"
                )
            previous_end = chunk.end
        if self.brk < previous_end:
            raise ValueError(f"the break +{self.brk:#x} lies inside the heap (+{previous_end:#x})")

    @classmethod
    def from_tuples(
        cls,
        chunks: Iterable[Sequence[object]],
        brk: int,
        mmapped: Iterable[int | tuple[int, str]] = (),
        caption: str = "",
    ) -> HeapMap:
        """Build a map from `(offset, size, state[, bin_index[, label]])` tuples.

        `mmapped` holds sizes, or `(size, label)` pairs. Handy for tests and hand-made examples.
        """
        built: list[Chunk] = []
        for row in chunks:
            offset, size, state, *rest = row
            bin_index = rest[0] if rest else None
            label = rest[1] if len(rest) > 1 else None
            if not isinstance(offset, int) or not isinstance(size, int):
                raise TypeError(f"offset and size must be ints: {row!r}")
            if state not in CHUNK_STATES:
                raise ValueError(f"unknown chunk state {state!r}")
            built.append(
                Chunk(
                    offset=offset,
                    size=size,
                    state=state,
                    bin_index=bin_index if isinstance(bin_index, int) else None,
                    label=str(label) if label is not None else None,
                )
            )
        maps = tuple(
            MappedChunk(size=item) if isinstance(item, int) else MappedChunk(*item)
            for item in mmapped
        )
        return cls(chunks=tuple(built), brk=brk, mmapped=maps, caption=caption)

    @property
    def in_use_bytes(self) -> int:
        """Bytes in heap chunks that hold live blocks (headers included)."""
        return sum(chunk.size for chunk in self.chunks if chunk.state == "in_use")

    @property
    def free_bytes(self) -> int:
        """Bytes in free chunks below the top chunk: the holes."""
        return sum(chunk.size for chunk in self.chunks if chunk.state in FREE_STATES)

    @property
    def mmapped_bytes(self) -> int:
        """Bytes in mmapped chunks, as `mallinfo2().hblkhd` counts them."""
        return sum(chunk.size for chunk in self.mmapped)
