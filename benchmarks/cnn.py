"""``python -m benchmarks cnn``: nndl's convolution and pooling against PyTorch (CPU).

Cases (same inputs, same weights, same thread count, one process, interleaved rounds whose
order rotates, medians):

1. single ops at LeNet-5's shapes (batch 128): each convolution forward and forward+backward,
   each max pooling forward and forward+backward;
2. one LeNet-5 training step at batch 128 (conv 5×5, 6 filters, "same", ReLU → max-pool 2 →
   conv 5×5, 16 filters, "valid", ReLU → max-pool 2 → dense 120 → 84 → 10 softmax; cross-entropy;
   Adam), written with ``nndl.functional`` — PyTorch runs the same network from the same weights;
   the same step of ``nndl.models.lenet5()`` (the Sequential model: layers, flat
   parameters, fused softmax/cross-entropy) is timed beside it;
3. LeNet-5 inference on 1,000 images;
4. a profile of nndl's step: the time of its parts (im2col, matrix products, col2im, pooling,
   the rest) measured one by one on the step's own arrays.

The inputs are random images: speed does not depend on the values. Compare the ratios, which
are measured side by side; absolute times drift on a shared machine.
"""

from __future__ import annotations

import gc
import statistics
import time

import numpy as np

from .env import clock_named, load_average, start_against_torch

B = 128
F32 = np.float32


CLOCK = time.perf_counter  # --clock cpu: time.process_time (the CPU time of this process)


def add_parser(sub) -> None:
    p = sub.add_parser("cnn", help="convolution, pooling and a LeNet-5 step: nndl vs PyTorch",
                       description=__doc__.split("\n\n")[0])
    p.add_argument("--rounds", type=int, default=7, help="interleaved rounds (default 7)")
    p.add_argument("--steps", type=int, default=10, help="timed calls per framework and round (default 10)")
    p.add_argument("--threads", type=int, default=2, help="BLAS/PyTorch threads (default 2)")
    p.add_argument("--quick", action="store_true", help="2 rounds of 3 calls: a smoke test, not a measurement")
    p.add_argument("--cases", default="ops,lenet,resnet",
                   help="comma-separated: ops (single ops), lenet (LeNet-5 step, inference, profile), "
                        "resnet (ResNet step); default all")
    p.add_argument("--clock", choices=("wall", "cpu"), default="wall",
                   help="wall: elapsed time (default); cpu: this process's CPU time, which other processes' "
                        "load does not inflate (with --threads 1 it is the work a step does)")
    p.set_defaults(handler=run)


# ---------------------------------------------------------------- nndl, functional LeNet-5

def lenet_params(rng: np.random.Generator) -> dict[str, np.ndarray]:
    """He-initialized LeNet-5 weights in nndl's layouts (filters (f, f, n_C_prev, n_C), dense (n[l], n[l−1]))."""
    def he(shape, fan_in):
        return (rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)).astype(F32)
    return {"W1": he((5, 5, 1, 6), 25), "b1": np.zeros((1, 1, 1, 6), F32),
            "W2": he((5, 5, 6, 16), 150), "b2": np.zeros((1, 1, 1, 16), F32),
            "W3": he((120, 400), 400), "b3": np.zeros((120, 1), F32),
            "W4": he((84, 120), 120), "b4": np.zeros((84, 1), F32),
            "W5": he((10, 84), 84), "b5": np.zeros((10, 1), F32)}


def lenet_forward(P: dict, X: np.ndarray, ws: dict | None = None):
    """LeNet-5 forward with nndl.functional; returns (softmax output (10, m), caches).
    ws: per-layer workspaces (dicts) for the training step, None for inference."""
    from nndl import functional as F
    with F.blas_on_one_thread():  # as a model with convolutions runs (Layer.splits_batch)
        return _lenet_forward(P, X, ws)


def _lenet_forward(P: dict, X: np.ndarray, ws: dict | None):
    from nndl import functional as F
    inference = ws is None
    ws = {} if ws is None else ws
    # each convolution with its ReLU in its own slices (relu=True), as Conv2D runs it
    if inference:  # no caches: the convolutions over blocks of examples
        conv = (lambda A, W, b, pad, _: (F.conv_inference(A, W, b, 1, pad, relu=True), None))
    else:
        conv = (lambda A, W, b, pad, work: F.conv_forward(A, W, b, 1, pad, workspace=work, relu=True))
    A1, c1 = conv(X, P["W1"], P["b1"], "same", ws.get("conv1"))
    P1, p1 = F.pool_forward(A1, 2, workspace=ws.get("pool1"))
    A2, c2 = conv(P1, P["W2"], P["b2"], "valid", ws.get("conv2"))
    P2, p2 = F.pool_forward(A2, 2, workspace=ws.get("pool2"))
    A = P2.reshape(P2.shape[0], -1).T  # Flatten: (400, m)
    caches = [c1, A1, p1, c2, A2, p2, P2.shape]
    for l in (3, 4, 5):
        Z, lc = F.linear_forward(A, P[f"W{l}"], P[f"b{l}"])
        A, _ = F.relu(Z, out=Z) if l < 5 else F.softmax(Z, out=Z)
        caches += [lc, A]
    return A, caches


WORKSPACES: dict = {name: {} for name in ("conv1", "pool1", "conv2", "pool2")}


def lenet_step(P: dict, X: np.ndarray, Y: np.ndarray, optimizer, ws: dict = WORKSPACES) -> float:
    """One training step: forward, cost from the output, backward, Adam update; the big
    per-batch arrays are reused from step to step (``workspace``), as the layers do in fit."""
    from nndl import functional as F
    with F.blas_on_one_thread():  # as a model with convolutions runs its steps (Layer.splits_batch)
        cost, G = _lenet_grads(P, X, Y, ws)
    optimizer.update(P, G)
    return cost


def _lenet_grads(P: dict, X: np.ndarray, Y: np.ndarray, ws: dict):
    """(cost, gradients) of LeNet-5 on (X, Y), with nndl.functional."""
    from nndl import functional as F
    m = X.shape[0]
    A5, (c1, A1, p1, c2, A2, p2, shape2, l3, A3, l4, A4, l5, _) = lenet_forward(P, X, ws)
    cost = F.categorical_cross_entropy(A5, Y)
    G = {}
    dA4, G["dW5"], G["db5"] = F.linear_backward(F.output_delta(A5, Y), l5)
    dA3, G["dW4"], G["db4"] = F.linear_backward(F.relu_backward(dA4, A4, out=dA4), l4)
    dF, G["dW3"], G["db3"] = F.linear_backward(F.relu_backward(dA3, A3, out=dA3), l3)
    dA2 = F.pool_backward(dF.T.reshape(shape2), p2, workspace=ws["pool2"])
    dP1, dW2, db2 = F.conv_backward(dA2, c2, workspace=ws["conv2"], relu_A=A2)
    dA1 = F.pool_backward(dP1, p1, workspace=ws["pool1"])
    _, dW1, db1 = F.conv_backward(dA1, c1, compute_dA_prev=False, workspace=ws["conv1"], relu_A=A1)
    for name, g in (("dW2", dW2), ("db2", db2), ("dW1", dW1), ("db1", db1)):
        G[name] = g * F32(1.0 / m)  # the course's 1/m of the mean cost
    return cost, G


def lenet5_model(P: dict):
    """``nndl.models.lenet5()`` holding the weights P."""
    from nndl.models import lenet5
    model = lenet5(seed=0)
    model.set_weights(P)
    return model


def fit_step(model, X, Y, optimizer):
    """One step of ``model.fit``'s loop as a function: forward, cost, backward, update, with
    the layers writing their per-batch arrays into the arrays kept between steps, as they do
    inside ``fit``."""
    from nndl.training import _reusing_buffers
    buffers: dict = {}

    def step():
        with _reusing_buffers(model, buffers):
            model.compute_cost_and_grads(X, Y)
        optimizer.update(model.params, model.grads)
    return step


# ---------------------------------------------------------------- PyTorch

def torch_lenet(P: dict):
    import torch
    from torch import nn
    net = nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5),
                        nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(400, 120), nn.ReLU(),
                        nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))
    with torch.no_grad():
        for i, l in ((0, 1), (3, 2)):  # filters (f, f, C_prev, C) → (C, C_prev, f, f)
            net[i].weight.copy_(torch.from_numpy(P[f"W{l}"].transpose(3, 2, 0, 1).copy()))
            net[i].bias.copy_(torch.from_numpy(P[f"b{l}"].ravel()))
        # nndl flattens (h, w, c); PyTorch flattens (c, h, w): permute W3's columns to match
        W3 = P["W3"].reshape(120, 5, 5, 16).transpose(0, 3, 1, 2).reshape(120, 400)
        for i, l, W in ((7, 3, W3), (9, 4, P["W4"]), (11, 5, P["W5"])):
            net[i].weight.copy_(torch.from_numpy(np.ascontiguousarray(W)))
            net[i].bias.copy_(torch.from_numpy(P[f"b{l}"].ravel()))
    return net


def torch_resnet(model):
    """The same ResNet as ``nndl.models.resnet()`` in plain PyTorch (NCHW, nn.Conv2d with bias,
    nn.BatchNorm2d), holding the nndl model's weights: stem CONV 3×3 → BN → ReLU; per block
    relu(BN3(CONV3 1×1) ∘ ReLU ∘ BN2(CONV2 3×3) ∘ ReLU ∘ BN1(CONV1 1×1, stride s) (x) + shortcut(x));
    global average pooling → Linear (the softmax is in the loss)."""
    import torch
    from torch import nn

    def conv(layer):
        W = layer.params["W"]
        f, _, n_C_prev, n_C = W.shape
        c = nn.Conv2d(n_C_prev, n_C, f, stride=layer.strides, padding=(f - 1) // 2 if layer.padding == "same" else 0)
        with torch.no_grad():
            c.weight.copy_(torch.from_numpy(np.ascontiguousarray(W.transpose(3, 2, 0, 1))))
            c.bias.copy_(torch.from_numpy(layer.params["b"].ravel().copy()))
        return c

    def bn(layer):
        b = nn.BatchNorm2d(layer.params["gamma"].size, eps=layer.eps, momentum=1 - layer.momentum)
        with torch.no_grad():
            b.weight.copy_(torch.from_numpy(layer.params["gamma"].ravel().copy()))
            b.bias.copy_(torch.from_numpy(layer.params["beta"].ravel().copy()))
        return b

    def chain(layers):
        mods = []
        for layer in layers:
            kind = type(layer).__name__
            mods.append(conv(layer) if kind == "Conv2D" else bn(layer) if kind == "BatchNorm" else nn.ReLU())
        return nn.Sequential(*mods)

    class Block(nn.Module):
        def __init__(self, block):
            super().__init__()
            self.main, self.shortcut = chain(block.main.values()), chain(block.shortcut.values())

        def forward(self, x):
            return torch.relu(self.main(x) + self.shortcut(x))

    class GlobalAvgPool(nn.Module):
        def forward(self, x):
            return x.mean(dim=(2, 3))

    mods = []
    for layer in model.layers:
        kind = type(layer).__name__
        if kind in ("IdentityBlock", "ConvolutionalBlock"):
            mods.append(Block(layer))
        elif kind == "GlobalAvgPool2D":
            mods.append(GlobalAvgPool())
        elif kind == "Dense":
            lin = nn.Linear(layer.params["W"].shape[1], layer.params["W"].shape[0])
            with torch.no_grad():
                lin.weight.copy_(torch.from_numpy(layer.params["W"].copy()))
                lin.bias.copy_(torch.from_numpy(layer.params["b"].ravel().copy()))
            mods.append(lin)
        else:
            mods.append(chain([layer]))
    return nn.Sequential(*mods)


# ---------------------------------------------------------------- timing

def _interleaved(fns: dict, rounds: int, steps: int) -> dict[str, float]:
    """Median seconds per call of every function, timed in rounds whose order rotates."""
    names = list(fns)
    times: dict[str, list[float]] = {n: [] for n in names}
    for fn in fns.values():
        fn()
    for r in range(rounds):
        k = r % len(names)
        for name in names[k:] + names[:k]:
            gc.collect()
            gc.disable()
            try:
                for _ in range(steps):
                    t0 = CLOCK()
                    fns[name]()
                    times[name].append(CLOCK() - t0)
            finally:
                gc.enable()
    return {n: statistics.median(t) for n, t in times.items()}


def _ops(out, rounds, steps) -> None:
    import torch
    import torch.nn.functional as TF
    from nndl import functional as F
    rng = np.random.default_rng(0)
    out(f"\n== single ops at LeNet-5's shapes, batch {B} (ms per call, median; nndl reuses its per-batch "
        "arrays between calls, as its layers do while training)")
    out(f"  {'op':<52} {'nndl':>8} {'torch':>8} {'ratio':>7}")
    cases = [("conv 5×5 1→6 'same' on 28×28", (B, 28, 28, 1), (5, 5, 1, 6), 2, False),
             ("conv 5×5 6→16 'valid' on 14×14", (B, 14, 14, 6), (5, 5, 6, 16), 0, True)]
    for label, xs, ws, pad, need_dx in cases:
        X = rng.standard_normal(xs).astype(F32)
        W = (rng.standard_normal(ws) * 0.1).astype(F32)
        b = np.zeros((1, 1, 1, ws[3]), F32)
        Xt = torch.from_numpy(X.transpose(0, 3, 1, 2).copy()).requires_grad_(need_dx)
        Wt = torch.from_numpy(W.transpose(3, 2, 0, 1).copy()).requires_grad_()
        bt = torch.zeros(ws[3], requires_grad=True)
        padding = "same" if pad else "valid"
        dZ = np.ones((xs[0], xs[1] - 4 + 2 * pad, xs[2] - 4 + 2 * pad, ws[3]), F32)
        work: dict = {}  # reused arrays, as the layers use them while training

        def nndl_fb():
            _, cache = F.conv_forward(X, W, b, 1, padding, workspace=work)
            F.conv_backward(dZ, cache, compute_dA_prev=need_dx, workspace=work)

        def torch_fb():
            Z = TF.conv2d(Xt, Wt, bt, padding=pad)
            Z.backward(torch.ones_like(Z))

        with torch.no_grad():
            t = _interleaved({"nndl": lambda: F.conv_forward(X, W, b, 1, padding, workspace=work),
                              "torch": lambda: TF.conv2d(Xt, Wt, bt, padding=pad)}, rounds, steps)
        _row(out, label + " forward", t)
        t = _interleaved({"nndl": nndl_fb, "torch": torch_fb}, rounds, steps)
        _row(out, label + " fwd+bwd" + ("" if need_dx else " (no dX)"), t)
    for label, xs in (("max-pool 2 on 28×28×6", (B, 28, 28, 6)), ("max-pool 2 on 10×10×16", (B, 10, 10, 16))):
        X = np.maximum(rng.standard_normal(xs), 0).astype(F32)  # after a ReLU, as in LeNet-5
        Xt = torch.from_numpy(X.transpose(0, 3, 1, 2).copy()).requires_grad_()
        dA = np.ones((xs[0], xs[1] // 2, xs[2] // 2, xs[3]), F32)
        work = {}

        def nndl_pb():
            _, cache = F.pool_forward(X, 2, workspace=work)
            F.pool_backward(dA, cache, workspace=work)

        def torch_pb():
            A = TF.max_pool2d(Xt, 2)
            A.backward(torch.ones_like(A))

        with torch.no_grad():
            t = _interleaved({"nndl": lambda: F.pool_forward(X, 2, workspace=work),
                              "torch": lambda: TF.max_pool2d(Xt, 2)},
                             rounds, steps)
        _row(out, label + " forward", t)
        _row(out, label + " fwd+bwd", _interleaved({"nndl": nndl_pb, "torch": torch_pb}, rounds, steps))


def _image_batch(rng: np.random.Generator, m: int):
    """m random 28×28×1 images and labels: X (m, 28, 28, 1), one-hot Y (10, m) for nndl; the
    same images NCHW and the labels as tensors for PyTorch."""
    import torch
    X = rng.standard_normal((m, 28, 28, 1)).astype(F32)
    y = rng.integers(0, 10, m)
    Y = np.eye(10, dtype=F32)[:, y]
    return X, Y, torch.from_numpy(X.transpose(0, 3, 1, 2).copy()), torch.from_numpy(y)


def _torch_adam_step(net, Xt, yt):
    """(step, cost): one Adam step (α = 1e-3) of ``net`` on the cross-entropy of (Xt, yt), and
    the current cost without a step."""
    import torch
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    loss_fn = torch.nn.CrossEntropyLoss()

    def step():
        opt.zero_grad()
        loss_fn(net(Xt), yt).backward()
        opt.step()

    return step, lambda: loss_fn(net(Xt), yt).item()


def _row(out, label, t) -> None:
    out(f"  {label:<52} {1e3 * t['nndl']:8.3f} {1e3 * t['torch']:8.3f} {t['nndl'] / t['torch']:6.2f}×")


def _lenet(out, rounds, steps) -> dict:
    import torch
    from nndl.optimizers import Adam
    rng = np.random.default_rng(0)
    P = lenet_params(rng)
    net = torch_lenet(P)
    X, Y, Xt, yt = _image_batch(rng, B)
    torch_step, torch_cost = _torch_adam_step(net, Xt, yt)
    opt_n = Adam(1e-3)
    model = lenet5_model(P)
    opt_m = Adam(1e-3)
    model_step = fit_step(model, X, Y, opt_m)

    c0n = lenet_step(P, X, Y, opt_n)
    c0t = torch_cost()
    c0m, _ = model.compute_cost_and_grads(X, Y)
    out(f"\n== LeNet-5 training step, batch {B}, Adam α=1e-3 (first cost: nndl {c0n:.5f}, "
        f"nndl Sequential {c0m:.5f}, torch {c0t:.5f})")
    t = _interleaved({"nndl": lambda: lenet_step(P, X, Y, opt_n), "model": model_step, "torch": torch_step},
                     rounds, steps)
    out(f"  nndl.functional {1e3 * t['nndl']:.2f} ms   nndl.models.lenet5 (Sequential) {1e3 * t['model']:.2f} ms"
        f"   torch {1e3 * t['torch']:.2f} ms")
    out(f"  nndl/torch = {t['nndl'] / t['torch']:.2f}× (functional), {t['model'] / t['torch']:.2f}× (Sequential) "
        "(target ≤ 1.2×)")
    Xi = rng.standard_normal((1000, 28, 28, 1)).astype(F32)
    Xit = torch.from_numpy(Xi.transpose(0, 3, 1, 2).copy())
    with torch.no_grad():
        ti = _interleaved({"nndl": lambda: lenet_forward(P, Xi), "model": lambda: model.predict_proba(Xi),
                           "torch": lambda: net(Xit)}, rounds, max(1, steps // 3))
    out("\n== LeNet-5 inference on 1,000 images")
    out(f"  nndl.functional {1e3 * ti['nndl']:.2f} ms   Sequential.predict_proba {1e3 * ti['model']:.2f} ms   "
        f"torch {1e3 * ti['torch']:.2f} ms")
    out(f"  nndl/torch = {ti['nndl'] / ti['torch']:.2f}× (functional), {ti['model'] / ti['torch']:.2f}× "
        "(Sequential) (target ≤ 1.0×)")
    _profile(out, P, X, Y, t["nndl"], rounds * steps)
    return {"step": t, "inference": ti}


def _resnet(out, rounds, steps) -> dict:
    """One training step of ``nndl.models.resnet()`` (3 stages, widths 16/32/64, batch 64 of
    28×28×1 images, Adam) against the same network in PyTorch from the same weights."""
    from nndl.models import resnet
    from nndl.optimizers import Adam
    m = 64
    rng = np.random.default_rng(1)
    model = resnet(seed=0)
    net = torch_resnet(model).train()
    X, Y, Xt, yt = _image_batch(rng, m)
    torch_step, torch_cost = _torch_adam_step(net, Xt, yt)
    model_step = fit_step(model, X, Y, Adam(1e-3))

    c0m, _ = model.compute_cost_and_grads(X, Y)
    c0t = torch_cost()
    out(f"\n== ResNet training step (nndl.models.resnet(): 3 stages × 2 blocks, widths 16/32/64), batch {m} "
        f"of 28×28×1, Adam α=1e-3 (first cost: nndl {c0m:.5f}, torch {c0t:.5f})")
    t = _interleaved({"model": model_step, "torch": torch_step}, rounds, max(1, steps // 2))
    out(f"  nndl.models.resnet (Sequential) {1e3 * t['model']:.2f} ms   torch {1e3 * t['torch']:.2f} ms")
    out(f"  nndl/torch = {t['model'] / t['torch']:.2f}× (target ≤ 1.5×)")
    return t


def _profile(out, P, X, Y, step_s, repeats) -> None:
    """Each part of nndl's step timed alone on the step's own arrays, with BLAS on one thread
    as in the step (the step multiplies inside the batch's slices; here each product is whole)."""
    from nndl import functional as F
    with F.blas_on_one_thread():
        _profile_parts(out, P, X, step_s, repeats)


def _profile_parts(out, P, X, step_s, repeats) -> None:
    from nndl import functional as F
    from nndl.functional import conv as C
    from nndl.functional.pooling import pool_backward, pool_forward

    def med(fn):
        ts = []
        fn()
        for _ in range(max(5, repeats // 2)):
            t0 = CLOCK()
            fn()
            ts.append(CLOCK() - t0)
        return statistics.median(ts)

    parts: dict[str, float] = {"im2col (gather windows)": 0.0, "matrix products (forward, dW, dcols)": 0.0,
                               "col2im (scatter-add)": 0.0, "bias add and db sum": 0.0,
                               "max pooling forward + backward": 0.0, "ReLU forward + backward": 0.0}
    A = X
    for W, b, pad, dx in ((P["W1"], P["b1"], "same", False), (P["W2"], P["b2"], "valid", True)):
        Z, (cols, _, _, geom) = F.conv_forward(A, W, b, 1, pad)
        _, pad_shape, pads, f, s, d, n_H, n_W = geom
        A_pad = C.zero_pad(A, pads)
        Wr = W.reshape(-1, W.shape[3])
        dZ2 = np.ascontiguousarray(Z).reshape(-1, W.shape[3])
        parts["im2col (gather windows)"] += med(lambda: C.im2col(A_pad, f, s, n_H, n_W, d))
        parts["matrix products (forward, dW, dcols)"] += med(lambda: cols @ Wr) + med(
            lambda: C._weight_gradient(dZ2, cols))  # as conv_backward takes dW
        parts["bias add and db sum"] += med(lambda: C.add_channel_bias(dZ2.copy(), b)) + med(
            lambda: C.sum_channels(dZ2))
        if dx:
            parts["matrix products (forward, dW, dcols)"] += med(lambda: C.backward_columns(dZ2, W))
            dcols = C.backward_columns(dZ2, W)
            parts["col2im (scatter-add)"] += med(lambda: C.col2im(dcols, pad_shape, f, s, n_H, n_W, d))
        Ar, dZr = np.maximum(Z, 0), np.empty_like(Z)
        parts["ReLU forward + backward"] += med(lambda: F.relu(Z, out=Ar)) + med(
            lambda: F.relu_backward(Ar, Ar, out=dZr))
        Ap, pc = pool_forward(Ar, 2)
        parts["max pooling forward + backward"] += med(lambda: pool_forward(Ar, 2)) + med(
            lambda: pool_backward(Ap, pc))
        A = Ap
    out(f"\n== profile of nndl's LeNet-5 step (each part timed alone; step median {1e3 * step_s:.2f} ms)")
    for label, t in parts.items():
        out(f"  {label:<40} {1e3 * t:7.3f} ms  {100 * t / step_s:5.1f}%")
    rest = step_s - sum(parts.values())
    out(f"  {'the rest (dense layers, Adam, Python)':<40} {1e3 * rest:7.3f} ms  {100 * rest / step_s:5.1f}%")


def run(args) -> int:
    def out(text: str = "") -> None:
        print(text, flush=True)

    limiter = start_against_torch(args.threads, out)  # kept alive for the whole run
    if limiter is False:
        return 2
    global CLOCK
    CLOCK = clock_named(args.clock)
    rounds, steps = (2, 3) if args.quick else (args.rounds, args.steps)
    out(f"{rounds} interleaved rounds × {steps} calls per framework; the garbage collector is paused while timing; "
        f"clock: {args.clock} ({'CPU time of this process' if args.clock == 'cpu' else 'elapsed time'})")
    cases = {c.strip() for c in args.cases.split(",")}
    unknown = cases - {"ops", "lenet", "resnet"}
    if unknown:
        print(f"unknown case(s) {', '.join(sorted(unknown))}: choose from ops, lenet, resnet")
        return 2
    if "ops" in cases:
        _ops(out, rounds, steps)
    if "lenet" in cases:
        _lenet(out, rounds, steps)
    if "resnet" in cases:
        _resnet(out, rounds, steps)
    out(f"\nload average at end: {load_average()}")
    return 0
