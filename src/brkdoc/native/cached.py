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
from typing import Any

from brkdoc.native import build

__all__ = ["cached_json", "input_key"]


def input_key(parts: Iterable[str]) -> str:
    """A short hash of the given texts, in order."""
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:16]


def cached_json(kind: str, key: str, compute: Callable[[], Any]) -> Any:
    """`compute()`'s JSON-serialisable result, from `<cache>/<kind>/<key>.json` when present
    and readable, else computed and stored there (atomically: a concurrent build reads either
    no entry or a whole one)."""
    path = build.cache_dir() / kind / f"{key}.json"
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
