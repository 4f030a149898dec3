"""Measure malloc's version-dependent facts on each real glibc build, for the versions page.

`glibc_probe.c` (next to this module) measures one fact per process; it is built once per link
flavour and run on each build through that build's own loader (see `brkdoc.native.glibcs`). The
top_pad row is what the build's loader prints for `--list-tunables` (glibc 2.33 and later).
`FACT_ROWS` names, for each row of the table, the glibc commit that changed it, each read in
bminor/glibc: the first release that has it is given with it.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from brkdoc.errors import BrkdocError
from brkdoc.native import glibcs
from brkdoc.native.build import CompileError, clean_malloc_environment, compile_cached, run_helper
from brkdoc.native.cached import cached_json, input_key

__all__ = [
    "COMMIT_URL",
    "FACTS_KIND",
    "FACT_ROWS",
    "PROBE_SOURCE",
    "FactRow",
    "GlibcFacts",
    "ProbeError",
    "cached_facts",
    "facts_key",
    "facts_table",
    "listed_top_pad",
    "measure_facts",
    "probe_binary",
]

PROBE_SOURCE = Path(__file__).with_name("glibc_probe.c")
_SCENARIOS = ("first", "tcache", "mxfast", "calloc", "realloc", "mmapped", "arenas")
_TOP_PAD = re.compile(r"^glibc\.malloc\.top_pad:\s*(\S+)", re.MULTILINE)
_COMMIT = re.compile(r"\b([0-9a-f]{10})\b")
# Each scenario ends in a fraction of a second; one still running after this is stuck.
_PROBE_TIMEOUT = 60.0
COMMIT_URL = "https://sourceware.org/git/?p=glibc.git;a=commit;h={}"
# The cache folder of the measured facts.
FACTS_KIND = "glibc-facts"


class ProbeError(BrkdocError):
    """The probe could not be built or did not report."""


@dataclass(frozen=True)
class GlibcFacts:
    """What the probe measured on one build. `top_pad_listed` is None before 2.33 (no
    `--list-tunables`)."""

    version: str
    build: str
    first_offset: int
    first_growth: int
    tcache_depth: int
    fastbin_blocks: int
    mxfast_accepted: int
    mxfast_fastbin_blocks: int
    calloc_from_tcache: bool
    realloc_in_place: bool
    realloc_tail_reused: bool
    mmapped_usable: int
    arenas_total: int
    online_cpus: int
    top_pad_listed: str | None

    @property
    def has_fastbins(self) -> bool:
        return self.fastbin_blocks > 0

    @property
    def mxfast_effect(self) -> str:
        if not self.has_fastbins:
            return "nothing (no fastbins)"
        if self.mxfast_fastbin_blocks == 0:
            return "0 turns fastbins off"
        return "accepted, fastbins still fill"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class FactRow:
    """One table row: its label, how a measurement is shown, and the change that moved it."""

    label: str
    key: str
    change: str


def probe_binary(version: str) -> Path:
    try:
        return compile_cached(
            PROBE_SOURCE.read_text(encoding="utf-8"),
            "glibc-probe",
            ("-O0", "-Wall", "-Wextra"),
            libraries=glibcs.link_args(version, threads=True),
        )
    except CompileError as error:
        raise ProbeError(str(error)) from None


def _run_probe(version: str, binary: Path, scenario: str) -> dict[str, int]:
    argv = glibcs.run_argv(version, [str(binary), scenario])
    failed = f"the glibc probe failed on {version} ({scenario})"
    done = run_helper(
        argv,
        timeout=_PROBE_TIMEOUT,
        error=ProbeError,
        timed_out=f"{failed}: it did not finish within {_PROBE_TIMEOUT:g} s",
        failed=failed,
    )
    values: dict[str, int] = {}
    for line in done.stdout.decode(errors="replace").splitlines():
        name, _, value = line.partition(" ")
        values[name] = int(value)
    return values


def listed_top_pad(version: str) -> str | None:
    """The top_pad value the build's loader prints for `--list-tunables`; None when that
    loader has no such option (before glibc 2.33)."""
    build = glibcs.build_for(version)
    done = subprocess.run(
        [str(build.loader), "--list-tunables"],
        capture_output=True,
        text=True,
        env=clean_malloc_environment(),
        check=False,
    )
    found = _TOP_PAD.search(done.stdout)
    return found.group(1) if done.returncode == 0 and found else None


def measure_facts(version: str) -> GlibcFacts:
    """Run every probe scenario on build `version` and collect the results."""
    build = glibcs.build_for(version)
    binary = probe_binary(version)
    values: dict[str, int] = {}
    for scenario in _SCENARIOS:
        values.update(_run_probe(version, binary, scenario))
    return GlibcFacts(
        version=version,
        build=build.build,
        first_offset=values["first_offset"],
        first_growth=values["first_growth"],
        tcache_depth=values["tcache_depth"],
        fastbin_blocks=values["fastbin_blocks"],
        mxfast_accepted=values["mxfast_accepted"],
        mxfast_fastbin_blocks=values["mxfast_fastbin_blocks"],
        calloc_from_tcache=bool(values["calloc_from_tcache"]),
        realloc_in_place=bool(values["realloc_in_place"]),
        realloc_tail_reused=bool(values["realloc_tail_reused"]),
        mmapped_usable=values["mmapped_usable"],
        arenas_total=values["arenas_total"],
        online_cpus=values["online_cpus"],
        top_pad_listed=listed_top_pad(version),
    )


# Commits are bminor/glibc ids, each read there (`git show ID`); "2.43" commits are on master
# after the glibc-2.42 tag and in the 2.43 release. The 2.44 arena change is read in Debian's
# glibc_2.44.orig.tar.xz (malloc/arena.c, arena_get2: narenas_limit = __get_nprocs (), raised
# to arena_test); its commit is not in the mirror used here.
FACT_ROWS: tuple[FactRow, ...] = (
    FactRow(
        "First `malloc(24)`, offset from the initial break",
        "first_offset",
        "2.43: the tcache struct is set up at the first free, not the first malloc "
        "(2bf2188fae, *malloc: avoid need for tcache == NULL checks*)",
    ),
    FactRow(
        "First heap growth",
        "first_growth",
        "unchanged: 128 KiB of top_pad plus the request, rounded to pages (`sysmalloc`, "
        "`DEFAULT_TOP_PAD`)",
    ),
    FactRow(
        "Chunks per tcache bin",
        "tcache_depth",
        "2.43: 16 instead of 7 (0b9210bd76, *malloc: set default tcache fill count to 16*)",
    ),
    FactRow(
        "Fastbins exist (free blocks in fastbins after 20 frees of 56 bytes)",
        "fastbin_blocks",
        "2.43: fastbins removed (bb5a4f5295, *malloc: Remove fastbin infrastructure*; "
        "e3062b06c5, *malloc: remove malloc_consolidate*)",
    ),
    FactRow(
        "`calloc` takes a freed tcache chunk",
        "calloc_from_tcache",
        "2.41: calloc has a tcache path (226e3b0a41, *malloc: Add tcache path for calloc*)",
    ),
    FactRow(
        "After `realloc(1000 → 500)`, `malloc(400)` lands in the split-off tail",
        "realloc_tail_reused",
        "2.42: split-off remainders skip the tcache and go to the bins (cd33535002, "
        "*malloc: Use _int_free_chunk for remainders*); no 2.42 build is checked here",
    ),
    FactRow(
        "`malloc_usable_size(malloc(200000))` (an mmapped chunk)",
        "mmapped_usable",
        "2.43: mmapped chunks take the normal layout, 8 bytes less usable "
        "(614cfd0f8a, *malloc: Change mmap chunk layout*)",
    ),
    FactRow(
        "Arenas (main included) after 64 threads malloc at once",
        "arenas_total",
        "2.44: the limit is max(CPUs, 8), not 8 times the CPUs (`arena_get2` in "
        "`malloc/arena.c` of the glibc 2.44 release tarball; the commit is not in the mirror "
        "read here)",
    ),
    FactRow(
        "What `mallopt(M_MXFAST, 0)` does",
        "mxfast_effect",
        "2.43: nothing, with the fastbins gone (bb5a4f5295)",
    ),
    FactRow(
        "`glibc.malloc.top_pad` in `ld.so --list-tunables`",
        "top_pad_listed",
        "2.37: the listing shows the real default, 0x20000 (6c93af6b45, *malloc: Correct the "
        "documentation of the top_pad default*); `--list-tunables` exists from 2.33",
    ),
)


def _cell(facts: GlibcFacts, key: str) -> str:
    value = getattr(facts, key)
    if key == "fastbin_blocks":
        return f"yes ({value})" if value else "no (0)"
    if key == "top_pad_listed":
        return f"`{value}`" if value is not None else "no `--list-tunables`"
    if key == "arenas_total":
        return f"{value} ({facts.online_cpus} CPUs)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if key in ("first_offset", "first_growth"):
        return f"`{value:#x}`"
    return str(value)


def facts_table(measured: list[GlibcFacts]) -> str:
    """A Markdown table: one row per fact, one column per build, and the change that moved it."""
    header = ["Fact", *(f"{f.version} ({f.build})" for f in measured), "What changed it"]
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    for row in FACT_ROWS:
        change = _COMMIT.sub(lambda m: f"[{m[1]}]({COMMIT_URL.format(m[1])})", row.change)
        cells = [row.label, *(_cell(facts, row.key) for facts in measured), change]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def facts_key(versions: Sequence[str] = glibcs.CHECKED_VERSIONS) -> str:
    """A hash of everything the measurements depend on: the probe, this module, the locked
    builds, the system's own build and the CPU count (which sets the arena limit)."""
    return input_key(
        [
            PROBE_SOURCE.read_text(encoding="utf-8"),
            Path(__file__).read_text(encoding="utf-8"),
            glibcs.LOCK_PATH.read_text(encoding="utf-8"),
            glibcs.system_build_name(),
            str(os.cpu_count()),
            *versions,
        ]
    )


def cached_facts(versions: Sequence[str] = glibcs.CHECKED_VERSIONS) -> list[GlibcFacts]:
    """The facts of every build, measured once per set of inputs (`facts_key`) and kept in the
    cache, so rebuilding the site does not re-run the probes."""

    def measure() -> list[dict[str, Any]]:
        return [measure_facts(version).as_dict() for version in versions]

    entries = cached_json(FACTS_KIND, facts_key(versions), measure)
    try:
        return [GlibcFacts(**entry) for entry in entries]
    except TypeError:  # an entry from an older layout of GlibcFacts
        return [GlibcFacts(**entry) for entry in measure()]
