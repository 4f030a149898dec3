"""`brkdoc demo`: run one of the live demonstrations of glibc's malloc policy."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

from brkdoc.native.demos import DEMO_NAMES, claim_of, run_demo
from brkdoc.native.demos.fixed_settings import NAME as _FIXED_THRESHOLD
from brkdoc.native.demos.fixed_settings import SETTINGS, VIAS
from brkdoc.native.glibcs import CHECKED_VERSIONS, build_for

if TYPE_CHECKING:
    from brkdoc.native.demos.result import DemoResult


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "demo",
        help="show a rule of glibc's malloc happening in a child process",
        description="Run a demonstration in a fresh child interpreter and report whether its "
        "claim holds on this machine's C library. Exit status 0 when it holds, 1 when it does not.",
    )
    parser.add_argument("name", nargs="?", choices=DEMO_NAMES, metavar="NAME", help="demo to run")
    parser.add_argument("--list", action="store_true", help="list the demos and their claims")
    parser.add_argument(
        "--json", action="store_true", help="print one JSON object (with --list: a JSON array)"
    )
    parser.add_argument(
        "--glibc",
        choices=CHECKED_VERSIONS,
        metavar="VERSION",
        help="run the demo's child on that real glibc build (default: the system's own); "
        f"one of {', '.join(CHECKED_VERSIONS)}",
    )
    parser.add_argument(
        "--via",
        choices=VIAS,
        help=f"{_FIXED_THRESHOLD} only: fix the setting with mallopt (default), a MALLOC_*_ "
        "environment variable, or GLIBC_TUNABLES",
    )
    parser.add_argument(
        "--setting",
        choices=tuple(SETTINGS),
        help=f"{_FIXED_THRESHOLD} only: which setting to fix (default mmap_threshold)",
    )
    parser.set_defaults(handler=_run, parser=parser)


def _run(args: argparse.Namespace) -> int:
    parser: argparse.ArgumentParser = args.parser
    if args.list:
        if args.name:
            parser.error("give either --list or a demo NAME, not both")
        return _list(as_json=args.json)
    if not args.name:
        parser.error("a demo NAME or --list is required")
    options: dict[str, str] = {}
    for option in ("via", "setting"):
        value = getattr(args, option)
        if value is not None:
            if args.name != _FIXED_THRESHOLD:
                parser.error(f"--{option} applies only to {_FIXED_THRESHOLD}")
            options[option] = value
    # The child-process machinery loads here, when a demo runs, not when `brkdoc --help` does.
    from brkdoc.native.child import InterpreterUnavailable  # noqa: PLC0415

    try:
        result = run_demo(args.name, glibc=args.glibc, **options)
    except InterpreterUnavailable as error:
        if not args.json:
            raise
        # A machine reading --json gets an object that says the demo did not run, and why.
        unavailable = {
            "name": args.name,
            "claim": claim_of(args.name),
            "ran": False,
            "reason": str(error),
            "glibc": args.glibc,
            "build": build_for(args.glibc).build,
        }
        print(json.dumps(unavailable, indent=2))
        print(f"brkdoc: {error}", file=sys.stderr)
        return error.exit_status
    if result.removed_environment:
        names = ", ".join(result.removed_environment)
        print(
            f"brkdoc: the demo ran in a clean malloc environment, without {names} from yours",
            file=sys.stderr,
        )
    if args.json:
        print(json.dumps(result.as_dict(), indent=2))
    else:
        print(_report(result, show_build=args.glibc is not None))
    return 0 if result.holds else 1


def _list(*, as_json: bool) -> int:
    if as_json:
        listing = [{"name": name, "claim": claim_of(name)} for name in DEMO_NAMES]
        print(json.dumps(listing, indent=2))
        return 0
    width = max(len(name) for name in DEMO_NAMES)
    for name in DEMO_NAMES:
        print(f"{name:<{width}}  {claim_of(name)}")
    return 0


def _is_address(key: str) -> bool:
    return key.endswith(("_address", "_base")) or key.startswith("brk_") or "_brk_" in key


def _format(key: str, value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, int) and _is_address(key):
        return f"{value:#x}"
    if isinstance(value, list):
        return ", ".join(_format(key, item) for item in value)
    return str(value)


def _report(result: DemoResult, *, show_build: bool) -> str:
    verdict = "holds" if result.holds else "DOES NOT HOLD"
    built = f"{result.glibc}, build {result.build}" if show_build else result.glibc
    lines = [
        f"{result.name}: {verdict} (glibc {built})",
        f"claim: {result.claim}",
        "evidence:",
    ]
    width = max((len(key) for key in result.evidence), default=0)
    lines += [f"  {key:<{width}}  {_format(key, value)}" for key, value in result.evidence.items()]
    return "\n".join(lines)
