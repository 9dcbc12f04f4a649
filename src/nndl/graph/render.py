"""Draw a computation graph as the course does: inputs on the left, J on the right.

Each box shows the node's equation, its value (forward pass, left to right) and dJ/d(node)
(backward pass, right to left). Solid arrows carry values forward; dashed red arrows carry
derivatives back, labelled with the local derivative ∂(child)/∂(parent).

Needs the ``graphviz`` Python package (``pip install graphviz``, or ``pip install
nndl[graph]``) and Graphviz's ``dot`` program (Debian: ``apt-get install graphviz``).
"""

from __future__ import annotations

import os
from pathlib import Path

from .node import Node, topological_order


class GraphvizMissing(RuntimeError):
    """The graphviz package or the ``dot`` program is not installed."""


def _g(x: float) -> str:
    return f"{x:.6g}"


def equation(node: Node) -> str:
    """The node as the course writes it: "u = b·c", "J = 3·v", "a = 5"."""
    if node.op in ("input", "const"):
        return node.label
    args = [p.label for p, _ in node.parents]
    if node.op in ("+", "−", "·", "/") and len(args) == 2:
        rhs = f"{args[0]} {node.op} {args[1]}" if node.op != "·" else f"{args[0]}·{args[1]}"
    elif node.op.startswith("^"):
        rhs = f"{args[0]}{node.op}"
    elif node.op == "neg":
        rhs = f"−{args[0]}"
    elif node.op == "=":
        rhs = args[0]
    elif node.op == "Σ":
        pairs = [f"{args[i]}·{args[i + 1]}" for i in range(0, len(args) - 1, 2)]
        rhs = " + ".join([*pairs, args[-1]])
    elif node.op == "L":
        rhs = f"L({', '.join(args)})"
    else:
        rhs = f"{node.op}({', '.join(args)})"
    return f"{node.label} = {rhs}"


def to_digraph(out: Node, title: str | None = None):
    """A ``graphviz.Digraph`` of the graph ending at ``out`` (call ``out.backward()`` first
    for the derivatives). Raises GraphvizMissing without the graphviz package."""
    try:
        import graphviz
    except ImportError:
        raise GraphvizMissing("drawing the graph needs the graphviz Python package: "
                              "pip install graphviz (or pip install nndl[graph])") from None
    g = graphviz.Digraph("computation_graph", graph_attr={"rankdir": "LR", "fontname": "Helvetica"},
                         node_attr={"shape": "box", "style": "rounded", "fontname": "Helvetica"},
                         edge_attr={"fontname": "Helvetica", "fontsize": "10"})
    if title:
        g.attr(label=title, labelloc="t")
    ids = {}
    for i, node in enumerate(topological_order(out)):
        ids[id(node)] = f"n{i}"
        if node.op == "const":
            text = f"{node.name} = {_g(node.value)}" if node.name else _g(node.value)
            g.node(ids[id(node)], text, shape="plaintext")
            continue
        label = f"{equation(node)}\n= {_g(node.value)}" if node.op != "input" else f"{node.label} = {_g(node.value)}"
        g.node(ids[id(node)], f"{label}\nd{out.label}/d{node.label} = {_g(node.grad)}",
               penwidth="2" if node is out else "1")
    for node in topological_order(out):
        for parent, local in node.parents:
            g.edge(ids[id(parent)], ids[id(node)])
            if parent.op != "const":
                g.edge(ids[id(node)], ids[id(parent)], label=f"∂{node.label}/∂{parent.label} = {_g(local)}",
                       style="dashed", color="firebrick", fontcolor="firebrick", constraint="false")
    return g


def render_svg(out: Node, path: str | os.PathLike, title: str | None = None) -> Path:
    """Write the graph ending at ``out`` as an SVG file; returns its path.

    Raises GraphvizMissing with the install command when the graphviz package or the
    ``dot`` program is missing."""
    g = to_digraph(out, title)
    import graphviz
    try:
        svg = g.pipe(format="svg")
    except graphviz.ExecutableNotFound:
        raise GraphvizMissing("drawing the graph needs Graphviz's dot program, which is not on PATH: "
                              "install Graphviz (Debian/Ubuntu: apt-get install graphviz; macOS: "
                              "brew install graphviz)") from None
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(svg)
    return path
