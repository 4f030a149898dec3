"""pyproject.toml's dependency groups, the hashed lock and the code agree.

The repository's tools are PEP 735 dependency groups (test, docs, lint, browser, build; `dev`
includes them all), locked together with the `doccheck` extra in requirements.lock by `make lock`.
Each declared package must be pinned in the lock, and each must be used somewhere outside the
files that declare and lock it: a dependency nothing uses is a cost with no purpose.
"""

from __future__ import annotations

import re
import shlex
import tomllib
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
LOCK = (ROOT / "requirements.lock").read_text(encoding="utf-8")

# Where each declared package shows that it is used: a string found in the repository's code,
# configuration or pages (an import name, a plugin name, a command). A package added to a group
# without an entry here fails the test below until someone says where it is used.
EVIDENCE = {
    "setuptools": "from setuptools import build_meta",  # tests/test_wheel.py builds the wheel
    "pytest": "import pytest",
    "pytest-xdist": "import xdist",
    "sybil": "from sybil",
    "pytest-examples": "pytest_examples",
    "hypothesis": "from hypothesis",
    "jupytext": "import jupytext",
    "nbclient": "import nbclient",
    # Nothing imports ipykernel: it is the python3 kernel that nbclient and mkdocs-jupyter start.
    "ipykernel": 'kernel_name="python3"',
    "mkdocs": "mkdocs build",
    "mkdocs-material": "name: material",
    "mkdocs-jupyter": "- mkdocs-jupyter:",
    "mkdocstrings": "- mkdocstrings:",
    "pymdown-extensions": "pymdownx.",
    "ruff": "ruff check",
    "mypy": "$(BIN)/mypy",
    "zizmor": "bin/zizmor",
    "playwright": "from playwright",
}

# Declarations and locks mention every package; they are no evidence of use.
DECLARING = {"pyproject.toml", "requirements.lock", "requirements-uv.lock", "requirements-uv.in"}
SEARCHED = ("src", "tests", "docs", "hooks", "benchmarks", "scripts", ".ci", ".github")
SUFFIXES = {".py", ".md", ".yml", ".yaml", ".js", ".cfg", ""}


def _name(requirement: str) -> str:
    return re.split(r"[\s\[<>=!~;]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def _group(name: str) -> list[str]:
    """The requirements of one dependency group, its included groups expanded."""
    requirements: list[str] = []
    for entry in PYPROJECT["dependency-groups"][name]:
        if isinstance(entry, dict):
            requirements += _group(entry["include-group"])
        else:
            requirements.append(entry)
    return requirements


def _declared() -> set[str]:
    extras = PYPROJECT["project"]["optional-dependencies"].values()
    return {_name(item) for item in _group("dev")} | {_name(i) for extra in extras for i in extra}


@cache
def _repository_text() -> str:
    files = [ROOT / "Makefile", ROOT / "mkdocs.yml", ROOT / "conftest.py"]
    for folder in SEARCHED:
        files += [
            path
            for path in (ROOT / folder).rglob("*")
            if path.is_file() and path.suffix in SUFFIXES and "__pycache__" not in path.parts
        ]
    this = Path(__file__).resolve()
    return "\n".join(
        path.read_text(encoding="utf-8", errors="replace")
        for path in files
        if path.resolve() != this and path.name not in DECLARING
    )


def test_dev_includes_every_other_group() -> None:
    groups = set(PYPROJECT["dependency-groups"]) - {"dev"}
    assert groups == {"build", "test", "docs", "lint", "browser"}
    assert {_name(item) for name in groups for item in _group(name)} == {
        _name(item) for item in _group("dev")
    }


def test_the_lock_is_what_make_lock_writes() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    recipe = next(
        line.strip()
        for line in makefile.splitlines()
        if "pip compile" in line and "pyproject" in line
    )
    header = next(line for line in LOCK.splitlines() if "uv pip compile" in line)
    expected = [word for word in shlex.split(recipe) if word not in {"$(UV)", "--quiet"}]
    assert shlex.split(header.lstrip("# "))[1:] == expected


def test_every_declared_package_is_pinned_with_hashes() -> None:
    pinned = {
        match.group(1).lower(): match.group(0)
        for match in re.finditer(r"^([A-Za-z0-9._-]+)==\S+", LOCK, flags=re.MULTILINE)
    }
    assert _declared() <= set(pinned)
    assert "--hash=sha256:" in LOCK
    for block in re.split(r"\n(?=[A-Za-z0-9])", LOCK.split("\n", 2)[2]):
        assert "--hash=sha256:" in block, block.splitlines()[0]


@pytest.mark.parametrize("package", sorted(_declared()))
def test_every_declared_package_is_used(package: str) -> None:
    assert package in EVIDENCE, f"{package} is declared: add where it is used to EVIDENCE"
    assert EVIDENCE[package] in _repository_text(), f"nothing uses {package}"
