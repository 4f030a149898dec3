"""hooks/csp.py: every page states a policy that allows only the site itself."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path
from types import SimpleNamespace

import pytest
from mkdocs.exceptions import PluginError

from tests.loading import load_by_path

hook = load_by_path("hooks/csp.py", "csp_hook_under_test")

PAGE = """<!doctype html><html><head><meta charset="utf-8"><script>var a = 1;</script>
<script src="x.js"></script><script id="__config" type="application/json">{"x": 1}</script>
</head><body><script type="module">import "./y.js";</script></body></html>"""


def _sha(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def test_only_inline_code_is_hashed() -> None:
    assert hook.inline_script_hashes(PAGE) == {_sha("var a = 1;"), _sha('import "./y.js";')}


def test_the_policy_allows_the_site_alone() -> None:
    text = hook.policy({_sha("x")})
    directives = dict(part.split(" ", 1) for part in text.split("; "))
    assert directives["default-src"] == "'self'"
    assert directives["connect-src"] == "'self'"
    assert directives["script-src"] == f"'self' 'wasm-unsafe-eval' {_sha('x')}"
    assert "unsafe-eval'" not in directives["script-src"].replace("'wasm-unsafe-eval'", "")
    assert all("http" not in value for value in directives.values())


def test_the_meta_tag_comes_first_in_the_head() -> None:
    out = hook.add_policy(PAGE, "default-src 'self'", "index.html")
    assert out.startswith(
        '<!doctype html><html><head><meta http-equiv="Content-Security-Policy"'
        " content=\"default-src 'self'\"><meta charset"
    )


@pytest.mark.parametrize(
    "bad",
    [
        '<button onclick="go()">',
        '<a href="javascript:go()">',
        "<a href=' JavaScript:go()'>",
        "<p>no head</p>",
    ],
)
def test_pages_the_policy_would_break_stop_the_build(bad: str) -> None:
    page = bad if "head" in bad else PAGE.replace("<body>", "<body>" + bad)
    with pytest.raises(PluginError):
        hook.add_policy(page, "default-src 'self'", "bad.html")


def test_every_page_gets_the_hashes_of_every_page(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "index.html").write_text(PAGE)
    (tmp_path / "a" / "index.html").write_text(PAGE.replace("var a = 1;", "var b = 2;"))
    hook.on_post_build(SimpleNamespace(site_dir=str(tmp_path)))
    for page in (tmp_path / "index.html", tmp_path / "a" / "index.html"):
        text = page.read_text()
        assert _sha("var a = 1;") in text
        assert _sha("var b = 2;") in text
