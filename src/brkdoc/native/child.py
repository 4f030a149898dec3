"""Run a function in a fresh Python interpreter and bring back its JSON result.

Demos move the program break, change malloc's thresholds and may crash; none of that may touch the
caller. So each runs in a new interpreter (`python -c ...`), not a fork: a fork
would inherit the caller's heap, its thresholds and its threads, and the measurements would
describe the caller's history instead of a clean process.

Protocol: the parent writes {"target": "module:function", "args": [...], "kwargs": {...}} to the
child's stdin. The child imports the target, calls it, and writes one line to stdout that starts
with `_RESULT_MARK` followed by {"ok": value} or {"error": ..., "kind": ...}. Anything else the
child prints is ignored, so a demo may print while it works.

Whatever goes wrong in the child (a signal, a timeout, an exception, unparsable output) reaches the
parent as one BrkdocError whose message is a single line.
"""

from __future__ import annotations

import compileall
import contextlib
import functools
import importlib
import json
import re
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from brkdoc.errors import BrkdocError, NotGlibcError
from brkdoc.native.build import run_helper, signal_name

_PACKAGE = Path(__file__).resolve().parents[1]  # the brkdoc package folder

__all__ = ["DEFAULT_TIMEOUT", "ChildError", "InterpreterUnavailable", "run_in_child"]

DEFAULT_TIMEOUT = 60.0
_RESULT_MARK = "@@brkdoc-child-result@@ "
_CHILD_PROGRAM = "import sys; from brkdoc.native.child import _child_main; sys.exit(_child_main())"
_ERROR_KINDS: dict[str, type[BrkdocError]] = {"NotGlibcError": NotGlibcError}


class ChildError(BrkdocError):
    """The child process crashed, timed out, raised, or did not answer."""


class InterpreterUnavailable(ChildError):
    """This Python interpreter cannot start on the glibc build asked for (it needs newer
    symbol versions than that build has). Exit status 3: no result, and not a false claim."""

    exit_status = 3


# What the dynamic loader prints when a library needs a symbol version the glibc lacks.
_MISSING_VERSION = re.compile(r"version `(GLIBC_[0-9.]+)' not found \(required by ([^)]+)\)")


def _one_line(text: str) -> str:
    return " ".join(text.split())


def run_in_child(
    target: str,
    *,
    args: Sequence[Any] = (),
    kwargs: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    glibc: str | None = None,
    clean_malloc: bool = False,
) -> Any:
    """Call `target` ("package.module:function") in a fresh interpreter and return its result.

    The result must be JSON-serialisable. `env` entries are added to the inherited environment
    (replacing variables of the same name); that is how malloc's environment variables and
    GLIBC_TUNABLES reach a demo, since glibc reads them when the child starts. `glibc` names a
    checked glibc build (`brkdoc.native.glibcs`) to run the interpreter on, through that build's
    own loader; InterpreterUnavailable when this interpreter cannot start on it. With
    `clean_malloc`, the inherited environment loses its MALLOC_*, GLIBC_TUNABLES and LD_PRELOAD
    first, so the child starts with glibc's defaults plus exactly what `env` sets.
    """
    request = json.dumps({"target": target, "args": list(args), "kwargs": dict(kwargs or {})})
    compile_package()
    command = [sys.executable, "-c", _CHILD_PROGRAM]
    if glibc is not None:
        from brkdoc.native.glibcs import run_argv  # noqa: PLC0415 (only when asked for)

        command = run_argv(glibc, command)
    done = run_helper(
        command,
        stdin=request.encode(),
        env=env,
        clean_malloc=clean_malloc,
        timeout=timeout,
        error=ChildError,
        timed_out=f"{target} did not finish within {timeout:g} s; the child was killed",
        cannot_start="cannot start a child interpreter",
    )
    stdout, stderr = (stream.decode(errors="replace") for stream in (done.stdout, done.stderr))
    completed = subprocess.CompletedProcess(command, done.returncode, stdout, stderr)
    return _interpret(target, completed, glibc)


@functools.cache
def compile_package(folder: Path = _PACKAGE) -> None:
    """Bring brkdoc's cached bytecode up to date, once per process, before a child starts.

    A child that finds a module's .pyc stale compiles it before the demo runs, and the
    compiler's large frees move glibc's dynamic mmap threshold: a demo would then describe the
    compiler's history, not a fresh process (seen as "threshold: DOES NOT HOLD" right after an
    edit). A folder that cannot be written (a system-wide install) is left as it is: its
    installer compiled it.
    """
    with contextlib.suppress(OSError):
        compileall.compile_dir(str(folder), quiet=2)


def _interpret(
    target: str, completed: subprocess.CompletedProcess[str], glibc: str | None = None
) -> Any:
    status = completed.returncode
    missing = _MISSING_VERSION.search(completed.stderr)
    if glibc is not None and missing and _RESULT_MARK not in completed.stdout:
        symbol, needer = missing.groups()
        raise InterpreterUnavailable(
            f"this Python cannot start on glibc {glibc}: {needer} needs {symbol}, "
            f"which glibc {glibc} lacks"
        )
    if status < 0:
        name = signal_name(-status)
        raise ChildError(f"{target} crashed: the child process was killed by {name}")
    answer = None
    for line in completed.stdout.splitlines():
        if line.startswith(_RESULT_MARK):
            answer = line[len(_RESULT_MARK) :]
    if answer is None:
        detail = _one_line(completed.stderr)[-300:] or "no output"
        raise ChildError(
            f"{target}: the child exited with status {status} without a result ({detail})"
        )
    try:
        message = json.loads(answer)
    except json.JSONDecodeError:
        raise ChildError(f"{target}: the child's result is not valid JSON") from None
    if "error" in message:
        error_type = _ERROR_KINDS.get(message.get("kind", ""), ChildError)
        raise error_type(_one_line(str(message["error"])))
    return message["ok"]


def _emit(message: dict[str, Any]) -> None:
    sys.stdout.write(_RESULT_MARK + json.dumps(message) + "\n")
    sys.stdout.flush()


def _child_main() -> int:
    """The child's side: read the request, call the target, report one result line."""
    try:
        request = json.loads(sys.stdin.read())
        module_name, _, function_name = request["target"].partition(":")
        function = getattr(importlib.import_module(module_name), function_name)
        result = function(*request["args"], **request["kwargs"])
        _emit({"ok": result})
    except BrkdocError as error:
        _emit({"error": str(error), "kind": type(error).__name__})
        return 1
    except Exception as error:
        _emit({"error": f"{type(error).__name__}: {error}", "kind": "exception"})
        return 1
    return 0
