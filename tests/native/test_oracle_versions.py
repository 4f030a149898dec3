"""Exactness on every checked glibc: each profile against its real build, operation by operation.

For each of 2.31, 2.36, 2.41, 2.43 and 2.44 (the builds `make glibcs` fetches), this runs every
CS:APP trace in examples/traces/csapp, hypothesis traces (1 B to 64 MiB, reallocs, callocs,
frees) and misuse cases through the real build and through that version's profile. Then one
targeted case per modelled difference: it must agree with the real build on both sides of the
change, and the neighbouring version's profile must get the real build wrong at the very
operation where the rule acts, which shows the rule is modelled rather than matched by chance.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from brkdoc.native.compare import compare_trace
from brkdoc.native.glibcs import CHECKED_VERSIONS
from brkdoc.native.oracle import (
    OP_CALLOC,
    OP_FREE,
    OP_MALLOC,
    OP_MALLOPT,
    OP_REALLOC,
    OP_TRIM,
)
from brkdoc.sim import (
    M_MMAP_THRESHOLD,
    M_MXFAST,
    M_TOP_PAD,
    M_TRIM_THRESHOLD,
    PROFILES,
    Heap,
    get_profile,
)
from brkdoc.trace import TraceOp, parse_trace
from tests.native.replaying import (
    SYSCALL_CASES,
    Result,
    model_results,
    real_results,
    run_records_on,
    strace_of_replay,
)

ROOT = Path(__file__).resolve().parents[2]
TRACES = ROOT / "examples" / "traces" / "csapp"
MiB = 1 << 20
Record = tuple[int, int, int]


def test_profiles_are_the_checked_versions() -> None:
    assert tuple(PROFILES) == CHECKED_VERSIONS


# ---------------------------------------------------------------- running both sides


def _real(version: str, records: Sequence[Record]) -> tuple[list[Result], str | None]:
    return real_results(records, version)


def _model(version: str, records: Sequence[Record]) -> tuple[list[Result], str | None]:
    return model_results(records, get_profile(version))


def _assert_exact(version: str, records: Sequence[Record]) -> None:
    real, real_abort = _real(version, records)
    model, model_abort = _model(version, records)
    for index, (want, got) in enumerate(zip(real, model, strict=False)):
        where = f"glibc {version}, op {index} {records[index]}"
        assert got == want, f"{where}: model {got}, real {want}"
    assert len(model) == len(real)
    assert model_abort == real_abort


def _compare_trace(version: str, ops: list[TraceOp]) -> int:
    found = compare_trace(ops, get_profile(version), glibc=version)
    assert found.verdict == "agree", f"glibc {version}: parted at {found.at}"
    return found.agreeing


# ---------------------------------------------------------------- CS:APP and random traces


def _trace_files() -> list[Path]:
    return sorted(TRACES.glob("*.rep"))


def test_csapp_traces_are_present() -> None:
    assert len(_trace_files()) >= 12


@pytest.mark.parametrize("path", _trace_files(), ids=lambda p: p.name)
@pytest.mark.parametrize("version", CHECKED_VERSIONS)
def test_csapp_trace_agrees(version: str, path: Path) -> None:
    ops = list(parse_trace(path.read_text().splitlines(), str(path)))
    assert _compare_trace(version, ops) == len(ops)


_SIZES = st.one_of(
    st.integers(1, 1100),
    st.integers(1, 140_000),
    st.sampled_from([1016, 1024, 1032, 131_048, 131_064, 131_072, 200_672, 32 * MiB, 64 * MiB]),
    st.integers(1, 64 * MiB),
)


@st.composite
def _traces(draw: st.DrawFn) -> list[TraceOp]:
    ops: list[TraceOp] = []
    live: list[int] = []
    next_id = 0
    for line in range(draw(st.integers(1, 80))):
        kind = draw(st.sampled_from("aacrrfff")) if live else draw(st.sampled_from("ac"))
        if kind in "ac":
            ops.append(TraceOp(line, kind, next_id, draw(_SIZES)))
            live.append(next_id)
            next_id += 1
            continue
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


@pytest.mark.parametrize("version", CHECKED_VERSIONS)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=_traces())
def test_random_traces_agree(version: str, ops: list[TraceOp]) -> None:
    _compare_trace(version, ops)


_MALLOPTS = st.sampled_from(
    [
        (M_MMAP_THRESHOLD, 0),
        (M_MXFAST, 0),
        (M_MXFAST, 160),
        (M_MMAP_THRESHOLD, 4096),
        (M_MMAP_THRESHOLD, 1 << 20),
        (M_MMAP_THRESHOLD, 64 * MiB),
        (M_TRIM_THRESHOLD, 65536),
        (M_TOP_PAD, 0),
    ]
)


@st.composite
def _records(draw: st.DrawFn) -> list[Record]:
    """Raw calls, including calloc, mallopt and malloc_trim, which a trace cannot express."""
    records: list[Record] = []
    live: list[int] = []
    for slot in range(draw(st.integers(1, 80))):
        kind = draw(st.sampled_from("mmcrfffto")) if live else "m"
        if kind in "mc":
            records.append((OP_MALLOC if kind == "m" else OP_CALLOC, slot, draw(_SIZES)))
            live.append(slot)
        elif kind == "t":
            records.append((OP_TRIM, 0, draw(st.sampled_from([0, 64, 200_000]))))
        elif kind == "o":
            param, value = draw(_MALLOPTS)
            records.append((OP_MALLOPT, param, value))
        else:
            block = live[draw(st.integers(0, len(live) - 1))]
            if kind == "f":
                live.remove(block)
                records.append((OP_FREE, block, 0))
            else:
                records.append((OP_REALLOC, block, draw(st.integers(1, 300_000))))
    return records


@pytest.mark.parametrize("version", CHECKED_VERSIONS)
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records=_records())
def test_random_calls_with_mallopt_and_trim_agree(version: str, records: list[Record]) -> None:
    _assert_exact(version, records)


# ---------------------------------------------------------------- one case per difference

M, C, R, F, OPT = OP_MALLOC, OP_CALLOC, OP_REALLOC, OP_FREE, OP_MALLOPT


def _guarded(size: int, count: int) -> list[Record]:
    """`count` blocks of `size` (even slots), each followed by a live 24-byte guard."""
    records: list[Record] = []
    for i in range(count):
        records += [(M, 2 * i, size), (M, 2 * i + 1, 24)]
    return records


# Sets the tcache up on every version and leaves it empty, then takes a block from the top
# (slot 901) whose offset every later heap offset is measured from: so that a case compares
# layouts, not the size of the tcache struct in front of them.
WARM_UP: list[Record] = [(M, 900, 24), (F, 900, 0), (M, 902, 24), (M, 901, 2000)]


class Difference(NamedTuple):
    """A rule that changed between `before` and `after`; `focus` is the operation (counted
    after the warm-up, if any) where the two profiles first part on these records."""

    before: str
    after: str
    records: list[Record]
    focus: int
    warm_up: bool = True


def _after_free_drain(size: int, freed: int, drained: int) -> list[Record]:
    records = _guarded(size, freed)
    records += [(F, 2 * i, 0) for i in range(freed)]
    return records + [(M, 100 + i, size) for i in range(drained)]


DIFFERENCES = {
    # 2.41, 226e3b0a41: calloc takes the chunk free() just cached.
    "calloc-takes-the-tcache": Difference("2.36", "2.41", [(M, 0, 40), (F, 0, 0), (C, 1, 40)], 2),
    # 2.41, e2436d6f5a: two frees past a full tcache go straight to the small bin, so the next
    # malloc takes the older one (2.36 stashes both from the unsorted bin, returns the newer).
    "small-frees-to-the-small-bin": Difference(
        "2.36", "2.41", [*_after_free_drain(200, 9, 7), (M, 120, 200)], 34
    ),
    # 2.38 (2fb12bbd09): realloc keeps a block it fits; 2.36 calls mremap.
    "realloc-keeps-a-fitting-block": Difference(
        "2.36", "2.41", [(M, 0, 1), (M, 1, 200_000), (R, 1, 200_688)], 2
    ),
    # 2.43, 0b9210bd76: 16 chunks per tcache bin: 20 frees, then malloc returns x[15] not x[6].
    "tcache-holds-16": Difference(
        "2.41",
        "2.43",
        [*[(M, i, 56) for i in range(20)], *[(F, i, 0) for i in range(20)], (M, 30, 56)],
        40,
    ),
    # 2.43, e3062b06c5/bb5a4f5295: no fastbins: the frees past the tcache coalesce at once, and
    # a 112-byte chunk is then split from them instead of coming from the top.
    "no-fastbins": Difference(
        "2.41",
        "2.43",
        [(M, i, 24) for i in range(25)] + [(F, i, 0) for i in range(24)] + [(M, 41, 100)],
        49,
    ),
    # 2.43: mallopt(M_MXFAST, 0) is accepted and changes nothing.
    "mxfast-does-nothing": Difference(
        "2.41",
        "2.43",
        [
            (OPT, M_MXFAST, 0),
            *[(M, i, 24) for i in range(10)],
            *[(F, i, 0) for i in range(10)],
            (M, 20, 200),
        ],
        21,
    ),
    # 2.43, 2bf2188fae: no tcache until the first free: the first block sits at +0x10.
    "tcache-set-up-at-first-free": Difference(
        "2.41", "2.43", [(M, 0, 24), (M, 1, 24), (F, 0, 0), (M, 2, 100)], 0, warm_up=False
    ),
    # 2.43, 614cfd0f8a: an mmapped chunk is its mapping minus 16, so freeing a 200704-byte
    # mapping sets the threshold to 200688 and a 200688-byte chunk is mmapped.
    "mmapped-layout-threshold": Difference(
        "2.41", "2.43", [(M, 0, 1), (M, 1, 200_000), (F, 1, 0), (M, 2, 200_672)], 3
    ),
    # 2.43 mremap_chunk: hblkhd grows by 16 bytes more than the mapping.
    "mmapped-layout-mremap": Difference(
        "2.41", "2.43", [(M, 0, 1), (M, 1, 200_000), (R, 1, 300_000)], 2
    ),
    # 2.42, cd33535002: realloc's split-off tail is merged into the bins, not cached, so the
    # next malloc(400) lands in it.
    "realloc-tail-past-the-tcache": Difference(
        "2.41", "2.43", [(M, 0, 1000), (M, 1, 24), (R, 0, 500), (M, 2, 400)], 3
    ),
    # 2.42, cd33535002: the block realloc moves away from is not cached either: a smaller
    # request then takes it from its small bin.
    "realloc-old-block-past-the-tcache": Difference(
        "2.41", "2.43", [(M, 0, 24), (M, 1, 100), (M, 2, 24), (R, 1, 300), (M, 3, 80)], 4
    ),
    # 2.44: the unsorted scan returns the first exact fit instead of caching every one.
    "unsorted-scan-without-stashing": Difference(
        "2.43", "2.44", [*_after_free_drain(1020, 18, 16), (M, 130, 1020)], 70
    ),
    # 2.43 sets the tcache up inside _int_malloc with a request padded twice (0x310 bytes);
    # 2.44 asks for the struct's own size (0x300).
    "tcache-struct-from-a-small-bin": Difference(
        "2.43",
        "2.44",
        [(M, 0, 1000), (M, 1, 24), (R, 0, 500), (M, 2, 480), (M, 3, 24)],
        4,
        warm_up=False,
    ),
    # 2.31 do_set_mmap_threshold refuses more than 32 MiB; 2.36 takes any value.
    "mallopt-threshold-limit": Difference(
        "2.31", "2.36", [(OPT, M_MMAP_THRESHOLD, 64 * MiB), (M, 0, MiB)], 0, warm_up=False
    ),
}


def _layout(results: Sequence[Result], records: Sequence[Record], skip: int) -> list[object]:
    """Results after the first `skip` ops, heap offsets relative to the warm-up's last block."""
    base = results[skip - 1][0] or 0 if skip else 0
    layout: list[object] = []
    for (value, mapped, _brk, hblkhd), (op, _, _) in zip(results, records, strict=True):
        if op == OP_FREE:
            layout.append(hblkhd)
        elif op in (OP_MALLOPT, OP_TRIM) or value is None:
            layout.append((value, mapped, hblkhd))
        else:
            layout.append((value - base, mapped, hblkhd))
    return layout[skip:]


@pytest.mark.parametrize("name", DIFFERENCES)
def test_each_difference_is_modelled(name: str) -> None:
    case = DIFFERENCES[name]
    records = (WARM_UP if case.warm_up else []) + case.records
    skip = len(WARM_UP) if case.warm_up else 0
    for version in (case.before, case.after):
        _assert_exact(version, records)
    real_after, _ = _real(case.after, records)
    wrong, _ = _model(case.before, records)
    want = _layout(real_after, records, skip)
    got = _layout(wrong, records, skip)
    parted = [i for i, (a, b) in enumerate(zip(want, got, strict=True)) if a != b]
    assert parted, f"the {case.before} profile gets glibc {case.after} right: not a difference"
    assert parted[0] == case.focus, f"they part at op {parted[0]}, not where the rule acts"


# ---------------------------------------------------------------- misuse, per version

MISUSE = {
    "double-free-in-the-tcache": [(M, 0, 50), (F, 0, 0), (F, 0, 0)],
    # 2.31-2.41: the 8th free goes to a fastbin, and freeing it again trips "fasttop";
    # 2.43 has room in the tcache and says "double free detected in tcache 2".
    "double-free-past-seven": [(M, i, 50) for i in range(8)]
    + [(F, i, 0) for i in range(8)]
    + [(F, 7, 0)],
    "double-free-of-a-large-block": [(M, 0, 5000), (M, 1, 24), (F, 0, 0), (F, 0, 0)],
    # 208-byte chunks: no fastbin anywhere. The 8th free passes a 7-slot tcache (to a bin:
    # "!prev" on a second free) but not a 16-slot one ("tcache 2"); the 17th passes both.
    "double-free-of-the-8th-small-block": [
        *_guarded(200, 8),
        *[(F, 2 * i, 0) for i in range(8)],
        (F, 14, 0),
    ],
    "double-free-of-the-17th-small-block": [
        *_guarded(200, 17),
        *[(F, 2 * i, 0) for i in range(17)],
        (F, 32, 0),
    ],
    "double-free-into-the-top": [(M, 0, 5000), (F, 0, 0), (F, 0, 0)],
}

EXPECTED_ABORT = {
    "double-free-in-the-tcache": dict.fromkeys(
        CHECKED_VERSIONS, "free(): double free detected in tcache 2"
    ),
    "double-free-past-seven": {
        "2.31": "double free or corruption (fasttop)",
        "2.36": "double free or corruption (fasttop)",
        "2.41": "double free or corruption (fasttop)",
        "2.43": "free(): double free detected in tcache 2",
        "2.44": "free(): double free detected in tcache 2",
    },
    "double-free-of-a-large-block": dict.fromkeys(
        CHECKED_VERSIONS, "double free or corruption (!prev)"
    ),
    "double-free-of-the-8th-small-block": {
        "2.31": "double free or corruption (!prev)",
        "2.36": "double free or corruption (!prev)",
        "2.41": "double free or corruption (!prev)",
        "2.43": "free(): double free detected in tcache 2",
        "2.44": "free(): double free detected in tcache 2",
    },
    "double-free-of-the-17th-small-block": dict.fromkeys(
        CHECKED_VERSIONS, "double free or corruption (!prev)"
    ),
    "double-free-into-the-top": dict.fromkeys(CHECKED_VERSIONS, "double free or corruption (top)"),
}


@pytest.mark.parametrize("name", MISUSE)
@pytest.mark.parametrize("version", CHECKED_VERSIONS)
def test_misuse_aborts_with_the_versions_message(version: str, name: str) -> None:
    records = MISUSE[name]
    _, real_abort = _real(version, records)
    assert real_abort == EXPECTED_ABORT[name][version]
    _assert_exact(version, records)


@pytest.mark.parametrize("version", ["2.36", "2.43"])
def test_the_fragmentation_pages_side_by_side_calls_are_real(version: str) -> None:
    # The calls drawn side by side on docs/simulator/fragmentation.md, then one more malloc
    # that lands after the tcache struct on both versions.
    records = [(M, i, 100) for i in range(4)] + [(F, i, 0) for i in (1, 2, 3)] + [(M, 9, 24)]
    _assert_exact(version, records)
    real, _ = _real(version, records)
    assert real[-1][0] == {"2.36": 0x460, "2.43": 0x4D0}[version]


# ---------------------------------------------------------------- system calls, per version

_CALL = re.compile(r"^(\w+)\((.*)\)\s+=\s+(\S+)")


def _call_shape(line: str, heap_start: int) -> str:
    """A brk/mmap/munmap/mremap/madvise line without absolute addresses (brk as an offset)."""
    found = _CALL.match(line)
    assert found, line
    name, raw_args, _result = found.groups()
    args = [arg.strip() for arg in raw_args.split(",")]
    if name == "brk":
        return f"brk({int(args[0], 16) - heap_start})"
    if name == "madvise":
        return f"madvise({int(args[0], 16) - heap_start}, {args[1]}, {args[2]})"
    return f"{name}({', '.join(args[1:3] if name == 'mremap' else args[1:2])})"


@pytest.mark.skipif(shutil.which("strace") is None, reason="needs strace")
@pytest.mark.parametrize("name", SYSCALL_CASES)
@pytest.mark.parametrize("version", CHECKED_VERSIONS)
def test_system_calls_match_strace(version: str, name: str) -> None:
    records = SYSCALL_CASES[name]
    real = strace_of_replay(records, 4, version)
    heap = Heap(get_profile(version))
    run_records_on(heap, records)
    model = [str(call) for call in heap.syscalls]
    # brk(NULL) only reads the break. The oracle's own sbrk(0) makes libc issue it before the
    # first operation, while a program that never calls sbrk itself (the model) issues it at
    # malloc's first sbrk; on 2.43 that can come after an mmap. Compare everything else.
    real_calls = [line for line in real if not line.startswith("brk(NULL)")]
    model_calls = [line for line in model if not line.startswith("brk(NULL)")]
    assert real_calls, "strace saw no malloc system calls"
    initial = int(_CALL.match(real[0]).group(3), 16)  # type: ignore[union-attr]
    assert real[0].startswith("brk(NULL)")
    assert [_call_shape(line, initial) for line in real_calls] == [
        _call_shape(line, heap.heap_start) for line in model_calls
    ]


@pytest.mark.parametrize(
    ("version", "breaks"),
    [
        ("2.36", [0x21000, 0x21000, 0x21000, 0x48000, 0x48000, 0x48000, 0x2A000, 0x21000]),
        ("2.43", [0x2A000] * 7 + [0x21000]),
    ],
)
def test_the_fragmentation_pages_four_blocks_are_real(version: str, breaks: list[int]) -> None:
    # docs/simulator/fragmentation.md: malloc(40000) x4, then free B, C, D and A.
    records = [(M, i, 40_000) for i in range(4)] + [(F, i, 0) for i in (1, 2, 3, 0)]
    _assert_exact(version, records)
    real, _ = _real(version, records)
    assert [brk for _, _, brk, _ in real] == breaks
