"""hooks/template_cache.py: compiled templates are kept, and a changed template is recompiled."""

from __future__ import annotations

from pathlib import Path

import jinja2
import pytest

from tests.loading import load_by_path

hook = load_by_path("hooks/template_cache.py", "template_cache_under_test")


def test_templates_compile_once_and_again_when_they_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(hook, "CACHE_DIR", tmp_path / "cache")
    (tmp_path / "page.html").write_text("<p>{{ title }}</p>")

    def render() -> str:
        env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(tmp_path)))
        env = hook.on_env(env, None, None)
        page: str = env.get_template("page.html").render(title="one")
        return page

    assert render() == "<p>one</p>"
    cached = list((tmp_path / "cache").iterdir())
    assert len(cached) == 1
    assert render() == "<p>one</p>"
    (tmp_path / "page.html").write_text("<h1>{{ title }}</h1>")
    assert render() == "<h1>one</h1>"
    assert len(list((tmp_path / "cache").iterdir())) == 1  # same name, new checksum: replaced
