"""MkDocs hook: while `make serve` runs, highlight each code block again only when it changed.

Every rebuild converts every page, and Pygments colours each of the site's code blocks again,
about an eighth of a rebuild, though an edit changes one page. This hook keeps the HTML that
pymdownx.highlight made for each block in the serving process's memory, keyed on the block's
text and every argument of the call, with the highlighter's settings; what a build did not ask
for is dropped after it, so the memory holds one site's blocks. Nothing is written to disk:
the packages that highlight cannot change under a running process, and a new `mkdocs build`
or `make serve` starts empty, so a `mkdocs build` is never served from it.

These calls always run: inline code (its result is a tree element, which the caller changes),
and blocks with an HTML title or automatic titles (such a title is stored in the page's
Markdown instance). A plain-text title is part of the key.

Enable it in mkdocs.yml with `hooks: [hooks/highlight_cache.py]`.
"""

from __future__ import annotations

import importlib
from typing import Any

from mkdocs.config.defaults import MkDocsConfig

# pymdown-extensions ships no type information.
highlight: Any = importlib.import_module("pymdownx.highlight")

# The highlighted HTML by key, and the keys the current build asked for.
_memo: dict[str, str] = {}
_used: set[str] = set()
_ORIGINAL = highlight.Highlight.highlight


def _key(highlighter: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
    # The Markdown instance is the one setting that changes with every page: the output reads
    # it only for HTML titles, which are never kept.
    settings = sorted((name, value) for name, value in vars(highlighter).items() if name != "md")
    kind = type(highlighter)
    return repr((kind.__module__, kind.__qualname__, settings, args, sorted(kwargs.items())))


def _highlight(self: Any, *args: Any, **kwargs: Any) -> Any:
    inline = kwargs.get("inline", args[7] if len(args) > 7 else False)
    title = kwargs.get("title", args[11] if len(args) > 11 else None)
    # An HTML title is stored in the page's Markdown instance, and an automatic one may be.
    if inline or (title and self.title_mode == "html") or self.auto_title:
        return _ORIGINAL(self, *args, **kwargs)
    key = _key(self, args, kwargs)
    _used.add(key)
    if key not in _memo:
        _memo[key] = _ORIGINAL(self, *args, **kwargs)
    return _memo[key]


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    highlight.Highlight.highlight = _highlight
    _used.clear()
    return config


def on_post_build(config: MkDocsConfig) -> None:
    for key in set(_memo) - _used:
        del _memo[key]
