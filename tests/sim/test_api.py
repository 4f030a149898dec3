"""The public API of brkdoc.sim is a contract with the docs; notice any drift."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import brkdoc.sim
from brkdoc.sim import Heap

EXPECTED_API = {
    "GLIBC_2_31",
    "GLIBC_2_36",
    "GLIBC_2_41",
    "GLIBC_2_43",
    "GLIBC_2_44",
    "M_MMAP_MAX",
    "M_MMAP_THRESHOLD",
    "M_MXFAST",
    "M_TOP_PAD",
    "M_TRIM_THRESHOLD",
    "PROFILES",
    "PROFILE_NAMES",
    "ChunkView",
    "Heap",
    "HeapView",
    "MallocAbort",
    "MallocCrash",
    "MallocError",
    "MmapView",
    "Profile",
    "Syscall",
    "TraceSummary",
    "UnknownVersion",
    "UnsupportedState",
    "format_strace",
    "format_view",
    "get_profile",
    "profile_for_version",
    "request2size",
    "simulate",
    "snapshot",
    "summarize",
    "summarize_lines",
}

HEAP_METHODS = {"malloc", "free", "realloc", "calloc", "mallopt", "malloc_trim", "snapshot"}


def test_all_matches_the_documented_api() -> None:
    assert set(brkdoc.sim.__all__) == EXPECTED_API
    for name in brkdoc.sim.__all__:
        assert hasattr(brkdoc.sim, name), name


def test_heap_methods_and_attributes() -> None:
    for name in HEAP_METHODS:
        assert callable(getattr(Heap, name)), name
    heap = Heap()
    for name in ("brk", "mmapped", "syscalls", "syscall_counts", "tunables"):
        assert hasattr(heap, name), name
    params = inspect.signature(brkdoc.sim.snapshot).parameters
    assert list(params) == ["heap"]
    assert heap.snapshot() == brkdoc.sim.snapshot(heap)


def test_sim_is_pure() -> None:
    """brkdoc.sim imports no ctypes, os, subprocess or I/O modules."""
    forbidden = {"ctypes", "os", "subprocess", "io", "pathlib", "shutil", "socket", "tempfile"}
    package = Path(brkdoc.sim.__file__).parent
    for source in package.glob("*.py"):
        tree = ast.parse(source.read_text())
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert name.split(".")[0] not in forbidden, f"{source.name} imports {name}"
        assert "open(" not in source.read_text(), source.name
