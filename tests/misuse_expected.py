"""What each misuse case of `brkdoc.sim.misuse` does on the real builds: glibc's message, or
the signal it dies of. Measured with `brkdoc.native.misuse.run_on_glibc` on Debian's builds
(2.31-13+deb11u14, 2.36-9+deb12u14, 2.41-12+deb13u5, 2.43-7, 2.44-3);
tests/native/test_misuse.py checks the builds still say this, tests/sim/test_misuse.py that
the model does."""

from __future__ import annotations

VERSIONS = ("2.31", "2.36", "2.41", "2.43", "2.44")

TCACHE = "free(): double free detected in tcache 2"
FASTTOP = "double free or corruption (fasttop)"
TOP = "double free or corruption (top)"
NOT_PREV = "double free or corruption (!prev)"
INVALID = "free(): invalid pointer"

_SAME = {
    "double-free-in-the-tcache": (2, TCACHE),
    "double-free-behind-another": (4, TCACHE),
    "double-free-of-the-largest-tcache-size": (2, TCACHE),
    "double-free-of-a-calloc-block": (2, TCACHE),
    "realloc-to-zero-of-a-freed-block": (2, TCACHE),
    "double-free-into-the-top": (2, TOP),
    "double-free-in-the-unsorted-bin": (3, NOT_PREV),
    "double-free-in-a-large-bin": (4, NOT_PREV),
    "free-of-a-misaligned-pointer": (1, INVALID),
    "free-in-the-middle-of-a-block": (1, INVALID),
    "free-of-a-misaligned-mmapped-pointer": (1, INVALID),
    "realloc-of-a-misaligned-pointer": (1, "realloc(): invalid pointer"),
    "double-free-of-an-mmapped-block": (2, "SIGSEGV"),
    "realloc-of-an-unmapped-block": (2, "SIGSEGV"),
}
# From 2.43 the tcache takes these sizes where 2.42 and before used a fastbin or a small bin,
# so the same calls trip the tcache's check instead.
_BY_VERSION = {
    "double-free-at-the-fastbin-top": (16, {"2.31": FASTTOP, "2.36": FASTTOP, "2.41": FASTTOP}),
    "realloc-to-zero-at-the-fastbin-top": (
        16,
        {"2.31": FASTTOP, "2.36": FASTTOP, "2.41": FASTTOP},
    ),
    "double-free-in-a-small-bin": (18, {"2.31": NOT_PREV, "2.36": NOT_PREV, "2.41": NOT_PREV}),
}


def expected(name: str, version: str) -> tuple[int, str]:
    """(steps that returned, glibc's message or the signal's name) for case `name`."""
    if name in _SAME:
        return _SAME[name]
    steps, messages = _BY_VERSION[name]
    return steps, messages.get(version, TCACHE)


CASE_NAMES = (*_SAME, *_BY_VERSION)
