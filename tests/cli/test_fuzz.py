"""Fuzzing: no input, however malformed, and no command line gives a traceback.

Three generators: raw bytes fed to the trace parser, near-valid traces (real operations with
odd numbers, separators and stray bytes spliced in) run through `brkdoc simulate`, `replay` and
`compare`, and command lines assembled from the CLI's own words plus noise. Each run must end in
a result or in one of brkdoc's own errors: exit status 2 with nothing on stdout for malformed
input and usage errors, one line on stderr, never another exception.

Anything the fuzzer ever found, and the cases issue 13 reported by hand, are kept as explicit
`@example`s or regression tests (the comment on each says where it came from), so they are
checked on every run whatever hypothesis draws.
"""

from __future__ import annotations

import contextlib
import io
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from brkdoc.cli import main
from brkdoc.errors import InputError
from brkdoc.platform import glibc_version
from brkdoc.trace import parse_trace

# Example counts keep the whole file to a few seconds of work; past findings are @examples.
PARSER = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])

INTERESTING_SIZES = [
    0, 1, 24, 25, 1000, 1032, 131072, 131073, 200000, 2**25, 2**47, 2**48, 2**63 - 1, 2**63,
    2**64 - 1, 2**64, 10**30,
]  # fmt: skip
# Things that look like numbers to int() or like spaces to str.split(), but are neither here.
ODD_NUMBERS = ["+10", "1_000", "-1", "0x10", "1e3", "١٢", "²", " 7", "", "9" * 5000, "10.0"]
ODD_SEPARATORS = ["\xa0", "\x85", "\x0b", "\x0c", "\x1c", "\u2028", "\u3000", "\r", "\x00"]


def _lines_lf(data: bytes) -> list[str]:
    """What the CLI hands the parser: latin-1 text split at LF only, keeping the LF."""
    text = data.decode("latin-1")
    return [line + "\n" for line in text.split("\n")[:-1]] + (
        [text.rsplit("\n", 1)[-1]] if not text.endswith("\n") and text else []
    )


@PARSER
@given(st.binary(max_size=400))
# Seeds from issue 13 (found by hand before this fuzzer existed): a superscript two is a
# digit to str.isdigit() but not to int(), so the header raised ValueError.
@example(b"2\n\xb2\na 0 10\n")
# A size of 2**63 passed the parser and broke struct.pack in the oracle.
@example(b"1\n1\na 0 9223372036854775808\n")
def test_the_parser_accepts_or_names_the_line(data: bytes) -> None:
    try:
        ops = list(parse_trace(_lines_lf(data), "fuzz.rep"))
    except InputError as error:
        _check_input_error(error)
        return
    for op in ops:
        assert op.op in {"a", "r", "f"}
        assert 0 <= op.id < 2**64
        assert 0 <= op.size < 2**64
        assert op.op != "f" or op.size == 0


def _check_input_error(error: InputError) -> None:
    message = str(error)
    assert message.startswith(f"fuzz.rep:{error.line}: ")
    assert "\n" not in message
    assert len(message) < 300


@st.composite
def near_valid_traces(draw: st.DrawFn) -> bytes:
    """A trace that is valid or one small step from valid."""
    ops: list[list[str]] = []
    live: list[int] = []
    ever: list[int] = []
    for _ in range(draw(st.integers(0, 12))):
        kind = draw(st.sampled_from("aacrff"))
        if kind in {"a", "c"} or not ever:
            block = draw(st.one_of(st.integers(0, 20), st.sampled_from([2**24 - 1, 2**64 - 1])))
            size = draw(st.one_of(st.sampled_from(INTERESTING_SIZES), st.integers(0, 300_000)))
            ops.append([kind if kind == "c" else "a", str(block), str(size)])
            live.append(block)
            ever.append(block)
        elif kind == "r":
            block = draw(st.sampled_from(ever))
            size = draw(st.one_of(st.sampled_from(INTERESTING_SIZES), st.integers(0, 300_000)))
            ops.append(["r", str(block), str(size)])
        else:
            block = draw(st.sampled_from(live or ever))
            if block in live:
                live.remove(block)
            ops.append(["f", str(block)])
    count = len(ops)
    header = draw(
        st.sampled_from(
            [
                [str(count + 5), str(count)],
                ["0", str(count + 5), str(count), "1"],
                [str(count)],
                [str(count + 5), str(count + 1)],
            ]
        )
    )
    lines = header + [" ".join(fields) for fields in ops]
    mutate = draw(st.booleans())
    if lines and mutate:
        # One small step away from valid: an odd number, an odd separator or a stray byte.
        at = draw(st.integers(0, len(lines) - 1))
        step = draw(st.sampled_from(["number", "separator", "byte", "drop", "crlf"]))
        if step == "number":
            fields = lines[at].split(" ")
            fields[draw(st.integers(0, len(fields) - 1))] = draw(st.sampled_from(ODD_NUMBERS))
            lines[at] = " ".join(fields)
        elif step == "separator":
            lines[at] = lines[at].replace(" ", draw(st.sampled_from(ODD_SEPARATORS)), 1)
        elif step == "byte":
            column = draw(st.integers(0, len(lines[at])))
            char = chr(draw(st.integers(0, 255)))
            lines[at] = lines[at][:column] + char + lines[at][column:]
        elif step == "drop":
            del lines[at]
        else:
            lines[at] += "\r"
    return "".join(line + "\n" for line in lines).encode("utf-8")


@contextlib.contextmanager
def _trace_file(data: bytes) -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="brkdoc-fuzz-") as folder:
        path = Path(folder) / "near.rep"
        path.write_bytes(data)
        yield str(path)


def _run(argv: list[str]) -> tuple[int, str, str]:
    """main(argv) in this process; its exit status, stdout and stderr."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = main(argv)
        except SystemExit as stop:  # argparse: --help (0) or a usage error (2)
            status = stop.code if isinstance(stop.code, int) else 1
    return status, out.getvalue(), err.getvalue()


def _check_outcome(status: int, out: str, err: str) -> None:
    assert "Traceback" not in err
    if status == 2:
        assert out == "", "malformed input or usage must print nothing on stdout"
    if err and not err.startswith("usage:"):
        assert err.count("\n") == 1, err
        assert err.startswith("brkdoc: "), err
    if status != 0 and not err:
        # A silent failure is a defect: only compare's report stands alone (status 1).
        assert status == 1
        assert out


@FAST
@given(near_valid_traces(), st.sampled_from([[], ["--jsonl"], ["--strace"]]))
# Seeds from issue 13: a no-break space (\xa0) and NEL (\x85) were fields separators to
# str.split(); '+10' and '1_000' were numbers to int(); a 5000-digit size was echoed whole.
@example(b"2\n1\na 0\xc2\xa010\n", ["--jsonl"])
@example(b"2\n1\na 0\xc2\x8510\n", [])
@example(b"2\n1\na 0 +10\n", [])
@example(b"2\n1\na 0 1_000\n", [])
@example(b"2\n1\na 0 " + b"9" * 5000 + b"\n", [])
# The model mmapped 2**48 bytes where glibc returns NULL with ENOMEM.
@example(b"2\n1\na 0 281474976710656\n", ["--strace"])
def test_simulate_never_raises(data: bytes, options: list[str]) -> None:
    with _trace_file(data) as path:
        status, out, err = _run(["simulate", path, "--glibc", "2.36", *options])
    _check_outcome(status, out, err)


needs_glibc = pytest.mark.skipif(glibc_version() is None, reason="replay needs the live glibc")


@needs_glibc
@SLOW
@given(
    near_valid_traces(),
    st.sampled_from(["replay", "compare"]),
    st.sampled_from([[], ["--glibc", "2.31"], ["--glibc", "2.43"]]),
)
# An mmapped block freed twice crashed the oracle with SIGSEGV, and the message ended after
# "the oracle failed (status -11): ".
@example(b"1\n3\na 0 300000\nf 0\nf 0\n", "replay", [])
@example(b"1\n3\na 0 300000\nf 0\nf 0\n", "compare", [])
@example(b"1\n2\na 0 18446744073709551615\na 1 9223372036854775808\n", "compare", [])
def test_replay_and_compare_never_raise(data: bytes, command: str, options: list[str]) -> None:
    with _trace_file(data) as path:
        status, out, err = _run([command, path, *options])
    _check_outcome(status, out, err)


WORDS = [
    "simulate", "replay", "compare", "info", "demo", "bench", "record", "versions", "--json",
    "--jsonl", "--model",
    "--strace", "--glibc", "2.36", "2.31", "9.99", "--list", "--via", "env", "--setting",
    "top_pad", "--help", "-h", "--version", "-o", "--", "", "threshold", "--quick",
    "\udcff", "é", "-x", "--glibc=2.36",
]  # fmt: skip


@FAST
@given(st.lists(st.one_of(st.sampled_from(WORDS), st.text(max_size=8)), max_size=6))
@example(["demo", "--list", "--json"])
@example(["replay", "--jsonl", "x.rep"])
def test_command_lines_never_raise(argv: list[str]) -> None:
    # Commands that would run child processes for seconds only get their arguments parsed
    # (--help stops argparse there); the rest run for real.
    for position, word in enumerate(argv):
        if word in {"bench", "record"} or (word == "demo" and "--list" not in argv):
            argv = [*argv[: position + 1], "--help", *argv[position + 1 :]]
            break
    status, out, err = _run(argv)
    _check_outcome(status, out, err)


@pytest.mark.parametrize(
    "argv",
    [
        # Found by test_command_lines_never_raise before record checked its command: an empty
        # program name reached subprocess and raised PermissionError.
        ["record", ""],
        ["record", "--", "/"],
    ],
)
def test_past_command_line_findings(argv: list[str], tmp_path: Path) -> None:
    # A child process: record writes a trace to the real stdout's bytes (`-o -`).
    done = subprocess.run(
        [sys.executable, "-m", "brkdoc", argv[0], "-o", str(tmp_path / "out.rep"), *argv[1:]],
        capture_output=True,
        text=True,
        check=False,
    )
    _check_outcome(done.returncode, done.stdout, done.stderr)
    assert done.returncode in {126, 127}
