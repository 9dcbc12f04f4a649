"""nndl.graph: the Course 1 week 2 computation graph — hand values, numerical derivatives,
PyTorch, the vectorized nndl.functional pass, hostile expressions, the SVG and the CLI."""

from __future__ import annotations

import numpy as np
import pytest

from nndl.cli import main
from nndl.functional.activations import sigmoid as vec_sigmoid
from nndl.functional.linear import linear_backward, linear_forward
from nndl.functional.losses import binary_cross_entropy, output_delta
from nndl.graph import (GraphError, GraphvizMissing, equation, logistic_regression_graph, parse, render_svg,
                        topological_order)

EXPRESSIONS = [
    "3*(a + b*c)",
    "a*b - c/a + a**2 - b**-1",
    "exp(a/4) * log(b) + tanh(c - a) - sigmoid(a*b - c)",
    "relu(a - b) + cross_entropy(sigmoid(c - a), 0.3) + (-a)**3",
    "a*a*a + a/b/c",
]
VALUES = {"a": 1.3, "b": 2.1, "c": -0.7}


def test_course_example_forward_left_to_right_and_derivatives_right_to_left():
    J, x = parse("3*(a + b*c)", {"a": 5, "b": 3, "c": 2})
    order = [n for n in topological_order(J) if n.op != "const"]
    assert [equation(n) for n in order if n.op != "input"] == ["u = b·c", "v = a + u", "J = 3·v"]
    assert [n.value for n in order if n.op != "input"] == [6.0, 11.0, 33.0]
    J.backward()
    assert J.value == 33.0
    assert (x["a"].grad, x["b"].grad, x["c"].grad) == (3.0, 6.0, 9.0)
    u, v = order[3], order[4]
    assert (u.grad, v.grad) == (3.0, 3.0)


def test_backward_twice_gives_the_same_derivatives():
    J, x = parse("a*a + a", {"a": 2.0})
    J.backward()
    J.backward()
    assert x["a"].grad == 5.0  # 2a + 1, not accumulated over calls


@pytest.mark.parametrize("expression", EXPRESSIONS)
def test_derivatives_match_central_differences(expression):
    J, x = parse(expression, VALUES)
    J.backward()
    for name in VALUES:
        h = 1e-6
        plus = parse(expression, {**VALUES, name: VALUES[name] + h})[0].value
        minus = parse(expression, {**VALUES, name: VALUES[name] - h})[0].value
        numeric = (plus - minus) / (2 * h)
        assert abs(numeric - x[name].grad) <= 1e-7 * max(1.0, abs(numeric)) + 1e-9, name


@pytest.mark.parametrize("expression", EXPRESSIONS)
def test_derivatives_match_pytorch(expression):
    torch = pytest.importorskip("torch")
    J, x = parse(expression, VALUES)
    J.backward()
    t = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in VALUES.items()}

    def ce(a, y):
        return -(y * torch.log(a) + (1 - y) * torch.log(1 - a))

    env = {"exp": torch.exp, "log": torch.log, "tanh": torch.tanh, "sigmoid": torch.sigmoid,
           "relu": torch.relu, "cross_entropy": ce, **t}
    # The oracle side evaluates the fixed test expressions with torch (never user input).
    out = eval(expression, {"__builtins__": {}}, env)
    out.backward()
    assert J.value == pytest.approx(out.item(), rel=1e-12)
    for k in VALUES:
        assert x[k].grad == pytest.approx(t[k].grad.item(), rel=1e-10, abs=1e-12)


def test_logistic_regression_graph_matches_the_vectorized_pass():
    x, w, b, y = [1.5, -2.0, 0.3], [0.2, 0.4, -1.1], 0.05, 1.0
    L, n = logistic_regression_graph(x, w, b, y)
    L.backward()
    X = np.array(x).reshape(3, 1)
    W = np.array(w).reshape(1, 3)
    Y = np.array([[y]])
    Z, cache = linear_forward(X, W, np.array([[b]]))
    A, _ = vec_sigmoid(Z)
    dZ = output_delta(A, Y)
    _, dW, db = linear_backward(dZ, cache)
    assert n["z"].value == pytest.approx(Z.item(), rel=1e-14)
    assert n["a"].value == pytest.approx(A.item(), rel=1e-14)
    assert L.value == pytest.approx(binary_cross_entropy(A, Y), rel=1e-12)
    assert n["z"].grad == pytest.approx(dZ.item(), rel=1e-12)  # dz = a − y
    assert [n[f"w{i}"].grad for i in (1, 2, 3)] == pytest.approx(dW.ravel().tolist(), rel=1e-12)
    assert n["b"].grad == pytest.approx(db.item(), rel=1e-12)
    assert n["a"].grad == pytest.approx(-y / A.item() + (1 - y) / (1 - A.item()), rel=1e-12)


def test_logistic_regression_graph_is_drawn_as_the_course_draws_it(tmp_path):
    pytest.importorskip("graphviz")
    L, n = logistic_regression_graph([1.5, -2.0], [0.2, 0.4], 0.1, 1.0)
    L.backward()
    assert [equation(n[k]) for k in ("z", "a", "L")] == ["z = w1·x1 + w2·x2 + b", "a = σ(z)", "L = L(a, y)"]
    svg = render_svg(L, tmp_path / "lr.svg").read_text()
    for text in ("z = w1·x1 + w2·x2 + b", "y = 1", "dL/dw1", "∂z/∂w1 = 1.5"):
        assert text in svg, text


def test_logistic_regression_graph_checks_its_inputs():
    with pytest.raises(ValueError, match="same positive length"):
        logistic_regression_graph([1.0, 2.0], [1.0], 0.0, 1.0)


@pytest.mark.parametrize("expression, message", [
    ("a.__class__", "Attribute"),
    ("__import__('os').system('true')", "not allowed"),
    ("open('x')", "calling 'open' is not allowed"),
    ("exp(a, base=2)", "not allowed"),
    ("(lambda: 1)()", "not allowed"),
    ("a[0]", "Subscript"),
    ("'a' * 3", "only numbers"),
    ("a if b else c", "IfExp"),
    ("a < b", "Compare"),
    ("a ** 10 ** 10", "exponent of \\*\\* must be a number"),
    ("a ** 1e6", "outside"),
    ("a ** b", "exponent of \\*\\* must be a number"),
    ("9" * 400, "too large"),
    ("1e308 * 10", "overflow"),
    ("exp(1000)", "overflows"),
    ("log(a - a)", "log needs a positive"),
    ("a / (b - b)", "division by zero"),
    ("-" * 100 + "a", "nested"),
    ("(" * 300 + "a" + ")" * 300, "characters long"),
    ("a+" * 200 + "a", r"nested \d+ levels"),
    ("exp(" * 60 + "a" + ")" * 60, "nested"),
    ("a +", "cannot parse"),
    ("z", "no value"),
    ("a; b", "cannot parse"),
    ("True + a", "only numbers"),
], ids=lambda v: v[:24] if isinstance(v, str) else None)
def test_hostile_or_invalid_expressions_are_refused_with_a_clear_error(expression, message):
    with pytest.raises(GraphError, match=message):
        parse(expression, {"a": 2.0, "b": 3.0, "c": 1.0})


def test_bad_variable_values_and_names_are_refused():
    with pytest.raises(GraphError, match="finite number"):
        parse("a", {"a": float("nan")})
    with pytest.raises(GraphError, match="finite number"):
        parse("a", {"a": "__import__"})
    with pytest.raises(GraphError, match="cannot be a variable"):
        parse("exp", {"exp": 1.0})


def test_a_bare_variable_is_its_own_graph():
    J, x = parse("a", {"a": 4.0})
    J.backward()
    assert J.value == 4.0 and x["a"].grad == 1.0


def test_svg_shows_values_and_derivatives(tmp_path):
    pytest.importorskip("graphviz")
    J, _ = parse("3*(a + b*c)", {"a": 5, "b": 3, "c": 2})
    J.backward()
    path = render_svg(J, tmp_path / "g.svg")
    svg = path.read_text()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    for text in ("u = b·c", "v = a + u", "J = 3·v", "= 33", "dJ/da = 3", "dJ/db = 6", "dJ/dc = 9"):
        assert text in svg, text


def test_missing_dot_program_gives_the_install_command(tmp_path, monkeypatch):
    pytest.importorskip("graphviz")
    monkeypatch.setenv("PATH", str(tmp_path))  # no dot on PATH
    J, _ = parse("a*b", {"a": 1, "b": 2})
    with pytest.raises(GraphvizMissing, match="apt-get install graphviz"):
        render_svg(J, tmp_path / "g.svg")
    assert not (tmp_path / "g.svg").exists()


def test_cli_demo_graph(tmp_path, capsys):
    pytest.importorskip("graphviz")
    out = tmp_path / "graph.svg"
    assert main(["demo", "graph", "3*(a + b*c)", "a=5", "b=3", "c=2", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "J = 3·v = 33" in text and "dJ/db = 6" in text and "dJ/dc = 9" in text
    assert "dJ/dc = 9" in out.read_text()


@pytest.mark.parametrize("argv, message", [
    (["demo", "graph"], "needs an expression"),
    (["demo", "graph", "a*b", "a=1", "b"], "NAME=VALUE"),
    (["demo", "graph", "a*b", "a=1", "b=x"], "must be a number"),
    (["demo", "graph", "__import__('os')"], "not allowed"),
])
def test_cli_demo_graph_errors(argv, message, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "graph.svg").exists()


def test_cli_demo_vectorization_refuses_graph_arguments(capsys):
    assert main(["demo", "vectorization", "a*b", "--size", "10"]) == 2
    assert "takes no expression" in capsys.readouterr().err
