"""One page's training session: data, a real nndl network, its training steps and snapshots.

A step is one epoch over the training points in mini-batches, as in TensorFlow Playground,
and is ``model.fit(X_train, Y_train, epochs=1, ...)``: the playground couples to nndl only
through the public API (``Sequential``, ``Dense``, ``BatchNorm``, ``Activation``, ``Dropout``,
``fit``, ``evaluate``, ``forward``, ``params``/``grads`` and ``nndl.io.save``), so N steps here
are exactly ``fit(..., epochs=N)`` in the exported script.
"""

from __future__ import annotations

import os
import tempfile
import threading

import numpy as np

from .. import io as nndl_io
from ..layers import Activation, BatchNorm, Dense, Dropout
from ..models import Sequential, TrainingDiverged
from . import data as D

GRID = 48          # the output heat map is GRID × GRID points of the plot
NEURON_GRID = 16   # each neuron's heat map
HISTORY_POINTS = 400


def build_model(config: dict, n_out: int, regression: bool) -> Sequential:
    """The network a configuration describes: per hidden layer Dense(n, activation), or with
    batch norm Dense(n, linear) → BatchNorm → Activation, then Dropout when its rate > 0; the
    output Dense is sigmoid (2 classes), softmax (more) or linear (regression)."""
    layers = []
    for n, act in zip(config["layers"], config["activations"]):
        if config["batchnorm"]:
            layers += [Dense(n, "linear", l2=config["l2"], l1=config["l1"]), BatchNorm(), Activation(act)]
        else:
            layers.append(Dense(n, act, l2=config["l2"], l1=config["l1"]))
        if config["dropout"] > 0:
            layers.append(Dropout(1.0 - config["dropout"]))
    output = "linear" if regression else ("sigmoid" if n_out == 1 else "softmax")
    layers.append(Dense(n_out, output, l2=config["l2"], l1=config["l1"]))
    return Sequential(layers, seed=config["seed"], input_shape=(len(config["features"]),))


class Session:
    """The state behind one browser tab. Every method that touches the model holds ``lock``."""

    def __init__(self, config: dict, upload: tuple | None = None):
        self.lock = threading.Lock()
        self.playing = False
        self.version = 0
        self.configure(config, upload)

    # ------------------------------------------------------------------ setup
    def configure(self, raw: dict, upload: tuple | None = None) -> None:
        """Check ``raw`` and start from scratch; on a bad value nothing changes (ConfigError)."""
        config = D.check_config(raw)
        if config["dataset"] == "upload":
            upload = upload if upload is not None else getattr(self, "upload", None)
            if upload is None:
                raise D.ConfigError("upload a CSV file first (rows x1,x2,label)")
            P, y, regression = upload
            config["regression"] = regression
            classes = 1 if regression else int(y.max()) + 1
        else:
            regression = config["dataset"] in D.REGRESSION
            P, y = D.make_dataset(config["dataset"], config["points"], config["noise"], config["seed"], config["classes"])
            classes = 1 if regression else config["classes"]
        P_train, y_train, P_test, y_test = D.split(P, y, config["ratio"], config["seed"])
        n_out = 1 if regression or classes == 2 else classes
        model = build_model(config, n_out, regression)
        with self.lock:
            self.config, self.regression, self.classes = config, regression, classes
            self.upload = upload
            self.P_train, self.y_train, self.P_test, self.y_test = P_train, y_train, P_test, y_test
            self.X_train, self.X_test = D.features(P_train, config["features"]), D.features(P_test, config["features"])
            self.Y_train, self.Y_test = self._targets(y_train), self._targets(y_test)
            self.model = model
            self.step_count = 0
            self.error = None
            self.train_loss, self.test_loss = self._losses()
            self.history = [(0, self.train_loss, self.test_loss)]
            self.data_version = self.version = self.version + 1

    def _targets(self, y: np.ndarray) -> np.ndarray:
        return y.reshape(1, -1).astype(np.float32 if self.regression else np.int64)

    def reset(self) -> None:
        self.playing = False
        self.configure(self.config, self.upload)

    # ------------------------------------------------------------------ training
    def train(self, steps: int) -> None:
        """Train ``steps`` epochs; a diverging run stops with its message in ``error``."""
        if not 1 <= steps <= D.MAX_STEPS_PER_REQUEST:
            raise D.ConfigError(f"steps must be from 1 to {D.MAX_STEPS_PER_REQUEST}, got {steps}")
        updates = steps * -(-self.X_train.shape[1] // min(self.config["batch"], self.X_train.shape[1]))
        if updates > D.MAX_UPDATES_PER_REQUEST:
            raise D.ConfigError(f"{steps} steps of this data in batches of {self.config['batch']} are {updates:,} "
                                f"updates; one request may ask for {D.MAX_UPDATES_PER_REQUEST:,} at most "
                                "(fewer steps, or a larger batch)")
        with self.lock:
            if self.error:
                return
            c = self.config
            for _ in range(steps):
                first = self.model.optimizer is None
                saved = self.model.get_weights()
                try:
                    self.model.fit(self.X_train, self.Y_train, epochs=1, batch_size=c["batch"], verbose=0,
                                   optimizer=c["optimizer"] if first else None,
                                   learning_rate=c["lr"] if first else None)
                except TrainingDiverged as e:
                    self.model.set_weights(saved)  # the page keeps showing the last good network
                    self.error = str(e) + " — the last good weights are kept; lower the learning rate and press Reset"
                    self.playing = False
                    break
                self.step_count += 1
                self.train_loss, self.test_loss = self._losses()
                self.history.append((self.step_count, self.train_loss, self.test_loss))
            self.version += 1

    def _losses(self) -> tuple[float, float]:
        """The cost J (without the L1/L2 terms) on the training and the test points."""
        return (self.model.evaluate(self.X_train, self.Y_train)["cost"],
                self.model.evaluate(self.X_test, self.Y_test)["cost"])

    # ------------------------------------------------------------------ what the page draws
    def points(self) -> dict:
        with self.lock:
            return {"train": _points(self.P_train, self.y_train), "test": _points(self.P_test, self.y_test),
                    "regression": self.regression, "classes": self.classes, "config": self.config,
                    "data_version": self.data_version}

    def snapshot(self) -> dict:
        """Losses, the output heat map, every neuron's heat map, weights and their gradients."""
        with self.lock:
            model = self.model
            out_grid, _ = self._forward_grid(GRID)
            _, neuron_grid = self._forward_grid(NEURON_GRID)
            dense = [layer for layer in model.layers if isinstance(layer, Dense)]
            history = self.history
            if len(history) > HISTORY_POINTS:
                idx = np.linspace(0, len(history) - 1, HISTORY_POINTS).round().astype(int)
                history = [history[i] for i in idx]
            snap = {
                "version": self.version, "data_version": self.data_version, "step": self.step_count,
                "train_loss": _finite(self.train_loss), "test_loss": _finite(self.test_loss),
                "playing": self.playing, "error": self.error,
                "history": [(s, _finite(a), _finite(b)) for s, a, b in history],
                "output": out_grid, "neurons": neuron_grid,
                "weights": [_rounded(layer.params["W"]) for layer in dense],
                "biases": [_rounded(layer.params["b"][:, 0]) for layer in dense],
                "dweights": [_rounded(layer.grads["dW"]) for layer in dense],
                "dbiases": [_rounded(layer.grads["db"][:, 0]) for layer in dense],
            }
        return snap

    def _forward_grid(self, n: int) -> tuple[dict, list]:
        """The network on an n × n grid over the plot: the output map, and the activations of
        every neuron — inputs, hidden layers, outputs (row-major from the top-left corner)."""
        ticks = np.linspace(-D.DOMAIN, D.DOMAIN, n)
        gx, gy = np.meshgrid(ticks, ticks[::-1])
        X = D.features(np.stack([gx.ravel(), gy.ravel()], axis=1), self.config["features"])
        neurons, A = [], X
        layers = self.model.layers
        for i, layer in enumerate(layers):
            A = layer.forward(A, training=False)
            ends_block = i + 1 < len(layers) and (isinstance(layer, Activation) or (
                isinstance(layer, Dense) and not isinstance(layers[i + 1], BatchNorm)))
            if ends_block:
                neurons.append([_rounded(row) for row in A])
        inputs = [_rounded(row) for row in X]
        outputs = A if self.regression else 2 * A - 1  # probabilities shown on the same −1 … 1 scale
        neurons.append([_rounded(row) for row in outputs])
        if self.regression or A.shape[0] == 1:
            out = {"kind": "value", "values": _rounded(A[0] * 2 - 1 if not self.regression else A[0])}
        else:
            out = {"kind": "classes", "classes": A.argmax(axis=0).tolist(), "confidence": _rounded(A.max(axis=0))}
        return out, [inputs] + neurons

    # ------------------------------------------------------------------ exports
    def model_file(self) -> bytes:
        """The trained network as an nndl model file (safetensors), its configuration and
        feature names in the metadata."""
        with self.lock:
            fd, path = tempfile.mkstemp(suffix=".nndl")
            os.close(fd)
            try:
                nndl_io.save(self.model, path, extra_metadata={"playground": self.config,
                                                               "features": self.config["features"]})
                with open(path, "rb") as f:
                    return f.read()
            finally:
                os.unlink(path)

    def python_code(self) -> str:
        """A script that trains this configuration from scratch with the same seed."""
        with self.lock:
            return code_for(self.config, self.step_count, self.upload)


def code_for(config: dict, steps: int, upload: tuple | None = None) -> str:
    """The Python script that builds ``config``'s network with nndl and trains it ``steps``
    epochs from scratch with the same seed (the uploaded points written into it)."""
    c = config
    regression = D.is_regression(c) if upload is None else upload[2]
    if c["dataset"] == "upload":
        P, y, _ = upload
        rows = ",\n    ".join(f"[{a!r}, {b!r}, {t!r}]" for (a, b), t in zip(P.tolist(), y.tolist()))
        data = (f"data = np.array([\n    {rows},\n])\nP, y = data[:, :2], data[:, 2]"
                + ("" if regression else "\ny = y.astype(np.int64)"))
        classes = 1 if regression else int(y.max()) + 1
    else:
        data = (f"P, y = make_dataset({c['dataset']!r}, {c['points']}, noise={c['noise']!r}, seed={c['seed']}, "
                f"classes={c['classes']})")
        classes = 1 if regression else c["classes"]
    n_out = 1 if regression or classes == 2 else classes
    reg = f", l2={c['l2']!r}, l1={c['l1']!r}"
    lines = []
    for n, act in zip(c["layers"], c["activations"]):
        if c["batchnorm"]:
            lines += [f"nndl.Dense({n}, 'linear'{reg}), nndl.BatchNorm(), nndl.Activation({act!r}),"]
        else:
            lines.append(f"nndl.Dense({n}, {act!r}{reg}),")
        if c["dropout"] > 0:
            lines.append(f"nndl.Dropout(keep_prob={1 - c['dropout']!r}),")
    output = "linear" if regression else ("sigmoid" if n_out == 1 else "softmax")
    lines.append(f"nndl.Dense({n_out}, {output!r}{reg}),")
    layers = "\n    ".join(lines)
    dtype = "np.float32" if regression else "np.int64"
    return f'''"""Trains the nndl playground's network from scratch: {c['dataset']} data, features
{', '.join(c['features'])}, hidden layers {c['layers']}, {steps} steps (epochs) of {c['optimizer']}."""

import numpy as np

import nndl
from nndl.playground.data import features, make_dataset, split

{data}
P_train, y_train, P_test, y_test = split(P, y, ratio={c['ratio']}, seed={c['seed']})
FEATURES = {c['features']!r}
X_train, X_test = features(P_train, FEATURES), features(P_test, FEATURES)   # (n_x, m)
Y_train, Y_test = y_train.reshape(1, -1).astype({dtype}), y_test.reshape(1, -1).astype({dtype})

model = nndl.Sequential([
    {layers}
], seed={c['seed']}, input_shape=(len(FEATURES),))
model.fit(X_train, Y_train, epochs={steps}, batch_size={c['batch']}, optimizer={c['optimizer']!r},
          learning_rate={c['lr']!r}, verbose=0)
print("train", model.evaluate(X_train, Y_train))
print("test", model.evaluate(X_test, Y_test))
'''


def _points(P: np.ndarray, y: np.ndarray) -> list:
    """[[x1, x2, label], …] at full precision, so the page's points are the model's points."""
    return [[float(a), float(b), (float(t) if y.dtype.kind == "f" else int(t))] for (a, b), t in zip(P, y)]


def _rounded(a: np.ndarray) -> list:
    """Rounded plain numbers for JSON (non-finite values, which JSON cannot carry, clipped)."""
    a = np.nan_to_num(np.asarray(a, dtype=np.float64), nan=0.0, posinf=1e9, neginf=-1e9)
    return np.round(a, 5).tolist()


def _finite(x: float) -> float | None:
    return float(x) if np.isfinite(x) else None

