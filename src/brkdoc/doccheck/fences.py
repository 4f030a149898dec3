"""Find fenced code blocks in Markdown with Sybil's lexer, keeping the fences' attributes.

Sybil's Markdown lexer (`sybil.parsers.markdown.lexers`) finds fences at any indentation, in
list items and in block quotes, but its stock parsers collect only a fence whose info string
is exactly the language, so ```` ```c title="demo.c" ```` would go untested
(simplistix/sybil#155). `FenceLexer` is that lexer, extended where the pages need more:
- it takes any info string and reads the language as its first word (or the first `.class`
  of the `{ .lang key=value }` form), keeping the `key=value` pairs as attributes;
- once a fence is open, only its closing fence ends it, as in CommonMark, so fence lines
  inside a longer fence are content (Sybil's lexer would open a nested block there);
- a backtick line whose info string holds a backtick is inline code, not a fence (CommonMark);
- each body line loses the container's prefix: the block quote's `>` markers, then up to as
  many spaces as the fence is indented (list items, admonitions, tabs). Sybil's lexer also
  runs `textwrap.dedent` over the body, which would eat the indentation of shown output
  whose every line starts with spaces; this one does not.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from sybil import Document, Lexeme, Region
from sybil.parsers.markdown.lexers import FENCE, RawFencedCodeBlockLexer

__all__ = ["Fence", "FenceLexer", "find_fences", "parse_info"]


@dataclass(frozen=True)
class Fence:
    """One fenced block: where it is in the text, its language, attributes and body."""

    start: int  # offset of the first character of the opening fence line
    end: int  # offset just past the closing fence line (or the end of the text)
    line: int  # 1-based line number of the opening fence
    language: str
    attributes: dict[str, str] = field(default_factory=dict)
    body: str = ""  # the content with the container's prefix (quote markers, indent) removed
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


class FenceLexer(RawFencedCodeBlockLexer):
    """Sybil's fenced-block lexer for every fence, whatever its info string.

    Each region's lexemes are `language` and `attributes` (from `parse_info`), `info` (the
    raw info string) and `source` (the body, prefix removed). A region runs from the start of
    the opening fence line to just past the closing fence line's newline.
    """

    def __init__(self) -> None:
        super().__init__(info_pattern=re.compile(r"(?P<info>[^\n]*)"))

    def __call__(self, document: Document) -> Iterable[Region]:
        opening: re.Match[str] | None = None
        for match in FENCE.finditer(document.text):
            if opening is None:
                if not _is_inline_code(match):
                    opening = match
            elif self.match_closes_existing(match, opening):
                yield self.make_region(opening, document, match)
                opening = None
        if opening is not None:  # an unclosed fence runs to the end, as in CommonMark
            yield self.make_region(opening, document, None)

    def make_region(
        self, opening: re.Match[str], document: Document, closing: re.Match[str] | None
    ) -> Region:
        text = document.text
        body_start = min(opening.end() + 1, len(text))
        if closing is None:
            body_end = end = len(text)
        else:
            body_end = closing.start()
            end = closing.end() + text.startswith("\n", closing.end())
        prefix = opening["prefix"]
        body = "".join(
            _strip_container(line, prefix)
            for line in text[body_start:body_end].splitlines(keepends=True)
        )
        language, attributes = parse_info(opening["trailing"])
        lexemes = {
            "info": opening["trailing"],
            "language": language,
            "attributes": attributes,
            "source": Lexeme(body, offset=body_start - opening.start(), line_offset=0),
        }
        return Region(opening.start(), end, lexemes=lexemes)


def _is_inline_code(match: re.Match[str]) -> bool:
    return match["fence"][0] == "`" and "`" in match["trailing"]


def _strip_container(line: str, prefix: str) -> str:
    """Remove the opening fence's container prefix from one body line.

    The prefix's `>` markers go first (a line without them is kept whole), then up to as many
    spaces as the prefix has after its last marker (a list marker counts as its width)."""
    depth = prefix.count(">")
    if depth:
        markers = re.match(rf"(?:[ \t]*>){{{depth}}}", line)
        if markers is None:
            return line
        line = line[markers.end() :]
    width = len(prefix.rpartition(">")[2])
    spaces = len(line) - len(line.lstrip(" "))
    return line[min(spaces, width) :]


def find_fences(text: str) -> Iterator[Fence]:
    """Yield every fenced block in `text`, in order, whether or not it carries attributes."""
    for region in FenceLexer()(Document(text, "<text>")):
        line = text.count("\n", 0, region.start) + 1
        yield Fence(
            start=region.start,
            end=region.end,
            line=line,
            language=region.lexemes["language"],
            attributes=region.lexemes["attributes"],
            body=str(region.lexemes["source"]),
            body_line=line + 1,
        )
