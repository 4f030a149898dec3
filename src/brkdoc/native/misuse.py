"""Run a misuse case (`brkdoc.sim.misuse`) on a real glibc and read how it ended.

The calls are made by `misuse.c`, shipped next to this module and compiled on first use like the
replay oracle, in a child process with a clean malloc environment, on the system's glibc or on
a checked build (`brkdoc.native.glibcs`). glibc's abort message is the last line it writes to
stderr (`__libc_message`, sysdeps/posix/libc_fatal.c, writes to STDERR_FILENO on every checked
version).
"""

from __future__ import annotations

import signal
import struct
from pathlib import Path

from brkdoc.errors import BrkdocError
from brkdoc.native import glibcs
from brkdoc.native.build import CompileError, compile_cached, run_helper, signal_name
from brkdoc.sim.misuse import CALLS, MisuseCase, Outcome

__all__ = ["MisuseRunError", "misuse_binary", "run_on_glibc"]

_SOURCE = Path(__file__).with_name("misuse.c")
_CFLAGS = ("-O0", "-Wall", "-Wextra")
_MASK64 = (1 << 64) - 1
_TIMEOUT = 30.0


class MisuseRunError(BrkdocError):
    """The misuse runner could not be built, or ended in a way no misuse explains."""


def misuse_binary(glibc: str | None = None) -> Path:
    """The compiled runner for glibc `glibc` (None: the system's)."""
    libraries = glibcs.link_args(glibc) if glibc is not None else ()
    try:
        return compile_cached(
            _SOURCE.read_text(encoding="utf-8"), "misuse", _CFLAGS, libraries=libraries
        )
    except CompileError as error:
        raise MisuseRunError(str(error)) from None


def run_on_glibc(case: MisuseCase, *, glibc: str | None = None) -> Outcome:
    """Make the case's calls on the real glibc and say how the process ended."""
    pack = struct.Struct("=QQQQ").pack
    payload = b"".join(
        pack(CALLS.index(step.call) + 1, step.slot, step.size & _MASK64, step.offset & _MASK64)
        for step in case.steps
    )
    argv = glibcs.run_argv(glibc, [str(misuse_binary(glibc))])
    done = run_helper(
        argv,
        stdin=payload,
        timeout=_TIMEOUT,
        error=MisuseRunError,
        timed_out=f"{case.name}: the runner did not finish in {_TIMEOUT:g} s",
    )
    steps_done = len(done.stdout) // 8
    text = done.stderr.decode(errors="replace").strip()
    status = done.returncode
    if status == 0:
        return Outcome(steps_done, None, None)
    if status == -signal.SIGABRT and text:
        return Outcome(steps_done, text.splitlines()[-1], None)
    if status < 0:
        return Outcome(steps_done, None, signal_name(-status))
    detail = " ".join(text.split()) or "no message"
    raise MisuseRunError(f"{case.name}: the runner exited with status {status}: {detail}")
