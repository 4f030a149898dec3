"""Live measurements of the running C library: ctypes bindings, /proc readers, child processes.

Everything that changes the process's memory layout or malloc's settings runs in a child
interpreter (`run_in_child`), so importing this package changes nothing. The submodules `libc`,
`procfs` and `demos` are imported on demand, and so are the names below: `import brkdoc.native`
loads no submodule until one of them is used.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from brkdoc.native.child import ChildError, run_in_child
    from brkdoc.native.demos import DEMO_NAMES, DemoResult, run_demo

__all__ = ["DEMO_NAMES", "ChildError", "DemoResult", "run_demo", "run_in_child"]

# Where each public name lives; `__getattr__` imports the module on first use (PEP 562).
_HOMES = {
    "ChildError": "brkdoc.native.child",
    "run_in_child": "brkdoc.native.child",
    "DEMO_NAMES": "brkdoc.native.demos",
    "DemoResult": "brkdoc.native.demos",
    "run_demo": "brkdoc.native.demos",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
