"""The modules a piece of Python source imports, read from its syntax tree without running it.

One reading for the two places that judge imports: the Run-button rule
(`brkdoc.playground.eligibility`) and the site hook that bundles the simulator for the page
(`hooks/playground.py`), which follows these names from its root packages.

>>> import ast
>>> from brkdoc.playground.imports import imported_modules
>>> imported_modules(ast.parse("import a.b\\nfrom c import d\\nfrom . import e\\n"))
['a.b', 'c', 'c.d', '.', '.e']
"""

from __future__ import annotations

import ast

__all__ = ["imported_modules"]


def imported_modules(tree: ast.AST) -> list[str]:
    """Every module an import statement anywhere in `tree` names (inside functions too), in the
    order they appear. `from x import y` gives `x` and then `x.y`, since `y` may be a module. A
    relative import keeps its leading dots (`from .. import y` gives `..` and `..y`)."""
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = "." * node.level + (node.module or "")
            names.append(base)
            joiner = "" if base.endswith(".") else "."
            names.extend(f"{base}{joiner}{alias.name}" for alias in node.names)
    return names
