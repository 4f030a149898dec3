"""brkdoc.buildcache: an artefact is reused only while every input is byte-for-byte the same."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from brkdoc.buildcache import cached_text, input_files, inputs_digest


def _tree(root: Path) -> None:
    (root / "pkg" / "__pycache__").mkdir(parents=True)
    (root / "pkg" / "a.py").write_text("A = 1\n")
    (root / "pkg" / "b.py").write_text("B = 2\n")
    (root / "pkg" / "__pycache__" / "a.cpython-311.pyc").write_bytes(b"\0bytecode")
    (root / "data.txt").write_text("1 2 3\n")


def test_folders_stand_for_their_files_without_bytecode(tmp_path: Path) -> None:
    _tree(tmp_path)
    found = [path.relative_to(tmp_path).as_posix() for path in input_files(tmp_path, ["pkg"])]
    assert found == ["pkg/a.py", "pkg/b.py"]


def test_a_missing_input_is_an_error_not_a_smaller_key(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"nowhere\.txt"):
        inputs_digest(tmp_path, ["nowhere.txt"])


@pytest.mark.parametrize(
    "change",
    [
        lambda root: (root / "pkg" / "a.py").write_text("A = 3\n"),
        lambda root: (root / "pkg" / "c.py").write_text(""),
        lambda root: (root / "pkg" / "b.py").unlink(),
        lambda root: (root / "data.txt").write_text("1 2 3 \n"),
        lambda root: (root / "pkg" / "b.py").rename(root / "pkg" / "d.py"),
    ],
    ids=["edit", "new file", "deleted file", "data", "renamed"],
)
def test_any_change_to_an_input_changes_the_key(
    tmp_path: Path, change: Callable[[Path], object]
) -> None:
    _tree(tmp_path)
    before = inputs_digest(tmp_path, ["pkg", "data.txt"], "3.8.0")
    change(tmp_path)
    assert inputs_digest(tmp_path, ["pkg", "data.txt"], "3.8.0") != before


def test_bytecode_and_extra_strings(tmp_path: Path) -> None:
    _tree(tmp_path)
    key = inputs_digest(tmp_path, ["pkg"], "3.8.0")
    (tmp_path / "pkg" / "__pycache__" / "a.cpython-311.pyc").write_bytes(b"other")
    assert inputs_digest(tmp_path, ["pkg"], "3.8.0") == key
    assert inputs_digest(tmp_path, ["pkg"], "3.9.0") != key
    # Boundaries are part of the key: moving a character between two strings changes it.
    assert inputs_digest(tmp_path, [], "ab", "c") != inputs_digest(tmp_path, [], "a", "bc")


def test_cached_text_makes_once_per_key_and_keeps_one_entry(tmp_path: Path) -> None:
    made: list[str] = []

    def make(text: str) -> str:
        made.append(text)
        return text

    assert cached_text(tmp_path, "plot", "k1", lambda: make("one")) == "one"
    assert cached_text(tmp_path, "plot", "k1", lambda: make("never")) == "one"
    assert cached_text(tmp_path, "plot", "k2", lambda: make("two")) == "two"
    assert made == ["one", "two"]
    assert sorted(path.name for path in (tmp_path / "plot").iterdir()) == ["k2.txt"]
    # Other kinds are left alone.
    cached_text(tmp_path, "figures", "k1", lambda: "f")
    assert (tmp_path / "plot" / "k2.txt").is_file()
