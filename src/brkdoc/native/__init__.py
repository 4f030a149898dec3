"""Live measurements of the running C library: ctypes bindings, /proc readers, child processes.

Everything that changes the process's memory layout or malloc's settings runs in a child
interpreter (`run_in_child`), so importing this package changes nothing. The submodules `libc`,
`procfs` and `demos` are imported on demand.
"""

from __future__ import annotations

from brkdoc.native.child import ChildError, run_in_child
from brkdoc.native.demos import DEMO_NAMES, DemoResult, run_demo

__all__ = ["DEMO_NAMES", "ChildError", "DemoResult", "run_demo", "run_in_child"]
