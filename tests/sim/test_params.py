"""Sizes and bin indices against values worked out by hand from glibc's macros."""

from __future__ import annotations

import pytest

from brkdoc.sim.params import (
    bin_index,
    csize2tidx,
    fastbin_index,
    largebin_index,
    max_fast_for,
    request2size,
)


@pytest.mark.parametrize(
    ("nbytes", "chunk"),
    [
        (0, 32),
        (1, 32),
        (24, 32),
        (25, 48),
        (40, 48),
        (41, 64),
        (1032, 1040),
        (131048, 131056),
        (131064, 131072),
        (131065, 131088),
    ],
)
def test_request2size(nbytes: int, chunk: int) -> None:
    assert request2size(nbytes) == chunk


def test_tcache_and_fastbin_indices() -> None:
    assert csize2tidx(32) == 0
    assert csize2tidx(1040) == 63
    assert fastbin_index(32) == 0
    assert fastbin_index(128) == 6
    assert max_fast_for(128) == 128
    assert max_fast_for(0) == 16


@pytest.mark.parametrize(
    ("size", "index"),
    [
        (32, 2),
        (1008, 63),
        (1024, 64),
        (3120, 96),
        (3136, 97),
        (4096, 99),
        (10752, 112),
        (40960, 120),
        (163840, 124),
        (1 << 20, 126),
    ],
)
def test_bin_index(size: int, index: int) -> None:
    assert bin_index(size) == index


def test_large_bins_are_monotonic() -> None:
    indices = [largebin_index(size) for size in range(1024, 1 << 21, 16)]
    assert indices == sorted(indices)
    assert indices[0] == 64
    assert indices[-1] == 126
