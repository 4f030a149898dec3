"""A catalogue of ways to misuse malloc, and what the model says each one does.

Each case is a short list of calls on numbered slots: `malloc`, `calloc`, `free` and
`realloc`, where free and realloc may add a byte offset to the slot's pointer (a pointer into
the middle of a block, or a misaligned one). glibc detects most of them and aborts with a
message; `brkdoc.native.misuse` makes the same calls on a real glibc, and the tests check that
the model's message is glibc's, word for word, on every checked version.

```pycon
>>> from brkdoc.sim.misuse import CATALOGUE, run_on_model
>>> from brkdoc.sim import GLIBC_2_36
>>> case = CATALOGUE["double-free-in-the-tcache"]
>>> [step.call for step in case.steps]
['malloc', 'free', 'free']
>>> run_on_model(case, GLIBC_2_36)
Outcome(steps_done=2, message='free(): double free detected in tcache 2', crash=None)

```
"""

from __future__ import annotations

from typing import NamedTuple

from brkdoc.sim.errors import MallocAbort, MallocCrash
from brkdoc.sim.heap import Heap
from brkdoc.sim.profiles import Profile

__all__ = ["CALLS", "CATALOGUE", "MisuseCase", "Outcome", "Step", "run_on_model"]

CALLS = ("malloc", "calloc", "free", "realloc")


class Step(NamedTuple):
    """One call: malloc/calloc(size) into `slot`, free(slot + offset), or
    realloc(slot + offset, size) into `slot`."""

    call: str
    slot: int
    size: int = 0
    offset: int = 0


class MisuseCase(NamedTuple):
    name: str
    what: str
    steps: tuple[Step, ...]


class Outcome(NamedTuple):
    """How a case ended: after `steps_done` calls returned, with glibc's abort `message`, or a
    `crash` (the signal's name, e.g. "SIGSEGV"), or neither if every call returned."""

    steps_done: int
    message: str | None
    crash: str | None


def _malloc(slot: int, size: int) -> Step:
    return Step("malloc", slot, size)


def _free(slot: int, offset: int = 0) -> Step:
    return Step("free", slot, 0, offset)


def _realloc(slot: int, size: int, offset: int = 0) -> Step:
    return Step("realloc", slot, size, offset)


def _fill(size: int, count: int) -> tuple[Step, ...]:
    return tuple(_malloc(slot, size) for slot in range(count))


def _free_all(count: int) -> tuple[Step, ...]:
    return tuple(_free(slot) for slot in range(count))


_CASES = [
    MisuseCase(
        "double-free-in-the-tcache",
        "free the same small block twice",
        (_malloc(0, 50), _free(0), _free(0)),
    ),
    MisuseCase(
        "double-free-behind-another",
        "free a block twice with another freed in between (the tcache check walks the bin)",
        (_malloc(0, 50), _malloc(1, 50), _free(0), _free(1), _free(0)),
    ),
    MisuseCase(
        "double-free-of-the-largest-tcache-size",
        "free a 1032-byte block twice: the last tcache bin",
        (_malloc(0, 1032), _free(0), _free(0)),
    ),
    MisuseCase(
        "double-free-of-a-calloc-block",
        "calloc a block, then free it twice",
        (Step("calloc", 0, 50), _free(0), _free(0)),
    ),
    MisuseCase(
        "realloc-to-zero-of-a-freed-block",
        "realloc(p, 0) frees p: after free(p), that is a second free",
        (_malloc(0, 50), _free(0), _realloc(0, 0)),
    ),
    MisuseCase(
        "double-free-at-the-fastbin-top",
        "fill the tcache bin with 7 frees, free an 8th block into a fastbin, free it again",
        (*_fill(50, 8), *_free_all(8), _free(7)),
    ),
    MisuseCase(
        "realloc-to-zero-at-the-fastbin-top",
        "as at the fastbin top, but the second free is realloc(p, 0)",
        (*_fill(50, 8), *_free_all(8), _realloc(7, 0)),
    ),
    MisuseCase(
        "double-free-into-the-top",
        "free a large block next to the top chunk twice: the first free merged it into top",
        (_malloc(0, 5000), _free(0), _free(0)),
    ),
    MisuseCase(
        "double-free-in-the-unsorted-bin",
        "free a large block twice while it waits in the unsorted bin",
        (_malloc(0, 5000), _malloc(1, 24), _free(0), _free(0)),
    ),
    MisuseCase(
        "double-free-in-a-large-bin",
        "free a large block twice after a malloc has sorted it into a large bin",
        (_malloc(0, 5000), _malloc(1, 24), _free(0), _malloc(2, 10000), _free(0)),
    ),
    MisuseCase(
        "double-free-in-a-small-bin",
        "free a 200-byte block twice after the tcache bin filled and a malloc sorted it into a "
        "small bin",
        (*_fill(200, 8), _malloc(8, 24), *_free_all(8), _malloc(9, 300), _free(7)),
    ),
    MisuseCase(
        "free-of-a-misaligned-pointer",
        "free a pointer one byte past the start of a block",
        (_malloc(0, 50), _free(0, offset=1)),
    ),
    MisuseCase(
        "free-in-the-middle-of-a-block",
        "free a pointer 8 bytes into a block (not a chunk boundary)",
        (_malloc(0, 50), _free(0, offset=8)),
    ),
    MisuseCase(
        "free-of-a-misaligned-mmapped-pointer",
        "free a pointer one byte into a block that has a mapping of its own",
        (_malloc(0, 300_000), _free(0, offset=1)),
    ),
    MisuseCase(
        "realloc-of-a-misaligned-pointer",
        "realloc a pointer one byte past the start of a block",
        (_malloc(0, 50), _realloc(0, 100, offset=1)),
    ),
    MisuseCase(
        "double-free-of-an-mmapped-block",
        "free a block that has a mapping of its own twice: the first free unmapped it",
        (_malloc(0, 300_000), _free(0), _free(0)),
    ),
    MisuseCase(
        "realloc-of-an-unmapped-block",
        "realloc a block that has a mapping of its own after freeing it",
        (_malloc(0, 300_000), _free(0), _realloc(0, 100)),
    ),
]
CATALOGUE: dict[str, MisuseCase] = {case.name: case for case in _CASES}


def run_on_model(case: MisuseCase, profile: Profile) -> Outcome:
    """Make the case's calls on a fresh model heap. An UnsupportedState propagates: the model
    cannot say what glibc does there."""
    heap = Heap(profile, record_syscalls=False)
    slots: dict[int, int] = {}
    for done, step in enumerate(case.steps):
        pointer = slots.get(step.slot, 0) + step.offset
        try:
            if step.call == "malloc":
                slots[step.slot] = heap.malloc(step.size)
            elif step.call == "calloc":
                slots[step.slot] = heap.calloc(1, step.size)
            elif step.call == "free":
                heap.free(pointer)
            else:
                slots[step.slot] = heap.realloc(pointer, step.size)
        except MallocAbort as abort:
            return Outcome(done, abort.message, None)
        except MallocCrash as crash:
            return Outcome(done, None, crash.signal)
    return Outcome(len(case.steps), None, None)
