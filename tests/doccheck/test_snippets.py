from __future__ import annotations

from pathlib import Path

import pytest

from brkdoc.doccheck.snippets import SnippetError, expand_snippets, included_paths


def test_expands_whole_file_includes(tmp_path: Path) -> None:
    (tmp_path / "a.c").write_text("int a;")
    body = 'before\n--8<-- "a.c"\nafter\n'
    assert expand_snippets(body, tmp_path) == "before\nint a;\nafter\n"
    assert included_paths(body) == ["a.c"]


def test_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(SnippetError, match=r"missing\.c"):
        expand_snippets('--8<-- "missing.c"\n', tmp_path)
