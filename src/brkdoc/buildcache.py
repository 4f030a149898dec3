"""A cache for what the site build makes, keyed on the bytes of everything it is made from.

`make serve` rebuilds the whole site after every edit. The hooks that draw figures and the
notebooks that the build executes keep their results under `.cache/` and make them again only
when one of their inputs changed. The key is a SHA-256 over each input file's path and contents
(plus any extra strings, such as a library's version), so an entry that does not match the
inputs on disk is never read: a stale figure cannot be served.

```pycon
>>> import tempfile
>>> from pathlib import Path
>>> from brkdoc.buildcache import cached_text, inputs_digest
>>> root = Path(tempfile.mkdtemp())
>>> _ = (root / "data.txt").write_text("1 2 3")
>>> key = inputs_digest(root, ["data.txt"])
>>> calls = []
>>> def make() -> str:
...     calls.append(1)
...     return "figure"
>>> cache = root / ".cache"
>>> cached_text(cache, "figure", key, make), cached_text(cache, "figure", key, make)
('figure', 'figure')
>>> len(calls)
1
>>> _ = (root / "data.txt").write_text("1 2 4")
>>> inputs_digest(root, ["data.txt"]) == key
False

```
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

__all__ = ["cached_text", "input_files", "inputs_digest"]

# Never inputs: bytecode and tool caches change without the source changing.
_SKIPPED_DIRS = frozenset({"__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache"})
_SKIPPED_SUFFIXES = (".pyc", ".pyo")


def input_files(root: Path, inputs: Iterable[str]) -> Iterator[Path]:
    """The files named by `inputs` (paths under `root`; a folder stands for every file in it).

    Sorted within each folder, so the order does not depend on the file system. A missing input
    raises FileNotFoundError: a key that silently left out an input would go stale.
    """
    for relative in inputs:
        path = root / relative
        if path.is_file():
            yield path
        elif path.is_dir():
            for found in sorted(path.rglob("*")):
                skipped = _SKIPPED_DIRS.intersection(found.relative_to(path).parts)
                if found.is_file() and not skipped and not found.name.endswith(_SKIPPED_SUFFIXES):
                    yield found
        else:
            raise FileNotFoundError(f"build cache input {relative} does not exist under {root}")


def inputs_digest(root: Path, inputs: Iterable[str], *extra: str) -> str:
    """A hex SHA-256 over the paths and contents of the input files and the `extra` strings."""
    hasher = hashlib.sha256()
    for path in input_files(root, inputs):
        # Named from the root, so that two checkouts of the same files share keys.
        name = (path.relative_to(root) if path.is_relative_to(root) else path).as_posix().encode()
        content = path.read_bytes()
        # Lengths first, so that no two different inputs hash the same bytes.
        hasher.update(b"%d:%s%d:" % (len(name), name, len(content)))
        hasher.update(content)
    for text in extra:
        encoded = text.encode()
        hasher.update(b"%d:%s" % (len(encoded), encoded))
    return hasher.hexdigest()


def cached_text(cache_dir: Path, kind: str, key: str, make: Callable[[], str]) -> str:
    """The text stored for `kind` under `key`, or `make()`'s result, stored before returning.

    One entry is kept per kind: writing a new one removes the others, so the cache does not grow
    with every edit. Entries are written to a temporary file and renamed, so two builds running
    at once never read half an entry.
    """
    folder = cache_dir / kind
    entry = folder / f"{key}.txt"
    try:
        return entry.read_text(encoding="utf-8")
    except FileNotFoundError:
        pass
    text = make()
    folder.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".writing-")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write(text)
    os.replace(temporary, entry)
    for old in folder.glob("*.txt"):
        if old != entry:
            old.unlink(missing_ok=True)
    return text
