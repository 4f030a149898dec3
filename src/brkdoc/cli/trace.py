"""`brkdoc simulate|replay|compare|record`: run allocation traces through the model and glibc."""

from __future__ import annotations

import argparse
import gc
import sys
import time
from pathlib import Path
from typing import Any, TextIO

from brkdoc.errors import BrkdocError, NotGlibcError
from brkdoc.platform import glibc_version
from brkdoc.sim import (
    PROFILE_NAMES,
    Heap,
    MallocError,
    Profile,
    TraceOp,
    format_observation,
    format_strace,
    format_view,
    parse_trace,
    profile_for_version,
    simulate,
    snapshot,
    summarize_lines,
)

__all__ = ["register"]


def register(subparsers: Any) -> None:
    simulate_parser = subparsers.add_parser(
        "simulate", help="run a malloc-lab trace through the glibc model"
    )
    simulate_parser.add_argument("trace", help="trace file (CS:APP malloc-lab format)")
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
        "replay", help="run a trace through the real glibc (compiles a small C program once)"
    )
    replay_parser.add_argument("trace", help="trace file (CS:APP malloc-lab format)")
    replay_parser.add_argument(
        "--jsonl", action="store_true", help="one JSON object per operation (the default output)"
    )
    replay_parser.set_defaults(handler=_replay)

    compare_parser = subparsers.add_parser(
        "compare", help="check the model against the real glibc, operation by operation"
    )
    compare_parser.add_argument("trace", help="trace file (CS:APP malloc-lab format)")
    _add_profile_option(compare_parser)
    compare_parser.set_defaults(handler=_compare)

    record_parser = subparsers.add_parser(
        "record", help="record a program's malloc calls as a trace (glibc mtrace)"
    )
    record_parser.add_argument(
        "-o", "--output", default="recorded.rep", help="trace file to write (default: %(default)s)"
    )
    record_parser.add_argument("command", nargs=argparse.REMAINDER, help="-- COMMAND [ARGS...]")
    record_parser.set_defaults(handler=_record, parser=record_parser)


def _add_profile_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--glibc",
        choices=PROFILE_NAMES,
        help="glibc version to model (default: the running C library's)",
    )


def _profile(args: argparse.Namespace) -> Profile:
    chosen: str | None = args.glibc or glibc_version()
    return profile_for_version(chosen or "2.36")


def _read_ops(path: str) -> list[TraceOp]:
    """Parse the whole trace first, so a malformed line fails before any output."""
    with _open_trace(path) as handle:
        return list(parse_trace(handle, path))


def _open_trace(path: str) -> TextIO:
    # latin-1 decodes any byte (and fast), so stray bytes reach the parser, which reports them
    # with their line number; valid traces are plain ASCII.
    try:
        return Path(path).open(encoding="latin-1")
    except OSError as error:
        raise BrkdocError(f"cannot read {path}: {error.strerror}") from None


def _abort(path: str, op: TraceOp, error: MallocError) -> BrkdocError:
    return BrkdocError(f"{path}:{op.line}: {error} (op '{op.op} {op.id}')")


def _simulate(args: argparse.Namespace) -> int:
    profile = _profile(args)
    heap = Heap(profile, record_syscalls=args.strace)
    if args.jsonl:
        ops = _read_ops(args.trace)
        out = sys.stdout
        count = 0
        try:
            for obs in simulate(ops, profile, heap):
                out.write(format_observation(obs) + "\n")
                count += 1
        except MallocError as error:
            out.flush()
            raise _abort(args.trace, ops[count], error) from None
        if args.strace:
            sys.stderr.write(format_strace(heap.syscalls))
        return 0
    # Summary mode streams the trace: memory follows the live blocks, not the trace's length.
    # The model's objects hold no reference cycles, so the cycle collector only costs time.
    collecting = gc.isenabled()
    gc.disable()
    started = time.perf_counter()
    try:
        with _open_trace(args.trace) as handle:
            summary = summarize_lines(handle, args.trace, heap)
    except MallocError as error:
        raise _abort(args.trace, error.trace_op, error) from None
    finally:
        if collecting:
            gc.enable()
    elapsed = time.perf_counter() - started
    calls = ", ".join(f"{name} {n}" for name, n in sorted(summary.syscall_counts.items()))
    rate = f"{summary.ops / elapsed:,.0f}" if elapsed > 0 else "n/a"
    if args.strace:
        sys.stdout.write(format_strace(heap.syscalls))
    print(f"trace: {args.trace} (glibc {profile.name} model)")
    print(f"ops: {summary.ops}")
    print(f"peak break: +{summary.peak_brk} bytes")
    print(f"final break: +{summary.final_brk} bytes")
    print(f"peak mmapped: {summary.peak_mmapped} bytes")
    print(f"syscalls: {calls or 'none'}")
    print(f"speed: {rate} ops/s")
    return 0


def _replay(args: argparse.Namespace) -> int:
    if glibc_version() is None:
        raise NotGlibcError("replay needs glibc: the running C library is not glibc")
    ops = _read_ops(args.trace)
    from brkdoc.native.oracle import replay_trace  # noqa: PLC0415  (start-up: only replay needs it)

    observations, message = replay_trace(ops)
    for obs in observations:
        sys.stdout.write(format_observation(obs) + "\n")
    if message is not None:
        sys.stdout.flush()
        op = ops[len(observations)]
        raise BrkdocError(
            f"{args.trace}:{op.line}: glibc aborted: {message} (op '{op.op} {op.id}')"
        )
    return 0


def _compare(args: argparse.Namespace) -> int:
    version = glibc_version()
    if version is None:
        raise NotGlibcError("compare needs glibc: the running C library is not glibc")
    profile = _profile(args)
    ops = _read_ops(args.trace)
    from brkdoc.native.oracle import replay_trace  # noqa: PLC0415  (start-up: only compare needs it)

    real, real_abort = replay_trace(ops)
    heap = Heap(profile, record_syscalls=False)
    model = simulate(ops, profile, heap)
    index = 0
    try:
        for index, expected in enumerate(real):
            got = next(model)
            if got != expected:
                return _report_difference(args.trace, ops[index], got, expected, heap)
        index = len(real)
        if index < len(ops):
            next(model)
    except MallocError as error:
        if real_abort is not None and index == len(real) and str(error) == real_abort:
            print(f"{args.trace}: {len(real)} ops agree; both abort at op {index}: {real_abort}")
            return 0
        print(f"{args.trace}: op {index} (line {ops[index].line}): the model aborts: {error}")
        print(f"  glibc: {real_abort or 'does not abort there'}")
        return 1
    if real_abort is not None:
        print(f"{args.trace}: op {index} (line {ops[index].line}): glibc aborts: {real_abort}")
        print("  the model does not abort there")
        return 1
    print(f"{args.trace}: all {len(real)} ops agree (glibc {version} vs model {profile.name})")
    return 0


def _report_difference(path: str, op: TraceOp, got: Any, expected: Any, heap: Heap) -> int:
    size = "" if op.size is None else f" {op.size}"
    print(f"{path}:{op.line}: first difference at op {got.i} ('{op.op} {op.id}{size}')")
    print(f"  model: {format_observation(got)}")
    print(f"  glibc: {format_observation(expected)}")
    print("the model's heap after that op:")
    around = got.offset if got.offset is not None else expected.offset
    print(format_view(snapshot(heap), around=around))
    return 1


def _record(args: argparse.Namespace) -> int:
    command = list(args.command)
    if command and command[0] == "--":
        command = command[1:]
    if not command:
        args.parser.error("give the program to run: brkdoc record -- COMMAND [ARGS...]")
    from brkdoc.native.record import record_trace  # noqa: PLC0415  (start-up: only record needs it)

    summary = record_trace(command, Path(args.output))
    print(summary.describe())
    return 0 if summary.exit_status == 0 else summary.exit_status
