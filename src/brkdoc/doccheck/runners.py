"""Run each kind of block the way a reader would: in a fresh process, in a scratch folder.

Each function returns None when the block behaved as the page says, or a failure text that
explains what differed. Nothing here runs a reader's code inside the test process itself.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from brkdoc.doccheck.matching import compare

__all__ = [
    "ConsoleCommand",
    "compile_c",
    "parse_console",
    "run_console",
    "run_pycon",
    "run_python",
    "subprocess_env",
]

PYTHON_TIMEOUT = 300
CONSOLE_TIMEOUT = 600
C_FLAGS = ("-Wall", "-Werror")


def subprocess_env() -> dict[str, str]:
    """The environment for reader commands: the project's virtualenv first on PATH, C locale."""
    env = dict(os.environ)
    venv_bin = str(Path(sys.executable).parent)
    env["PATH"] = venv_bin + os.pathsep + env.get("PATH", "/usr/bin:/bin")
    env["LC_ALL"] = "C"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.pop("PYTHONPATH", None)
    return env


def _run(
    argv: list[str], workdir: Path, timeout: int, *, merge_stderr: bool = False
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        argv,
        cwd=workdir,
        env=subprocess_env(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT if merge_stderr else subprocess.PIPE,
        text=True,
        timeout=timeout,
        check=False,
    )


def _status_failure(what: str, result: subprocess.CompletedProcess[str]) -> str:
    return (
        f"{what} exited with status {result.returncode}\n"
        f"--- stdout ---\n{result.stdout}--- stderr ---\n{result.stderr or ''}"
    )


def run_python(
    source: str, workdir: Path, name: str, expected: str | None, python: str = sys.executable
) -> str | None:
    """Run a python block as a script in a fresh interpreter (by default this virtualenv's);
    compare stdout if the page shows it."""
    script = workdir / f"{name}.py"
    script.write_text(source, encoding="utf-8")
    result = _run([python, script.name], workdir, PYTHON_TIMEOUT)
    if result.returncode != 0:
        return _status_failure("the python block", result)
    if expected is not None and (mismatch := compare(expected, result.stdout)):
        return str(mismatch)
    return None


def run_pycon(source: str, workdir: Path, name: str) -> str | None:
    """Run a `>>>` session as a doctest (ELLIPSIS on) in a fresh interpreter."""
    session = workdir / f"{name}.pycon"
    session.write_text(source, encoding="utf-8")
    argv = [sys.executable, "-m", "brkdoc.doccheck.pycon_driver", session.name]
    result = _run(argv, workdir, PYTHON_TIMEOUT, merge_stderr=True)
    if result.returncode != 0:
        return result.stdout
    return None


def compile_c(
    source: str, filename: str, workdir: Path, expected: str | None, glibc: str | None = None
) -> str | None:
    """Compile a C block with warnings as errors; run it and compare when output is shown.

    `glibc` (a fence's `glibc="2.43"`) builds and runs it on that real glibc build instead of
    the system's, through the build's own loader (see `brkdoc.native.glibcs`).
    """
    (workdir / filename).write_text(source, encoding="utf-8")
    binary = Path(filename).stem
    link: tuple[str, ...] = ()
    argv = [f"./{binary}"]
    if glibc is not None:
        from brkdoc.errors import BrkdocError  # noqa: PLC0415 (only for glibc= blocks)
        from brkdoc.native import glibcs  # noqa: PLC0415

        binary = f"{binary}-glibc-{glibc}"
        try:
            link = glibcs.link_args(glibc)
            argv = glibcs.run_argv(glibc, [f"./{binary}"])
        except BrkdocError as error:
            return f'glibc="{glibc}": {error}'
    cc = _run(["gcc", *C_FLAGS, "-o", binary, filename, *link], workdir, PYTHON_TIMEOUT)
    if cc.returncode != 0:
        return _status_failure(f"gcc {' '.join(C_FLAGS)} {filename}", cc)
    if expected is None:
        return None
    run = _run(argv, workdir, PYTHON_TIMEOUT)
    if run.returncode != 0:
        return _status_failure(f"./{binary}", run)
    mismatch = compare(expected, run.stdout)
    return str(mismatch) if mismatch else None


@dataclass(frozen=True)
class ConsoleCommand:
    command: str
    expected: str


class ConsoleSyntaxError(ValueError):
    """A console block that does not start with a `$ ` prompt."""


def parse_console(body: str) -> list[ConsoleCommand]:
    """Split a console block into commands (`$ ` lines, `\\` continues) and their output."""
    commands: list[ConsoleCommand] = []
    command: list[str] = []
    output: list[str] = []
    continuing = False
    for line in body.splitlines():
        if continuing:
            command.append(line)
            continuing = line.endswith("\\")
        elif line.startswith("$ "):
            if command:
                commands.append(ConsoleCommand("\n".join(command), "\n".join(output)))
            command, output = [line[2:]], []
            continuing = line.endswith("\\")
        elif not command:
            raise ConsoleSyntaxError(f"console block must start with '$ ', found {line!r}")
        else:
            output.append(line)
    if command:
        commands.append(ConsoleCommand("\n".join(command), "\n".join(output)))
    return commands


def run_console(body: str, workdir: Path) -> str | None:
    """Run each `$ ` command with bash in the page's folder; it must exit 0 and print what
    the page shows (stdout and stderr together, in order)."""
    for step in parse_console(body):
        result = _run(["bash", "-c", step.command], workdir, CONSOLE_TIMEOUT, merge_stderr=True)
        if result.returncode != 0:
            return f"$ {step.command}\nexited with status {result.returncode}:\n{result.stdout}"
        if mismatch := compare(step.expected, result.stdout):
            return f"$ {step.command}\n{mismatch}"
    return None
