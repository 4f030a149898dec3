"""Files under `examples/` that pages include: how each is run, and its committed output.

A `name.c` is compiled with the same flags as a page's C block; a `name.py` runs in a fresh
interpreter. When `name.out` sits next to it, the program runs and its stdout is compared with
that file under the page rules (`brkdoc.doccheck.matching`). `python -m brkdoc.doccheck.regen`
rewrites the `.out` files from live runs.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from brkdoc.doccheck.runners import C_FLAGS, PYTHON_TIMEOUT, subprocess_env

__all__ = ["Example", "find_examples", "run_example"]

SOURCE_SUFFIXES = (".c", ".py")


@dataclass(frozen=True)
class Example:
    source: Path

    @property
    def expected_path(self) -> Path:
        return self.source.with_suffix(".out")

    @property
    def has_expected(self) -> bool:
        return self.expected_path.is_file()


def find_examples(root: Path) -> list[Example]:
    return [
        Example(path)
        for path in sorted(root.rglob("*"))
        if path.suffix in SOURCE_SUFFIXES and "__pycache__" not in path.parts
    ]


class ExampleFailed(Exception):
    """The example did not compile, or exited non-zero."""


def run_example(example: Example) -> str | None:
    """Compile (C) and, when output is committed, run the example; return its stdout.

    Returns None for a C file without committed output, which is only compiled."""
    env = subprocess_env()
    with tempfile.TemporaryDirectory(prefix="brkdoc-example-") as scratch:
        if example.source.suffix == ".c":
            binary = Path(scratch) / example.source.stem
            cc = subprocess.run(
                ["gcc", *C_FLAGS, "-o", str(binary), str(example.source)],
                capture_output=True,
                text=True,
                env=env,
                check=False,
            )
            if cc.returncode != 0:
                raise ExampleFailed(f"{example.source}: gcc failed:\n{cc.stderr}")
            if not example.has_expected:
                return None
            argv = [str(binary)]
        else:
            argv = [sys.executable, str(example.source)]
        run = subprocess.run(
            argv,
            cwd=scratch,
            capture_output=True,
            text=True,
            env=env,
            timeout=PYTHON_TIMEOUT,
            check=False,
        )
    if run.returncode != 0:
        raise ExampleFailed(
            f"{example.source}: exited with status {run.returncode}:\n{run.stdout}{run.stderr}"
        )
    return run.stdout
