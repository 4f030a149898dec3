"""hooks/highlight_cache.py: a block is coloured once per process, and again when it changes."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import pytest
from mkdocs.config import load_config

from tests.loading import load_by_path

ROOT = Path(__file__).resolve().parent.parent
# Markdown and pymdown-extensions ship no type information.
highlight: Any = importlib.import_module("pymdownx.highlight")
markdown: Any = importlib.import_module("markdown")

PAGE = """Text.

```python
print("one")
```

```c title="hello.c"
int main(void) { return 0; }
```

Inline `#!python print(2)` code.
"""
EXTENSIONS = ["pymdownx.highlight", "pymdownx.superfences", "pymdownx.inlinehilite"]


@pytest.fixture
def hook(monkeypatch: pytest.MonkeyPatch) -> Any:
    """The hook, loaded afresh, with the highlighter restored after the test."""
    monkeypatch.setattr(highlight.Highlight, "highlight", highlight.Highlight.highlight)
    return load_by_path("hooks/highlight_cache.py", "highlight_cache_under_test")


def pygments_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []
    colour = highlight.highlight

    def counted(code: str, *args: Any) -> Any:
        calls.append(code)
        return colour(code, *args)

    monkeypatch.setattr(highlight, "highlight", counted)
    return calls


def build(hook: Any, page: str = PAGE) -> str:
    """One build of one page, as the site build runs it with the hook."""
    hook.on_config(None)
    html: str = markdown.markdown(page, extensions=EXTENSIONS)
    hook.on_post_build(None)
    return html


def test_the_site_config_enables_the_hook() -> None:
    config = load_config(str(ROOT / "mkdocs.yml"))
    assert any(path.endswith("highlight_cache.py") for path in config["hooks"])


def test_a_block_is_coloured_once_and_gives_the_same_html(
    hook: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = markdown.markdown(PAGE, extensions=EXTENSIONS)
    calls = pygments_calls(monkeypatch)
    assert build(hook) == expected
    assert len(calls) == 3
    assert build(hook) == expected
    # The blocks, one with a text title, are coloured once; inline code on every build.
    assert calls[3:] == ["print(2)"]


def test_a_block_with_an_html_title_is_coloured_every_time(
    hook: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = pygments_calls(monkeypatch)
    hook.on_config(None)
    for _ in range(2):
        highlighter = highlight.Highlight(markdown.Markdown(), title_mode="html")
        highlighter.highlight("x = 1", "python", title="<em>t.py</em>")
    assert calls == ["x = 1", "x = 1"]


def test_a_changed_block_is_coloured_again_and_the_old_one_dropped(
    hook: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    build(hook)
    calls = pygments_calls(monkeypatch)
    changed = PAGE.replace('print("one")', 'print("two")')
    assert build(hook, changed) == markdown.markdown(changed, extensions=EXTENSIONS)
    assert any('print("two")' in code for code in calls)
    assert len(hook._memo) == 2  # the two blocks kept, the plain one as changed
    assert not any('"one"' in html for html in hook._memo.values())


def test_other_settings_colour_again(hook: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    build(hook)
    calls = pygments_calls(monkeypatch)
    hook.on_config(None)
    html = markdown.markdown(
        PAGE,
        extensions=EXTENSIONS,
        extension_configs={"pymdownx.highlight": {"line_spans": "__span"}},
    )
    assert any('print("one")' in code for code in calls)
    assert "__span" in html
