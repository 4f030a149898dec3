"""The public API of brkdoc.trace: what `__all__` exports, and that the package stays pure."""

from __future__ import annotations

import ast
from pathlib import Path

import brkdoc.trace

EXPECTED_API = {
    "MAX_LINE",
    "NUMBER_LIMIT",
    "IdTable",
    "Observation",
    "TraceOp",
    "format_observation",
    "parse_observation",
    "parse_trace",
    "stopped_at",
    "trace_lines",
}
# The in-page playground runs this package, so it touches no file, process or terminal.
FORBIDDEN = {"ctypes", "os", "subprocess", "io", "pathlib", "shutil", "socket", "sys", "tempfile"}


def test_all_matches_the_documented_api() -> None:
    assert set(brkdoc.trace.__all__) == EXPECTED_API
    for name in brkdoc.trace.__all__:
        assert hasattr(brkdoc.trace, name), name


def test_trace_is_pure() -> None:
    sources = sorted(Path(brkdoc.trace.__file__).parent.glob("*.py"))
    assert len(sources) >= 4
    for source in sources:
        text = source.read_text(encoding="utf-8")
        for node in ast.walk(ast.parse(text)):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert name.split(".")[0] not in FORBIDDEN, f"{source.name} imports {name}"
                if name.startswith("brkdoc."):
                    assert name.startswith(("brkdoc.trace", "brkdoc.errors")), name
        assert "open(" not in text, source.name
