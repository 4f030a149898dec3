"""MkDocs hook: a Content Security Policy that lets pages load only from the site itself.

Enable with `hooks: [hooks/csp.py]` in mkdocs.yml. After the build, every HTML page gets a
`<meta http-equiv="Content-Security-Policy">` as the first element of its `<head>` (a policy
in a meta tag governs only what comes after it). GitHub Pages sets no headers of our choosing,
so the meta tag is the only way to state one.

- Scripts, styles, images, fonts, fetches and workers: `'self'` only. Nothing from another host
  can load, whatever a library's fallback address says (Pyodide's loader names a CDN it would
  use for packages; the playground never asks it for one, and the policy would refuse it).
- Inline scripts (Material's few lines that read the saved palette before the page paints) are
  allowed by their SHA-256 hashes, gathered from every page of the site: with instant
  navigation the first page's policy stays in force while Material swaps in other pages, so
  each page carries the hashes of all of them. Nothing else inline runs.
- `'wasm-unsafe-eval'` lets the playground compile Pyodide's WebAssembly; it allows no eval of
  JavaScript.
- Styles allow `'unsafe-inline'`: the diagrams carry their own `<style>` and Material sets
  style attributes in its HTML. Styles cannot fetch from elsewhere because `img-src` and
  `font-src` are `'self'` too.

The build stops if a page holds an inline event handler (`onclick=`) or a `javascript:` link,
which the policy would silently break.
"""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError

_SCRIPT = re.compile(r"<script(?P<attrs>[^>]*)>(?P<body>.*?)</script>", re.DOTALL | re.IGNORECASE)
_TYPE = re.compile(r"""\btype\s*=\s*["']?(?P<type>[^"'\s>]+)""", re.IGNORECASE)
_SRC = re.compile(r"\bsrc\s*=", re.IGNORECASE)
_HEAD = re.compile(r"<head\b[^>]*>", re.IGNORECASE)
_EVENT_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.IGNORECASE)
_JAVASCRIPT_URL = re.compile(r"""\b(?:href|src|action)\s*=\s*["']?\s*javascript:""", re.IGNORECASE)
# Any match of _JAVASCRIPT_URL contains a match of this, which is found some times faster: the
# full pattern runs only on pages that have one (none does today), with the same flags.
_JAVASCRIPT_WORD = re.compile(r"javascript:", re.IGNORECASE)
# Script types a browser runs; any other type (application/json, say) is data, not code.
_RUNNABLE_TYPES = {"", "text/javascript", "application/javascript", "module"}
META_NAME = "Content-Security-Policy"


def inline_script_hashes(page: str) -> set[str]:
    """CSP source expressions ('sha256-...') of the inline scripts in one HTML page."""
    hashes: set[str] = set()
    for match in _SCRIPT.finditer(page):
        attrs = match.group("attrs")
        if _SRC.search(attrs):
            continue
        kind = _TYPE.search(attrs)
        if (kind.group("type").lower() if kind else "") not in _RUNNABLE_TYPES:
            continue
        digest = hashlib.sha256(match.group("body").encode("utf-8")).digest()
        hashes.add(f"'sha256-{base64.b64encode(digest).decode()}'")
    return hashes


def policy(script_hashes: set[str]) -> str:
    """The policy text, with the inline scripts' hashes in a stable order."""
    scripts = " ".join(["'self'", "'wasm-unsafe-eval'", *sorted(script_hashes)])
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src {scripts}",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",
            "font-src 'self'",
            "connect-src 'self'",
            "worker-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
        ]
    )


def add_policy(page: str, text: str, where: str) -> str:
    """The page with the policy's meta tag first in its head."""
    if META_NAME in page:
        raise PluginError(f"csp: {where} already carries a {META_NAME}")
    found = _EVENT_HANDLER.search(page)
    if found is None and _JAVASCRIPT_WORD.search(page) is not None:
        found = _JAVASCRIPT_URL.search(page)
    if found is not None:
        what = "an inline event handler" if found.re is _EVENT_HANDLER else "a javascript: link"
        blocked = found.group(0)[:80]
        raise PluginError(f"csp: {where} has {what}, which the policy blocks: {blocked}")
    head = _HEAD.search(page)
    if head is None:
        raise PluginError(f"csp: {where} has no <head> to put the policy in")
    meta = f'<meta http-equiv="{META_NAME}" content="{text}">'
    return page[: head.end()] + meta + page[head.end() :]


def on_post_build(config: MkDocsConfig, **_: Any) -> None:
    site = Path(config.site_dir)
    pages = sorted(site.rglob("*.html"))
    texts = {path: path.read_text(encoding="utf-8") for path in pages}
    hashes: set[str] = set()
    for text in texts.values():
        hashes |= inline_script_hashes(text)
    stated = policy(hashes)
    for path, text in texts.items():
        where = str(path.relative_to(site))
        path.write_text(add_policy(text, stated, where), encoding="utf-8")
