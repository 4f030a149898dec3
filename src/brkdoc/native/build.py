"""Compile the small C helpers that ship with brkdoc, once per source version, cache them, and
run them.

The bench probe and the replay oracle are C programs because they must measure or replay
without an interpreter in the process. Each binary's name carries a hash of its source and
flags, so an upgraded brkdoc never runs a stale build. `run_helper` starts one (or a child
interpreter) the way every caller needs: without the caller's malloc settings, within a time
limit, and with any failure turned into one error line in the caller's words.
"""

from __future__ import annotations

import hashlib
import os
import shlex
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from brkdoc.errors import BrkdocError

__all__ = [
    "CompileError",
    "c_compiler",
    "cache_dir",
    "clean_malloc_environment",
    "compile_cached",
    "malloc_settings",
    "run_helper",
    "signal_name",
]

# Settings that change malloc's behaviour in a child; a measurement or replay must not inherit
# them from the reader's shell.
_MALLOC_VARIABLES = ("GLIBC_TUNABLES", "LD_PRELOAD")


class CompileError(BrkdocError):
    """No C compiler, or the helper did not compile."""


def cache_dir() -> Path:
    """Where compiled helpers live: `$XDG_CACHE_HOME/brkdoc`, by default `~/.cache/brkdoc`, or
    a per-user folder in the temporary directory when the home folder is not writable."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    preferred = Path(base) / "brkdoc"
    try:
        preferred.mkdir(parents=True, exist_ok=True)
        if os.access(preferred, os.W_OK):
            return preferred
    except OSError:
        pass
    fallback = Path(tempfile.gettempdir()) / f"brkdoc-{os.getuid()}"
    fallback.mkdir(mode=0o700, exist_ok=True)
    return fallback


def compile_cached(
    source: str,
    name: str,
    flags: Sequence[str],
    directory: Path | None = None,
    *,
    libraries: Sequence[str] = (),
    suffix: str = "",
) -> Path:
    """Return the path of `source` compiled with `flags` (and `libraries`, which the linker
    needs after the source), compiling it first if this source, compiler and flags are new."""
    compiler = c_compiler(name)
    recipe = "\0".join((source, *compiler, *flags, *libraries))
    key = hashlib.sha256(recipe.encode()).hexdigest()[:16]
    target_dir = directory if directory is not None else cache_dir()
    binary = target_dir / f"{name}-{key}{suffix}"
    if binary.exists():
        return binary
    target_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target_dir) as scratch:
        source_path = Path(scratch) / f"{name}.c"
        source_path.write_text(source, encoding="utf-8")
        built = Path(scratch) / f"{name}{suffix}"
        result = subprocess.run(
            [*compiler, *flags, "-o", str(built), str(source_path), *libraries],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise CompileError(
                f"compiling {name} failed ({shlex.join(compiler)}): {_first_error(result.stderr)}"
            )
        # A rename is atomic: a concurrent build leaves either no binary or a whole one.
        os.replace(built, binary)
    return binary


def _first_error(output: str) -> str:
    """The compiler's first error line (the rest usually follows from it), or its first line."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    for line in lines:
        if "error" in line:
            return line
    return lines[0] if lines else "no message"


def c_compiler(purpose: str) -> list[str]:
    """The compiler command: $CC split as a shell would ("gcc -O0" and "ccache gcc" work), or
    gcc, or cc. CompileError says what is wrong with $CC, or that no compiler is installed."""
    setting = os.environ.get("CC", "").strip()
    if not setting:
        found = shutil.which("gcc") or shutil.which("cc")
        if found is None:
            raise CompileError(f"building {purpose} needs a C compiler: install gcc (or set CC)")
        return [found]
    try:
        command = shlex.split(setting)
    except ValueError as error:
        raise CompileError(f"CC={setting!r} is not a valid command line: {error}") from None
    if shutil.which(command[0]) is None:
        raise CompileError(
            f"CC={setting!r}: no program {command[0]!r} on PATH (building {purpose} "
            "needs a C compiler)"
        )
    return command


def _is_malloc_setting(key: str) -> bool:
    return key.startswith("MALLOC_") or key in _MALLOC_VARIABLES


def clean_malloc_environment(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """A copy of the environment without MALLOC_* variables, GLIBC_TUNABLES or LD_PRELOAD."""
    source = os.environ if environ is None else environ
    return {key: value for key, value in source.items() if not _is_malloc_setting(key)}


def malloc_settings(environ: Mapping[str, str] | None = None) -> list[str]:
    """The names `clean_malloc_environment` removes from the environment, sorted."""
    source = os.environ if environ is None else environ
    return sorted(key for key in source if _is_malloc_setting(key))


def signal_name(number: int, *, described: bool = False) -> str:
    """SIGSEGV for signal 11 ("SIGSEGV (Segmentation fault)" when `described`). Real-time
    signals between SIGRTMIN and SIGRTMAX have no name in Python's enum: "signal 35"."""
    try:
        name = signal.Signals(number).name
    except ValueError:
        return f"signal {number}"
    return f"{name} ({signal.strsignal(number)})" if described else name


def run_helper(
    argv: Sequence[str],
    *,
    timeout: float,
    timed_out: str,
    error: type[BrkdocError] = BrkdocError,
    failed: str | None = None,
    cannot_start: str | None = None,
    stdin: bytes | None = None,
    env: Mapping[str, str] | None = None,
    environ: Mapping[str, str] | None = None,
    clean_malloc: bool = True,
) -> subprocess.CompletedProcess[bytes]:
    """Run `argv` to its end, at most `timeout` seconds, and return what it wrote (as bytes).

    The child's environment is `environ` (this process's by default), without its malloc
    settings when `clean_malloc` (see `clean_malloc_environment`), plus `env`. `stdin` is written
    to the child's standard input (None: the child shares this process's).

    Each failure raises one `error` whose message is a single line worded by the caller:
    `timed_out` when the time ran out (the child is killed); `cannot_start` (default "cannot
    start" and the program's name), a colon and the system's reason when the program cannot be
    started; and, only when `failed` is given, `failed`, a colon and the child's standard error on
    one line (or its exit status) when it exits with a non-zero status or is killed by a signal.
    Without `failed`, the caller reads the status itself.
    """
    child_env = dict(os.environ if environ is None else environ)
    if clean_malloc:
        child_env = clean_malloc_environment(child_env)
    child_env.update(env or {})
    try:
        done = subprocess.run(
            list(argv),
            input=stdin,
            capture_output=True,
            env=child_env,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise error(timed_out) from None
    except OSError as problem:
        what = cannot_start or f"cannot start {Path(argv[0]).name}"
        raise error(f"{what}: {problem.strerror}") from None
    if failed is not None and done.returncode != 0:
        detail = " ".join(done.stderr.decode(errors="replace").split())
        raise error(f"{failed}: {detail or f'exit status {done.returncode}'}")
    return done
