"""``python -m benchmarks rnn``: nndl's functional LSTM and Transformer encoder layer against PyTorch.

Cases (same shapes, same initial weights, float32, same thread count, one process):

1. LSTM language-model training step: one-hot vocabulary 60, hidden 128, 50 steps, batch 64:
   LSTM forward, per-step softmax cross-entropy, backpropagation through time, Adam.
2. Transformer encoder layer training step: d_model 128, 4 heads, feed-forward 512, no dropout,
   post-norm, length 64, batch 32: forward, backward of a fixed upstream gradient, Adam.

Steps are interleaved between the frameworks (the order alternates every round) and the
medians compared, so load on a shared machine hits both alike; compare the ratios.
"""

from __future__ import annotations

import gc
import statistics
import time

import numpy as np

from .env import clock_named, load_average, start_against_torch


CLOCK = time.perf_counter  # --clock cpu: time.process_time (the CPU time of this process)


def add_parser(sub) -> None:
    p = sub.add_parser("rnn", help="LSTM and Transformer encoder training steps: nndl vs PyTorch",
                       description=__doc__.split("\n\n")[0])
    p.add_argument("--steps", type=int, default=20, help="timed steps per framework and case (default 20)")
    p.add_argument("--threads", type=int, default=2, help="BLAS/PyTorch threads for both (default 2)")
    p.add_argument("--cases", default="lstm,encoder", help="comma-separated subset of lstm,encoder,layers "
                                                       "(layers: the LSTM LM as nndl layers)")
    p.add_argument("--clock", choices=("wall", "cpu"), default="wall",
                   help="wall: elapsed time (default); cpu: this process's CPU time, which other processes' "
                        "load does not inflate (with --threads 1 it is the work a step does)")
    p.set_defaults(handler=run)


# --- case 1: the LSTM language model -------------------------------------------------------

class NndlLSTM:
    def __init__(self, V, n_a, T, m, seed=0):
        import nndl.functional as F
        from nndl.optimizers import Adam
        self.F = F
        rng = np.random.default_rng(seed)
        s = 1 / np.sqrt(n_a)
        self.params = {}
        for g in "fico":
            self.params["W" + g] = rng.uniform(-s, s, (n_a, n_a + V)).astype(np.float32)
            self.params["b" + g] = rng.uniform(-s, s, (n_a, 1)).astype(np.float32)
        self.params["Wya"] = rng.uniform(-s, s, (V, n_a)).astype(np.float32)
        self.params["by"] = rng.uniform(-s, s, (V, 1)).astype(np.float32)
        ids = rng.integers(0, V, size=(m, T + 1))
        rows = np.zeros((T, m, V), dtype=np.float32)                # one-hot, time-major storage
        rows[np.arange(T)[:, None], np.arange(m)[None, :], ids[:, :T].T] = 1
        self.x = rows.transpose(2, 1, 0)                            # (V, m, T) view
        self.ids, self.Y = ids[:, :T], ids[:, 1:]
        self.optimizer = Adam(learning_rate=1e-3)

    def step(self) -> float:
        with self.F.blas_on_one_thread():  # as a model with an LSTM runs its steps (Layer.splits_batch)
            return self._step()

    def _step(self) -> float:
        F, p = self.F, self.params
        a, _, cache = F.lstm_forward(self.x, None, p)
        Z, dcache = F.dense_rows_forward(np.transpose(a, (2, 1, 0)), p["Wya"], p["by"])  # (T, m, V)
        J, lcache = F.sequence_softmax_cross_entropy(np.transpose(Z, (2, 1, 0)), self.Y)
        dZ = F.sequence_softmax_cross_entropy_backward(lcache)
        dA, dWya, dby = F.dense_rows_backward(np.transpose(dZ, (2, 1, 0)), dcache)
        _, _, _, grads = F.lstm_backward(np.transpose(dA, (2, 1, 0)), cache, compute_dx=False)
        grads["Wya"], grads["by"] = dWya, dby
        self.optimizer.update(p, {"d" + k: g for k, g in grads.items()})
        return J


class TorchLSTM:
    def __init__(self, nn_model: NndlLSTM, V, n_a):
        import torch
        self.torch = torch
        self.lstm = torch.nn.LSTM(V, n_a)
        self.out = torch.nn.Linear(n_a, V)
        p, n = nn_model.params, n_a
        rows = {"i": slice(0, n), "f": slice(n, 2 * n), "c": slice(2 * n, 3 * n), "o": slice(3 * n, 4 * n)}
        with torch.no_grad():
            for g, r in rows.items():
                self.lstm.weight_hh_l0[r] = torch.tensor(p["W" + g][:, :n])
                self.lstm.weight_ih_l0[r] = torch.tensor(p["W" + g][:, n:])
                self.lstm.bias_ih_l0[r] = torch.tensor(p["b" + g][:, 0])
                self.lstm.bias_hh_l0[r] = 0
            self.out.weight.copy_(torch.tensor(p["Wya"]))
            self.out.bias.copy_(torch.tensor(p["by"][:, 0]))
        self.x = torch.tensor(np.ascontiguousarray(np.transpose(nn_model.x, (2, 1, 0))))  # (T, m, V)
        self.Y = torch.tensor(nn_model.Y.T.reshape(-1))             # time-major, like the logits
        self.opt = torch.optim.Adam(list(self.lstm.parameters()) + list(self.out.parameters()), lr=1e-3)
        self.loss = torch.nn.CrossEntropyLoss()

    def step(self) -> float:
        self.opt.zero_grad()
        h, _ = self.lstm(self.x)
        J = self.loss(self.out(h).reshape(-1, self.out.out_features), self.Y)
        J.backward()
        self.opt.step()
        return float(J.detach())


# --- case 2: the Transformer encoder layer ---------------------------------------------------

class NndlEncoder:
    def __init__(self, d, h, d_ff, T, m, seed=0):
        import nndl.functional as F
        from nndl.optimizers import Adam
        self.F, self.h = F, h
        rng = np.random.default_rng(seed)
        p = {}
        for k in "qkvo":
            p["W" + k] = (rng.standard_normal((d, d)) / np.sqrt(d)).astype(np.float32)
            p["b" + k] = np.zeros((d, 1), np.float32)
        p["W1"] = (rng.standard_normal((d_ff, d)) / np.sqrt(d)).astype(np.float32)
        p["b1"] = np.zeros((d_ff, 1), np.float32)
        p["W2"] = (rng.standard_normal((d, d_ff)) / np.sqrt(d_ff)).astype(np.float32)
        p["b2"] = np.zeros((d, 1), np.float32)
        for k in ("1", "2"):
            p["gamma" + k], p["beta" + k] = np.ones((d, 1), np.float32), np.zeros((d, 1), np.float32)
        self.params = p
        self.x = rng.standard_normal((m, T, d)).astype(np.float32)
        self.G = (rng.standard_normal((m, T, d)) / (m * T)).astype(np.float32)
        self.optimizer = Adam(learning_rate=1e-4)

    def step(self) -> float:
        y, cache = self.F.encoder_layer_forward(self.x, self.params, self.h)
        _, grads = self.F.encoder_layer_backward(self.G, cache)
        self.optimizer.update(self.params, {"d" + k: g for k, g in grads.items()})
        return float(np.sum(y * self.G))


class TorchEncoder:
    def __init__(self, nn_model: NndlEncoder, d, h, d_ff):
        import torch
        self.torch = torch
        net = torch.nn.TransformerEncoderLayer(d, h, d_ff, dropout=0.0, batch_first=True)
        p = nn_model.params
        with torch.no_grad():
            net.self_attn.in_proj_weight.copy_(torch.tensor(np.concatenate([p["Wq"], p["Wk"], p["Wv"]])))
            net.self_attn.out_proj.weight.copy_(torch.tensor(p["Wo"]))
            net.linear1.weight.copy_(torch.tensor(p["W1"]))
            net.linear2.weight.copy_(torch.tensor(p["W2"]))
            for b in (net.self_attn.in_proj_bias, net.self_attn.out_proj.bias, net.linear1.bias, net.linear2.bias):
                b.zero_()
        self.net = net.train()
        self.x = torch.tensor(nn_model.x)
        self.G = torch.tensor(nn_model.G)
        self.opt = torch.optim.Adam(net.parameters(), lr=1e-4)

    def step(self) -> float:
        self.opt.zero_grad()
        y = self.net(self.x)
        y.backward(self.G)
        self.opt.step()
        return float((y.detach() * self.G).sum())


class NndlLayersLSTM:
    """The same LSTM language model as layers: Sequential([LSTM, TimeDistributed(Dense softmax)])
    trained as ``fit`` trains (per-batch buffers, the fused dZ = A − Y, Adam), from NndlLSTM's
    weights and data."""

    def __init__(self, functional: NndlLSTM, V, n_a, T):
        import nndl
        from nndl.optimizers import Adam
        from nndl.training import _reusing_buffers
        self.model = nndl.Sequential([nndl.LSTM(n_a, return_sequences=True),
                                      nndl.TimeDistributed(nndl.Dense(V, activation="softmax"))])
        self.model.build((V, T))
        weights = {k: functional.params[k] for k in ("Wf", "bf", "Wi", "bi", "Wc", "bc", "Wo", "bo")}
        weights = {f"{k}1": v for k, v in weights.items()}
        weights.update({"timedistributed1.inner.W": functional.params["Wya"],
                        "timedistributed1.inner.b": functional.params["by"]})
        self.model.set_weights(weights)
        self.model.optimizer = Adam(learning_rate=1e-3)
        self.x = np.ascontiguousarray(functional.x)
        self.Y = self.model.loss_fn.targets(functional.Y, self.model.output_shape, 1, self.x.shape[1])
        self.buffers: dict = {}
        self._reusing = _reusing_buffers

    def step(self) -> float:
        model = self.model
        with self._reusing(model, self.buffers):
            J, _ = model.compute_cost_and_grads(self.x, self.Y, training=True)
            model.optimizer.update(model.params, model.grads)
        return J


def _interleaved(runners: dict, steps: int, warmup: int = 2) -> dict[str, list[float]]:
    for r in runners.values():
        for _ in range(warmup):
            r.step()
    times = {name: [] for name in runners}
    names = list(runners)
    for k in range(steps):
        for name in (names if k % 2 == 0 else names[::-1]):
            gc.collect()
            gc.disable()
            try:
                t0 = CLOCK()
                runners[name].step()
                times[name].append(CLOCK() - t0)
            finally:
                gc.enable()
    return times


def _report(title: str, times: dict[str, list[float]]) -> None:
    print(f"\n== {title}")
    med = {n: statistics.median(t) for n, t in times.items()}
    for n, t in times.items():
        print(f"  {n:<6} median {1e3 * med[n]:8.2f} ms/step   (min {1e3 * min(t):.2f}, max {1e3 * max(t):.2f}, "
              f"{len(t)} steps)")
    if "torch" in med:
        print(f"  ratio nndl/torch = {med['nndl'] / med['torch']:.2f}×")


def run(args) -> int:
    limiter = start_against_torch(args.threads)  # kept alive for the whole run
    if limiter is False:
        return 2
    global CLOCK
    CLOCK = clock_named(args.clock)
    print(f"clock: {args.clock} ({'CPU time of this process' if args.clock == 'cpu' else 'elapsed time'})")
    cases = [c.strip() for c in args.cases.split(",") if c.strip()]
    if "lstm" in cases:
        V, n_a, T, m = 60, 128, 50, 64
        ours = NndlLSTM(V, n_a, T, m)
        theirs = TorchLSTM(ours, V, n_a)
        J0, J1 = ours.step(), theirs.step()
        print(f"\nfirst-step cross-entropy from the same weights: nndl {J0:.6f}, torch {J1:.6f}")
        _report(f"LSTM LM training step (one-hot {V}, hidden {n_a}, {T} steps, batch {m}, Adam, float32)",
                _interleaved({"nndl": ours, "torch": theirs}, args.steps))
    if "layers" in cases:
        V, n_a, T, m = 60, 128, 50, 64
        functional = NndlLSTM(V, n_a, T, m)
        ours = NndlLayersLSTM(functional, V, n_a, T)
        theirs = TorchLSTM(functional, V, n_a)
        J0, J1 = ours.step(), theirs.step()
        print(f"\nfirst-step cross-entropy from the same weights: nndl layers {J0 / T:.6f} per step, torch {J1:.6f}")
        runners = {"nndl": ours, "torch": theirs}
        if "lstm" in cases:  # the functional step in the same interleaved rounds: layers vs functional directly
            runners["func"] = NndlLSTM(V, n_a, T, m)
        times = _interleaved(runners, args.steps)
        _report(f"LSTM LM training step as layers: Sequential([LSTM, TimeDistributed(Dense softmax)]) "
                f"(one-hot {V}, hidden {n_a}, {T} steps, batch {m}, Adam, float32)", times)
        if "func" in times:
            print(f"  layers/functional = {statistics.median(times['nndl']) / statistics.median(times['func']):.2f}×, "
                  f"functional/torch = {statistics.median(times['func']) / statistics.median(times['torch']):.2f}×")
    if "encoder" in cases:
        d, h, d_ff, T, m = 128, 4, 512, 64, 32
        ours = NndlEncoder(d, h, d_ff, T, m)
        theirs = TorchEncoder(ours, d, h, d_ff)
        J0, J1 = ours.step(), theirs.step()
        print(f"\nfirst-step Σ y·G from the same weights: nndl {J0:.6f}, torch {J1:.6f}")
        _report(f"Transformer encoder layer step (d_model {d}, {h} heads, ff {d_ff}, post-norm, "
                f"length {T}, batch {m}, Adam, float32)", _interleaved({"nndl": ours, "torch": theirs}, args.steps))
    print(f"\nload average at end: {load_average()}")
    return 0
