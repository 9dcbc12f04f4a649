"""``python -m benchmarks profile``: where one nndl training epoch spends its time (cProfile).

Trains the Fashion-MNIST MLP of ``benchmarks mlp`` for one warm-up epoch, then profiles one
epoch and prints the functions by their own time, grouped into the parts of a step: the
linear forward (the W·A product and + b), the linear backward (the dW and dA_prev products,
1/m, db), the optimizer's update, the mini-batch gather, the activations, the cost and the
rest (Python overhead of the loop, layers and callbacks).
"""

from __future__ import annotations

import cProfile
import io
import pstats

from . import data as datasets
from .env import blas_lines, limit_threads

GROUPS = (
    ("linear forward: Z = W·A + b", ("linear_forward",)),
    ("linear backward: dW, db, dA_prev", ("linear_backward",)),
    ("optimizer update", ("adam_step", "_step", "update")),
    ("mini-batch gather (np.take)", ("'take'",)),
    ("activations g(Z), g'(Z)·dA, A − Y", ("relu", "relu_backward", "softmax", "output_delta", "sigmoid",
                                           "tanh", "sigmoid_backward", "tanh_backward")),
    ("cost from the logits, accuracy", ("categorical_cross_entropy_from_logits", "_n_correct", "'argmax'")),
    ("sums and maxima (db, softmax, cost)", ("'reduce'", "'sum'", "'max'")),
)


def add_parser(sub) -> None:
    p = sub.add_parser("profile", help="cProfile of one nndl training epoch, grouped by step part",
                       description=__doc__.split("\n\n")[0])
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--data", default="fashion-mnist", choices=datasets.NAMES)
    p.add_argument("--top", type=int, default=15, help="functions listed (default 15)")
    p.set_defaults(handler=run)


def run(args) -> int:
    import nndl
    limiter = limit_threads(args.threads)  # noqa: F841 (kept alive)
    for line in blas_lines():
        print(line)
    data, note = datasets.load(args.data)
    if note:
        print("note: " + note)
    X, Y = data.X_train.T, data.y_train.reshape(1, -1)
    model = nndl.mlp(datasets.network_dims(data), seed=0)
    model.fit(X, Y, epochs=1, batch_size=args.batch_size, optimizer="adam", learning_rate=1e-3, verbose=0)
    profiler = cProfile.Profile()
    profiler.enable()
    model.fit(X, Y, epochs=1, batch_size=args.batch_size, verbose=0)
    profiler.disable()
    stats = pstats.Stats(profiler)
    total = max(stats.total_tt, 1e-12)
    own = {}
    for (filename, line, name), (_, _, tottime, _, _) in stats.stats.items():
        own[(filename, name)] = own.get((filename, name), 0.0) + tottime
    print(f"\none epoch at batch {args.batch_size}: {total:.3f} s under cProfile "
          "(own time of each function; NumPy's ufuncs and matrix products count in their caller)")
    used = set()
    for label, names in GROUPS:
        t = 0.0
        for key, tottime in own.items():
            if key not in used and any(n.strip("'") == key[1] or (n.startswith("'") and n in key[1])
                                       for n in names):
                t += tottime
                used.add(key)
        print(f"  {label:<38} {t:7.3f} s  {100 * t / total:5.1f}%")
    rest = sum(v for k, v in own.items() if k not in used)
    print(f"  {'everything else (Python, layers, fit)':<38} {rest:7.3f} s  {100 * rest / total:5.1f}%")
    buffer = io.StringIO()
    pstats.Stats(profiler, stream=buffer).sort_stats("tottime").print_stats(args.top)
    print("\n" + "\n".join(l for l in buffer.getvalue().splitlines() if l.strip())[:6000])
    return 0
