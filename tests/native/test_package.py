"""brkdoc.native: importing the package loads no submodule; each name loads its own on use."""

from __future__ import annotations

import subprocess
import sys

import pytest


def _modules_after(code: str) -> set[str]:
    probe = f"import sys\n{code}\nprint(' '.join(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return {name for name in done.stdout.split() if name.startswith("brkdoc.native")}


def test_importing_the_package_loads_no_submodule() -> None:
    assert _modules_after("import brkdoc.native") == {"brkdoc.native"}


@pytest.mark.parametrize(
    ("name", "home"),
    [("run_in_child", "brkdoc.native.child"), ("DEMO_NAMES", "brkdoc.native.demos")],
)
def test_a_name_loads_its_module_on_first_use(name: str, home: str) -> None:
    loaded = _modules_after(f"import brkdoc.native\nbrkdoc.native.{name}")
    assert home in loaded
    assert "brkdoc.native.oracle" not in loaded


def test_every_public_name_resolves_and_unknown_names_raise() -> None:
    import brkdoc.native  # noqa: PLC0415

    for name in brkdoc.native.__all__:
        assert getattr(brkdoc.native, name) is not None
        assert name in dir(brkdoc.native)
    with pytest.raises(AttributeError, match="no_such_name"):
        _ = brkdoc.native.no_such_name
