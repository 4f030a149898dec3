"""Read what a reader types into the playground: C-like calls, or a trace in the project's format.

Calls are one a line, written as in C without the semicolon (a `;` at the end is allowed):

    a = malloc(40000)
    b = calloc(10, 4)
    a = realloc(a, 100000)
    free(b)
    malloc_trim(0)
    mallopt(M_MMAP_THRESHOLD, 1 << 20)

Numbers may be written in decimal or hex, with `_`, and combined with `+ - * << >>` and
parentheses. `#` and `//` start a comment. A text whose first line is a number is a trace
(`a ID SIZE`, `r ID SIZE`, `f ID` after the header), read by `brkdoc.trace.parse_trace`.

>>> [call.source for call in parse_calls("a = malloc(40000)\\nfree(a)", "calls")]
['a = malloc(40000)', 'free(a)']
>>> parse_calls("free(x)", "calls")
Traceback (most recent call last):
  ...
brkdoc.errors.InputError: calls:1: free(x): x was never assigned
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass

from brkdoc import glibc_constants
from brkdoc.errors import InputError
from brkdoc.trace import parse_trace

__all__ = ["PARAMETERS", "Call", "is_trace", "parse_calls", "parse_input"]

# The mallopt parameters a reader may name, with their <malloc.h> numbers: every M_* constant.
PARAMETERS: dict[str, int] = {
    name: getattr(glibc_constants, name)
    for name in glibc_constants.__all__
    if name.startswith("M_")
}
# Function name -> (argument count, whether it returns a pointer to keep).
_FUNCTIONS = {
    "malloc": (1, True),
    "calloc": (2, True),
    "realloc": (2, True),
    "free": (1, False),
    "malloc_trim": (1, False),
    "mallopt": (2, False),
}
_OPERATORS: dict[type[ast.operator], Callable[[int, int], int]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.LShift: lambda a, b: a << b,
    ast.RShift: lambda a, b: a >> b,
}
# Refuse shifts that would build numbers far beyond any address space.
_MAX_SHIFT = 128


@dataclass(frozen=True)
class Call:
    """One call: `function` with `numbers` (sizes, counts, settings) and, for free and realloc,
    the name of the `pointer` it takes. `target` is the name the result goes to, or None.
    `line` is the 1-based line of the input, `source` how the reader wrote it."""

    line: int
    source: str
    function: str
    target: str | None = None
    pointer: str | None = None
    numbers: tuple[int, ...] = ()


def is_trace(text: str) -> bool:
    """Whether `text` is a trace: its first non-blank line is a bare number (the header)."""
    for line in text.splitlines():
        if line.strip():
            return line.strip().isdigit()
    return False


def parse_input(text: str, path: str) -> list[Call]:
    """The calls in `text`, whether typed as calls or pasted as a trace."""
    if is_trace(text):
        return trace_calls(text, path)
    return parse_calls(text, path)


def trace_calls(text: str, path: str) -> list[Call]:
    """A trace's operations as calls, each block named by its trace id."""
    calls: list[Call] = []
    for op in parse_trace(text.splitlines(), path):
        name = str(op.id)
        size = op.size
        if op.op == "a":
            calls.append(Call(op.line, f"a {op.id} {size}", "malloc", name, None, (size,)))
        elif op.op == "r":
            calls.append(Call(op.line, f"r {op.id} {size}", "realloc", name, name, (size,)))
        elif op.op == "c":
            calls.append(Call(op.line, f"c {op.id} {size}", "calloc", name, None, (1, size)))
        else:
            calls.append(Call(op.line, f"f {op.id}", "free", None, name))
    return calls


def _strip_comment(line: str) -> str:
    for marker in ("#", "//"):
        line = line.split(marker, 1)[0]
    return line.strip().removesuffix(";").strip()


def parse_calls(text: str, path: str) -> list[Call]:
    """Read C-like calls, one a line; raises InputError naming the line of the first mistake."""
    calls: list[Call] = []
    assigned: set[str] = set()
    for number, raw in enumerate(text.splitlines(), start=1):
        source = _strip_comment(raw)
        if source:
            call = _parse_line(source, path, number, assigned)
            calls.append(call)
            if call.target is not None:
                assigned.add(call.target)
    return calls


def _parse_line(source: str, path: str, number: int, assigned: set[str]) -> Call:
    try:
        tree = ast.parse(source, mode="exec")
    except SyntaxError:
        raise InputError(path, number, f"cannot read {source!r}: expected a call") from None
    statement = tree.body[0] if len(tree.body) == 1 else None
    target: str | None = None
    if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
        if not isinstance(statement.targets[0], ast.Name):
            raise InputError(path, number, f"{source}: assign to a plain name such as a")
        target = statement.targets[0].id
        value: ast.expr = statement.value
    elif isinstance(statement, ast.Expr):
        value = statement.value
    else:
        raise InputError(path, number, f"cannot read {source!r}: expected a call")
    if not (isinstance(value, ast.Call) and isinstance(value.func, ast.Name)) or value.keywords:
        raise InputError(path, number, f"cannot read {source!r}: expected a call")
    function = value.func.id
    if function not in _FUNCTIONS:
        known = ", ".join(_FUNCTIONS)
        raise InputError(path, number, f"{source}: unknown function {function} (known: {known})")
    count, returns_pointer = _FUNCTIONS[function]
    if len(value.args) != count:
        raise InputError(path, number, f"{source}: {function} takes {count} argument(s)")
    if target is not None and not returns_pointer:
        raise InputError(path, number, f"{source}: {function} returns no pointer to keep")
    args = list(value.args)
    pointer: str | None = None
    if function in ("free", "realloc"):
        pointer = _pointer_name(args.pop(0), source, path, number, assigned)
    if function == "mallopt":
        first = args.pop(0)
        setting = _number(first, source, path, number, allow_parameters=True)
        numbers = (setting, *(_number(arg, source, path, number) for arg in args))
    else:
        numbers = tuple(_number(arg, source, path, number) for arg in args)
    return Call(number, source, function, target, pointer, numbers)


def _pointer_name(
    node: ast.expr, source: str, path: str, number: int, assigned: set[str]
) -> str | None:
    if isinstance(node, ast.Name) and node.id == "NULL":
        return None
    if isinstance(node, ast.Constant) and node.value == 0:
        return None
    if not isinstance(node, ast.Name):
        raise InputError(path, number, f"{source}: the pointer must be a name or NULL")
    if node.id not in assigned:
        raise InputError(path, number, f"{source}: {node.id} was never assigned")
    return node.id


def _number(
    node: ast.expr, source: str, path: str, number: int, *, allow_parameters: bool = False
) -> int:
    """The value of a small integer expression; mallopt's first argument may be an M_ name."""
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return -_number(node.operand, source, path, number)
    if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
        left = _number(node.left, source, path, number)
        right = _number(node.right, source, path, number)
        if isinstance(node.op, ast.LShift | ast.RShift) and not 0 <= right <= _MAX_SHIFT:
            raise InputError(path, number, f"{source}: shift by {right} is out of range")
        return _OPERATORS[type(node.op)](left, right)
    if isinstance(node, ast.Name) and allow_parameters and node.id in PARAMETERS:
        return PARAMETERS[node.id]
    if isinstance(node, ast.Name) and node.id in PARAMETERS:
        raise InputError(path, number, f"{source}: {node.id} is a mallopt parameter, not a size")
    shown = ast.unparse(node)
    raise InputError(path, number, f"{source}: {shown} is not a number")
