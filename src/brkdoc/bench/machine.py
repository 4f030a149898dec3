"""A description of the machine the numbers came from, for the page and the JSON."""

from __future__ import annotations

import os
from pathlib import Path

from brkdoc.platform import describe_platform

__all__ = ["describe_machine"]


def _read(path: str) -> str | None:
    try:
        return Path(path).read_text(encoding="utf-8").strip()
    except OSError:
        return None


def _cpu_model() -> str:
    text = _read("/proc/cpuinfo") or ""
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "model name":
            return value.strip()
    return "unknown"


def _selected(setting: str | None) -> str:
    """`always [madvise] never` -> `madvise`: the kernel marks the active choice in brackets."""
    if setting is None:
        return "unknown"
    for word in setting.split():
        if word.startswith("[") and word.endswith("]"):
            return word[1:-1]
    return setting


def describe_machine() -> dict[str, str | int]:
    facts: dict[str, str | int] = dict(describe_platform().as_dict())
    facts["cpu"] = _cpu_model()
    facts["online_cpus"] = os.cpu_count() or 0
    facts["transparent_hugepage"] = _selected(_read("/sys/kernel/mm/transparent_hugepage/enabled"))
    facts["max_map_count"] = int(_read("/proc/sys/vm/max_map_count") or 0)
    return facts
