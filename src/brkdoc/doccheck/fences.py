"""Find fenced code blocks in Markdown, including fences that carry attributes.

Sybil's stock Markdown lexer only collects fences whose info string is exactly the language,
so ```` ```c title="demo.c" ```` would go untested. This lexer reads the language as the first
word of the info string (or the first `.class` in the `{ .lang key=value }` form) and keeps the
rest as attributes.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass, field

__all__ = ["Fence", "find_fences", "parse_info"]

_OPEN = re.compile(r"^(?P<indent>[ ]*)(?P<fence>`{3,}|~{3,})(?P<info>[^`\n]*)$")


@dataclass(frozen=True)
class Fence:
    """One fenced block: where it is in the text, its language, attributes and body."""

    start: int  # offset of the first character of the opening fence line
    end: int  # offset just past the closing fence line (or the end of the text)
    line: int  # 1-based line number of the opening fence
    language: str
    attributes: dict[str, str] = field(default_factory=dict)
    body: str = ""  # the content with the fence's own indentation removed
    body_line: int = 0  # 1-based line number of the first body line


def parse_info(info: str) -> tuple[str, dict[str, str]]:
    """Split a fence's info string into (language, attributes).

    >>> parse_info('c title="demo.c"')
    ('c', {'title': 'demo.c'})
    >>> parse_info("{ .console .no-copy }")
    ('console', {})
    """
    info = info.strip()
    if info.startswith("{") and info.endswith("}"):
        info = info[1:-1]
    try:
        words = shlex.split(info)
    except ValueError:
        words = info.split()
    language = ""
    attributes: dict[str, str] = {}
    for word in words:
        if "=" in word:
            key, _, value = word.partition("=")
            attributes[key] = value
        elif word.startswith(".") and not language:
            language = word[1:]
        elif not word.startswith(".") and not language:
            language = word
    return language.lower(), attributes


def find_fences(text: str) -> Iterator[Fence]:
    """Yield every fenced block in `text`, in order, whether or not it carries attributes."""
    lines = text.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))
    index = 0
    while index < len(lines):
        opening = _OPEN.match(lines[index].rstrip("\r\n"))
        if opening is None:
            index += 1
            continue
        indent = len(opening["indent"])
        marker = opening["fence"]
        language, attributes = parse_info(opening["info"])
        closer = re.compile(rf"^[ ]*{re.escape(marker[0])}{{{len(marker)},}}[ \t]*$")
        body_lines: list[str] = []
        close_index = index + 1
        while close_index < len(lines) and not closer.match(lines[close_index].rstrip("\r\n")):
            body_lines.append(_dedent_line(lines[close_index], indent))
            close_index += 1
        end = offsets[min(close_index + 1, len(lines))]
        yield Fence(
            start=offsets[index],
            end=end,
            line=index + 1,
            language=language,
            attributes=attributes,
            body="".join(body_lines),
            body_line=index + 2,
        )
        index = close_index + 1


def _dedent_line(line: str, indent: int) -> str:
    """Remove up to `indent` leading spaces, as CommonMark does inside an indented fence."""
    stripped = len(line) - len(line.lstrip(" "))
    return line[min(stripped, indent) :]
