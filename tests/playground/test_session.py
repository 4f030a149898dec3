"""brkdoc.playground.session: running the reader's calls step by step."""

from __future__ import annotations

from brkdoc.playground.calls import parse_calls, parse_input
from brkdoc.playground.session import BLOCKS_LAYOUT_LIMIT, Session
from brkdoc.render import heap_map_from_view, render_heap_map
from brkdoc.render.figures import fragmentation_figures
from brkdoc.sim import Heap, format_strace, snapshot
from brkdoc.sim.profiles import GLIBC_2_36, PROFILES

FOUR_BLOCKS = """A = malloc(40000)
B = malloc(40000)
C = malloc(40000)
D = malloc(40000)
free(B)
free(C)
free(D)"""


def _session(text: str) -> Session:
    return Session(parse_input(text, "calls"), GLIBC_2_36)


def test_the_four_block_example_draws_the_fragmentation_pages_figures() -> None:
    session = _session(FOUR_BLOCKS)
    figures = fragmentation_figures()
    assert session.state(4)["svg"] == figures["fragmentation-2-free-b.svg"]
    assert session.state(5)["svg"] == figures["fragmentation-3-free-c.svg"]
    assert session.state(6)["svg"] == figures["fragmentation-4-free-d.svg"]


def test_steps_record_results_break_and_syscalls_as_the_heap_makes_them() -> None:
    session = _session(FOUR_BLOCKS)
    heap = Heap(GLIBC_2_36)
    pointers = [heap.malloc(40000) for _ in range(4)]
    for pointer in pointers[1:]:
        heap.free(pointer)
    assert [step.result for step in session.steps[:4]] == [hex(p) for p in pointers]
    assert session.steps[-1].brk == heap.brk
    made = [call for step in session.steps for call in step.syscalls]
    assert "".join(f"{call}\n" for call in made) == format_strace(heap.syscalls)
    assert session.stop is None


def test_going_back_replays_from_the_start() -> None:
    session = _session(FOUR_BLOCKS)
    late = session.state(6)
    early = session.state(0)
    assert session.state(6) == late
    assert session.state(0) == early
    assert session.state(-1)["brk"] == 0
    assert early["brk"] == 0x21000


def test_bins_and_a_diff() -> None:
    session = _session("a = malloc(24)\nb = malloc(2000)\nc = malloc(10)\nfree(a)\nfree(b)")
    names = [group["name"] for group in session.state(4)["bins"]]
    assert names == ["tcache bin 0 (chunks of 0x20 bytes)", "unsorted bin"]
    labels = [chunk["label"] for group in session.state(4)["bins"] for chunk in group["chunks"]]
    assert labels == ["a", "b"]
    diff = session.diff(2, 4)
    assert diff["brk"] == 0
    assert diff["syscalls"] == []
    assert any(line.startswith("+") and "unsorted" in line for line in diff["changes"])
    assert session.diff(4, 2) == diff


def test_glibcs_abort_stops_the_run_with_its_message() -> None:
    session = _session("a = malloc(24)\nfree(a)\nfree(a)\nb = malloc(1)")
    assert len(session.steps) == 2
    assert session.stop is not None
    assert (session.stop.index, session.stop.line, session.stop.abort) == (2, 3, True)
    assert session.stop.message == "free(): double free detected in tcache 2"


def test_a_state_the_model_cannot_follow_is_not_called_an_abort() -> None:
    session = _session("a = malloc(2000)\nb = malloc(10)\nfree(a)\nc = realloc(a, 10)")
    assert session.stop is not None
    assert not session.stop.abort


def test_big_heaps_are_drawn_to_scale() -> None:
    count = BLOCKS_LAYOUT_LIMIT + 1
    session = _session("\n".join(f"p{i} = malloc(24)" for i in range(count)))
    heap = Heap(GLIBC_2_36)
    labels = {heap.malloc(24): f"p{i}" for i in range(count)}
    view = heap_map_from_view(snapshot(heap), labels, f"After p{count - 1} = malloc(24)")
    assert len(view.chunks) > BLOCKS_LAYOUT_LIMIT
    drawn = session.state(count - 1)["svg"]
    assert drawn == render_heap_map(view, "linear")
    assert drawn != render_heap_map(view, "blocks")


def test_every_profile_runs_and_the_timeline_has_every_step() -> None:
    for profile in PROFILES.values():
        session = Session(parse_calls(FOUR_BLOCKS, "calls"), profile)
        assert len(session.steps) == 7
        assert session.timeline().startswith("<svg")
