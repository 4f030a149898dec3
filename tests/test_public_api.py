"""The public surface of each package is explicit; this notices when it drifts."""

from __future__ import annotations

import importlib

import pytest

import brkdoc


def test_top_level_surface() -> None:
    assert brkdoc.__all__ == ["__version__"]


@pytest.mark.parametrize("name", ["brkdoc", "brkdoc.native", "brkdoc.sim", "brkdoc.cli"])
def test_every_name_in_all_exists(name: str) -> None:
    module = importlib.import_module(name)
    exported = getattr(module, "__all__", None)
    assert exported, f"{name} has no __all__"
    missing = [item for item in exported if not hasattr(module, item)]
    assert not missing, f"{name}.__all__ names missing attributes: {missing}"
