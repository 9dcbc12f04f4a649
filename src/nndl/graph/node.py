"""The computation graph of Course 1, week 2: a scalar reverse-mode autodiff.

Each ``Node`` holds a value computed left to right (the forward pass) and, after
``backward()``, the derivative of the final output J with respect to it, computed right to
left by the chain rule (the backward pass):

    u = b·c,  v = a + u,  J = 3v          (a = 5, b = 3, c = 2 → u = 6, v = 11, J = 33)
    dJ/dv = 3,  dJ/da = dJ/dv · ∂v/∂a = 3,  dJ/du = 3,  dJ/db = dJ/du · ∂u/∂b = 3c = 6,  dJ/dc = 3b = 9

A node records its parents with the local derivatives ∂node/∂parent, so the backward pass
is one sweep over the nodes in reverse topological order adding
dJ/dparent += dJ/dnode · ∂node/∂parent — the course's "da", "db", … in the code's names.
"""

from __future__ import annotations

import math
from typing import Iterable


class GraphError(ValueError):
    """An expression or value the computation graph cannot represent (overflow, log of 0, …)."""


class Node:
    """One box of the computation graph: ``value`` (forward), ``grad`` = dJ/d(this node).

    op: "input", "const", or the operation that produced it ("+", "·", "exp", …);
    parents: ((parent, ∂self/∂parent), …); name: the course's letter (a, b, u, v, J).
    """

    __slots__ = ("value", "grad", "op", "parents", "name")

    def __init__(self, value: float, op: str = "input", parents: Iterable[tuple["Node", float]] = (),
                 name: str | None = None):
        value = float(value)
        if not math.isfinite(value):
            raise GraphError(f"{name or op} is {value}: the value overflowed or is undefined")
        self.value = value
        self.grad = 0.0
        self.op = op
        self.parents = tuple(parents)
        self.name = name

    # -- operations: each builds its output and records the local derivatives --------------
    def __add__(self, other) -> "Node":
        other = _node(other)
        return Node(self.value + other.value, "+", ((self, 1.0), (other, 1.0)))

    __radd__ = __add__

    def __sub__(self, other) -> "Node":
        other = _node(other)
        return Node(self.value - other.value, "−", ((self, 1.0), (other, -1.0)))

    def __rsub__(self, other) -> "Node":
        return _node(other) - self

    def __mul__(self, other) -> "Node":
        other = _node(other)
        return Node(self.value * other.value, "·", ((self, other.value), (other, self.value)))

    __rmul__ = __mul__

    def __truediv__(self, other) -> "Node":
        other = _node(other)
        if other.value == 0.0:
            raise GraphError("division by zero")
        q = self.value / other.value
        return Node(q, "/", ((self, 1.0 / other.value), (other, -q / other.value)))

    def __rtruediv__(self, other) -> "Node":
        return _node(other) / self

    def __neg__(self) -> "Node":
        return Node(-self.value, "neg", ((self, -1.0),))

    def __pos__(self) -> "Node":
        return self

    def __pow__(self, p) -> "Node":
        """self^p for a constant exponent p: ∂/∂self = p·self^(p−1)."""
        if isinstance(p, Node):
            raise GraphError("the exponent of ** must be a number, not an expression")
        p = float(p)
        x = self.value
        if x == 0.0 and p < 1.0:
            raise GraphError(f"0 ** {p:g} has no finite derivative")
        if x < 0.0 and not p.is_integer():
            raise GraphError(f"({x:g}) ** {p:g} is not a real number")
        try:
            value = x ** p
            local = p * x ** (p - 1.0)
        except (OverflowError, ZeroDivisionError):
            raise GraphError(f"{x:g} ** {p:g} overflows") from None
        return Node(value, f"^{p:g}", ((self, local),))

    def backward(self) -> None:
        """Fill ``grad`` of every node this one depends on with d(self)/d(node), right to left."""
        order = topological_order(self)
        for node in order:
            node.grad = 0.0
        self.grad = 1.0
        for node in reversed(order):
            for parent, local in node.parents:
                parent.grad += node.grad * local

    @property
    def label(self) -> str:
        return self.name or (f"{self.value:g}" if self.op == "const" else self.op)

    def __repr__(self) -> str:
        return f"Node({self.label}={self.value:g}, grad={self.grad:g})"


def _node(x) -> Node:
    if isinstance(x, Node):
        return x
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        raise GraphError(f"expected a number or a Node, got {type(x).__name__}")
    try:
        return Node(float(x), "const")
    except OverflowError:
        raise GraphError(f"the constant {x} is too large") from None


def exp(x) -> Node:
    """e^x, ∂/∂x = e^x."""
    x = _node(x)
    try:
        e = math.exp(x.value)
    except OverflowError:
        raise GraphError(f"exp({x.value:g}) overflows") from None
    return Node(e, "exp", ((x, e),))


def log(x) -> Node:
    """ln x, ∂/∂x = 1/x (x > 0)."""
    x = _node(x)
    if x.value <= 0.0:
        raise GraphError(f"log({x.value:g}) is undefined: log needs a positive argument")
    return Node(math.log(x.value), "log", ((x, 1.0 / x.value),))


def sigmoid(x) -> Node:
    """σ(x) = 1/(1 + e^(−x)), ∂/∂x = σ(x)(1 − σ(x)); no overflow for large |x|."""
    x = _node(x)
    e = math.exp(-abs(x.value))
    s = 1.0 / (1.0 + e) if x.value >= 0 else e / (1.0 + e)
    return Node(s, "σ", ((x, s * (1.0 - s)),))


def tanh(x) -> Node:
    """tanh x, ∂/∂x = 1 − tanh²x."""
    x = _node(x)
    t = math.tanh(x.value)
    return Node(t, "tanh", ((x, 1.0 - t * t),))


def relu(x) -> Node:
    """max(0, x), ∂/∂x = 1 for x > 0 else 0."""
    x = _node(x)
    return Node(max(0.0, x.value), "relu", ((x, 1.0 if x.value > 0 else 0.0),))


def cross_entropy(a, y) -> Node:
    """The course's loss for one example, L(a, y) = −(y·log a + (1 − y)·log(1 − a)):
    ∂L/∂a = −y/a + (1 − y)/(1 − a), ∂L/∂y = log(1 − a) − log a (0 < a < 1)."""
    a, y = _node(a), _node(y)
    if not 0.0 < a.value < 1.0:
        raise GraphError(f"cross_entropy(a, y) needs 0 < a < 1, got a = {a.value:g}")
    la, l1a = math.log(a.value), math.log1p(-a.value)
    value = -(y.value * la + (1.0 - y.value) * l1a)
    da = -y.value / a.value + (1.0 - y.value) / (1.0 - a.value)
    return Node(value, "L", ((a, da), (y, l1a - la)))


def weighted_sum(ws, xs, b) -> Node:
    """z = w1·x1 + w2·x2 + … + b as one node, as the course draws logistic regression:
    ∂z/∂w_i = x_i, ∂z/∂x_i = w_i, ∂z/∂b = 1."""
    ws, xs, b = [_node(w) for w in ws], [_node(x) for x in xs], _node(b)
    if len(ws) != len(xs) or not ws:
        raise GraphError(f"weighted_sum needs as many weights as inputs (at least one), got {len(ws)} and {len(xs)}")
    value = math.fsum(w.value * x.value for w, x in zip(ws, xs)) + b.value
    parents = [p for w, x in zip(ws, xs) for p in ((w, x.value), (x, w.value))]
    return Node(value, "Σ", (*parents, (b, 1.0)))


FUNCTIONS = {"exp": exp, "log": log, "sigmoid": sigmoid, "tanh": tanh, "relu": relu,
             "cross_entropy": cross_entropy}


def topological_order(out: Node) -> list[Node]:
    """The nodes ``out`` depends on, each after all of its parents (left to right); iterative,
    so deep graphs do not hit Python's recursion limit."""
    order, seen, stack = [], set(), [(out, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack.append((node, True))
        for parent, _ in reversed(node.parents):
            if id(parent) not in seen:
                stack.append((parent, False))
    return order


def name_intermediates(out: Node, final: str = "J") -> None:
    """Name the unnamed computed nodes u, v, w, … left to right and the output ``final``,
    as the course's figure does (constants keep their value as label)."""
    taken = {n.name for n in topological_order(out) if n.name}
    letters = (c for c in [*"uvwpqrstkmnhgfe", *(f"t{i}" for i in range(1, 10_000))] if c not in taken)
    for node in topological_order(out):
        if node.name is None and node.op not in ("const", "input"):
            node.name = final if node is out else next(letters)
    if out.name is None:
        out.name = final
