"""Results of slow live runs, kept in the cache and keyed by a hash of everything they depend on.

The site's build measures things on every glibc build (the probe table, the check matrix). Those
runs take seconds to a minute; caching them on their inputs keeps `make serve`'s edit loop fast,
and any change to an input (a source file, the lock, the machine) measures again.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from brkdoc.native import build

__all__ = ["cached_json", "has_entry", "input_key"]


def input_key(parts: Iterable[str]) -> str:
    """A short hash of the given texts, in order."""
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:16]


def _entry(kind: str, key: str) -> Path:
    return build.cache_dir() / kind / f"{key}.json"


def has_entry(kind: str, key: str) -> bool:
    """Whether `cached_json(kind, key, ...)` would find a stored result."""
    return _entry(kind, key).is_file()


def cached_json(kind: str, key: str, compute: Callable[[], Any]) -> Any:
    """`compute()`'s JSON-serialisable result, from `<cache>/<kind>/<key>.json` when present
    and readable, else computed and stored there (atomically: a concurrent build reads either
    no entry or a whole one)."""
    path = _entry(kind, key)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        pass
    result = compute()
    path.parent.mkdir(parents=True, exist_ok=True)
    scratch = path.with_suffix(f".{os.getpid()}.tmp")
    scratch.write_text(json.dumps(result), encoding="utf-8")
    os.replace(scratch, path)
    return result
