"""The bench report: raw probe values organised into the rows the trade-off page shows.

Pure data: building a report from raw values does no I/O, so tests and the site's build hook
can work from a saved `docs/data/bench.json` as well as from a fresh run.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from brkdoc.errors import BrkdocError

__all__ = [
    "GROUPS",
    "SCHEMA_VERSION",
    "SWEEP_SIZES",
    "BenchReport",
    "CostRow",
    "ReturnRow",
    "SweepPoint",
    "VmaRow",
    "build_report",
    "report_from_dict",
]

SCHEMA_VERSION = 1

# Short names for the groups of cost rows (the page's build hook asks for a group by these).
GROUPS = {
    "grow": "Getting address space (nothing touched yet)",
    "faults": "Using it: page faults",
    "release": "Giving it back: unmapping and TLB flushes",
    "vmalist": "A long VMA list",
}

# Request sizes of the malloc+free sweep; bench_probe.c's `sweep_sizes` lists the same ones.
SWEEP_SIZES = (
    1024,
    4096,
    16384,
    65536,
    98304,
    126976,
    131072,
    139264,
    163840,
    262144,
    524288,
    1048576,
    2097152,
    4194304,
)


@dataclass(frozen=True)
class CostRow:
    """One measured cost: `ns` is a median in nanoseconds, per `per` (a call, a page...)."""

    group: str
    what: str
    ns: float
    per: str


@dataclass(frozen=True)
class VmaRow:
    """How many VMAs `calls` operations added to the process."""

    what: str
    calls: int
    vmas_added: int


@dataclass(frozen=True)
class ReturnRow:
    """Giving a block back: how long the call took and how many resident bytes went away."""

    what: str
    syscall: str
    ns: float
    rss_returned: int


@dataclass(frozen=True)
class SweepPoint:
    """malloc+free of one request size, with glibc's dynamic threshold on and switched off."""

    size: int
    dynamic_ns: float
    fixed_ns: float
    dynamic_touched_ns: float
    fixed_touched_ns: float


@dataclass(frozen=True)
class BenchReport:
    schema: int
    machine: dict[str, str | int]
    costs: list[CostRow]
    vmas: list[VmaRow]
    returns: list[ReturnRow]
    sweep: list[SweepPoint]
    return_bytes: int
    first_touch_faults: int
    first_touch_pages: int
    vma_baseline: int
    vma_many: int
    raw: dict[str, dict[str, float]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def cost(self, what: str) -> CostRow:
        for row in self.costs:
            if row.what == what:
                return row
        raise KeyError(what)


def _need(raw: Mapping[str, Mapping[str, float]], experiment: str, name: str) -> float:
    try:
        return raw[experiment][name]
    except KeyError:
        raise BrkdocError(f"bench result is missing {experiment}.{name}") from None


@dataclass(frozen=True)
class _ReadCost:
    """A cost row whose value is one probe measurement, as it is. An `optional` one is left out
    when the machine could not measure it (no transparent huge pages)."""

    group: str  # a key of GROUPS
    what: str
    experiment: str
    value: str
    per: str
    optional: bool = False


# The heap and a mapping grown by the same sizes: (pages, the probe's name for it, as shown).
_GROWTH_SIZES = ((1, "1page", "4 KiB"), (32, "32pages", "128 KiB"), (256, "256pages", "1 MiB"))

_READ_COSTS = (
    _ReadCost(
        "faults",
        "first touch of a 4 KiB page (fault + zeroing)",
        "kernel",
        "first_touch_per_page",
        "page",
    ),
    _ReadCost("faults", "zeroing 4 KiB in user space, cache-warm", "kernel", "zero_page", "page"),
    _ReadCost(
        "faults", "second touch (page already mapped)", "kernel", "second_touch_per_page", "page"
    ),
    _ReadCost(
        "faults",
        "mmap with MAP_POPULATE (prefaulted), per page",
        "kernel",
        "mmap_populate_per_page",
        "page",
    ),
    _ReadCost(
        "faults",
        "first touch with transparent huge pages, per 4 KiB",
        "kernel",
        "thp_first_touch_per_page",
        "page",
        optional=True,
    ),
    _ReadCost(
        "release",
        "brk: shrink the heap by 1 MiB (untouched)",
        "kernel",
        "brk_shrink_256pages",
        "call",
    ),
    _ReadCost("release", "munmap 1 MiB (untouched)", "kernel", "munmap_untouched_256pages", "call"),
    _ReadCost(
        "release", "munmap of touched memory, per page", "kernel", "munmap_touched_per_page", "page"
    ),
    _ReadCost(
        "release", "munmap 1 touched page, one thread", "tlb", "munmap_1page_single_thread", "call"
    ),
)

# The VMA-list rows: the number of VMAs each ran with, and its measurement.
_VMA_LIST_COSTS = (("vma_baseline", "mmap_munmap_few_vmas"), ("vma_many", "mmap_munmap_many_vmas"))


def _growth_costs(raw: Mapping[str, Mapping[str, float]]) -> list[CostRow]:
    """brk and mmap per call for each size, and per page for the sizes above one page."""
    grow = GROUPS["grow"]
    rows: list[CostRow] = []
    for pages, name, size in _GROWTH_SIZES:
        brk_ns = _need(raw, "kernel", f"brk_grow_{name}")
        mmap_ns = _need(raw, "kernel", f"mmap_{name}")
        rows.append(CostRow(grow, f"brk: grow the heap by {size}", brk_ns, "call"))
        rows.append(CostRow(grow, f"mmap: map {size}", mmap_ns, "call"))
        if pages > 1:
            rows.append(CostRow(grow, f"brk: grow by {size}, per page", brk_ns / pages, "page"))
            rows.append(CostRow(grow, f"mmap: map {size}, per page", mmap_ns / pages, "page"))
    return rows


def _read_costs(raw: Mapping[str, Mapping[str, float]]) -> list[CostRow]:
    return [
        CostRow(GROUPS[cost.group], cost.what, _need(raw, cost.experiment, cost.value), cost.per)
        for cost in _READ_COSTS
        if not (cost.optional and cost.value not in raw[cost.experiment])
    ]


def _shootdown_costs(raw: Mapping[str, Mapping[str, float]]) -> list[CostRow]:
    """munmap with a second thread on another CPU, and what the TLB shootdown adds; nothing on
    a machine with one CPU, where the probe cannot place that thread."""
    remote = raw["tlb"].get("munmap_1page_with_remote_thread")
    if remote is None:
        return []
    alone = _need(raw, "tlb", "munmap_1page_single_thread")
    release = GROUPS["release"]
    return [
        CostRow(release, "munmap 1 touched page, a 2nd thread on another CPU", remote, "call"),
        CostRow(release, "difference: the TLB shootdown", remote - alone, "call"),
    ]


def _vma_list_costs(raw: Mapping[str, Mapping[str, float]]) -> list[CostRow]:
    vma = GROUPS["vmalist"]
    return [
        CostRow(
            vma,
            f"mmap + munmap 1 page, {int(_need(raw, 'vma', count))} VMAs",
            _need(raw, "vma", value),
            "pair",
        )
        for count, value in _VMA_LIST_COSTS
    ]


def _costs(raw: Mapping[str, Mapping[str, float]]) -> list[CostRow]:
    """Every cost row, in the page's order: growth, faults, release, the VMA list."""
    return [
        *_growth_costs(raw),
        *_read_costs(raw),
        *_shootdown_costs(raw),
        *_vma_list_costs(raw),
    ]


def _vmas(raw: Mapping[str, Mapping[str, float]]) -> list[VmaRow]:
    v = raw["vma"]
    calls = int(_need(raw, "vma", "vma_calls"))
    blocks = int(_need(raw, "vma", "vma_malloc_blocks"))
    return [
        VmaRow("mmap 1 page, each next to the last", calls, int(v["vma_after_adjacent_mmaps"])),
        VmaRow("mmap 1 page, each with a gap after it", calls, int(v["vma_after_separate_mmaps"])),
        VmaRow("brk: grow the heap by 1 page", calls, int(v["vma_after_brk_growth"])),
        VmaRow("glibc malloc(256 KiB), each mmapped", blocks, int(v["vma_after_malloc_blocks"])),
    ]


def _returns(raw: Mapping[str, Mapping[str, float]]) -> list[ReturnRow]:
    r = raw["return"]
    return [
        ReturnRow(
            "free() of a heap block (trimming off)",
            "none",
            r["return_free_heap_kept"],
            int(r["return_free_heap_kept_rss"]),
        ),
        ReturnRow(
            "free() of an mmapped block",
            "munmap",
            r["return_free_munmap"],
            int(r["return_free_munmap_rss"]),
        ),
        ReturnRow(
            "malloc_trim(0), free block at the top",
            "brk",
            r["return_trim_top"],
            int(r["return_trim_top_rss"]),
        ),
        ReturnRow(
            "malloc_trim(0), free block below a live one",
            "madvise",
            r["return_trim_madvise"],
            int(r["return_trim_madvise_rss"]),
        ),
    ]


def _sweep(raw: Mapping[str, Mapping[str, float]]) -> list[SweepPoint]:
    return [
        SweepPoint(
            size=size,
            dynamic_ns=_need(raw, "malloc-dynamic", f"pair_{size}"),
            fixed_ns=_need(raw, "malloc-fixed", f"pair_{size}"),
            dynamic_touched_ns=_need(raw, "malloc-dynamic", f"touched_{size}"),
            fixed_touched_ns=_need(raw, "malloc-fixed", f"touched_{size}"),
        )
        for size in SWEEP_SIZES
    ]


def build_report(
    raw: Mapping[str, Mapping[str, float]], machine: Mapping[str, str | int]
) -> BenchReport:
    """Organise the probe's raw values (keyed by experiment) into a report."""
    for experiment in ("kernel", "tlb", "vma", "malloc-dynamic", "malloc-fixed", "return"):
        if experiment not in raw:
            raise BrkdocError(f"bench result has no {experiment!r} experiment")
    try:
        return BenchReport(
            schema=SCHEMA_VERSION,
            machine=dict(machine),
            costs=_costs(raw),
            vmas=_vmas(raw),
            returns=_returns(raw),
            sweep=_sweep(raw),
            return_bytes=int(raw["return"]["return_bytes"]),
            first_touch_faults=int(raw["kernel"]["first_touch_faults"]),
            first_touch_pages=int(raw["kernel"]["first_touch_pages"]),
            vma_baseline=int(raw["vma"]["vma_baseline"]),
            vma_many=int(raw["vma"]["vma_many"]),
            raw={name: dict(values) for name, values in raw.items()},
        )
    except KeyError as missing:
        raise BrkdocError(f"bench result is missing {missing.args[0]}") from None


def report_from_dict(data: Mapping[str, Any]) -> BenchReport:
    """Rebuild a report from its JSON form (as written to docs/data/bench.json)."""
    if data.get("schema") != SCHEMA_VERSION:
        raise BrkdocError(
            f"bench data has schema {data.get('schema')!r}, expected {SCHEMA_VERSION}"
        )
    raw = data.get("raw")
    machine = data.get("machine")
    if not isinstance(raw, dict) or not isinstance(machine, dict):
        raise BrkdocError("bench data lacks its 'raw' or 'machine' section")
    return build_report(raw, machine)
