"""``nndl gradcheck``: check backpropagation numerically for a given architecture."""

from __future__ import annotations

import numpy as np

from . import CLIError
from .common import emit, parse_layers


def add_parser(sub) -> None:
    p = sub.add_parser("gradcheck", help="check backpropagation against numerical gradients",
                       description="Build a network, run it on random data in float64 and compare every "
                                   "gradient with two-sided numerical differences. A relative difference "
                                   "below 1e-7 means backpropagation is right.")
    p.add_argument("--layers", default="4,5,3,3", help="layer sizes n_x,…,n[L] (default 4,5,3,3)")
    p.add_argument("--activation", default="tanh", choices=["relu", "tanh", "sigmoid", "leaky_relu"],
                   help="hidden activation (default tanh; ReLU's kink at 0 can give false alarms)")
    p.add_argument("--output", default="softmax", choices=["softmax", "sigmoid", "linear"],
                   help="output activation (default softmax)")
    p.add_argument("--lambd", type=float, default=0.0, help="L2 λ (default 0: no L2)")
    p.add_argument("--keep-prob", type=float, help="dropout keep probability (masks are frozen; default: no dropout)")
    p.add_argument("--batch-norm", action="store_true", help="batch normalization on every hidden Z (default off)")
    p.add_argument("--examples", type=int, default=8, help="m, the number of random examples (default 8)")
    p.add_argument("--model", help="check a saved model file instead (random inputs of its shape)")
    p.add_argument("--epsilon", type=float, default=1e-7, help="ε of the two-sided differences (default 1e-7)")
    p.add_argument("--seed", type=int, default=0, help="seed of the weights and the random data (default 0)")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(handler=run)


def run(args) -> int:
    from ..gradcheck import check_gradcheck_options, check_gradcheck_work, gradcheck
    from ..io import load
    from ..models import mlp
    check_gradcheck_options(args.epsilon)
    if args.examples < 1:
        raise CLIError(f"--examples must be at least 1, got {args.examples}")
    rng = np.random.default_rng(args.seed)
    if args.model:
        model = load(args.model)
        n_x, n_out = model.input_shape[0], model.output_units
    else:
        dims = parse_layers(args.layers)
        n_x, n_out = dims[0], dims[-1]
        sizes = [n * n_prev + n for n_prev, n in zip(dims, dims[1:])]  # W[l] and b[l], before building
        check_gradcheck_work(sum(sizes), args.examples, 200, [n - d for n, d in zip(sizes, dims[1:])] + dims[1:])
        model = mlp(dims, hidden=args.activation, output=args.output, keep_prob=args.keep_prob,
                    batch_norm=args.batch_norm, lambd=args.lambd, seed=args.seed, dtype=np.float64)
        for name in model.params:  # non-zero biases keep ReLU away from its kink at exactly 0
            if name.startswith("b"):
                model.params[name] = rng.normal(0, 0.1, model.params[name].shape)
    m = args.examples
    X = rng.standard_normal((n_x, m))
    if model.loss == "categorical_crossentropy":
        Y = rng.integers(0, n_out, m)
    elif model.loss == "binary_crossentropy":
        Y = rng.integers(0, 2, (1, m))
    else:
        Y = rng.standard_normal((n_out, m))
    result = gradcheck(model, X, Y, epsilon=args.epsilon, seed=args.seed)
    emit(args, str(result), {"difference": result.difference, "passed": result.passed,
                             "worst_parameter": result.worst_parameter, "worst_layer": result.worst_layer,
                             "per_parameter": result.per_parameter})
    return 0 if result.passed else 1
