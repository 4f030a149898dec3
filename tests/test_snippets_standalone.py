"""A reader who installs nothing but brkdoc can run every python block on the site.

The docs suite runs blocks with the project's virtualenv, which also holds the test and docs
tools. Here each block runs again in a bare virtualenv whose only addition to the standard
library is brkdoc itself (added by a .pth file, as an editable install does), from an empty
folder, and its shown output is compared as on the page.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from brkdoc.doccheck.runners import run_python
from brkdoc.doccheck.snippets import expand_snippets
from brkdoc.doccheck.sybil_parsers import Block, pair_blocks

ROOT = Path(__file__).resolve().parents[1]
BLOCKS = [
    (page, block)
    for page in sorted((ROOT / "docs").rglob("*.md"))
    for block in pair_blocks(page.read_text(encoding="utf-8"), ROOT)
    if block.fence.language == "python"
]


@pytest.fixture(scope="module")
def bare_python(tmp_path_factory: pytest.TempPathFactory) -> str:
    venv = tmp_path_factory.mktemp("bare-venv")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    (Path(site) / "brkdoc.pth").write_text(str(ROOT / "src") + "\n", encoding="utf-8")
    return str(python)


def test_the_bare_interpreter_has_only_brkdoc(bare_python: str) -> None:
    probe = (
        "import importlib.util as u; print(u.find_spec('brkdoc') is not None, u.find_spec('sybil'))"
    )
    result = subprocess.run([bare_python, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["True", "None"]


def test_there_are_python_blocks() -> None:
    assert len(BLOCKS) >= 5


@pytest.mark.parametrize(
    ("page", "block"),
    BLOCKS,
    ids=[f"{page.relative_to(ROOT)}:{block.fence.line}" for page, block in BLOCKS],
)
def test_block_runs_with_only_brkdoc(
    page: Path, block: Block, bare_python: str, tmp_path: Path
) -> None:
    source = expand_snippets(block.fence.body, ROOT)
    expected = block.output.body if block.output else None
    failure = run_python(source, tmp_path, block.name, expected, python=bare_python)
    assert failure is None, f"{page.relative_to(ROOT)}:{block.fence.line}\n{failure}"
