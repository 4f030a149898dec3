"""`brkdoc record`: run a program and write one trace per process and program image it ran.

The program runs with `LD_PRELOAD=<record_preload.so>` and `BRKDOC_RECORD_DIR=<scratch>`. The
preload writes a log per image into the scratch folder (see record_preload.c); after the
program ends, each log becomes a trace (record_log.py), written atomically:

- the started program's first image to `OUT`;
- the first image of each descendant process PID to `OUT.PID`;
- the Nth image after an exec (N = 1, 2, ...) of any process to `OUT.PID.N`, the started
  process included (its PID is then in the name too).

The traces are written when every process has ended, also those that outlive the started
program (brkdoc adopts them as a child subreaper, see `_run`).

Images that made no allocations get no file. Programs that do not load the preload are not
recorded: static binaries, programs not linked with glibc, and children started with a cleaned
environment (no LD_PRELOAD or BRKDOC_RECORD_DIR).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import re
import shlex
import shutil
import signal
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import BinaryIO

from brkdoc.errors import BrkdocError, NotGlibcError
from brkdoc.native.build import compile_cached, malloc_settings, signal_name
from brkdoc.native.record_log import ImageLog, LogError, TraceStats, convert_calls, parse_log
from brkdoc.platform import glibc_version

__all__ = [
    "CommandError",
    "OutputError",
    "RecordedTrace",
    "Recording",
    "check_output",
    "find_program",
    "preload_library",
    "record",
    "trace_path",
]

_SOURCE = Path(__file__).with_name("record_preload.c")
_LOG_DIR_VARIABLE = "BRKDOC_RECORD_DIR"
_COMMAND_WIDTH = 100
_PR_SET_CHILD_SUBREAPER = 36  # <linux/prctl.h>
_LOG_NAME = re.compile(r"[0-9]+\.[0-9]+")  # PID.N, as record_preload.c names its logs


class OutputError(BrkdocError):
    """`-o` names a place a trace cannot be written; found before the program starts."""

    exit_status = 2


class CommandError(BrkdocError):
    """The program cannot be started; exit status 127 (not found) or 126 (cannot run)."""

    def __init__(self, message: str, exit_status: int) -> None:
        super().__init__(message)
        self.exit_status = exit_status


@dataclass
class RecordedTrace:
    """One program image's trace: where it went, whose it is, and what it holds."""

    path: str | None  # None: not written (empty, or `-o -` and not the started program)
    pid: int
    image: int
    log: ImageLog
    stats: TraceStats
    text: str = field(default="", repr=False)  # the trace file's contents

    def describe(self) -> list[str]:
        who = f"pid {self.pid}"
        if self.log.origin == "fork":
            who += f", fork of pid {self.log.ppid}"
        command = shlex.join(self.log.argv) or self.log.exe
        if len(command) > _COMMAND_WIDTH:
            command = command[: _COMMAND_WIDTH - 3] + "..."
        counts = f"{_count(self.stats.ops, 'operation')} on {_count(self.stats.ids, 'block')}"
        what = f"{counts} ({who}: {command})"
        if self.path is None:
            return [f"not written (-o - writes only the started program's): {what}"]
        where = "standard output" if self.path == "-" else self.path
        lines = [f"wrote {where}: {what}"]
        if self.log.origin == "fork":
            lines.append(
                "  note: its heap began as a copy of the parent's; a replay starts from an"
                " empty heap"
            )
        lines.extend(f"  note: {note}" for note in self.stats.notes())
        return lines


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


@dataclass
class Recording:
    """What a recording produced: the traces, and how the started program ended."""

    command: list[str]
    returncode: int
    traces: list[RecordedTrace] = field(default_factory=list)
    empty_images: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def exit_status(self) -> int:
        """The program's exit status, or 128+N when signal N killed it, as shells report."""
        return 128 - self.returncode if self.returncode < 0 else self.returncode

    def describe(self) -> str:
        lines: list[str] = []
        for trace in self.traces:
            lines.extend(trace.describe())
        processes = len({trace.pid for trace in self.traces})
        if len(self.traces) > 1:
            plural = "process" if processes == 1 else "processes"
            lines.append(f"{len(self.traces)} traces from {processes} {plural}")
        if self.empty_images:
            lines.append(f"{self.empty_images} program image(s) made no allocations: no trace")
        lines.extend(f"note: {note}" for note in self.notes)
        if self.returncode < 0:
            name = signal_name(-self.returncode)
            lines.append(f"{shlex.join(self.command)} was killed by {name}")
        elif self.returncode > 0:
            lines.append(f"{shlex.join(self.command)} exited with status {self.returncode}")
        return "\n".join(lines)


def preload_library() -> Path:
    """The compiled preload library, cached like the other helpers (brkdoc.native.build)."""
    source = _SOURCE.read_text(encoding="utf-8")
    return compile_cached(
        source, "record", ("-O2", "-shared", "-fPIC", "-pthread"), libraries=("-ldl",), suffix=".so"
    )


def check_output(output: str) -> None:
    """Fail now, before the program runs, if `output` cannot receive a trace."""
    if output == "-":
        return
    path = Path(output)
    if path.is_dir():
        raise OutputError(f"-o {output}: is a directory; give a file name")
    parent = path.parent
    if not parent.is_dir():
        raise OutputError(f"-o {output}: no such directory: {parent}")
    try:
        probe, probe_path = tempfile.mkstemp(dir=parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as error:
        raise OutputError(f"-o {output}: cannot write in {parent}: {error.strerror}") from None
    os.close(probe)
    os.unlink(probe_path)


def find_program(command: list[str]) -> str:
    """The path the program will be run from; CommandError like a shell's when there is none."""
    name = command[0]
    found = name if "/" in name else shutil.which(name)
    if found is None:
        raise CommandError(f"{name}: command not found", 127)
    path = Path(found)
    if not path.exists():
        raise CommandError(f"{name}: no such file", 127)
    if path.is_dir():
        raise CommandError(f"{name}: is a directory", 126)
    if not os.access(path, os.X_OK):
        raise CommandError(f"{name}: permission denied (not executable)", 126)
    return found


def trace_path(output: str, root_pid: int, pid: int, image: int) -> str:
    """Where the trace of image `image` of process `pid` goes (see the module's docstring)."""
    if image:
        return f"{output}.{pid}.{image}"
    return output if pid == root_pid else f"{output}.{pid}"


def record(command: list[str], output: str, stdout: BinaryIO | None = None) -> Recording:
    """Run `command`, recording every process and image, and write their traces.

    `output` "-" writes the started program's trace to `stdout` (and no other trace); the
    program's own standard output then goes to standard error, so it cannot mix with the trace.
    """
    if glibc_version() is None:
        raise NotGlibcError("record needs glibc: the running C library is not glibc")
    check_output(output)
    program = find_program(command)
    preload = preload_library()
    with tempfile.TemporaryDirectory(prefix="brkdoc-record-") as scratch:
        env = dict(os.environ)
        notes = _environment_notes(env)
        env["LD_PRELOAD"] = str(preload)
        env[_LOG_DIR_VARIABLE] = scratch
        program_stdout = 2 if output == "-" else None
        root_pid, returncode, all_ended = _run(program, command, env, program_stdout)
        if not all_ended:
            notes.append(
                "interrupted while waiting for processes that outlived the program:"
                " their traces end where they were"
            )
        recording = Recording(command=command, returncode=returncode, notes=notes)
        _collect(Path(scratch), output, root_pid, recording)
    if not recording.traces and not recording.empty_images:
        raise BrkdocError(
            f"{command[0]} did not load the recorder's library: a static binary, or not"
            " linked with glibc? (brkdoc record works with LD_PRELOAD)"
        )
    if not any(trace.path == output for trace in recording.traces):
        recording.notes.append(
            f"the started program ({command[0]}) made no allocations it could record:"
            f" {output} not written"
        )
    _write_traces(recording.traces, stdout)
    return recording


def _environment_notes(env: dict[str, str]) -> list[str]:
    notes = []
    if env.get("LD_PRELOAD"):
        notes.append(f"LD_PRELOAD={env['LD_PRELOAD']} was replaced by the recorder's library")
    # LD_PRELOAD has its own note above; the rest is what a replay's clean environment removes.
    tuning = [key for key in malloc_settings(env) if key != "LD_PRELOAD"]
    if tuning:
        notes.append(
            f"{', '.join(tuning)} set: the recorded run used it, a replay does not"
            " (replays run in a clean malloc environment)"
        )
    return notes


def _run(
    program: str, command: list[str], env: dict[str, str], stdout: int | None
) -> tuple[int, int, bool]:
    """Run the program and every process it leaves behind to their end.

    Returns the program's PID, its return code (-N: killed by signal N), and whether all its
    processes ended (False if the user interrupted the wait for those that outlived it).
    While it runs, this process is a "child subreaper" (prctl(2)): a descendant orphaned by
    its parent is adopted by brkdoc instead of init, so brkdoc can wait for it too.
    """
    adopting = _set_child_subreaper(True)
    try:
        try:
            process = subprocess.Popen(command, executable=program, env=env, stdout=stdout)
        except OSError as error:
            raise CommandError(f"{command[0]}: cannot run: {error.strerror}", 126) from None
        with _forwarding_signals(process):
            while True:
                try:
                    returncode = process.wait()
                    break
                except KeyboardInterrupt:
                    # The terminal sent SIGINT to the program too; its logs are still wanted.
                    continue
            all_ended = _wait_for_adopted() if adopting else True
    finally:
        if adopting:
            _set_child_subreaper(False)
    return process.pid, returncode, all_ended


def _set_child_subreaper(on: bool) -> bool:
    libc = ctypes.CDLL(None, use_errno=True)
    return int(libc.prctl(_PR_SET_CHILD_SUBREAPER, int(on), 0, 0, 0)) == 0


def _wait_for_adopted() -> bool:
    """Reap the program's processes that outlived it; False if the user interrupted that."""
    while True:
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            return True
        except KeyboardInterrupt:
            return False


@contextlib.contextmanager
def _forwarding_signals(process: subprocess.Popen[bytes]) -> Iterator[None]:
    """While the program runs, pass SIGTERM and SIGHUP on to it instead of dying first, so
    brkdoc is alive to write whole traces when the program ends."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def forward(signum: int, frame: FrameType | None) -> None:
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signum)

    previous = {sig: signal.signal(sig, forward) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _image_number(log_path: Path) -> tuple[int, int]:
    pid, _, image = log_path.name.partition(".")
    return int(pid), int(image)


def _collect(scratch: Path, output: str, root_pid: int, recording: Recording) -> None:
    """Convert every log in `scratch` to a trace in `recording` (not yet written)."""
    logs = [path for path in scratch.iterdir() if _LOG_NAME.fullmatch(path.name)]
    for log_path in sorted(logs, key=_image_number):
        pid, image = _image_number(log_path)
        try:
            log = parse_log(log_path.read_bytes(), log_path.name)
            stats = TraceStats(torn_tail=log.torn_tail)
            ops = convert_calls(log.calls, stats, log_path.name)
        except LogError as error:
            recording.notes.append(f"the log of pid {pid} is damaged, so it has no trace: {error}")
            continue
        stats.incomplete = log_path.with_name(log_path.name + ".lost").exists()
        if not ops:
            recording.empty_images += 1
            continue
        path: str | None = trace_path(output, root_pid, pid, image)
        if output == "-" and path != "-":
            path = None
        header = ["0", str(stats.ids), str(stats.ops), "1"]
        text = "\n".join([*header, *ops]) + "\n"
        recording.traces.append(
            RecordedTrace(path=path, pid=pid, image=image, log=log, stats=stats, text=text)
        )
    recording.traces.sort(key=lambda trace: (trace.pid != root_pid, trace.pid, trace.image))


def _write_traces(traces: list[RecordedTrace], stdout: BinaryIO | None) -> None:
    for trace in traces:
        if trace.path == "-":
            if stdout is None:
                raise BrkdocError("-o -: no standard output to write the trace to")
            stdout.write(trace.text.encode("ascii"))
            stdout.flush()
        elif trace.path is not None:
            _write_atomically(Path(trace.path), trace.text)


def _write_atomically(path: Path, text: str) -> None:
    """Write `text` to a temporary file beside `path`, then rename it over `path`: a reader
    sees the old file or the whole new one, and nothing is left behind on failure."""
    try:
        handle, temporary = tempfile.mkstemp(
            dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"
        )
    except OSError as error:
        raise BrkdocError(f"cannot write {path}: {error.strerror}") from None
    try:
        with os.fdopen(handle, "w", encoding="ascii") as stream:
            stream.write(text)
        os.chmod(temporary, 0o666 & ~_umask())
        os.replace(temporary, path)
    except BaseException as error:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        if isinstance(error, OSError):
            raise BrkdocError(f"cannot write {path}: {error.strerror}") from None
        raise


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
