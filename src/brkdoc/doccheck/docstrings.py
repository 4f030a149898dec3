"""Docstring examples as Sybil documents: every example in `src/brkdoc` runs, one harness.

Sybil reads each module's docstrings (`sybil.document.PythonDocStringDocument`, which finds
the docstrings of nested functions too, where stdlib doctest stops at the module's own
objects). Two kinds of example are run:
- a fenced block runs as that fence would on a page (`sybil_parsers.DocsParser`): a
  ```` ```pycon ```` session in a fresh interpreter, so it must stand alone as a reader would
  copy it from the API reference; any fence without a runner fails;
- a bare `>>>` example, outside fences, runs in this process through Sybil's doctest parser
  and evaluator, with `ELLIPSIS` on and trailing white space compared, as stdlib doctest does.

Like `doctest.testmod`, each docstring's bare examples share one namespace, a fresh copy of
the module's globals, so nothing one docstring defines leaks into the next.
"""

from __future__ import annotations

import doctest
import re
from bisect import bisect_right
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sybil import Document, Example, Region
from sybil.document import PythonDocStringDocument
from sybil.evaluators.doctest import KEEP_TRAILING_WHITESPACE, DocTestEvaluator
from sybil.example import NotEvaluated
from sybil.parsers.abstract.doctest import DocTestStringParser
from sybil.python import import_path
from sybil.typing import Parser

from brkdoc.doccheck.sybil_parsers import DocsParser

__all__ = ["DOCTEST_FLAGS", "DocstringDocument", "DocstringParser"]

DOCTEST_FLAGS = doctest.ELLIPSIS | KEEP_TRAILING_WHITESPACE


class DocstringDocument(PythonDocStringDocument):
    """A Python file's docstrings, each docstring's bare examples in a namespace of their own."""

    def __init__(self, text: str, path: str) -> None:
        super().__init__(text, path)
        # One copy of the module's globals per docstring replaces Sybil's shared import.
        self.pop_evaluator(self.import_document)
        self.push_evaluator(self._use_docstring_namespace)
        self.docstring_starts: list[int] = []
        self._namespaces: dict[int, dict[str, Any]] = {}

    @classmethod
    def parse(cls, path: str, *parsers: Parser, encoding: str = "utf-8") -> Document:
        with open(path, encoding=encoding) as source:
            document = cls(source.read(), path)
        for start, _, text in sorted(cls.extract_docstrings(document.text)):
            document.docstring_starts.append(start)
            docstring = Document(text, path)
            for parser in parsers:
                for region in parser(docstring):
                    region.start += start
                    region.end += start
                    document.add(region)
        return document

    def _use_docstring_namespace(self, example: Example) -> None:
        if isinstance(example.parsed, doctest.Example):
            docstring = bisect_right(self.docstring_starts, example.start) - 1
            namespace = self._namespaces.get(docstring)
            if namespace is None:
                namespace = dict(vars(import_path(Path(self.path))))
                self._namespaces[docstring] = namespace
            example.namespace = namespace
        raise NotEvaluated  # the region's own evaluator runs the example


class DocstringParser:
    """Regions for one docstring: its fences (as on a page), then the bare `>>>` examples."""

    def __init__(self, root: Path, optionflags: int = DOCTEST_FLAGS) -> None:
        self.fences = DocsParser(root)
        self.doctests = DocTestStringParser(DocTestEvaluator(optionflags))

    def __call__(self, document: Document) -> Iterable[Region]:
        outside_fences = document.text
        fences = list(self.fences(document))
        for region in fences:
            start, end = region.start, region.end
            outside_fences = (
                outside_fences[:start]
                + re.sub(r"[^\n]", " ", outside_fences[start:end])  # same offsets, no examples
                + outside_fences[end:]
            )
        yield from fences
        yield from self.doctests(outside_fences, document.path)
