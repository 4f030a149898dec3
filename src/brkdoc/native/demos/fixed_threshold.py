"""Demo `fixed-threshold`: once a threshold setting is fixed, the threshold no longer moves.

glibc-2.36 malloc/malloc.c: `do_set_mmap_threshold`, `do_set_trim_threshold`, `do_set_top_pad`
and `do_set_mmaps_max` each set `mp_.no_dyn_threshold = 1`. mallopt() calls them directly;
malloc/arena.c `ptmalloc_init` calls them through TUNABLE_GET callbacks for GLIBC_TUNABLES
(glibc.malloc.*) and for the old MALLOC_*_ environment variables, which are aliases of the same
tunables (elf/dl-tunables.list).
"""

from __future__ import annotations

from brkdoc.errors import BrkdocError
from brkdoc.native import libc
from brkdoc.native.demos.dynamic_threshold import free_and_reallocate
from brkdoc.native.demos.fixed_settings import NAME, SETTINGS, VIAS, Via
from brkdoc.native.demos.result import DemoResult, Evidence, conduct

__all__ = ["CLAIM", "NAME", "SETTINGS", "VIAS", "Via", "environment_for", "judge", "measure", "run"]
CLAIM = (
    "With a malloc threshold setting fixed (mallopt, a MALLOC_*_ variable or GLIBC_TUNABLES), "
    "freeing a 1 MiB mmapped block leaves the mmap threshold alone, so the next 1 MiB request "
    "is mmapped too."
)
REQUEST = 1024 * 1024


def environment_for(via: Via, setting: str) -> dict[str, str]:
    """The variables that fix `setting` at its default value at the child's start-up."""
    _, value = SETTINGS[setting]
    if via == "env":
        return {f"MALLOC_{setting.upper()}_": str(value)}
    if via == "tunable":
        return {"GLIBC_TUNABLES": f"glibc.malloc.{setting}={value}"}
    return {}


def measure(via: Via = "mallopt", setting: str = "mmap_threshold") -> Evidence:
    """Runs in the child (whose environment already carries the env/tunable settings)."""
    accepted = None
    if via == "mallopt":
        parameter, value = SETTINGS[setting]
        accepted = libc.mallopt(parameter, value)
    evidence = free_and_reallocate(REQUEST)
    evidence.update({"via": via, "setting": setting, "mallopt_accepted": accepted})
    libc.free(evidence["second_address"])
    return evidence


def judge(evidence: Evidence) -> bool:
    return bool(
        evidence["mallopt_accepted"] in (None, True)
        and evidence["first_where"] == "mmap"
        and evidence["second_where"] == "mmap"
        and evidence["second_mapped_bytes"] == evidence["first_mapped_bytes"] > REQUEST
    )


def run(via: Via = "mallopt", setting: str = "mmap_threshold") -> DemoResult:
    if via not in VIAS:
        raise BrkdocError(f"unknown way to fix a setting: {via!r} (use {', '.join(VIAS)})")
    if setting not in SETTINGS:
        raise BrkdocError(f"unknown setting {setting!r} (use {', '.join(SETTINGS)})")
    return conduct(
        NAME,
        CLAIM,
        f"{__name__}:measure",
        judge,
        kwargs={"via": via, "setting": setting},
        env=environment_for(via, setting),
    )
