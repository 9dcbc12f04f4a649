"""``nndl.graph``: the computation graph of Course 1, week 2, with its forward and backward passes.

    from nndl.graph import parse, render_svg
    J, x = parse("3*(a + b*c)", {"a": 5, "b": 3, "c": 2})
    J.value                      # 33.0  (forward, left to right)
    J.backward()
    x["a"].grad, x["b"].grad, x["c"].grad   # 3.0, 6.0, 9.0  (backward, right to left)
    render_svg(J, "graph.svg")

``logistic_regression_graph`` builds the course's z → a → L for one example.
"""

from .logistic import logistic_regression_graph
from .node import (FUNCTIONS, GraphError, Node, cross_entropy, exp, log, relu, sigmoid, tanh, topological_order,
                   weighted_sum)
from .parse import parse
from .render import GraphvizMissing, equation, render_svg, to_digraph

__all__ = ["FUNCTIONS", "GraphError", "GraphvizMissing", "Node", "cross_entropy", "equation", "exp", "log",
           "logistic_regression_graph", "parse", "relu", "render_svg", "sigmoid", "tanh", "to_digraph",
           "topological_order", "weighted_sum"]
