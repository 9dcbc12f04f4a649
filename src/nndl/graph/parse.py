"""Expressions such as ``"3*(a + b*c)"`` turned into a computation graph, never evaluated.

The text is parsed with Python's ``ast`` and each syntax node is mapped to one of the
graph's own operations; anything else (attribute access, subscripts, calls to names outside
``FUNCTIONS``, keywords, lambdas, comparisons, strings…) is refused with a ValueError that
names it. Limits keep a hostile expression cheap: its length, the nesting depth of the tree,
a constant exponent of at most ``MAX_EXPONENT`` in absolute value, and finite values
everywhere (an overflow is an error, not an ``inf``).
"""

from __future__ import annotations

import ast
import math
import re

from .node import FUNCTIONS, GraphError, Node, name_intermediates

MAX_LENGTH = 500
MAX_DEPTH = 40
MAX_EXPONENT = 64
_BINARY = {ast.Add: lambda x, y: x + y, ast.Sub: lambda x, y: x - y, ast.Mult: lambda x, y: x * y,
           ast.Div: lambda x, y: x / y}
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")


def parse(expression: str, values: dict[str, float], output: str = "J") -> tuple[Node, dict[str, Node]]:
    """Build the graph of ``expression`` with the input variables set to ``values``.

    Returns (output node named ``output``, {variable name: input node}); intermediate nodes
    are named u, v, w, … left to right. Call ``out.backward()`` for the derivatives.
    Allowed: numbers, the variables in ``values``, + − · / (binary and unary −), ** with a
    numeric exponent, and the functions exp, log, sigmoid, tanh, relu, cross_entropy(a, y).
    """
    if not isinstance(expression, str):
        raise GraphError(f"expected the expression as a string, got {type(expression).__name__}")
    if len(expression) > MAX_LENGTH:
        raise GraphError(f"the expression is {len(expression)} characters long; the limit is {MAX_LENGTH}")
    inputs = {}
    for name, value in values.items():
        if not _NAME.match(name) or name in FUNCTIONS:
            raise GraphError(f"{name!r} cannot be a variable name (letters, digits and _, not a function name)")
        try:
            inputs[name] = Node(float(value), "input", name=name)
        except (TypeError, ValueError, OverflowError):
            raise GraphError(f"variable {name} must be a finite number, got {value!r}") from None
    try:
        tree = ast.parse(expression.strip(), mode="eval")
    except (SyntaxError, RecursionError, MemoryError, ValueError) as e:
        raise GraphError(f"cannot parse {expression!r}: {getattr(e, 'msg', None) or e}") from None
    depth = _depth(tree.body)
    if depth > MAX_DEPTH:
        raise GraphError(f"the expression is nested {depth} levels deep; the limit is {MAX_DEPTH}")
    out = _build(tree.body, inputs)
    if out.op in ("input", "const"):  # a bare variable or number: J = x
        out = Node(out.value, "=", ((out, 1.0),))
    name_intermediates(out, output)
    return out, inputs


def _depth(root: ast.AST) -> int:
    """The nesting depth of the syntax tree, measured without recursion."""
    deepest, stack = 0, [(root, 1)]
    while stack:
        node, d = stack.pop()
        deepest = max(deepest, d)
        stack.extend((child, d + 1) for child in ast.iter_child_nodes(node))
    return deepest


def _build(node: ast.AST, inputs: dict[str, Node]) -> Node:
    if isinstance(node, ast.Constant):
        return _constant(node.value)
    if isinstance(node, ast.Name):
        if node.id not in inputs:
            known = ", ".join(inputs) or "none"
            raise GraphError(f"the variable {node.id!r} has no value (given: {known}); pass {node.id}=VALUE")
        return inputs[node.id]
    if isinstance(node, ast.BinOp):
        if isinstance(node.op, ast.Pow):
            return _build(node.left, inputs) ** _exponent(node.right)
        op = _BINARY.get(type(node.op))
        if op is None:
            raise GraphError(f"the operator {type(node.op).__name__} is not supported (use + - * / **)")
        return op(_build(node.left, inputs), _build(node.right, inputs))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        x = _build(node.operand, inputs)
        return -x if isinstance(node.op, ast.USub) else x
    if isinstance(node, ast.Call):
        name = node.func.id if isinstance(node.func, ast.Name) else None
        if name not in FUNCTIONS or node.keywords:
            what = name or type(node.func).__name__
            raise GraphError(f"calling {what!r} is not allowed; the functions are: {', '.join(FUNCTIONS)}")
        return FUNCTIONS[name](*(_build(arg, inputs) for arg in node.args))
    raise GraphError(f"{type(node).__name__} ({ast.unparse(node)!r}) is not allowed in a graph expression")


def _constant(value) -> Node:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise GraphError(f"only numbers may appear as constants, got {value!r}")
    try:
        value = float(value)
    except OverflowError:
        raise GraphError("a constant is too large for a float") from None
    return Node(value, "const")


def _exponent(node: ast.AST) -> float:
    """The exponent of **: a number (optionally negated), |p| ≤ MAX_EXPONENT."""
    sign = 1.0
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        sign = -1.0 if isinstance(node.op, ast.USub) else 1.0
        node = node.operand
    if not isinstance(node, ast.Constant):
        raise GraphError("the exponent of ** must be a number, e.g. x**2")
    p = sign * _constant(node.value).value
    if not math.isfinite(p) or abs(p) > MAX_EXPONENT:
        raise GraphError(f"the exponent {p:g} is outside [-{MAX_EXPONENT}, {MAX_EXPONENT}]")
    return p
