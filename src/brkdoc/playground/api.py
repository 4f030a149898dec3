"""The playground's entry points, called from the page's JavaScript with plain values.

`simulate_text` gives exactly what `brkdoc simulate --jsonl --glibc V FILE` prints: both call
`brkdoc.sim.jsonl.jsonl_lines`, and the text is split into lines as Python splits a file opened
the way the command opens it (bytes read as latin-1, and only LF ends a line).

>>> output, error = simulate_text("1\\n2\\na 0 24\\nf 0\\n", "2.36", "t.rep")
>>> print(output, end="")
{"i": 0, "op": "a", "id": 0, "where": "heap", "offset": 672, "brk": 135168, "mmapped": 0}
{"i": 1, "op": "f", "id": 0, "where": null, "offset": null, "brk": 135168, "mmapped": 0}
>>> simulate_text("1\\n2\\na 0 24\\n", "2.36", "t.rep")
('', 't.rep:2: header says 2 operations, the trace has 1')
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

from brkdoc.errors import BrkdocError
from brkdoc.playground.calls import parse_input
from brkdoc.playground.session import Session
from brkdoc.sim.jsonl import jsonl_lines
from brkdoc.sim.profiles import PROFILES, Profile, UnknownVersion, get_profile
from brkdoc.trace import parse_trace, trace_lines

__all__ = [
    "profile_named",
    "profile_names",
    "session_diff",
    "session_state",
    "simulate_text",
    "start_session",
]


def profile_names() -> list[str]:
    """The glibc versions the simulator has checked profiles for, as it lists them."""
    return list(PROFILES)


def profile_named(version: str) -> Profile:
    """The profile for `version`; BrkdocError naming the choices for any other."""
    try:
        return get_profile(version)
    except UnknownVersion:
        choices = ", ".join(PROFILES)
        raise BrkdocError(
            f"--glibc: no checked profile for glibc {version} (choose from {choices})"
        ) from None


def _as_the_cli_reads_it(text: str) -> Iterator[str]:
    """The lines of the text as `brkdoc simulate` reads a UTF-8 file holding it: bytes decoded
    as latin-1, split by `trace_lines` (only LF ends a line)."""
    raw = text.encode("utf-8", errors="surrogatepass").decode("latin-1")
    return trace_lines(io.StringIO(raw, newline="\n"))


def simulate_text(text: str, glibc: str, path: str) -> tuple[str, str | None]:
    """(what the command prints on stdout, its error message or None).

    The error message is the one the command prints after `brkdoc: `; stdout then holds the
    lines printed before it (none for bad input, the ops before a misuse for an abort).
    """
    printed: list[str] = []
    try:
        profile = profile_named(glibc)
        ops = list(parse_trace(_as_the_cli_reads_it(text), path))
        for line in jsonl_lines(ops, path, profile):
            printed.append(line)
    except BrkdocError as error:
        return "".join(printed), str(error)
    return "".join(printed), None


_sessions: dict[int, Session] = {}


def start_session(text: str, glibc: str) -> str:
    """Run the reader's calls (or trace); JSON with the steps, the stop if any, or the error."""
    try:
        session = Session(parse_input(text, "calls"), profile_named(glibc))
    except BrkdocError as error:
        return json.dumps({"error": str(error)})
    _sessions.clear()
    _sessions[0] = session
    stop = session.stop
    return json.dumps(
        {
            "error": None,
            "glibc": session.profile.name,
            "steps": [step.__dict__ for step in session.steps],
            "stop": None if stop is None else stop.__dict__,
            "timeline": session.timeline(),
        }
    )


def session_state(step: int) -> str:
    """JSON of the current session's heap after `step`."""
    return json.dumps(_sessions[0].state(step))


def session_diff(first: int, second: int) -> str:
    """JSON of what changed between two steps of the current session."""
    result: dict[str, Any] = _sessions[0].diff(first, second)
    return json.dumps(result)
