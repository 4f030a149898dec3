"""MkDocs hook: render the API reference again only when what it is made from changed.

mkdocstrings renders `::: brkdoc.native` and the other reference blocks from Jinja templates on
every build, about 40% of a `make serve` rebuild, though an edit to another page never changes
them. This hook keeps each rendered block under `.cache/reference/`, keyed on everything the
rendering reads: every file under `src/brkdoc` (the docstrings and signatures), mkdocs.yml (the
handler's options and the Markdown extensions that convert the docstrings), the locked and the
installed versions of the packages that render, the page the block is on and the site's file
list (links in docstrings are resolved from the page), the block's identifier and options.

Rendering does more than return HTML, and a hit replays the rest:

- the headings it makes, which mkdocstrings adds to the page's table of contents and registers
  with mkdocs-autorefs, so cross-references from other pages resolve as before;
- any anchor registered with autorefs while it ran.

Griffe loads the package only when a block must be rendered again or an alias is asked for
that the cache does not hold: each block's collection is deferred until then, and the blocks
are then collected in page order, as they would have been. A render that logged a warning, or
that followed a load that did, is never kept: a cached block must not hide from a strict build
what rendering it again would report.

Enable it in mkdocs.yml with `hooks: [hooks/reference_cache.py]`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.metadata import version
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import Files
from mkdocstrings import CollectionError

from brkdoc.buildcache import cached_text, inputs_digest

ROOT = Path(__file__).resolve().parent.parent
CACHE_DIR = ROOT / ".cache" / "reference"
PLUGIN = "mkdocstrings"
HANDLER = "python"
INPUTS = ("src/brkdoc", "mkdocs.yml", "requirements.lock", "hooks/reference_cache.py")
# The installed packages whose code turns the collected objects into HTML.
RENDERERS = (
    "mkdocstrings",
    "mkdocstrings-python",
    "griffelib",
    "mkdocs-autorefs",
    "mkdocs",
    "markdown",
    "pymdown-extensions",
    "pygments",
    "jinja2",
    "black",
)
# Where mkdocstrings, griffe and the Markdown extensions report problems.
WATCHED_LOGGERS = ("mkdocs", "griffe", "markdown")

# A digest of the site's file list, from on_files (a docstring's relative link resolves against
# it), made once a build rather than serialised again into every block's key.
_site_files: list[str] = [""]


def _installed(name: str) -> str:
    try:
        return f"{name}=={version(name)}"
    except ImportError:
        return f"{name} absent"


def inputs_key(root: Path) -> str:
    """The digest of what every block's rendering reads, besides the block itself."""
    return inputs_digest(root, INPUTS, sys.version, *map(_installed, RENDERERS))


class _NotKept(Exception):
    """Raised from inside the cache's make step so that it writes nothing; carries the render."""

    def __init__(self, made: dict[str, Any]) -> None:
        super().__init__("rendered with warnings")
        self.made = made


class _Warnings(logging.Handler):
    """Counts the warnings and errors logged while it is attached."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


@contextmanager
def _counting_warnings() -> Iterator[_Warnings]:
    counter = _Warnings()
    loggers = [logging.getLogger(name) for name in WATCHED_LOGGERS]
    for logger in loggers:
        logger.addHandler(counter)
    try:
        yield counter
    finally:
        for logger in loggers:
            logger.removeHandler(counter)


def _heading_data(heading: Element) -> dict[str, Any]:
    if len(heading) or heading.tail:
        raise ValueError("reference_cache: a heading with children cannot be kept")
    return {"tag": heading.tag, "attrib": dict(heading.attrib), "text": heading.text}


def _heading(data: dict[str, Any]) -> Element:
    heading = Element(data["tag"], data["attrib"])
    heading.text = data["text"]
    return heading


def on_files(files: Files, config: MkDocsConfig) -> Files:
    listing = json.dumps(sorted(file.src_uri for file in files))
    _site_files[0] = hashlib.sha256(listing.encode()).hexdigest()
    return files


class _Deferred:
    """A block's collection, made only when a block or an alias is not in the cache."""

    def __init__(self, identifier: str, options: Any) -> None:
        self.path = identifier
        self.options = options
        self.collected: Any = None


class _CachingHandler:
    """Wraps one build's handler: collect, render, get_headings and get_aliases use the cache."""

    def __init__(self, handler: Any, autorefs: Any, base_key: str) -> None:
        self._collect = handler.collect
        # The blocks collected so far, in page order; each is loaded when first needed, after
        # those before it, so that griffe sees the same sequence of loads as without the cache.
        self._deferred: list[_Deferred] = []
        self._collect_warned = False
        self._render = handler.render
        self._get_headings = handler.get_headings
        self._get_aliases = handler.get_aliases
        self._autorefs = autorefs
        self._base_key = base_key
        # The headings of the block just rendered, for mkdocstrings' get_headings call after it.
        self._pending: list[Element] = []
        # Each rendered heading's aliases, as griffe gave them just after rendering its block.
        self._aliases: dict[str, list[str]] = {}
        self._depth = 0
        handler.collect = self.collect
        handler.render = self.render
        handler.get_headings = self.get_headings
        handler.get_aliases = self.get_aliases

    def collect(self, identifier: str, options: Any) -> Any:
        if self._depth:  # a block inside a docstring, while its outer block renders
            return self._collect(identifier, options)
        deferred = _Deferred(identifier, options)
        self._deferred.append(deferred)
        return deferred

    def _load(self) -> None:
        """Collect every deferred block not collected yet, noting any warning griffe gave."""
        with _counting_warnings() as warnings:
            for deferred in self._deferred:
                if deferred.collected is None:
                    try:
                        deferred.collected = self._collect(deferred.path, deferred.options)
                    except CollectionError as error:  # as mkdocstrings reports it
                        raise PluginError(f"Could not collect '{deferred.path}'") from error
        self._collect_warned = self._collect_warned or bool(warnings.count)

    def render(self, data: Any, options: Any, locale: str | None = None) -> str:
        if not isinstance(data, _Deferred):  # a block inside a docstring: no cache
            return str(self._render(data, options, locale=locale))
        page = self._autorefs.current_page
        where = page and page.file.src_uri
        key = json.dumps([self._base_key, data.path, repr(options), locale, where, _site_files[0]])
        entry = hashlib.sha256(key.encode()).hexdigest()
        fresh: list[bool] = []

        def render_anew() -> str:
            fresh.append(True)  # its anchors are registered while it renders
            self._load()
            made = self._render_recording(data.collected, options, locale)
            # A warning from loading the package is reported again only if it loads again.
            if made.pop("warnings") or self._collect_warned:
                raise _NotKept(made)
            return json.dumps(made)

        try:
            made = json.loads(cached_text(CACHE_DIR, _kind(data.path), entry, render_anew))
        except _NotKept as rendered:
            made = rendered.made
        for args, kwargs in () if fresh else made["anchors"]:
            self._autorefs.register_anchor(page, *args, **kwargs)
        self._pending[:] = [_heading(heading) for heading in made["headings"]]
        self._aliases.update(made["aliases"])
        return str(made["html"])

    def _render_recording(self, data: Any, options: Any, locale: str | None) -> dict[str, Any]:
        """Render with the original handler, noting what a cached copy must replay."""
        anchors: list[tuple[Any, ...]] = []
        register_anchor = self._autorefs.register_anchor

        def recording(page: Any, *args: Any, **kwargs: Any) -> None:
            anchors.append((args, kwargs))
            register_anchor(page, *args, **kwargs)

        self._depth += 1
        self._autorefs.register_anchor = recording
        try:
            with _counting_warnings() as warnings:
                html = str(self._render(data, options, locale=locale))
        finally:
            self._depth -= 1
            del self._autorefs.register_anchor
        headings = self._get_headings()
        return {
            "html": html,
            "headings": [_heading_data(heading) for heading in headings],
            "anchors": anchors,
            # Asked for here, in the order mkdocstrings asks next: griffe resolves aliases
            # while rendering, and a hit has not rendered.
            "aliases": {
                heading.attrib["id"]: self._get_aliases(heading.attrib["id"])
                for heading in headings
            },
            "warnings": warnings.count,
        }

    def get_aliases(self, identifier: str) -> tuple[str, ...]:
        if identifier in self._aliases:
            return tuple(self._aliases[identifier])
        self._load()
        return tuple(self._get_aliases(identifier))

    def get_headings(self) -> list[Element]:
        headings = [*self._pending, *self._get_headings()]
        self._pending.clear()
        return headings


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    plugin = config.plugins.get(PLUGIN)
    if plugin is None:
        raise PluginError(f"reference_cache: the {PLUGIN} plugin is not enabled in mkdocs.yml")
    # mkdocstrings' on_config, which runs before the hooks', made this build's handlers and
    # added the autorefs plugin.
    handler = plugin.handlers.get_handler(HANDLER)
    _CachingHandler(handler, config.plugins["autorefs"], inputs_key(ROOT))
    return config


def _kind(identifier: str) -> str:
    """One entry is kept per rendered object."""
    return "block-" + identifier.replace("/", "_")
