"""brkdoc.native.compare: the model against the real glibc, the first place they part as data.

The agreeing, differing, aborting and crashing cases run the real glibc (and the 2.43 build
`make glibcs` fetches); the cases real glibc does not produce on demand (the model stopping
where glibc goes on, and the other way round) replace the replay with recorded results.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pytest

from brkdoc.errors import BrkdocError, NotGlibcError
from brkdoc.native import compare
from brkdoc.native.compare import Difference, Stop, compare_trace, comparison_profile
from brkdoc.platform import glibc_version
from brkdoc.sim import GLIBC_2_36, PROFILES, HeapView, MallocAbort, simulate
from brkdoc.trace import Observation, TraceOp, parse_trace

ROOT = Path(__file__).resolve().parents[2]
VERSION = glibc_version()
pytestmark = pytest.mark.skipif(
    VERSION not in PROFILES, reason=f"needs a modelled glibc, not {VERSION or 'another C library'}"
)


def _ops(*lines: str) -> list[TraceOp]:
    return list(parse_trace([str(len(lines)), str(len(lines)), *lines], "t.rep"))


def test_a_shared_trace_agrees_on_every_op() -> None:
    path = ROOT / "examples" / "traces" / "csapp" / "realloc-bal.rep"
    ops = list(parse_trace(path.read_text().splitlines(), str(path)))
    found = compare_trace(ops, PROFILES[VERSION or ""])
    assert (found.verdict, found.agreeing, found.at) == ("agree", len(ops), None)
    assert (found.glibc, found.model) == (VERSION, VERSION)
    assert found.agrees


def test_the_first_difference_comes_with_both_observations_and_the_heap() -> None:
    # The 2.43 build sets its tcache up at the first free; the 2.36 model before the first block.
    found = compare_trace(_ops("a 0 24", "a 1 200000"), GLIBC_2_36, glibc="2.43")
    assert (found.verdict, found.agreeing, found.glibc, found.model) == (
        "differ",
        0,
        "2.43",
        "2.36",
    )
    assert isinstance(found.at, Difference)
    assert (found.at.index, found.at.op.text()) == (0, "a 0 24")
    assert (found.at.model_did.offset, found.at.glibc_did.offset) == (672, 16)
    assert isinstance(found.at.heap, HeapView)
    assert not found.agrees


def test_both_aborting_alike_agrees() -> None:
    found = compare_trace(_ops("a 0 50", "f 0", "f 0"), PROFILES[VERSION or ""])
    assert (found.verdict, found.agreeing) == ("both-abort", 2)
    assert isinstance(found.at, Stop)
    assert (found.at.index, found.at.op) == (2, TraceOp(5, "f", 0, 0))
    assert found.at.glibc_stop == "free(): double free detected in tcache 2"
    assert str(found.at.model_error) == found.at.glibc_stop
    assert found.agrees


def test_both_crashing_by_the_same_signal_agrees() -> None:
    # A second free of an mmapped block reads the header of memory already unmapped.
    found = compare_trace(_ops("a 0 300000", "f 0", "f 0"), PROFILES[VERSION or ""])
    assert (found.verdict, found.agreeing) == ("both-crash", 2)
    assert isinstance(found.at, Stop)
    assert found.at.glibc_stop == "killed by SIGSEGV (Segmentation fault)"


def _replaying(
    monkeypatch: pytest.MonkeyPatch, observations: Iterable[Observation], stop: str | None
) -> None:
    """Make the replay return these results instead of running glibc."""
    recorded = list(observations)
    monkeypatch.setattr(compare, "replay_trace", lambda ops, glibc=None: (recorded, stop))


def test_the_model_stopping_where_glibc_does_not(monkeypatch: pytest.MonkeyPatch) -> None:
    ops = _ops("a 0 50", "f 0", "f 0")
    before = list(simulate(ops[:2], GLIBC_2_36))
    _replaying(monkeypatch, before, "free(): invalid pointer")
    found = compare_trace(ops, GLIBC_2_36)
    assert (found.verdict, found.agreeing) == ("model-stops", 2)
    assert isinstance(found.at, Stop)
    assert isinstance(found.at.model_error, MallocAbort)
    assert found.at.glibc_stop == "free(): invalid pointer"


def test_glibc_stopping_where_the_model_does_not(monkeypatch: pytest.MonkeyPatch) -> None:
    ops = _ops("a 0 50", "f 0")
    _replaying(monkeypatch, list(simulate(ops[:1], GLIBC_2_36)), "free(): invalid pointer")
    found = compare_trace(ops, GLIBC_2_36)
    assert (found.verdict, found.agreeing) == ("glibc-stops", 1)
    assert found.at == Stop(1, TraceOp(4, "f", 0, 0), None, "free(): invalid pointer")


def test_the_profile_compared(monkeypatch: pytest.MonkeyPatch) -> None:
    assert comparison_profile("2.43") is PROFILES["2.43"]
    assert comparison_profile("2.43", "2.36") is PROFILES["2.36"]
    assert comparison_profile(None) is PROFILES[VERSION or ""]
    with pytest.raises(BrkdocError, match=r"glibc 2\.39 has no checked model"):
        comparison_profile("2.39")
    monkeypatch.setattr(compare, "glibc_version", lambda: None)
    with pytest.raises(NotGlibcError, match="compare needs glibc"):
        comparison_profile(None)
