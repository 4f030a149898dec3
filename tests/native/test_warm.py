"""Measuring the build's tables in a child process: it fills the cache the hooks read."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from brkdoc.errors import InputError
from brkdoc.native import build, glibcs, matrix, warm

TRACE = Path(__file__).resolve().parents[2] / "examples" / "traces" / "csapp" / "short1-bal.rep"


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty cache that still holds the fetched glibc builds; children see it too."""
    root = tmp_path / "xdg"
    (root / "brkdoc").mkdir(parents=True)
    (root / "brkdoc" / "glibc").symlink_to(glibcs.builds_dir())
    monkeypatch.setenv("XDG_CACHE_HOME", str(root))
    return root / "brkdoc"


def _no_measuring(*args: object) -> None:
    raise AssertionError("the hook measured again: the child's entry was not used")


def test_the_child_fills_the_entry_the_build_then_reads(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert build.cache_dir() == cache
    key = matrix.matrix_key([TRACE])
    assert not (cache / matrix.MATRIX_KIND / f"{key}.json").exists()
    warm.start("matrix", [TRACE])
    warm.wait("matrix", [TRACE])
    assert (cache / matrix.MATRIX_KIND / f"{key}.json").is_file()
    monkeypatch.setattr(matrix, "check_matrix", _no_measuring)
    rows = matrix.cached_matrix([TRACE])
    assert [(row.version, row.ops) for row in rows] == [(v, 12) for v in glibcs.CHECKED_VERSIONS]


def test_a_cached_entry_starts_no_child(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    matrix.cached_matrix([TRACE])

    def no_child(*args: object, **kwargs: object) -> None:
        raise AssertionError("a child started though the entry is cached")

    monkeypatch.setattr(subprocess, "Popen", no_child)
    warm.start("matrix", [TRACE])
    warm.wait("matrix", [TRACE])


def test_a_failed_child_leaves_no_entry_and_the_hook_measures(
    cache: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # A trace the parser refuses: the child fails, and the same error comes from the build's
    # own measurement, as it would without a child.
    bad = tmp_path / "bad.rep"
    bad.write_text("0\n1\n1\n1\nx 0 24\n", encoding="utf-8")
    warm.start("matrix", [bad])
    warm.wait("matrix", [bad])
    assert not list(cache.glob(f"{matrix.MATRIX_KIND}/*.json"))
    with pytest.raises(InputError, match=r"bad\.rep:5: unknown operation 'x'"):
        matrix.cached_matrix([bad])


def test_the_facts_child_runs_alone() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "brkdoc.native.warm", "facts"],
        capture_output=True,
        text=True,
        check=False,
        env=os.environ.copy(),
    )
    assert (done.returncode, done.stderr) == (0, "")


def test_bad_arguments_are_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert warm.main(["matrix"]) == 2
    assert warm.main(["figures"]) == 2
    assert capsys.readouterr().err.startswith("usage: python -m brkdoc.native.warm ")
    with pytest.raises(ValueError, match="nothing to measure called 'figures'"):
        warm.start("figures")
