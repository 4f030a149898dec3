"""Expand `--8<-- "path"` include lines the way pymdownx.snippets does for the built site.

Only whole-file includes are used on this site. The path is relative to the repository root
(`base_path: ["."]` in mkdocs.yml), and a missing file is an error, as with `check_paths`.
"""

from __future__ import annotations

import re
from pathlib import Path

__all__ = ["SnippetError", "expand_snippets", "included_paths"]

_INCLUDE = re.compile(r'^[ ]*--8<--[ ]+"(?P<path>[^"]+)"[ ]*$')


class SnippetError(Exception):
    """An include names a file that does not exist."""


def included_paths(body: str) -> list[str]:
    """The paths named by include lines in a block body, in order."""
    return [m["path"] for m in map(_INCLUDE.match, body.splitlines()) if m]


def expand_snippets(body: str, root: Path) -> str:
    """Replace each include line with the named file's text."""
    out: list[str] = []
    for line in body.splitlines(keepends=True):
        match = _INCLUDE.match(line.rstrip("\n"))
        if match is None:
            out.append(line)
            continue
        target = root / match["path"]
        if not target.is_file():
            raise SnippetError(f"included file not found: {match['path']}")
        text = target.read_text(encoding="utf-8")
        out.append(text if text.endswith("\n") else text + "\n")
    return "".join(out)
