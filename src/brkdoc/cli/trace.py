"""`brkdoc simulate|replay|compare|record`: run allocation traces through the model and glibc."""

from __future__ import annotations

import argparse
import io
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from brkdoc.errors import BrkdocError, NotGlibcError
from brkdoc.native.glibcs import CHECKED_VERSIONS
from brkdoc.platform import glibc_version
from brkdoc.timing import timed_without_gc
from brkdoc.trace import TraceOp, format_observation, parse_trace, stopped_at, trace_lines

if TYPE_CHECKING:
    from brkdoc.native.compare import Comparison

# The model (brkdoc.sim) and the oracle are imported by the handlers that use them, not here:
# `brkdoc --help` and every other command would otherwise pay for loading them.

__all__ = ["read_ops", "register"]


_TRACE_HELP = "trace file (CS:APP malloc-lab format), or - for standard input"
_FORMAT = (
    "A trace is ASCII text: a header of 2 or 4 numbers, one a line, then one operation a line: "
    "'a ID SIZE' (malloc), 'c ID SIZE' (calloc of 1 x SIZE), 'r ID SIZE' (realloc), 'f ID' "
    "(free); numbers are decimal, below 2**64."
)


def register(subparsers: Any) -> None:
    simulate_parser = subparsers.add_parser(
        "simulate",
        help="run a malloc-lab trace through the glibc model",
        description="Run a trace through brkdoc's model of glibc malloc (no C library involved) "
        "and print a summary: peak and final break, peak mmapped bytes, system calls. "
        f"{_FORMAT} A malformed line is reported before anything runs.",
    )
    simulate_parser.add_argument("trace", help=_TRACE_HELP)
    simulate_parser.add_argument(
        "--jsonl", action="store_true", help="one JSON object per operation instead of a summary"
    )
    simulate_parser.add_argument(
        "--strace",
        action="store_true",
        help="also print the simulated brk/mmap/munmap/mremap/madvise calls, strace style",
    )
    _add_profile_option(simulate_parser)
    simulate_parser.set_defaults(handler=_simulate)

    replay_parser = subparsers.add_parser(
        "replay",
        help="run a trace through the real glibc (compiles a small C program once)",
        description="Run a trace through this machine's glibc in a fresh child process and print "
        "one JSON object per operation (the same keys as simulate --jsonl). The child is a "
        "small C program shipped with brkdoc, compiled with $CC (default gcc) on first use. "
        f"{_FORMAT}",
    )
    replay_parser.add_argument("trace", help=_TRACE_HELP)
    _add_build_option(replay_parser, "run on that real glibc build (default: the system's own)")
    replay_parser.set_defaults(handler=_replay)

    compare_parser = subparsers.add_parser(
        "compare",
        help="check the model against the real glibc, operation by operation",
        description="Replay a trace through the real glibc and through the model, and report "
        "the first operation where they differ (exit status 1), or that all agree (0). "
        f"{_FORMAT}",
    )
    compare_parser.add_argument("trace", help=_TRACE_HELP)
    _add_build_option(
        compare_parser,
        "replay on that real glibc build and model the same version "
        "(default: the running C library's version)",
    )
    compare_parser.add_argument(
        "--model",
        choices=CHECKED_VERSIONS,
        metavar="VERSION",
        help="model this version instead (default: the same as --glibc), to see where two "
        "versions part",
    )
    compare_parser.set_defaults(handler=_compare)

    record_parser = subparsers.add_parser(
        "record",
        help="record a program's malloc calls as traces, one per process and program image",
        description=(
            "Run COMMAND with a preloaded recorder and write one trace per program image:"
            " the started program's to OUT, a descendant process's to OUT.PID, and the image"
            " a process starts with its Nth exec to OUT.PID.N. The list of files written goes"
            " to standard error. brkdoc exits with the program's status (128+N if signal N"
            " killed it; 127 or 126 if it cannot be started)."
        ),
    )
    record_parser.add_argument(
        "-o",
        "--output",
        default="recorded.rep",
        metavar="OUT",
        help=(
            "trace file of the started program (default: %(default)s); '-' writes it to"
            " standard output, and the program's own output to standard error"
        ),
    )
    record_parser.add_argument("command", nargs=argparse.REMAINDER, help="-- COMMAND [ARGS...]")
    record_parser.set_defaults(handler=_record, parser=record_parser)


def _add_profile_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--glibc",
        type=_checked_version,
        metavar="V",
        help=f"glibc version to model, one of {', '.join(CHECKED_VERSIONS)} "
        "(default: the running C library's, when it is one of them)",
    )


def _checked_version(value: str) -> str:
    """argparse type for --glibc: only the modelled versions, never a neighbour."""
    from brkdoc.sim import UnknownVersion, get_profile  # noqa: PLC0415

    try:
        get_profile(value)
    except UnknownVersion as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    return value


def _add_build_option(parser: argparse.ArgumentParser, help_text: str) -> None:
    parser.add_argument("--glibc", choices=CHECKED_VERSIONS, metavar="VERSION", help=help_text)


_STDIN = "-"


def _display(path: str) -> str:
    return "<stdin>" if path == _STDIN else path


def read_ops(path: str) -> list[TraceOp]:
    """Parse the whole trace first, so a malformed line fails before any output."""
    with _open_trace(path) as handle:
        return list(parse_trace(_lines(handle), _display(path)))


def _lines(handle: TextIO) -> Iterator[str]:
    return trace_lines(handle)


def _open_trace(path: str) -> TextIO:
    # latin-1 decodes any byte (and fast), so stray bytes reach the parser, which reports them
    # with their line number; valid traces are plain ASCII. Only LF ends a line (a CR before it
    # is allowed): universal newlines would split lines at a lone CR and shift line numbers.
    if path == _STDIN:
        return io.TextIOWrapper(sys.stdin.buffer, encoding="latin-1", newline="\n")
    try:
        return Path(path).open(encoding="latin-1", newline="\n")
    except OSError as error:
        raise BrkdocError(f"cannot read {path}: {error.strerror}") from None


def _simulate(args: argparse.Namespace) -> int:
    from brkdoc.sim import Heap, MallocError, format_strace, summarize_lines  # noqa: PLC0415
    from brkdoc.sim.jsonl import jsonl_lines, trace_abort  # noqa: PLC0415
    from brkdoc.sim.profiles import choose_profile  # noqa: PLC0415

    profile = choose_profile(args.glibc, glibc_version())
    heap = Heap(profile, record_syscalls=args.strace)
    if args.jsonl:
        ops = read_ops(args.trace)
        out = sys.stdout
        try:
            for line in jsonl_lines(ops, _display(args.trace), profile, heap):
                out.write(line)
        except BrkdocError:
            out.flush()
            raise
        if args.strace:
            sys.stderr.write(format_strace(heap.syscalls))
        return 0
    # Summary mode streams the trace: memory follows the live blocks, not the trace's length.
    name = _display(args.trace)
    try:
        with _open_trace(args.trace) as handle:
            summary, elapsed = timed_without_gc(lambda: summarize_lines(_lines(handle), name, heap))
    except MallocError as error:
        if error.trace_op is None:  # summarize_lines names the op of every error it raises
            raise
        raise trace_abort(name, error.trace_op, error) from None
    calls = ", ".join(f"{call} {n}" for call, n in sorted(summary.syscall_counts.items()))
    rate = f"{summary.ops / elapsed:,.0f}" if elapsed > 0 else "n/a"
    if args.strace:
        sys.stdout.write(format_strace(heap.syscalls))
    print(f"trace: {name} (glibc {profile.name} model)")
    print(f"ops: {summary.ops}")
    print(f"peak break: +{summary.peak_brk} bytes")
    print(f"final break: +{summary.final_brk} bytes")
    print(f"peak mmapped: {summary.peak_mmapped} bytes")
    print(f"syscalls: {calls or 'none'}")
    print(f"speed: {rate} ops/s")
    return 0


def _replay(args: argparse.Namespace) -> int:
    if args.glibc is None and glibc_version() is None:
        raise NotGlibcError("replay needs glibc: the running C library is not glibc")
    ops = read_ops(args.trace)
    from brkdoc.native.oracle import describe_stop, replay_trace  # noqa: PLC0415  (start-up: only replay needs it)

    observations, message = replay_trace(ops, glibc=args.glibc)
    for obs in observations:
        sys.stdout.write(format_observation(obs) + "\n")
    if message is not None:
        sys.stdout.flush()
        raise stopped_at(_display(args.trace), ops[len(observations)], describe_stop(message))
    return 0


def _compare(args: argparse.Namespace) -> int:
    # Imported here, not at start-up: only compare needs the oracle and the version matching.
    from brkdoc.native.compare import compare_trace, comparison_profile  # noqa: PLC0415

    profile = comparison_profile(args.glibc, args.model)
    ops = read_ops(args.trace)
    return _report_comparison(_display(args.trace), compare_trace(ops, profile, glibc=args.glibc))


def _report_comparison(name: str, found: Comparison) -> int:
    from brkdoc.native.compare import Difference  # noqa: PLC0415  (as above)
    from brkdoc.sim import MallocAbort, MallocCrash, format_view  # noqa: PLC0415

    at = found.at
    if at is None:
        print(
            f"{name}: all {found.agreeing} ops agree (glibc {found.glibc} vs model {found.model})"
        )
        return 0
    if isinstance(at, Difference):
        print(f"{name}:{at.op.line}: first difference at op {at.index} ('{at.op.text()}')")
        print(f"  model: {format_observation(at.model_did)}")
        print(f"  glibc: {format_observation(at.glibc_did)}")
        print("the model's heap after that op:")
        around = at.model_did.offset if at.model_did.offset is not None else at.glibc_did.offset
        print(format_view(at.heap, around=around))
        return 1
    error = at.model_error
    if found.verdict == "both-abort":
        print(f"{name}: {found.agreeing} ops agree; both abort at op {at.index}: {at.glibc_stop}")
        return 0
    if found.verdict == "both-crash" and isinstance(error, MallocCrash):
        print(f"{name}: {found.agreeing} ops agree; both crash at op {at.index}: {error.signal}")
        return 0
    where = f"{name}: op {at.index} (line {at.op.line})"
    if error is not None:
        verb = "aborts" if isinstance(error, MallocAbort) else "stops"
        print(f"{where}: the model {verb}: {error}")
        print(f"  glibc: {at.glibc_stop or 'does not abort there'}")
    else:
        print(f"{where}: glibc aborts: {at.glibc_stop}")
        print("  the model does not abort there")
    return 1


def _record(args: argparse.Namespace) -> int:
    command = list(args.command)
    if command and command[0] == "--":
        command = command[1:]
    if not command:
        args.parser.error("give the program to run: brkdoc record -- COMMAND [ARGS...]")
    from brkdoc.native.record import record  # noqa: PLC0415  (start-up: only record needs it)

    recording = record(command, args.output, sys.stdout.buffer)
    print(recording.describe(), file=sys.stderr)
    return recording.exit_status
