"""`brkdoc record`: every process and program image gets its own whole trace, which the model
replays exactly."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from brkdoc.native.record import Recording, _collect, trace_path
from brkdoc.trace import parse_trace

pytestmark = pytest.mark.skipif(shutil.which("gcc") is None, reason="needs gcc")

BRKDOC = [sys.executable, "-m", "brkdoc"]

PROGRAM = r"""
#include <stdlib.h>
#include <string.h>
int main(void)
{
  char *a = malloc(100);
  char *b = calloc(10, 20);  /* recorded as c 1 200 */
  void *c = NULL;
  a = realloc(a, 5000);
  free(b);
  for (int i = 0; i < 20; i++) { c = malloc(300000 + i); free(c); }
  if (posix_memalign(&c, 64, 64) != 0)
    return 1;
  free(c);
  free(a);
  return 0;
}
"""

THREADS = r"""
#include <pthread.h>
#include <stdlib.h>
static void *work(void *arg)
{
  (void) arg;
  void *kept[16] = {0};
  for (int i = 0; i < 6000; i++) {
    free(kept[i % 16]);
    kept[i % 16] = malloc(16 + i % 700);
  }
  for (int i = 0; i < 16; i++)
    free(kept[i]);
  return NULL;
}
int main(void)
{
  pthread_t threads[3];
  for (int i = 0; i < 3; i++)
    pthread_create(&threads[i], NULL, work, NULL);
  for (int i = 0; i < 3; i++)
    pthread_join(threads[i], NULL);
  return 0;
}
"""


CLOSES_EVERYTHING = r"""
#include <stdlib.h>
#include <unistd.h>
int main(void)
{
  void *kept = malloc(100);
  for (int fd = 3; fd < 4096; fd++)
    close(fd);
  free(malloc(200));
  free(kept);
  return 0;
}
"""


def _brkdoc(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*BRKDOC, *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
        timeout=120,
        env=None if env is None else {**os.environ, **env},
    )


def _build(tmp_path: Path, source: str, name: str, *flags: str) -> Path:
    (tmp_path / f"{name}.c").write_text(source)
    binary = tmp_path / name
    subprocess.run(
        ["gcc", "-O0", *flags, "-o", str(binary), str(tmp_path / f"{name}.c")], check=True
    )
    return binary


def _written(stderr: str) -> dict[str, str]:
    """Each trace file the report names, with the rest of its line."""
    return dict(re.findall(r"^wrote (\S+): (.*)$", stderr, re.MULTILINE))


def _assert_whole_and_agreed(trace: Path) -> None:
    """The trace parses (so no line is torn, and the header's counts hold) and compare agrees."""
    with trace.open() as handle:
        ops = list(parse_trace(handle, str(trace)))
    assert ops, trace
    compared = _brkdoc("compare", str(trace))
    assert compared.returncode == 0, compared.stdout + compared.stderr
    assert f"all {len(ops)} ops agree" in compared.stdout


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp") or ".part" in p.name)


def test_trace_names() -> None:
    assert trace_path("x.rep", 100, 100, 0) == "x.rep"
    assert trace_path("x.rep", 100, 101, 0) == "x.rep.101"
    assert trace_path("x.rep", 100, 101, 2) == "x.rep.101.2"
    assert trace_path("x.rep", 100, 100, 1) == "x.rep.100.1"


def test_a_damaged_log_costs_only_its_own_trace(tmp_path: Path) -> None:
    header = "brkdoc-record 1\npid {0:x}\nppid 1\norigin exec\nexe /bin/x\nargv 78 \n"
    (tmp_path / "100.0").write_text(header.format(100) + "m 1 10 8\n")
    (tmp_path / "101.0").write_text(header.format(101) + "m 1 10\n")
    (tmp_path / "101.0.lost").write_text("")
    recording = Recording(command=["x"], returncode=0)
    _collect(tmp_path, "x.rep", 100, recording)
    assert [trace.path for trace in recording.traces] == ["x.rep"]
    assert recording.notes == [
        "the log of pid 101 is damaged, so it has no trace: 101.0: call 1 is malformed: 'm 1 10'"
    ]


def test_a_signal_is_named_and_exits_as_in_a_shell() -> None:
    killed = Recording(command=["prog", "a b"], returncode=-signal.SIGKILL)
    assert killed.exit_status == 137
    assert killed.describe() == "prog 'a b' was killed by SIGKILL"
    assert Recording(command=["prog"], returncode=-40).describe() == "prog was killed by signal 40"
    assert Recording(command=["prog"], returncode=-40).exit_status == 168
    assert Recording(command=["prog"], returncode=3).exit_status == 3


def test_record_then_compare(tmp_path: Path) -> None:
    binary = _build(tmp_path, PROGRAM, "prog")
    trace = tmp_path / "prog.rep"
    recorded = _brkdoc("record", "-o", str(trace), "--", str(binary))
    assert recorded.returncode == 0, recorded.stderr
    assert recorded.stdout == ""
    assert "calloc" not in recorded.stderr  # the trace has it as a `c` line
    assert (
        "  note: 1 memalign-family call(s), recorded as malloc (alignment lost)" in recorded.stderr
    )
    assert list(_written(recorded.stderr)) == [str(trace)]
    lines = trace.read_text().splitlines()
    assert lines[:4] == ["0", "23", "47", "1"]
    assert lines[4:7] == ["a 0 100", "c 1 200", "r 0 5000"]
    _assert_whole_and_agreed(trace)
    assert _leftovers(tmp_path) == []


def test_each_process_of_a_shell_gets_its_own_trace(tmp_path: Path) -> None:
    out = tmp_path / "sh.rep"
    script = "ls / >/dev/null; ls /usr >/dev/null; true"
    recorded = _brkdoc("record", "-o", str(out), "--", "bash", "-c", script)
    assert recorded.returncode == 0, recorded.stderr
    written = _written(recorded.stderr)
    files = sorted(p.name for p in tmp_path.iterdir())
    assert sorted(Path(name).name for name in written) == files
    assert len(files) >= 3
    # The shell itself, each forked copy of it, and each ls after its exec.
    assert re.search(r"\(pid \d+: bash -c 'ls / >/dev/null; ", written[str(out)])
    ls_traces = {name: what for name, what in written.items() if re.search(r"\.\d+\.1$", name)}
    assert sorted(re.sub(r".*: ", "", what)[:-1] for what in ls_traces.values()) == [
        "ls /",
        "ls /usr",
    ]
    for name in written:
        _assert_whole_and_agreed(Path(name))


def test_an_exec_starts_a_new_trace_of_the_same_process(tmp_path: Path) -> None:
    out = tmp_path / "exec.rep"
    recorded = _brkdoc("record", "-o", str(out), "--", "bash", "-c", "exec ls / >/dev/null")
    assert recorded.returncode == 0, recorded.stderr
    written = _written(recorded.stderr)
    pid = re.search(r"\(pid (\d+): bash", written[str(out)])
    assert pid is not None
    assert written[f"{out}.{pid[1]}.1"].endswith(f"(pid {pid[1]}: ls /)")
    assert "2 traces from 1 process\n" in recorded.stderr


def test_processes_that_outlive_the_program_are_waited_for(tmp_path: Path) -> None:
    out = tmp_path / "background.rep"
    script = "(sleep 0.5; ls / >/dev/null) & exit 0"
    recorded = _brkdoc("record", "-o", str(out), "--", "bash", "-c", script)
    assert recorded.returncode == 0, recorded.stderr
    written = _written(recorded.stderr)
    root = re.search(r"\(pid (\d+): bash", written[str(out)])
    assert root is not None
    subshell = next(name for name, what in written.items() if f"fork of pid {root[1]}:" in what)
    assert [what for what in written.values() if what.endswith(": ls /)")]
    _assert_whole_and_agreed(Path(subshell))


def test_gcc_is_recorded_with_its_compiler_proper(tmp_path: Path) -> None:
    (tmp_path / "hello.c").write_text('#include <stdio.h>\nint main(void) { puts("hi"); }\n')
    out = tmp_path / "gcc.rep"
    recorded = _brkdoc("record", "-o", str(out), "--", "gcc", "-c", "hello.c", cwd=tmp_path)
    assert recorded.returncode == 0, recorded.stderr
    written = _written(recorded.stderr)
    programs = [re.sub(r".*\(pid \d+: (\S+).*", r"\1", what) for what in written.values()]
    assert [Path(program).name for program in programs] == ["gcc", "cc1", "as"]
    cc1 = next(Path(name) for name, what in written.items() if "/cc1 " in what)
    _assert_whole_and_agreed(cc1)


def test_a_threaded_program_says_how_many_threads_allocated(tmp_path: Path) -> None:
    binary = _build(tmp_path, THREADS, "threads", "-pthread")
    out = tmp_path / "threads.rep"
    # One arena and no tcache: a block one thread frees is soon reused by another, which is
    # where a log written out of order would show (a free logged after the reuse's malloc).
    shared = {"MALLOC_ARENA_MAX": "1", "GLIBC_TUNABLES": "glibc.malloc.tcache_count=0"}
    recorded = _brkdoc("record", "-o", str(out), "--", str(binary), env=shared)
    assert recorded.returncode == 0, recorded.stderr
    assert (
        "note: GLIBC_TUNABLES, MALLOC_ARENA_MAX set: the recorded run used it, a replay does"
        " not (replays run in a clean malloc environment)\n" in recorded.stderr
    )
    assert (
        "  note: 4 threads allocated; a replay puts all their blocks in the main arena"
        " (other arenas are not modelled)\n" in recorded.stderr
    )
    # The preload's lock orders each call and its line alike.
    assert "before recording" not in recorded.stderr
    lines = out.read_text().splitlines()
    assert lines[:4] == ["0", "18003", "36003", "1"]
    assert sum(line.startswith("c ") for line in lines) == 3  # pthread_create's callocs
    _assert_whole_and_agreed(out)


def test_a_program_that_closes_every_descriptor_keeps_its_trace(tmp_path: Path) -> None:
    binary = _build(tmp_path, CLOSES_EVERYTHING, "closer")
    out = tmp_path / "closer.rep"
    recorded = _brkdoc("record", "-o", str(out), "--", str(binary))
    assert recorded.returncode == 0, recorded.stderr
    assert out.read_text().splitlines() == ["0", "2", "4", "1", "a 0 100", "a 1 200", "f 1", "f 0"]


def test_a_log_that_cannot_be_written_to_its_end_is_called_incomplete(tmp_path: Path) -> None:
    binary = _build(tmp_path, PROGRAM, "prog")
    out = tmp_path / "limited.rep"
    # A 512-byte file size limit (SIGXFSZ ignored, so write() fails with EFBIG instead).
    script = f'trap "" XFSZ; ulimit -f 1; exec {binary}'
    recorded = _brkdoc("record", "-o", str(out), "--", "bash", "-c", script)
    assert recorded.returncode == 0, recorded.stderr
    written = _written(recorded.stderr)
    program = next(Path(name) for name, what in written.items() if what.endswith("/prog)"))
    below = recorded.stderr.split(f"wrote {program}: ")[1].split("\nwrote ")[0].splitlines()
    notes = [line for line in below if line.startswith("  note: ")]
    assert notes == [
        "  note: the recorder could not write this log to its end (disk full, or a file size"
        " limit): the trace stops early",
    ]
    ops = program.read_text().splitlines()[4:]
    assert 0 < len(ops) < 47
    assert ops[:3] == ["a 0 100", "c 1 200", "r 0 5000"]
    _assert_whole_and_agreed(program)


def test_dash_writes_the_trace_to_standard_output(tmp_path: Path) -> None:
    binary = _build(tmp_path, PROGRAM.replace("return 0;", 'puts("done"); return 0;'), "prog")
    recorded = _brkdoc("record", "-o", "-", "--", str(binary), cwd=tmp_path)
    assert recorded.returncode == 0, recorded.stderr
    # The program's own output goes to standard error, and the trace is whole.
    assert recorded.stderr.startswith("done\nwrote standard output: 48 operations on 24 blocks")
    trace = recorded.stdout.splitlines()
    assert trace[:7] == ["0", "24", "48", "1", "a 0 100", "c 1 200", "r 0 5000"]
    assert len(list(parse_trace(trace, "-"))) == 48
    assert sorted(p.name for p in tmp_path.iterdir()) == ["prog", "prog.c"]


def test_a_program_killed_by_a_signal_still_leaves_whole_traces(tmp_path: Path) -> None:
    out = tmp_path / "killed.rep"
    recorded = _brkdoc("record", "-o", str(out), "--", "bash", "-c", "kill -SEGV $$")
    assert recorded.returncode == 128 + signal.SIGSEGV
    assert recorded.stderr.endswith("bash -c 'kill -SEGV $$' was killed by SIGSEGV\n")
    assert "Traceback" not in recorded.stderr
    _assert_whole_and_agreed(out)
    assert _leftovers(tmp_path) == []


def test_sigterm_to_brkdoc_reaches_the_program_and_the_traces_are_written(tmp_path: Path) -> None:
    out = tmp_path / "term.rep"
    started = tmp_path / "started"
    script = f"touch {started}; sleep 30"
    process = subprocess.Popen(
        [*BRKDOC, "record", "-o", str(out), "--", "bash", "-c", script],
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not started.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    os.kill(process.pid, signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)
    # bash waits for sleep; the signal kills bash, whose trace is whole.
    assert process.returncode == 128 + signal.SIGTERM, stderr
    assert "was killed by SIGTERM" in stderr
    _assert_whole_and_agreed(out)
    assert _leftovers(tmp_path) == []


def test_a_static_program_is_named_as_not_recordable(tmp_path: Path) -> None:
    if not Path("/usr/lib/x86_64-linux-gnu/libc.a").exists():
        pytest.skip("needs libc.a (libc6-dev) to link a static program")
    binary = _build(tmp_path, "int main(void) { return 0; }\n", "static", "-static")
    recorded = _brkdoc("record", "-o", str(tmp_path / "s.rep"), "--", str(binary))
    assert recorded.returncode == 1
    assert recorded.stderr == (
        f"brkdoc: {binary} did not load the recorder's library: a static binary, or not linked"
        " with glibc? (brkdoc record works with LD_PRELOAD)\n"
    )
    assert not (tmp_path / "s.rep").exists()
