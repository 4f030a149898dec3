"""A built wheel, installed alone into a fresh virtual environment, gives a working `brkdoc`.

The wheel is built offline with the setuptools of the test's own environment (the PEP 517 hook,
no build isolation), from a copy of the source tree so the checkout gets no `build/` folder.
The fresh environment holds nothing but brkdoc: if a shipped module imports a package that
brkdoc does not declare, or a C source is missing from the wheel, a command below fails.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TRACE = b"2\n3\na 0 100\na 1 300000\nf 0\n"

pytestmark = pytest.mark.slow


def _build_wheel(workdir: Path) -> Path:
    source = workdir / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        if (ROOT / name).exists():
            shutil.copy2(ROOT / name, source / name)
    shutil.copytree(
        ROOT / "src", source / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info")
    )
    out = workdir / "dist"
    hook = (
        "import sys; from setuptools import build_meta; print(build_meta.build_wheel(sys.argv[1]))"
    )
    done = subprocess.run(
        [sys.executable, "-c", hook, str(out)],
        cwd=source,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return out / done.stdout.strip().splitlines()[-1]


def _fresh_venv(workdir: Path, wheel: Path) -> Path:
    """A virtual environment holding only the wheel (and pip, if uv is not at hand)."""
    venv = workdir / "venv"
    python = venv / "bin" / "python"
    uv = shutil.which("uv")
    if uv is not None:
        subprocess.run([uv, "venv", "-q", "--python", sys.executable, str(venv)], check=True)
        install = [uv, "pip", "install", "-q", "--offline", "--python", str(python)]
        subprocess.run([*install, "--no-deps", "--compile-bytecode", str(wheel)], check=True)
    else:
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        pip = [str(python), "-m", "pip", "install", "-q", "--no-index", "--no-deps"]
        subprocess.run([*pip, "--disable-pip-version-check", str(wheel)], check=True)
    return venv


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    workdir = tmp_path_factory.mktemp("wheel")
    return _fresh_venv(workdir, _build_wheel(workdir))


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("wheel-run")
    (folder / "small.rep").write_bytes(TRACE)
    return folder


def _run(venv: Path, workdir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    # Nothing from the test's environment may leak in: no PYTHONPATH, no site of the checkout.
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PYTHON", "VIRTUAL_ENV", "COVERAGE"))
    }
    env["XDG_CACHE_HOME"] = str(workdir / "cache")
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    return subprocess.run(
        [str(venv / "bin" / "brkdoc"), *args],
        cwd=workdir,
        capture_output=True,
        text=True,
        check=False,
        env=env,
        timeout=300,
    )


def test_the_wheel_ships_the_c_sources_and_declares_the_doccheck_extra(
    tmp_path: Path,
) -> None:
    wheel = _build_wheel(tmp_path)
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        metadata = next(name for name in names if name.endswith(".dist-info/METADATA"))
        text = archive.read(metadata).decode()
    sources = {path.relative_to(ROOT / "src").as_posix() for path in ROOT.glob("src/**/*.c")}
    assert sources
    assert sources <= names
    data = {path.relative_to(ROOT / "src").as_posix() for path in ROOT.glob("src/**/*.lock")}
    assert data <= names  # the pinned glibc builds that `--glibc V` fetches
    assert "Provides-Extra: doccheck" in text
    assert any(
        line.startswith("Requires-Dist: sybil") and 'extra == "doccheck"' in line
        for line in text.splitlines()
    )
    assert not any(
        line.startswith("Requires-Dist:") and "extra" not in line for line in text.splitlines()
    )
    # The repository's own tools are dependency groups, which a wheel's metadata does not carry.
    extras = {
        line.split(":", 1)[1].strip() for line in text.splitlines() if "Provides-Extra:" in line
    }
    assert extras == {"doccheck"}
    required = {
        re.split(r"[\s\[<>=;]", line.split(":", 1)[1].strip())[0]
        for line in text.splitlines()
        if line.startswith("Requires-Dist:")
    }
    assert required == {"pytest", "sybil"}


def test_the_fresh_environment_holds_only_brkdoc(venv: Path) -> None:
    site = next((venv / "lib").glob("python*/site-packages"))
    packages = {path.name.split("-")[0] for path in site.iterdir() if path.suffix != ".pth"}
    packages -= {"_virtualenv", "__pycache__", "pip", "setuptools", "_distutils_hack"}
    assert packages == {"brkdoc"}


def test_every_shipped_module_imports_without_undeclared_packages(venv: Path) -> None:
    # The docs harness needs sybil, which the `doccheck` extra brings; every other module must
    # import with nothing but the standard library.
    script = (
        "import importlib, pkgutil, brkdoc\n"
        "for info in pkgutil.walk_packages(brkdoc.__path__, 'brkdoc.'):\n"
        "    if info.name.endswith('__main__'):\n"
        "        continue\n"
        "    try:\n"
        "        importlib.import_module(info.name)\n"
        "    except ModuleNotFoundError as error:\n"
        "        print(info.name, error.name)\n"
    )
    done = subprocess.run(
        [str(venv / "bin" / "python"), "-I", "-c", script],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    missing = [line.split() for line in done.stdout.splitlines()]
    assert missing, "the doccheck parsers should need sybil: is the check still looking?"
    assert all(
        name.startswith("brkdoc.doccheck.") and package == "sybil" for name, package in missing
    )


def test_help_lists_every_command(venv: Path, workdir: Path) -> None:
    done = _run(venv, workdir, "--help")
    assert done.returncode == 0, done.stderr
    for command in ("simulate", "replay", "compare", "demo", "record", "bench"):
        assert command in done.stdout


def test_simulate_replay_compare(venv: Path, workdir: Path) -> None:
    simulated = _run(venv, workdir, "simulate", "--jsonl", "--glibc", "2.36", "small.rep")
    assert simulated.returncode == 0, simulated.stderr
    assert len(simulated.stdout.splitlines()) == 3
    replayed = _run(venv, workdir, "replay", "small.rep")
    assert replayed.returncode == 0, replayed.stderr
    assert len(replayed.stdout.splitlines()) == 3
    compared = _run(venv, workdir, "compare", "small.rep")
    assert compared.returncode == 0, compared.stdout + compared.stderr
    assert "all 3 ops agree" in compared.stdout


def test_a_demo(venv: Path, workdir: Path) -> None:
    done = _run(venv, workdir, "demo", "threshold", "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    assert '"holds": true' in done.stdout


def test_record_a_small_program(venv: Path, workdir: Path) -> None:
    out = workdir / "ls.rep"
    done = _run(venv, workdir, "record", "-o", str(out), "--", "ls", "/")
    assert done.returncode == 0, done.stdout + done.stderr
    assert out.exists()
    simulated = _run(venv, workdir, "simulate", str(out))
    assert simulated.returncode == 0, simulated.stderr


def test_bench_quick(venv: Path, workdir: Path) -> None:
    done = _run(venv, workdir, "bench", "--quick", "--json")
    assert done.returncode == 0, done.stderr
    assert done.stdout.lstrip().startswith("{")
