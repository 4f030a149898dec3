"""Sybil parsers for the site: one region per runnable block, covering every fence.

Every fence becomes (part of) a region, so nothing on a page goes untested by accident:
- `python`, `pycon`, `c` and `console` blocks run through `runners`;
- an `output` block attaches to the `python` or `c` block just before it;
- any other fence becomes a region that fails and names the fence, until the page is fixed.
Skips use Sybil's `<!-- skip: next "reason" -->`; a skip without a reason is rejected.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sybil import Document, Example, Region
from sybil.parsers.markdown import SkipParser

from brkdoc.doccheck import runners
from brkdoc.doccheck.fences import Fence, find_fences
from brkdoc.doccheck.snippets import expand_snippets

__all__ = ["RUNNABLE_LANGUAGES", "Block", "DocsParser", "ReasonedSkipParser", "remove_page_workdir"]

OUTPUT_LANGUAGE = "output"
_WORKDIR_KEY = "__brkdoc_workdir__"
RUNNABLE_LANGUAGES = frozenset({"python", "pycon", "c", "console"})


@dataclass(frozen=True)
class Block:
    """A runnable block and, for python and c, the output block shown right after it."""

    fence: Fence
    output: Fence | None
    root: Path

    @property
    def fence_lines(self) -> tuple[int, ...]:
        return (self.fence.line,) if self.output is None else (self.fence.line, self.output.line)

    @property
    def name(self) -> str:
        return f"block_{self.fence.line}"


def _only_blank_between(text: str, first: Fence, second: Fence) -> bool:
    """Nothing but blank lines between the two fences (in a block quote, lines of `>` only)."""
    return not text[first.end : second.start].replace(">", "").strip()


def pair_blocks(text: str, root: Path) -> Iterator[Block]:
    """Group fences into blocks, attaching each `output` fence to the block before it."""
    fences = list(find_fences(text))
    index = 0
    while index < len(fences):
        fence = fences[index]
        following = fences[index + 1] if index + 1 < len(fences) else None
        if (
            fence.language in {"python", "c"}
            and following is not None
            and following.language == OUTPUT_LANGUAGE
            and _only_blank_between(text, fence, following)
        ):
            yield Block(fence, following, root)
            index += 2
        else:
            yield Block(fence, None, root)
            index += 1


def page_workdir(document: Document, root: Path) -> Path:
    """The page's scratch folder, created on first use with every titled C file pre-written,
    so that a console block can be run on its own."""
    existing = document.namespace.get(_WORKDIR_KEY)
    if isinstance(existing, Path):
        return existing
    workdir = Path(tempfile.mkdtemp(prefix=f"brkdoc-{Path(document.path).stem}-"))
    document.namespace[_WORKDIR_KEY] = workdir
    for _, region in document.regions:  # the fences the parser found, in page or docstrings
        fence = region.parsed.fence if isinstance(region.parsed, Block) else None
        title = fence.attributes.get("title") if fence else None
        if fence and fence.language == "c" and title:
            (workdir / title).write_text(expand_snippets(fence.body, root), encoding="utf-8")
    return workdir


def remove_page_workdir(namespace: dict[str, Any]) -> None:
    """Sybil's teardown for a page: delete the scratch folder `page_workdir` made, if any."""
    workdir = namespace.pop(_WORKDIR_KEY, None)
    if isinstance(workdir, Path):
        shutil.rmtree(workdir, ignore_errors=True)


def _run_python(block: Block, body: str, workdir: Path) -> str | None:
    expected = block.output.body if block.output else None
    return runners.run_python(body, workdir, block.name, expected)


def _run_pycon(block: Block, body: str, workdir: Path) -> str | None:
    return runners.run_pycon(body, workdir, block.name)


def _run_console(block: Block, body: str, workdir: Path) -> str | None:
    return runners.run_console(body, workdir)


def _run_c(block: Block, body: str, workdir: Path) -> str | None:
    title = block.fence.attributes.get("title", "")
    if not title.endswith(".c"):
        return 'a c block needs title="name.c" so the page and the tests share a file name'
    expected = block.output.body if block.output else None
    glibc = block.fence.attributes.get("glibc")
    return runners.compile_c(body, title, workdir, expected, glibc)


_RUNNERS: dict[str, Callable[[Block, str, Path], str | None]] = {
    "python": _run_python,
    "pycon": _run_pycon,
    "console": _run_console,
    "c": _run_c,
}


def _evaluate(example: Example) -> str | None:
    block: Block = example.parsed
    language = block.fence.language
    if "glibc" in block.fence.attributes and language != "c":
        return f'glibc="..." applies to c blocks only, not to a {language or "plain"!r} fence'
    run = _RUNNERS.get(language)
    if run is None:
        if language == OUTPUT_LANGUAGE:
            return "an output block must follow a python or c block directly"
        return (
            f"no runner for a {language or 'plain'!r} fence: use one of "
            f"{sorted(RUNNABLE_LANGUAGES)}, or skip it with a stated reason"
        )
    workdir = page_workdir(example.document, block.root)
    return run(block, expand_snippets(block.fence.body, block.root), workdir)


class DocsParser:
    """Yield a Sybil region for every block of a Markdown page."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def __call__(self, document: Document) -> Iterable[Region]:
        for block in pair_blocks(document.text, self.root):
            end = (block.output or block.fence).end
            yield Region(block.fence.start, end, block, _evaluate)


class ReasonedSkipParser(SkipParser):
    """Sybil's skip directive, refusing a skip that gives no reason."""

    def __call__(self, document: Document) -> Iterable[Region]:
        for region in super().__call__(document):
            action, reason = region.parsed
            if action in {"next", "start"} and not reason:
                line = document.text.count("\n", 0, region.start) + 1
                raise ValueError(
                    f"{document.path}:{line}: 'skip: {action}' must say why, "
                    f'e.g. <!-- skip: {action} "needs root" -->'
                )
            yield region


def region_fence_lines(regions: Iterable[Any]) -> set[int]:
    """The opening-fence line numbers covered by the given regions' blocks."""
    lines: set[int] = set()
    for region in regions:
        if isinstance(region.parsed, Block):
            lines.update(region.parsed.fence_lines)
    return lines
