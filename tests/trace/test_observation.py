"""brkdoc.trace.observation: one JSON line per operation, the same text json.dumps writes."""

from __future__ import annotations

import json

import pytest

from brkdoc.trace import Observation, format_observation, parse_observation


def test_observation_round_trip() -> None:
    obs = Observation(3, "a", 7, "heap", 672, 135168, 0)
    line = format_observation(obs)
    assert list(json.loads(line)) == [
        "i",
        "op",
        "id",
        "where",
        "offset",
        "brk",
        "mmapped",
    ]
    assert parse_observation(line) == obs


@pytest.mark.parametrize(
    "obs",
    [
        Observation(0, "a", 0, "heap", 672, 135168, 0),
        Observation(1, "f", 0, None, None, 135168, 0),
        Observation(2, "r", 7, "mmap", None, 0, 1 << 40),
        Observation(3, "c", 1 << 70, "heap", -16, -4096, 0),
        # Off the fast path: json.dumps itself.
        Observation(4, 'x"y', 2, "h\u00e9ap", 1, 2, 3),
        Observation(5, "a", True, "heap", 1, 2, 3),
    ],
)
def test_format_observation_writes_what_json_dumps_writes(obs: Observation) -> None:
    assert format_observation(obs) == json.dumps(obs._asdict())
    assert parse_observation(format_observation(obs)) == obs
