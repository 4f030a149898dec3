"""brkdoc.timing: the time a piece of work took, with the cycle collector paused around it."""

from __future__ import annotations

import gc

import pytest

from brkdoc.timing import timed_without_gc


def test_the_work_runs_with_the_collector_off_and_it_comes_back_on() -> None:
    assert gc.isenabled()
    result, seconds = timed_without_gc(gc.isenabled)
    assert result is False
    assert seconds >= 0
    assert gc.isenabled()


def test_an_exception_still_switches_the_collector_back_on() -> None:
    def fail() -> None:
        raise ValueError("stop")

    with pytest.raises(ValueError, match="stop"):
        timed_without_gc(fail)
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off() -> None:
    gc.disable()
    try:
        timed_without_gc(lambda: None)
        assert not gc.isenabled()
    finally:
        gc.enable()
