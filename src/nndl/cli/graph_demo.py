"""``nndl demo graph "3*(a + b*c)" a=5 b=3 c=2 --out graph.svg``: the computation graph of
Course 1, week 2, with its forward values and backward derivatives, drawn as an SVG."""

from __future__ import annotations

from . import CLIError
from .common import emit


def parse_assignments(items: list[str]) -> dict[str, float]:
    """["a=5", "b=3"] → {"a": 5.0, "b": 3.0}; each value must be a finite number."""
    values = {}
    for item in items:
        name, sep, text = item.partition("=")
        if not sep or not name.strip():
            raise CLIError(f"expected NAME=VALUE for an input, got {item!r}")
        try:
            values[name.strip()] = float(text)
        except ValueError:
            raise CLIError(f"the value of {name.strip()} must be a number, got {text!r}") from None
    return values


def run_graph(args) -> int:
    from ..graph import GraphError, GraphvizMissing, equation, parse, render_svg, topological_order
    if not args.graph_args:
        raise CLIError('demo graph needs an expression, e.g. nndl demo graph "3*(a + b*c)" a=5 b=3 c=2')
    expression, *assignments = args.graph_args
    try:
        J, inputs = parse(expression, parse_assignments(assignments))
        J.backward()
    except GraphError as e:
        raise CLIError(str(e)) from None
    nodes = [n for n in topological_order(J) if n.op != "const"]
    lines = [f"Computation graph of J = {expression} (Course 1, week 2)",
             "forward, left to right:"]
    lines += [f"  {equation(n) if n.op != 'input' else n.label} = {n.value:.6g}" for n in nodes]
    lines += ["backward, right to left:"]
    lines += [f"  d{J.label}/d{n.label} = {n.grad:.6g}" for n in reversed(nodes)]
    out = args.out or "graph.svg"
    try:
        render_svg(J, out, title=f"J = {expression}")
        lines.append(f"graph written to {out}")
    except GraphvizMissing as e:
        raise CLIError(str(e)) from None
    emit(args, "\n".join(lines), {"expression": expression, "J": J.value, "svg": out,
                                  "values": {n.label: n.value for n in nodes},
                                  "derivatives": {n.label: n.grad for n in nodes}})
    return 0
