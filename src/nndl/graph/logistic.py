"""Logistic regression on one example as the course draws it (Course 1, week 2):

    z = w1·x1 + w2·x2 + … + b  →  a = σ(z)  →  L(a, y) = −(y·log a + (1 − y)·log(1 − a))

Backward, right to left: da = −y/a + (1 − y)/(1 − a), dz = da·a(1 − a) = a − y,
dw_i = x_i·dz, db = dz — the m = 1 case of ``nndl.functional``'s vectorized pass.
"""

from __future__ import annotations

from typing import Sequence

from .node import Node, cross_entropy, sigmoid, weighted_sum


def logistic_regression_graph(x: Sequence[float], w: Sequence[float], b: float,
                              y: float) -> tuple[Node, dict[str, Node]]:
    """(L, nodes) for one example x (n_x numbers), weights w (n_x), bias b, label y ∈ {0, 1}.

    nodes maps "x1…", "w1…", "b", "z", "a", "L" to their nodes; after ``L.backward()``,
    ``nodes["w1"].grad`` is dL/dw1 (the course's dw1) and so on."""
    if len(x) != len(w) or not len(x):
        raise ValueError(f"x and w must have the same positive length, got {len(x)} and {len(w)}")
    nodes = {f"x{i}": Node(v, "input", name=f"x{i}") for i, v in enumerate(x, 1)}
    nodes.update({f"w{i}": Node(v, "input", name=f"w{i}") for i, v in enumerate(w, 1)})
    nodes["b"] = Node(b, "input", name="b")
    nodes["y"] = Node(y, "const", name="y")
    n = range(1, len(x) + 1)
    z = weighted_sum([nodes[f"w{i}"] for i in n], [nodes[f"x{i}"] for i in n], nodes["b"])
    z.name = "z"
    a = sigmoid(z)
    a.name = "a"
    L = cross_entropy(a, nodes["y"])
    L.name = "L"
    nodes.update(z=z, a=a, L=L)
    return L, nodes
