"""The package's layering rules, checked on the source, through every chain of imports.

- `brkdoc.trace`, the trace format, is pure: of brkdoc it imports only itself and the exception
  base classes of `brkdoc.errors`, and no module that does I/O, directly or through another
  brkdoc module.
- `brkdoc.sim` is pure too: of brkdoc it imports only itself, `brkdoc.trace`, `brkdoc.errors`
  and `brkdoc.glibc_constants`, with the same I/O ban.
- `brkdoc.render` depends on the model (`brkdoc.sim`) and on data only: the same I/O ban, and
  of brkdoc only `render`, `sim`, `trace` and those two leaves.
- `brkdoc.native` never imports `brkdoc.cli`, however indirectly; its oracle (the replay on the
  real glibc) shares only the trace format with the model, never `brkdoc.sim` itself.

Imports are read with `ast`, so an import inside a function or under `if TYPE_CHECKING:` counts
too: it is still a dependency, only a later one. Importing `a.b.c` runs `a` and `a.b` first, so
a module also depends on the packages above each module it imports.
"""

from __future__ import annotations

import ast
import importlib.util
from dataclasses import dataclass
from pathlib import Path

import brkdoc
from brkdoc.playground.imports import imported_modules

SRC = Path(brkdoc.__file__).resolve().parent.parent

# Standard modules whose job is talking to the system: files, processes, sockets, the terminal.
IO_MODULES = frozenset(
    {
        "asyncio",
        "ctypes",
        "fcntl",
        "http",
        "io",
        "mmap",
        "multiprocessing",
        "os",
        "pathlib",
        "resource",
        "select",
        "selectors",
        "shutil",
        "signal",
        "socket",
        "subprocess",
        "sys",
        "tempfile",
        "urllib",
    }
)


@dataclass(frozen=True)
class Rule:
    """Modules under `package` may import, of brkdoc, only `allowed` (None: anything) minus
    `forbidden`, and no external module in `banned`; all of it counted transitively."""

    package: str
    allowed: tuple[str, ...] | None = None
    forbidden: tuple[str, ...] = ()
    banned: frozenset[str] = frozenset()


# `brkdoc.errors` holds the exception base classes and imports nothing: it sits below every
# layer (the walk still checks it, so it cannot start importing I/O unnoticed). So does
# `brkdoc.glibc_constants`, glibc's fixed numbers, which the model and the live demos share;
# its own rule keeps it a leaf with no I/O.
RULES = (
    Rule("brkdoc.trace", allowed=("brkdoc.trace", "brkdoc.errors"), banned=IO_MODULES),
    Rule(
        "brkdoc.sim",
        allowed=("brkdoc.sim", "brkdoc.trace", "brkdoc.errors", "brkdoc.glibc_constants"),
        banned=IO_MODULES,
    ),
    Rule(
        "brkdoc.render",
        allowed=(
            "brkdoc.render",
            "brkdoc.sim",
            "brkdoc.trace",
            "brkdoc.errors",
            "brkdoc.glibc_constants",
        ),
        banned=IO_MODULES,
    ),
    Rule("brkdoc.native", forbidden=("brkdoc.cli",)),
    # The replay on the real glibc shares the trace format with the model, not the model.
    Rule("brkdoc.native.oracle", forbidden=("brkdoc.cli", "brkdoc.sim")),
    Rule("brkdoc.glibc_constants", allowed=("brkdoc.glibc_constants",), banned=IO_MODULES),
)


def _inside(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def _parents(name: str) -> list[str]:
    parts = name.split(".")
    return [".".join(parts[:end]) for end in range(1, len(parts))]


def scan(src: Path, top: str = "brkdoc") -> dict[str, set[str]]:
    """Every module under `src/top`, with the names it imports (absolute, as written or resolved
    from a relative import; `from x import y` gives both `x` and `x.y`)."""
    modules: dict[str, set[str]] = {}
    for path in sorted((src / top).rglob("*.py")):
        parts = list(path.relative_to(src).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts.pop()
        name = ".".join(parts)
        package = name if is_package else name.rpartition(".")[0]
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        imported = {
            importlib.util.resolve_name(found, package) if found.startswith(".") else found
            for found in imported_modules(tree)
        }
        modules[name] = imported
    return modules


def _dependencies(modules: dict[str, set[str]], name: str, top: str) -> list[str]:
    """The modules this module's own brkdoc imports point at, with their parent packages."""
    found: list[str] = []
    for imported in sorted(modules[name]):
        if not _inside(imported, top):
            continue
        targets = [*_parents(imported), imported]
        found.extend(t for t in targets if t in modules and t != name and t not in found)
    return found


def violations(
    modules: dict[str, set[str]], rules: tuple[Rule, ...], top: str = "brkdoc"
) -> list[str]:
    """One line per broken rule: the chain of imports from a module to what it may not use."""
    problems: list[str] = []
    for rule in rules:
        for start in sorted(m for m in modules if _inside(m, rule.package)):
            chains = {start: [start]}
            queue = [start]
            while queue:
                current = queue.pop(0)
                chain = chains[current]
                for imported in sorted(modules[current]):
                    root = imported.split(".")[0]
                    if root != top and root in rule.banned:
                        problems.append(" -> ".join([*chain, imported]))
                for nxt in _dependencies(modules, current, top):
                    if nxt in chains:
                        continue
                    chains[nxt] = [*chain, nxt]
                    parent_only = nxt in _parents(start)  # e.g. `brkdoc` itself: runs first anyway
                    outside = rule.allowed is not None and not any(
                        _inside(nxt, allowed) for allowed in rule.allowed
                    )
                    if (outside and not parent_only) or any(
                        _inside(nxt, forbidden) for forbidden in rule.forbidden
                    ):
                        problems.append(" -> ".join(chains[nxt]))
                    queue.append(nxt)
    return sorted(set(problems))


def test_the_package_keeps_its_layers() -> None:
    modules = scan(SRC)
    assert {"brkdoc.sim.heap", "brkdoc.render.heapmap", "brkdoc.native.oracle"} <= set(modules)
    assert {"brkdoc.trace", "brkdoc.trace.text"} <= set(modules)
    assert violations(modules, RULES) == []


def _write(root: Path, files: dict[str, str]) -> None:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def test_a_violation_is_found_through_other_modules(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "brkdoc/__init__.py": "",
            "brkdoc/sim/__init__.py": "from .heap import Heap\n",
            "brkdoc/sim/heap.py": "from brkdoc.sim import helpers\nclass Heap: ...\n",
            # Two steps away from the package's front door, and inside a function.
            "brkdoc/sim/helpers.py": "def load():\n    import os.path\n",
            "brkdoc/render/__init__.py": "",
            "brkdoc/render/figures.py": "from brkdoc.sim import Heap\nfrom . import files\n",
            "brkdoc/render/files.py": "from brkdoc.native import procfs\n",
            "brkdoc/native/__init__.py": "",
            "brkdoc/native/procfs.py": "from ..platform import machine\n",
            "brkdoc/platform.py": "from typing import TYPE_CHECKING\n"
            "if TYPE_CHECKING:\n    from brkdoc.cli import main\n",
            "brkdoc/cli/__init__.py": "",
            # The format below the model must not lean on it, nor the oracle on the model.
            "brkdoc/trace/__init__.py": "from brkdoc.sim.heap import Heap\n",
            "brkdoc/native/oracle.py": "from brkdoc.trace import ops\n",
        },
    )
    found = violations(scan(tmp_path), RULES)
    assert "brkdoc.trace -> brkdoc.sim" in found
    assert "brkdoc.native.oracle -> brkdoc.trace -> brkdoc.sim" in found
    assert "brkdoc.sim -> brkdoc.sim.heap -> brkdoc.sim.helpers -> os.path" in found
    assert "brkdoc.render.files -> brkdoc.native" in found
    assert "brkdoc.render.figures -> brkdoc.render.files -> brkdoc.native" in found
    assert "brkdoc.native.procfs -> brkdoc.platform -> brkdoc.cli" in found
    # The render rule sees the I/O ban through sim as well.
    assert (
        "brkdoc.render.figures -> brkdoc.sim -> brkdoc.sim.heap -> brkdoc.sim.helpers -> os.path"
        in found
    )


def test_a_clean_tree_passes(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "brkdoc/__init__.py": "",
            "brkdoc/sim/__init__.py": "import math\nfrom .heap import Heap\n",
            "brkdoc/sim/heap.py": "import json\nfrom brkdoc.trace import ops\nclass Heap: ...\n",
            "brkdoc/trace/__init__.py": "import re\nfrom brkdoc.errors import InputError\n",
            "brkdoc/errors.py": "",
            "brkdoc/render/__init__.py": "from brkdoc.sim import Heap\n",
            "brkdoc/native/__init__.py": "import os\nfrom brkdoc.render import Heap\n",
            "brkdoc/native/oracle.py": "import subprocess\nfrom brkdoc.trace import ops\n",
        },
    )
    assert violations(scan(tmp_path), RULES) == []
