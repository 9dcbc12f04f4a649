"""One runner per framework, all training the same MLP the same way.

A runner is built for (layer dims, hidden activation, learning rate, batch size, seed, data)
and offers ``epoch()`` (one shuffled pass of mini-batch Adam over the training set, with the
mean cross-entropy of the mini-batches computed as it goes), ``accuracy(X, y)`` on held-out
rows and ``predict_proba(rows)``. PyTorch starts from nndl's initial weights (same He/Xavier
scale, same numbers) and visits the examples in nndl's order, so the two see the same
mini-batches; scikit-learn uses its own Glorot-uniform initialization and shuffling, which
it does not let a caller replace.
"""

from __future__ import annotations

import time
import warnings

import numpy as np

from .data import Data

# The module each framework's runner imports: importing it first lets its thread pools be listed and limited.
MODULES = {"nndl": "nndl", "torch": "torch", "sklearn": "sklearn.neural_network"}
INSTALL = {"torch": "pip install torch", "sklearn": "pip install scikit-learn"}


class NndlRunner:
    name = "nndl"

    def __init__(self, dims, hidden, learning_rate, batch_size, seed, data: Data):
        import nndl
        self.model = nndl.mlp(dims, hidden=hidden, output="softmax", seed=seed)
        self.X, self.Y = data.X_train.T, data.y_train.reshape(1, -1)  # (n_x, m) view, (1, m) labels
        self.learning_rate, self.batch_size = learning_rate, batch_size
        self.loop_times: list[float] = []  # the epoch loop alone, without fit's input checks
        self._timer = _epoch_timer(self.loop_times)
        self.permutations: list[np.ndarray] = []

    def permutation(self, epoch: int) -> np.ndarray:
        """The order in which nndl's epoch ``epoch`` (counted from 0) visits the examples.

        fit draws it first thing in each epoch from the model's Generator, so a copy of that
        Generator shows the next one in advance. PyTorch replays these orders, so both
        frameworks see the same mini-batches from the same initial weights.
        """
        if epoch == len(self.permutations) == self.model.epochs_done:
            peek = np.random.Generator(type(self.model.rng.bit_generator)())
            peek.bit_generator.state = self.model.rng.bit_generator.state
            self.permutations.append(peek.permutation(self.X.shape[1]))
        return self.permutations[epoch]

    def initial_weights(self) -> list[tuple[np.ndarray, np.ndarray]]:
        n = len([k for k in self.model.params if k.startswith("W")])
        return [(self.model.params[f"W{l}"].copy(), self.model.params[f"b{l}"].copy()) for l in range(1, n + 1)]

    def epoch(self) -> float:
        self.permutation(self.model.epochs_done)
        first = self.model.optimizer is None
        history = self.model.fit(self.X, self.Y, epochs=1, batch_size=self.batch_size,
                                 optimizer="adam" if first else None,
                                 learning_rate=self.learning_rate if first else None,
                                 verbose=0, callbacks=[self._timer])
        return history.history["cost"][-1]

    def accuracy(self, X, y) -> float:
        return float(self.model.evaluate(X.T, y.reshape(1, -1))["accuracy"])

    def predict_proba(self, rows):
        return self.model.predict_proba(rows.T)


class TorchRunner:
    name = "torch"

    def __init__(self, dims, hidden, learning_rate, batch_size, seed, data: Data, init=None, order=None):
        import torch
        self.torch = torch
        torch.manual_seed(seed)
        act = {"relu": torch.nn.ReLU, "sigmoid": torch.nn.Sigmoid, "tanh": torch.nn.Tanh}[hidden]
        layers = []
        for l in range(1, len(dims)):
            linear = torch.nn.Linear(dims[l - 1], dims[l])
            if init is not None:
                W, b = init[l - 1]
                with torch.no_grad():
                    linear.weight.copy_(torch.from_numpy(W))
                    linear.bias.copy_(torch.from_numpy(b.reshape(-1)))
            layers += [linear, act()] if l < len(dims) - 1 else [linear]
        self.net = torch.nn.Sequential(*layers)
        self.optimizer = torch.optim.Adam(self.net.parameters(), lr=learning_rate)
        self.X, self.y = torch.from_numpy(data.X_train), torch.from_numpy(data.y_train)
        self.batch_size = batch_size
        self.generator = torch.Generator().manual_seed(seed)
        self.order, self.epochs_done = order, 0  # order(epoch) -> permutation, else torch.randperm

    def epoch(self) -> float:
        torch, F = self.torch, self.torch.nn.functional
        m = self.X.shape[0]
        if self.order is not None:
            perm = torch.from_numpy(self.order(self.epochs_done))
        else:
            perm = torch.randperm(m, generator=self.generator)
        total = 0.0
        self.net.train()
        for lo in range(0, m, self.batch_size):
            idx = perm[lo:lo + self.batch_size]
            xb, yb = self.X.index_select(0, idx), self.y.index_select(0, idx)
            self.optimizer.zero_grad(set_to_none=True)
            loss = F.cross_entropy(self.net(xb), yb)
            loss.backward()
            self.optimizer.step()
            total += loss.item() * len(idx)
        self.epochs_done += 1
        return total / m

    def accuracy(self, X, y) -> float:
        with self.torch.no_grad():
            pred = self.net(self.torch.from_numpy(X)).argmax(dim=1).numpy()
        return float(np.mean(pred == y))

    def predict_proba(self, rows):
        with self.torch.no_grad():
            return self.torch.softmax(self.net(self.torch.from_numpy(rows)), dim=1)


class SklearnRunner:
    name = "sklearn"

    def __init__(self, dims, hidden, learning_rate, batch_size, seed, data: Data):
        from sklearn.neural_network import MLPClassifier
        self.clf = MLPClassifier(hidden_layer_sizes=tuple(dims[1:-1]),
                                 activation={"relu": "relu", "sigmoid": "logistic", "tanh": "tanh"}[hidden],
                                 solver="adam", alpha=0.0, batch_size=batch_size, learning_rate_init=learning_rate,
                                 shuffle=True, random_state=seed)
        self.X, self.y = data.X_train, data.y_train
        self.classes = np.arange(data.n_classes)

    def epoch(self) -> float:
        # partial_fit: one shuffled pass that keeps Adam's moments between calls.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.clf.partial_fit(self.X, self.y, classes=self.classes)
        return float(self.clf.loss_)

    def accuracy(self, X, y) -> float:
        return float(self.clf.score(X, y))

    def predict_proba(self, rows):
        return self.clf.predict_proba(rows)


def available(names: list[str]) -> tuple[list[str], list[str]]:
    """(frameworks that can run, messages for those skipped because they are not installed).

    Imports each framework's module (``MODULES``), so its thread pools exist from here on.
    """
    ok, skipped = [], []
    for name in names:
        try:
            __import__(MODULES[name])
            ok.append(name)
        except ImportError:
            skipped.append(f"{name}: skipped, not installed ({INSTALL.get(name, '')})")
    return ok, skipped


def make_runner(name: str, dims, hidden, learning_rate, batch_size, seed, data: Data, init=None, order=None):
    if name == "nndl":
        return NndlRunner(dims, hidden, learning_rate, batch_size, seed, data)
    if name == "torch":
        return TorchRunner(dims, hidden, learning_rate, batch_size, seed, data, init=init, order=order)
    if name == "sklearn":
        return SklearnRunner(dims, hidden, learning_rate, batch_size, seed, data)
    raise ValueError(f"unknown framework {name!r}")


def _epoch_timer(times: list[float]):
    """An nndl callback that appends the wall time of each epoch's loop to ``times``."""
    import nndl

    class EpochTimer(nndl.Callback):
        def on_epoch_begin(self, epoch, model):
            self.t0 = time.perf_counter()

        def on_epoch_end(self, epoch, logs, model):
            times.append(time.perf_counter() - self.t0)

    return EpochTimer()
