"""Exactness: the model and the live glibc agree on every operation.

Covers the CS:APP traces kept in examples/traces/csapp (missing traces fail the suite),
randomized traces from hypothesis, and targeted sequences for bin boundaries, the mmap
threshold, consolidation, trimming, calloc, mallopt and malloc_trim. Every comparison runs real
glibc in a child process built from replay.c.
"""

from __future__ import annotations

import random
import re
import shutil
from collections.abc import Sequence
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from brkdoc.native.compare import Stop, compare_trace
from brkdoc.native.glibcs import CHECKED_VERSIONS
from brkdoc.native.oracle import (
    CRASH_PREFIX,
    OP_CALLOC,
    OP_FREE,
    OP_MALLOC,
    OP_MALLOPT,
    OP_REALLOC,
    OP_TRIM,
    describe_stop,
    replay_raw,
    replay_trace,
)
from brkdoc.platform import glibc_version
from brkdoc.sim import (
    M_MMAP_MAX,
    M_MMAP_THRESHOLD,
    M_MXFAST,
    M_TOP_PAD,
    M_TRIM_THRESHOLD,
    PROFILES,
    Heap,
    MallocAbort,
    get_profile,
    simulate,
)
from brkdoc.trace import TraceOp, parse_trace
from tests.native.replaying import (
    SYSCALL_CASES,
    model_results,
    real_results,
    run_records_on,
    strace_of_replay,
)

ROOT = Path(__file__).resolve().parents[2]
TRACES = ROOT / "examples" / "traces" / "csapp"
VERSION = glibc_version()
PROFILE = PROFILES.get(VERSION or "", PROFILES["2.36"])

pytestmark = [
    pytest.mark.skipif(VERSION is None, reason="the live oracle needs glibc"),
    pytest.mark.skipif(
        VERSION is not None and VERSION not in PROFILES,
        reason=f"no profile models the running glibc {VERSION}",
    ),
]

MiB = 1 << 20
Record = tuple[int, int, int]


def _trace_files() -> list[Path]:
    return sorted(TRACES.glob("*.rep"))


def test_shared_traces_are_present() -> None:
    files = _trace_files()
    assert files, f"no *.rep traces in {TRACES}"
    assert len(files) >= 12


def _compare_trace(ops: list[TraceOp]) -> None:
    found = compare_trace(ops, PROFILE)
    assert (found.verdict, found.agreeing) == ("agree", len(ops)), f"parted at {found.at}"


@pytest.mark.parametrize("path", _trace_files(), ids=lambda p: p.name)
def test_shared_trace_agrees(path: Path) -> None:
    ops = list(parse_trace(path.read_text().splitlines(), str(path)))
    _compare_trace(ops)


def _compare_records(records: Sequence[Record]) -> None:
    real, real_abort = real_results(records)
    model, model_abort = model_results(records, PROFILE)
    assert (real_abort, model_abort) == (None, None)
    for index, (record, want, have) in enumerate(zip(records, real, model, strict=True)):
        if record[0] == OP_MALLOPT:
            assert have[0] == 1, f"op {index} {record}: the model refused the mallopt"
        assert have == want, f"op {index} {record}: model {have}, glibc {want}"


# ---------------------------------------------------------------- targeted cases

BIN_BOUNDARY_REQUESTS = sorted(
    {
        size + delta
        for size in (24, 120, 128, 1008, 1016, 1032, 1040, 3120, 10240, 65536, 131056)
        for delta in (-1, 0, 1, 8, 9)
        if size + delta > 0
    }
)


def test_every_bin_boundary_malloc_free_malloc() -> None:
    records: list[Record] = []
    for slot, size in enumerate(BIN_BOUNDARY_REQUESTS):
        records.append((OP_MALLOC, slot, size))
    for slot in range(0, len(BIN_BOUNDARY_REQUESTS), 2):
        records.append((OP_FREE, slot, 0))
    for slot, size in enumerate(BIN_BOUNDARY_REQUESTS[::2]):
        records.append((OP_MALLOC, slot * 2, size + 16))
    _compare_records(records)


def test_large_bins_best_fit_and_sorting() -> None:
    # Free chunks of many sizes (separated by guards), sort them into large bins, then ask
    # for sizes in between so best fit, equal-size ordering and the binmap scan all matter.
    sizes = [1100, 1500, 1100, 2000, 4000, 4100, 9000, 1500, 33000, 70000, 1100, 2000]
    records: list[Record] = []
    slot = 0
    for size in sizes:
        records.append((OP_MALLOC, slot, size))
        records.append((OP_MALLOC, slot + 1, 40))
        slot += 2
    for freed in range(0, slot, 2):
        records.append((OP_FREE, freed, 0))
    records.append((OP_MALLOC, slot, 5000))  # sorts the unsorted chunks into bins
    for want in (1000, 1100, 1400, 1600, 3000, 8000, 20000, 1100, 1100):
        slot += 1
        records.append((OP_MALLOC, slot, want))
    _compare_records(records)


@pytest.mark.parametrize("delta", [-16, -1, 0, 1, 16])
def test_mmap_threshold_edges(delta: int) -> None:
    # 131064 is the first request whose chunk (131072) reaches the default threshold.
    size = 131064 + delta
    records: list[Record] = [
        (OP_MALLOC, 0, 100),
        (OP_MALLOC, 1, 200_000),  # drains top so the threshold decides
        (OP_MALLOC, 2, size),
        (OP_MALLOC, 3, size),
        (OP_FREE, 2, 0),
        (OP_MALLOC, 4, size),
        (OP_FREE, 1, 0),  # raises the dynamic threshold
        (OP_MALLOC, 5, size),
        (OP_MALLOC, 6, 200_000 + delta),
    ]
    _compare_records(records)


def test_32_mib_and_dynamic_threshold_cap() -> None:
    records: list[Record] = [
        (OP_MALLOC, 0, 32 * MiB),
        (OP_FREE, 0, 0),  # exactly 32 MiB + a page: above the cap, no threshold change
        (OP_MALLOC, 1, 32 * MiB - 4096 - 8),  # a chunk of exactly 32 MiB
        (OP_FREE, 1, 0),
        (OP_MALLOC, 2, 16 * MiB),
        (OP_FREE, 2, 0),  # threshold moves to 16 MiB + a page
        (OP_MALLOC, 3, 8 * MiB),  # now from the heap
        (OP_MALLOC, 4, 64 * MiB),
        (OP_FREE, 3, 0),  # trim threshold is 2x the new threshold
        (OP_FREE, 4, 0),
    ]
    _compare_records(records)


def test_realloc_across_the_threshold() -> None:
    records: list[Record] = [
        (OP_MALLOC, 0, 1000),
        (OP_REALLOC, 0, 300_000),  # heap -> mmap (or grown into top)
        (OP_REALLOC, 0, 600_000),  # mremap
        (OP_REALLOC, 0, 100),  # stays mmapped, shrinks to a page
        (OP_REALLOC, 0, 4096 - 24),
        (OP_REALLOC, 0, 4096 - 8),  # one byte more than fits: a second page
        (OP_MALLOC, 1, 50_000),
        (OP_MALLOC, 2, 50),
        (OP_REALLOC, 1, 200_000),  # grows into top or moves
        (OP_REALLOC, 2, 60),
        (OP_REALLOC, 2, 0),  # frees
        (OP_MALLOC, 3, 5000),
        (OP_MALLOC, 4, 5000),
        (OP_FREE, 4, 0),
        (OP_REALLOC, 3, 9000),  # absorbs the free neighbour
        (OP_REALLOC, 3, 2000),  # shrinks, remainder freed
        (OP_REALLOC, 3, 2000),
    ]
    _compare_records(records)


def test_consolidation_and_trim_on_free() -> None:
    records: list[Record] = []
    for slot in range(40):
        records.append((OP_MALLOC, slot, 100))  # fastbin-sized once the tcache is full
    records.append((OP_MALLOC, 40, 60_000))
    records.append((OP_MALLOC, 41, 300_000 - 200_000))
    for slot in range(40):
        records.append((OP_FREE, slot, 0))
    records.append((OP_FREE, 40, 0))  # >= 64 KiB after merging: consolidates fastbins
    records.append((OP_FREE, 41, 0))  # merges into top: systrim
    records.append((OP_MALLOC, 42, 2000))  # large request: malloc_consolidate first
    records.append((OP_MALLOC, 43, 90))
    _compare_records(records)


def test_calloc_mallopt_and_malloc_trim() -> None:
    records: list[Record] = [
        (OP_MALLOC, 0, 40),
        (OP_FREE, 0, 0),
        (OP_CALLOC, 1, 40),  # calloc skips the tcache
        (OP_MALLOC, 2, 40),  # ...which malloc then uses
        (OP_MALLOC, 3, 100_000),
        (OP_MALLOC, 4, 100),
        (OP_FREE, 3, 0),
        (OP_TRIM, 0, 0),  # madvise inside the free chunk, then systrim
        (OP_MALLOPT, M_TOP_PAD, 0),
        (OP_MALLOPT, M_TRIM_THRESHOLD, 4096),
        (OP_MALLOC, 5, 20_000),
        (OP_FREE, 5, 0),
        (OP_MALLOPT, M_MMAP_THRESHOLD, 1 << 20),
        (OP_MALLOC, 6, 500_000),
        (OP_FREE, 6, 0),
        (OP_MALLOPT, M_MMAP_MAX, 0),
        (OP_MALLOC, 7, 2 * MiB),
        (OP_MALLOPT, M_MXFAST, 0),
        (OP_MALLOC, 8, 24),
        (OP_FREE, 8, 0),
        (OP_TRIM, 0, 64),
        (OP_TRIM, 0, 0),
    ]
    _compare_records(records)


def test_malloc_trim_with_a_minimal_top() -> None:
    # systrim compares a negative "top_area" as unsigned; with a 32-byte top, glibc grows the
    # heap by a page instead of shrinking it. The model copies that.
    heap = Heap(PROFILE)
    heap.malloc(100)
    filler = heap.top_size - 32 - 8  # leaves exactly MINSIZE in the top chunk
    heap.malloc(filler)
    assert heap.top_size == 32
    before = heap.brk
    heap.malloc_trim(0)
    assert heap.brk == before + 4096
    _compare_records([(OP_MALLOC, 0, 100), (OP_MALLOC, 1, filler), (OP_TRIM, 0, 0)])


def test_double_free_aborts_with_glibcs_message() -> None:
    ops = list(parse_trace(["1", "3", "a 0 50", "f 0", "f 0"], "double.rep"))
    found = compare_trace(ops, PROFILE)
    assert (found.verdict, found.agreeing) == ("both-abort", 2)
    assert isinstance(found.at, Stop)
    assert found.at.glibc_stop == "free(): double free detected in tcache 2"
    assert isinstance(found.at.model_error, MallocAbort)
    assert str(found.at.model_error) == found.at.glibc_stop


def test_fasttop_double_free_aborts_with_glibcs_message() -> None:
    records: list[Record] = [(OP_MALLOC, slot, 50) for slot in range(8)]
    records += [(OP_FREE, slot, 0) for slot in range(8)]  # 7 to the tcache, 1 to a fastbin
    records.append((OP_FREE, 7, 0))
    outcome = replay_raw(records, 8)
    assert outcome.abort_message == "double free or corruption (fasttop)"
    model, model_abort = model_results(records, PROFILE)
    assert model_abort == outcome.abort_message
    assert len(model) == len(outcome.results) == len(records) - 1


# ---------------------------------------------------------------- randomized traces

_SIZES = st.one_of(
    st.integers(1, 1100),
    st.integers(1, 140_000),
    st.sampled_from([131_048, 131_056, 131_064, 131_072, 131_080, 32 * MiB, 64 * MiB]),
    st.integers(1, 64 * MiB),
)


@st.composite
def _traces(draw: st.DrawFn) -> list[TraceOp]:
    ops: list[TraceOp] = []
    live: list[int] = []
    next_id = 0
    for line in range(draw(st.integers(1, 60))):
        kind = draw(st.sampled_from("aaarff")) if live else "a"
        if kind == "a":
            ops.append(TraceOp(line, "a", next_id, draw(_SIZES)))
            live.append(next_id)
            next_id += 1
        else:
            block = live[draw(st.integers(0, len(live) - 1))]
            if kind == "f":
                live.remove(block)
                ops.append(TraceOp(line, "f", block, 0))
            else:
                size = draw(st.one_of(_SIZES, st.just(0)))
                ops.append(TraceOp(line, "r", block, size))
                if size == 0:
                    live.remove(block)
    return ops


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_traces())
def test_random_traces_agree(ops: list[TraceOp]) -> None:
    _compare_trace(ops)


# ---------------------------------------------------------------- the syscall log vs strace

_CALL = re.compile(r"^(\w+)\((.*)\)\s+=\s+(\S+)")


def _normalize(line: str, heap_start: int) -> str:
    """A syscall line without absolute addresses: heap addresses become offsets, mmap ones go."""
    found = _CALL.match(line)
    assert found, line
    name, raw_args, result = found.groups()
    args = [arg.strip() for arg in raw_args.split(",")]
    if name == "brk":
        shown = "NULL" if args[0] == "NULL" else str(int(args[0], 16) - heap_start)
        return f"brk({shown})"
    if name == "mmap":
        return f"mmap({args[1]})"
    if name == "munmap":
        return f"munmap({args[1]})"
    if name == "mremap":
        return f"mremap({args[1]}, {args[2]})"
    if name == "madvise":
        return f"madvise({int(args[0], 16) - heap_start}, {args[1]}, {args[2]}) = {result}"
    raise AssertionError(line)


@pytest.mark.skipif(shutil.which("strace") is None, reason="needs strace")
@pytest.mark.parametrize("which", SYSCALL_CASES)
def test_syscall_log_matches_strace(which: str) -> None:
    records = SYSCALL_CASES[which]
    real = strace_of_replay(records, 4)
    initial = int(_CALL.match(real[0]).group(3), 16)  # type: ignore[union-attr]
    heap = Heap(PROFILE)
    run_records_on(heap, records)
    model = [str(call) for call in heap.syscalls]
    assert [_normalize(line, initial) for line in real] == [
        _normalize(line, heap.heap_start) for line in model
    ]
    assert len(model) >= 3


@st.composite
def _busy_small_traces(draw: st.DrawFn) -> list[TraceOp]:
    """Longer traces of small and medium blocks: many frees, so every bin kind fills up."""
    sizes = st.one_of(st.integers(1, 130), st.integers(1, 1100), st.integers(1000, 40_000))
    ops: list[TraceOp] = []
    live: list[int] = []
    for line in range(draw(st.integers(50, 300))):
        kind = draw(st.sampled_from("aarff")) if live else "a"
        if kind == "a":
            ops.append(TraceOp(line, "a", line, draw(sizes)))
            live.append(line)
        elif kind == "f":
            block = live.pop(draw(st.integers(0, len(live) - 1)))
            ops.append(TraceOp(line, "f", block, 0))
        else:
            block = live[draw(st.integers(0, len(live) - 1))]
            ops.append(TraceOp(line, "r", block, draw(sizes)))
    return ops


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_busy_small_traces())
def test_random_busy_traces_agree(ops: list[TraceOp]) -> None:
    _compare_trace(ops)


def test_a_long_generated_trace_agrees() -> None:
    """60,000 operations with a bounded live set: bins, trims and mmaps interact at scale."""
    rng = random.Random(36)
    ops: list[TraceOp] = []
    live: list[int] = []
    for line in range(60_000):
        roll = rng.random()
        if live and (roll < 0.45 or len(live) >= 3000):
            index = rng.randrange(len(live))
            live[index], live[-1] = live[-1], live[index]
            ops.append(TraceOp(line, "f", live.pop(), 0))
        elif live and roll < 0.55:
            ops.append(TraceOp(line, "r", rng.choice(live), _generated_size(rng)))
        else:
            ops.append(TraceOp(line, "a", line, _generated_size(rng)))
            live.append(line)
    _compare_trace(ops)


def _generated_size(rng: random.Random) -> int:
    if rng.random() < 0.01:
        return rng.randint(4096, 1 << 20)
    return int(2 ** rng.uniform(0, 12))


@pytest.mark.parametrize("size", [2**47, 2**48, 2**56, 2**63 - 1, 2**63, 2**64 - 1])
@pytest.mark.parametrize("version", CHECKED_VERSIONS)
def test_sizes_no_machine_can_map_give_null_on_both_sides(version: str, size: int) -> None:
    # malloc, calloc, realloc of a heap block and of an mmapped block; the heap carries on.
    lines = ["3", "8", "a 0 100", f"a 1 {size}", f"c 4 {size}", "a 2 300000", f"r 0 {size}"]
    lines += [f"r 2 {size}", "a 3 100", "f 0"]
    ops = list(parse_trace(lines, "huge.rep"))
    real, abort = replay_trace(ops, glibc=None if version == VERSION else version)
    assert abort is None
    assert [obs.where for obs in real[1:6]] == [None, None, "mmap", None, None]
    model = list(simulate(ops, get_profile(version)))
    assert model == real


def test_a_crashing_replay_names_the_signal_and_keeps_the_completed_ops() -> None:
    # Freeing an mmapped block twice: the second free reads the header of unmapped memory.
    ops = list(parse_trace(["1", "3", "a 0 300000", "f 0", "f 0"], "twice.rep"))
    real, message = replay_trace(ops)
    assert message == "killed by SIGSEGV (Segmentation fault)"
    assert [obs.op for obs in real] == ["a", "f"]
    assert real[0].where == "mmap"


def test_a_stopped_replay_is_named_as_an_abort_or_a_crash() -> None:
    assert describe_stop("free(): invalid pointer") == "glibc aborted: free(): invalid pointer"
    assert describe_stop(f"{CRASH_PREFIX}SIGSEGV (Segmentation fault)") == (
        "glibc's replay was killed by SIGSEGV (Segmentation fault)"
    )
