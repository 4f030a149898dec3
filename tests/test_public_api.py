"""The public surface of each package is explicit; this notices when it drifts."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import brkdoc


def test_top_level_surface() -> None:
    assert brkdoc.__all__ == ["__version__"]


@pytest.mark.parametrize(
    "name",
    [
        "brkdoc",
        "brkdoc.native",
        "brkdoc.sim",
        "brkdoc.trace",
        "brkdoc.cli",
        "brkdoc.render",
        "brkdoc.bench",
    ],
)
def test_every_name_in_all_exists(name: str) -> None:
    module = importlib.import_module(name)
    exported = getattr(module, "__all__", None)
    assert exported, f"{name} has no __all__"
    missing = [item for item in exported if not hasattr(module, item)]
    assert not missing, f"{name}.__all__ names missing attributes: {missing}"


# brkdoc.doccheck exports nothing at package level (its __all__ is empty on purpose: the
# harness is used through its submodules), so those are checked one by one, with render's,
# bench's and trace's own.
SUBMODULES = sorted(
    info.name
    for package in ("brkdoc.render", "brkdoc.bench", "brkdoc.doccheck", "brkdoc.trace")
    for info in pkgutil.iter_modules(
        importlib.import_module(package).__path__, prefix=f"{package}."
    )
)


def test_the_submodules_are_found() -> None:
    assert {
        "brkdoc.render.heapmap",
        "brkdoc.bench.report",
        "brkdoc.doccheck.matching",
        "brkdoc.trace.text",
    } <= set(SUBMODULES)


@pytest.mark.parametrize("name", SUBMODULES)
def test_every_name_in_a_submodules_all_exists(name: str) -> None:
    module = importlib.import_module(name)
    exported = getattr(module, "__all__", [])
    missing = [item for item in exported if not hasattr(module, item)]
    assert not missing, f"{name}.__all__ names missing attributes: {missing}"
