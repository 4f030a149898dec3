"""`brkdoc simulate | replay | compare | record` keep their contract."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from brkdoc.cli import main
from brkdoc.native.glibcs import locked_builds
from brkdoc.sim import GLIBC_2_36, simulate
from brkdoc.trace import TraceOp, parse_trace

ROOT = Path(__file__).resolve().parents[2]
TRACES = ROOT / "examples" / "traces" / "csapp"
KEYS = ["i", "op", "id", "where", "offset", "brk", "mmapped"]


def _brkdoc(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "brkdoc", *args], capture_output=True, text=True, check=False
    )


@pytest.fixture
def small_trace(tmp_path: Path) -> Path:
    path = tmp_path / "small.rep"
    path.write_bytes(b"0\r\n2\r\n4\r\n1\r\na 0 100\r\na 1 200000\r\nr 0 5000\r\nf 1\r\n")
    return path


def test_simulate_jsonl_has_exactly_the_contract_keys(
    small_trace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["simulate", str(small_trace), "--jsonl", "--glibc", "2.36"]) == 0
    lines = capsys.readouterr().out.splitlines()
    records = [json.loads(line) for line in lines]
    assert [list(record) for record in records] == [KEYS] * 4
    assert records[0] == {
        "i": 0, "op": "a", "id": 0, "where": "heap", "offset": 672, "brk": 135168, "mmapped": 0,
    }  # fmt: skip
    assert records[1]["where"] == "mmap"
    assert records[1]["offset"] is None
    assert records[1]["mmapped"] == 200704
    assert records[3]["where"] is None
    assert records[3]["mmapped"] == 0


def test_simulate_summary(small_trace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", str(small_trace), "--glibc", "2.43"]) == 0
    out = capsys.readouterr().out
    assert "(glibc 2.43 model)" in out
    assert "ops: 4\n" in out
    assert "peak break: +135168 bytes\n" in out
    assert "peak mmapped: 200704 bytes\n" in out
    assert "syscalls: brk 2, mmap 1, munmap 1\n" in out
    assert "ops/s" in out


def test_replay_and_simulate_print_the_same_lines(small_trace: Path) -> None:
    real = _brkdoc("replay", str(small_trace))
    model = _brkdoc("simulate", str(small_trace), "--jsonl")
    assert real.returncode == 0, real.stderr
    assert real.stdout == model.stdout
    assert len(real.stdout.splitlines()) == 4


def test_compare_agrees_on_a_shared_trace() -> None:
    trace = TRACES / "realloc-bal.rep"
    assert trace.exists(), f"missing {trace}"
    result = _brkdoc("compare", str(trace))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "all 14401 ops agree" in result.stdout


def test_compare_reports_the_first_difference(tmp_path: Path) -> None:
    # The real 2.43 against the 2.36 model: 2.43 sets the tcache up only at the first free, so
    # its first block sits at 0x10, not after the 0x290-byte tcache struct.
    trace = tmp_path / "first.rep"
    trace.write_text("1\n2\na 0 24\na 1 200000\n")
    result = _brkdoc("compare", str(trace), "--glibc", "2.43", "--model", "2.36")
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0] == f"{trace}:3: first difference at op 0 ('a 0 24')"
    assert lines[1].startswith("  model: {")
    assert '"offset": 672' in lines[1]
    assert '"offset": 16' in lines[2]
    assert "the model's heap after that op:" in result.stdout
    assert "(tcache structure)" in result.stdout


@pytest.mark.parametrize(
    ("text", "line"),
    [
        (b"1\n1\na 0 x\n", 3),
        (b"1\n2\na 0 1\nf 9\n", 4),
        (b"1\n1\nq\n", 3),
        (b"1\n\xb2\na 0 1\n", 2),
        (b"1\n1\na 0\xc2\xa010\n", 3),
        (b"1\n1\na 0 +10\n", 3),
        (b"1\n1\na 0 1_000\n", 3),
        (b"1\n1\na 0 " + b"7" * 100_000 + b"\n", 3),
    ],
)
@pytest.mark.parametrize("command", ["simulate", "replay", "compare"])
def test_malformed_trace_exits_2_with_file_and_line(
    tmp_path: Path, command: str, text: bytes, line: int
) -> None:
    trace = tmp_path / "bad.rep"
    trace.write_bytes(text)
    args = [command, str(trace)] + (["--jsonl"] if command == "simulate" else [])
    result = _brkdoc(*args)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith(f"brkdoc: {trace}:{line}: ")
    assert result.stderr.count("\n") == 1
    assert len(result.stderr) < 300
    assert "Traceback" not in result.stderr


def test_double_free_is_one_line_in_both(tmp_path: Path) -> None:
    trace = tmp_path / "double.rep"
    trace.write_text("1\n3\na 0 50\nf 0\nf 0\n")
    model = _brkdoc("simulate", str(trace), "--jsonl")
    real = _brkdoc("replay", str(trace))
    for result in (model, real):
        assert result.returncode == 1
        assert len(result.stdout.splitlines()) == 2
        assert result.stderr.count("\n") == 1
        assert "free(): double free detected in tcache 2" in result.stderr
        assert result.stderr.startswith(f"brkdoc: {trace}:5: ")
    compared = _brkdoc("compare", str(trace))
    assert compared.returncode == 0
    assert "both abort at op 2" in compared.stdout


def test_missing_file_is_one_line() -> None:
    result = _brkdoc("simulate", "/nonexistent/trace.rep")
    assert result.returncode == 1
    assert (
        result.stderr == "brkdoc: cannot read /nonexistent/trace.rep: No such file or directory\n"
    )


def test_record_needs_a_command() -> None:
    result = _brkdoc("record")
    assert result.returncode == 2
    assert "give the program to run" in result.stderr


def test_simulate_can_print_its_syscalls(
    small_trace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["simulate", str(small_trace), "--strace", "--glibc", "2.36"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "brk(NULL) = 0x555555559000"
    assert lines[1] == "brk(0x55555557a000) = 0x55555557a000"
    assert lines[2].startswith("mmap(NULL, 200704, PROT_READ|PROT_WRITE, ")
    assert lines[3].startswith("munmap(0x")
    assert lines[4].startswith("trace: ")


def test_a_dash_reads_the_trace_from_standard_input() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "brkdoc", "simulate", "--jsonl", "-"],
        input="1\n2\na 0 100\nf 0\n",
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.splitlines()) == 2
    bad = subprocess.run(
        [sys.executable, "-m", "brkdoc", "simulate", "-"],
        input="1\n1\na 0 x\n",
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 2
    assert bad.stderr.startswith("brkdoc: <stdin>:3: size must be a whole number")


def test_replay_refuses_jsonl_since_jsonl_is_all_it_prints(small_trace: Path) -> None:
    result = _brkdoc("replay", str(small_trace), "--jsonl")
    assert result.returncode == 2
    assert "unrecognized arguments: --jsonl" in result.stderr


@pytest.mark.parametrize("size", [2**63, 2**64 - 1])
@pytest.mark.parametrize("command", ["replay", "compare"])
def test_sizes_past_2_63_reach_glibc(tmp_path: Path, command: str, size: int) -> None:
    trace = tmp_path / "huge.rep"
    trace.write_text(f"1\n2\na 0 {size}\na 1 100\n")
    result = _brkdoc(command, str(trace))
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    if command == "replay":
        assert '"where": null' in result.stdout.splitlines()[0]


def test_a_crash_of_the_real_replay_names_the_signal_and_keeps_the_ops(tmp_path: Path) -> None:
    trace = tmp_path / "twice.rep"
    trace.write_text("1\n3\na 0 300000\nf 0\nf 0\n")
    result = _brkdoc("replay", str(trace))
    assert result.returncode == 1
    assert len(result.stdout.splitlines()) == 2
    assert result.stderr == (
        f"brkdoc: {trace}:5: glibc's replay was killed by SIGSEGV (Segmentation fault) (op 'f 0')\n"
    )


# The first malloc(24) of a fresh process, measured on each real build (0x10 once the tcache
# struct waits for the first free, from 2.43).
FIRST_POINTER = {"2.31": 0x2A0, "2.36": 0x2A0, "2.41": 0x2A0, "2.43": 0x10, "2.44": 0x10}


@pytest.mark.parametrize("version", sorted(FIRST_POINTER))
def test_replay_runs_on_the_named_build(
    version: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    trace = tmp_path / "one.rep"
    trace.write_text("0\n1\n1\n1\na 0 24\n", encoding="utf-8")
    assert main(["replay", str(trace), "--glibc", version]) == 0
    first = json.loads(capsys.readouterr().out.splitlines()[0])
    assert first["offset"] == FIRST_POINTER[version]


def test_replay_and_compare_refuse_an_unchecked_glibc(small_trace: Path) -> None:
    for command in ("replay", "compare"):
        done = _brkdoc(command, str(small_trace), "--glibc", "2.39")
        assert done.returncode == 2
        assert "invalid choice: '2.39' (choose from '2.31', '2.36', '2.41', '2.43', '2.44')" in (
            done.stderr
        )


def test_an_unfetched_build_is_one_line_naming_make_glibcs(
    small_trace: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "empty"))
    done = _brkdoc("compare", str(small_trace), "--glibc", "2.44")
    assert done.returncode == 1
    assert done.stdout == ""
    build = locked_builds()["2.44"].build
    assert done.stderr == f"brkdoc: glibc 2.44 ({build}) is not fetched: run `make glibcs`\n"


def test_compare_agrees_when_both_crash_on_an_unmapped_header(tmp_path: Path) -> None:
    trace = tmp_path / "twice.rep"
    trace.write_text("1\n3\na 0 300000\nf 0\nf 0\n")
    result = _brkdoc("compare", str(trace))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == f"{trace}: 2 ops agree; both crash at op 2: SIGSEGV\n"


def test_a_file_without_newlines_is_refused_at_its_first_piece() -> None:
    # /dev/zero never ends a line: reading it whole would exhaust memory.
    result = _brkdoc("simulate", "/dev/zero")
    assert result.returncode == 2
    assert result.stderr == (
        "brkdoc: /dev/zero:1: control character 0x00 in column 1: "
        "fields are separated by spaces or tabs\n"
    )


def test_simulate_refuses_an_unmodelled_glibc_naming_the_checked_ones(tmp_path: Path) -> None:
    trace = tmp_path / "one.rep"
    trace.write_text("1\n1\na 0 10\n")
    result = _brkdoc("simulate", str(trace), "--glibc", "2.39")
    assert result.returncode == 2
    assert result.stdout == ""
    assert "glibc 2.39 is not modelled; the checked versions are 2.31, 2.36, 2.41, 2.43, 2.44" in (
        result.stderr
    )
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("running", "said"),
    [("2.39", "the running glibc is 2.39"), (None, "the running C library is not glibc")],
)
def test_simulate_without_glibc_refuses_when_the_running_one_is_not_modelled(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    running: str | None,
    said: str,
) -> None:
    trace = tmp_path / "one.rep"
    trace.write_text("1\n1\na 0 10\n")
    monkeypatch.setattr("brkdoc.cli.trace.glibc_version", lambda: running)
    assert main(["simulate", str(trace)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert said in captured.err
    assert "--glibc (2.31, 2.36, 2.41, 2.43, 2.44)" in captured.err


def test_simulate_defaults_to_the_running_glibc(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    trace = tmp_path / "one.rep"
    trace.write_text("1\n1\na 0 10\n")
    monkeypatch.setattr("brkdoc.cli.trace.glibc_version", lambda: "2.43")
    assert main(["simulate", str(trace), "--jsonl"]) == 0
    assert '"offset": 16' in capsys.readouterr().out


@pytest.mark.parametrize("version", ["2.36", "2.43"])
def test_calloc_lines_replay_and_simulate_alike(tmp_path: Path, version: str) -> None:
    trace = tmp_path / "calloc.rep"
    trace.write_text("1\n5\na 0 40\nf 0\nc 1 40\nc 2 300000\nf 2\n")
    real = _brkdoc("replay", str(trace), "--glibc", version)
    model = _brkdoc("simulate", str(trace), "--jsonl", "--glibc", version)
    assert real.returncode == 0, real.stderr
    assert real.stdout == model.stdout
    lines = [json.loads(line) for line in model.stdout.splitlines()]
    assert [line["op"] for line in lines] == ["a", "f", "c", "c", "f"]
    assert all(list(line) == KEYS for line in lines)


def _replay_returns(
    monkeypatch: pytest.MonkeyPatch, ops: list[TraceOp], done: int, stop: str | None
) -> None:
    """Make compare's replay report the model's own first `done` observations, then `stop`."""
    from brkdoc.native import compare  # noqa: PLC0415  (patched here only)

    recorded = list(simulate(ops[:done], GLIBC_2_36))
    monkeypatch.setattr(compare, "replay_trace", lambda ops, glibc=None: (recorded, stop))


def test_compare_reports_the_model_stopping_where_glibc_does_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    trace = tmp_path / "twice.rep"
    trace.write_text("1\n3\na 0 50\nf 0\nf 0\n")
    _replay_returns(monkeypatch, list(parse_trace(trace.read_text().splitlines(), "t")), 2, None)
    assert main(["compare", str(trace), "--glibc", "2.36"]) == 1
    assert capsys.readouterr().out == (
        f"{trace}: op 2 (line 5): the model aborts: free(): double free detected in tcache 2\n"
        "  glibc: does not abort there\n"
    )


def test_compare_reports_glibc_stopping_where_the_model_does_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    trace = tmp_path / "once.rep"
    trace.write_text("1\n2\na 0 50\nf 0\n")
    ops = list(parse_trace(trace.read_text().splitlines(), "t"))
    _replay_returns(monkeypatch, ops, 1, "free(): invalid pointer")
    assert main(["compare", str(trace), "--glibc", "2.36"]) == 1
    assert capsys.readouterr().out == (
        f"{trace}: op 1 (line 4): glibc aborts: free(): invalid pointer\n"
        "  the model does not abort there\n"
    )
