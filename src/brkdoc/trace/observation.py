"""What one operation of a trace did: the record the model and the live oracle both report.

Its JSONL form, one object a line with the keys i, op, id, where, offset, brk and mmapped, is
what `brkdoc simulate --jsonl` and `brkdoc replay` print.

```pycon
>>> from brkdoc.trace import Observation, format_observation, parse_observation
>>> line = format_observation(Observation(0, "a", 0, "heap", 672, 135168, 0))
>>> print(line)
{"i": 0, "op": "a", "id": 0, "where": "heap", "offset": 672, "brk": 135168, "mmapped": 0}
>>> parse_observation(line).offset
672

```
"""

from __future__ import annotations

import json
from typing import NamedTuple

__all__ = ["Observation", "format_observation", "parse_observation"]


class Observation(NamedTuple):
    """What one operation did, as both the simulator and the live oracle report it.

    `where` is "heap", "mmap" or None (a free, or realloc to 0 bytes); `offset` is the pointer
    minus the initial program break for heap pointers; `brk` is the break after the operation
    minus the initial break; `mmapped` is the bytes in mmapped chunks (mallinfo2's hblkhd).
    """

    i: int
    op: str
    id: int
    where: str | None
    offset: int | None
    brk: int
    mmapped: int


def format_observation(obs: Observation) -> str:
    """One JSON line with exactly the keys i, op, id, where, offset, brk, mmapped.

    The same text as `json.dumps(obs._asdict())`, written out by hand: `--jsonl` prints one
    per operation, and json.dumps costs several times as much. Anything but the usual plain
    values (an int, or a short ASCII word for op and where) goes through json.dumps.
    """
    i, op, block, where, offset, brk, mmapped = obs
    if (
        type(i) is int
        and type(block) is int
        and type(brk) is int
        and type(mmapped) is int
        and (type(offset) is int or offset is None)
        and op in _PLAIN_WORDS
        and (where is None or where in _PLAIN_WORDS)
    ):
        where_text = "null" if where is None else f'"{where}"'
        offset_text = "null" if offset is None else str(offset)
        return (
            f'{{"i": {i}, "op": "{op}", "id": {block}, "where": {where_text}, '
            f'"offset": {offset_text}, "brk": {brk}, "mmapped": {mmapped}}}'
        )
    return json.dumps(obs._asdict())


# Strings that JSON writes as themselves between quotes: the ops and the places a block lives.
_PLAIN_WORDS = frozenset({"a", "r", "f", "c", "heap", "mmap"})


def parse_observation(line: str) -> Observation:
    """Read back a line written by `format_observation`."""
    data = json.loads(line)
    return Observation(
        data["i"], data["op"], data["id"], data["where"], data["offset"], data["brk"],
        data["mmapped"],
    )  # fmt: skip
