"""scikit-learn estimators around nndl's L-layer network: ``NNDLClassifier``, ``NNDLRegressor``.

They take the constructor names of scikit-learn's ``MLPClassifier`` / ``MLPRegressor``
(``hidden_layer_sizes``, ``activation``, ``solver``, ``alpha``, ``batch_size``,
``learning_rate_init``, ``max_iter``, ``early_stopping``, …) plus nndl's ``keep_prob`` and
``batch_norm``, and work wherever a scikit-learn estimator does (``Pipeline``,
``GridSearchCV``, ``cross_val_score``). At the boundary X is (n_samples, n_features), rows as
samples, as scikit-learn expects; inside, the network sees the course's X.T of shape
(n_x, m). The fitted network is ``est.model_``, an ``nndl.Sequential`` that saves and loads
like any nndl model.

The mapping: alpha is the course's λ (the cost gets α/2m·Σ‖W‖², as in scikit-learn);
activation "logistic" / "identity" are the course's "sigmoid" / "linear"; solver "adam" is
Adam(α, β1, β2, ε) and "sgd" is gradient descent with momentum β = ``momentum`` (plain
gradient descent when momentum is 0); the output is sigmoid for two classes, softmax for
more, linear for regression. Training stops when the training cost (or, with
``early_stopping``, the cost on the held-out ``validation_fraction``) has not improved by
``tol`` for ``n_iter_no_change`` epochs, and otherwise after ``max_iter`` epochs with a
``ConvergenceWarning``.

Needs scikit-learn (``pip install nndl[sklearn]``).
"""

from __future__ import annotations

import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, column_or_1d, validate_data

from .callbacks import Callback, EarlyStopping
from .models import mlp
from .optimizers import Adam, GradientDescent, Momentum

# scikit-learn's activation names → the course's (nndl's own names are accepted too).
ACTIVATIONS = {"identity": "linear", "logistic": "sigmoid", "tanh": "tanh", "relu": "relu",
               "linear": "linear", "sigmoid": "sigmoid", "leaky_relu": "leaky_relu"}


class _NNDLEstimator(BaseEstimator):
    """What the classifier and the regressor share: parameters, building and training."""

    _parameter_constraints: dict = {
        "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
        "activation": [StrOptions(set(ACTIVATIONS))],
        "solver": [StrOptions({"adam", "sgd"})],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "batch_size": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
        "tol": [Interval(Real, 0, None, closed="left")],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
        "momentum": [Interval(Real, 0, 1, closed="both")],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "beta_1": [Interval(Real, 0, 1, closed="left")],
        "beta_2": [Interval(Real, 0, 1, closed="left")],
        "epsilon": [Interval(Real, 0, None, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "keep_prob": [Interval(Real, 0, 1, closed="right")],
        "batch_norm": ["boolean"],
    }

    def __init__(self, hidden_layer_sizes=(100,), activation="relu", *, solver="adam", alpha=0.0001,
                 batch_size="auto", learning_rate_init=0.001, max_iter=200, shuffle=True, random_state=None,
                 tol=1e-4, verbose=False, warm_start=False, momentum=0.9, early_stopping=False,
                 validation_fraction=0.1, beta_1=0.9, beta_2=0.999, epsilon=1e-8, n_iter_no_change=10,
                 keep_prob=1.0, batch_norm=False):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate_init = learning_rate_init
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.keep_prob = keep_prob
        self.batch_norm = batch_norm

    # -- what subclasses define ------------------------------------------------------------
    def _output(self) -> tuple[int, str]:
        """(units, activation) of the output layer for the fitted targets."""
        raise NotImplementedError

    def _targets(self, y: np.ndarray, labels: np.ndarray | None, dtype) -> np.ndarray:
        """y (already validated; ``labels``: its class indices for a classifier) in the course's
        shape (n_y, m)."""
        raise NotImplementedError

    # -- building and training -------------------------------------------------------------
    def _hidden(self) -> list[int]:
        sizes = self.hidden_layer_sizes
        sizes = [sizes] if isinstance(sizes, Integral) else list(sizes)
        if not all(isinstance(s, Integral) and s >= 1 for s in sizes):
            raise ValueError(f"hidden_layer_sizes must be positive integers, got {self.hidden_layer_sizes!r}")
        return [int(s) for s in sizes]

    def _new_model(self, n_features: int, dtype):
        units, output = self._output()
        seed = int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))
        keep_prob = self.keep_prob if self.keep_prob < 1 else None
        self.model_ = mlp([n_features, *self._hidden(), units], hidden=ACTIVATIONS[self.activation],
                          output=output, keep_prob=keep_prob, batch_norm=self.batch_norm, lambd=self.alpha,
                          seed=seed, dtype=dtype)
        self.loss_curve_ = []
        self.validation_costs_ = []
        self.n_iter_ = 0

    def _optimizer(self):
        if self.solver == "adam":
            return Adam(self.learning_rate_init, beta1=self.beta_1, beta2=self.beta_2, epsilon=self.epsilon)
        if self.momentum > 0:
            return Momentum(self.learning_rate_init, beta=self.momentum)
        return GradientDescent(self.learning_rate_init)

    def _batch(self, m: int) -> int:
        return min(200, m) if self.batch_size == "auto" else min(int(self.batch_size), m)

    def _train(self, X: np.ndarray, Y: np.ndarray, epochs: int, stopping: bool, labels=None) -> None:
        """Train model_ on rows X and course-shaped Y for up to ``epochs`` epochs."""
        model = self.model_
        validation = None
        callbacks: list[Callback] = [_LossCurve(self)]
        if stopping and self.early_stopping:
            stratify = labels if labels is not None and _can_stratify(labels, self.validation_fraction) else None
            idx_train, idx_val = train_test_split(np.arange(X.shape[0]), test_size=self.validation_fraction,
                                                  random_state=model.seed, stratify=stratify)
            validation = (X[idx_val].T, Y[:, idx_val])
            X, Y = X[idx_train], Y[:, idx_train]
            monitor = "val_cost"
        else:
            monitor = "cost"
        stopper = None
        if stopping:
            stopper = EarlyStopping(monitor, patience=self.n_iter_no_change, min_delta=self.tol,
                                    restore_best_weights=self.early_stopping)
            callbacks.append(stopper)
        if model.optimizer is None:
            model._set_optimizer(self._optimizer(), None)
        else:  # warm start / partial_fit: keep Adam's moments, take the current hyperparameters
            model.optimizer.learning_rate = float(self.learning_rate_init)
        model.fit(X.T, Y, epochs=epochs, batch_size=self._batch(X.shape[0]), validation_data=validation,
                  callbacks=callbacks, verbose=int(bool(self.verbose)), shuffle=self.shuffle)
        if stopping and stopper.stopped_epoch is None and epochs == self.max_iter:
            warnings.warn(f"{type(self).__name__}: the maximum of {self.max_iter} epochs was reached and the "
                          f"cost still improved by more than tol={self.tol}; raise max_iter", ConvergenceWarning)

    def _validate(self, X, y, reset: bool):
        multi = getattr(self, "_multi_output", False)
        X, y = validate_data(self, X, y, reset=reset, dtype=(np.float64, np.float32), multi_output=multi,
                             y_numeric=multi)
        return X, y

    def _fit(self, X, y, epochs: int | None, reset: bool):
        X, y = self._validate(X, y, reset=reset)
        labels = self._set_targets(y, reset)
        if reset or not hasattr(self, "model_"):
            self._new_model(X.shape[1], X.dtype)
        X = X.astype(self.model_.dtype, copy=False)
        stopping = epochs is None
        self._train(X, self._targets(y, labels, self.model_.dtype), epochs or self.max_iter, stopping, labels)
        return self

    def fit(self, X, y):
        """Train on X (n_samples, n_features) and y; with ``warm_start``, continue the last fit."""
        self._validate_params()
        warm = self.warm_start and hasattr(self, "model_")
        return self._fit(X, y, None, reset=not warm)

    def _forward(self, X) -> np.ndarray:
        """A[L] for rows X, as rows: (n_samples, n_outputs)."""
        check_is_fitted(self, "model_")
        X = validate_data(self, X, reset=False, dtype=(np.float64, np.float32))
        return self.model_.predict_proba(X.astype(self.model_.dtype, copy=False).T).T

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = False
        return tags

    # -- pickling: the network travels as an nndl checkpoint file's bytes -------------------
    def __getstate__(self):
        state = super().__getstate__()
        if "model_" in state:
            state = {**state, "model_": _model_to_bytes(state["model_"])}
        return state

    def __setstate__(self, state):
        if isinstance(state.get("model_"), _ModelBytes):
            state = {**state, "model_": _model_from_bytes(state["model_"])}
        super().__setstate__(state)


class _ModelBytes(bytes):
    """An nndl model (or checkpoint, with its optimizer's state) as the bytes of its file."""


def _model_to_bytes(model) -> _ModelBytes:
    """The network's parameters live as views into one flat buffer, which pickle would split
    apart; its safetensors file keeps them (and a checkpoint, the optimizer's moments)."""
    import tempfile
    from pathlib import Path
    from .io import save, save_checkpoint
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "model.safetensors"
        if model.optimizer is not None:
            save_checkpoint(model, path, epoch=model.epochs_done)
        else:
            save(model, path)
        return _ModelBytes(path.read_bytes())


def _model_from_bytes(data: bytes):
    import tempfile
    from pathlib import Path
    from .io import load, load_checkpoint, read_extras
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "model.safetensors"
        path.write_bytes(data)
        return load_checkpoint(path) if "checkpoint" in read_extras(path)[0] else load(path)


class _LossCurve(Callback):
    """Records the training cost per epoch in ``loss_curve_`` (and ``loss_``, ``n_iter_``)."""

    def __init__(self, estimator):
        self.estimator = estimator

    def on_epoch_end(self, epoch, logs, model):
        est = self.estimator
        est.loss_curve_.append(float(logs["cost"]))
        est.loss_ = float(logs["cost"])
        est.n_iter_ += 1
        if "val_cost" in logs:
            est.validation_costs_.append(float(logs["val_cost"]))


def _can_stratify(labels: np.ndarray, fraction: float) -> bool:
    counts = np.bincount(labels)
    n_val = int(np.ceil(fraction * labels.size))
    return counts.min() >= 2 and n_val >= counts.size and labels.size - n_val >= counts.size


class NNDLClassifier(ClassifierMixin, _NNDLEstimator):
    """A neural-network classifier: nndl's L-layer network behind scikit-learn's interface.

    Parameters as ``sklearn.neural_network.MLPClassifier`` (see the module docstring for the
    mapping to the course), plus keep_prob (dropout after each hidden layer when < 1) and
    batch_norm. Two classes: one sigmoid unit; C > 2: softmax over C units.
    Fitted attributes: classes_, n_features_in_, feature_names_in_ (with named columns),
    model_ (the nndl network), loss_, loss_curve_ (training cost per epoch), validation_costs_
    (dev cost per epoch with early_stopping), n_iter_.
    """

    def _set_targets(self, y, reset: bool) -> np.ndarray:
        check_classification_targets(y)
        y = column_or_1d(y, warn=True)
        if reset or not hasattr(self, "classes_"):
            if getattr(self, "_partial_classes", None) is not None:
                classes = self._partial_classes
            else:
                classes = np.unique(y)
            if len(classes) < 2:
                raise ValueError(f"{type(self).__name__} needs at least 2 classes in y, got 1 class "
                                 f"({classes[0]!r})")
            self._encoder = LabelEncoder().fit(classes)
            self.classes_ = self._encoder.classes_
        unseen = np.setdiff1d(np.unique(y), self.classes_)
        if unseen.size:
            raise ValueError(f"y has classes {unseen.tolist()} not seen in the first fit "
                             f"(classes_ = {self.classes_.tolist()}); refit without warm_start")
        return self._encoder.transform(y)

    def _output(self):
        return (1, "sigmoid") if len(self.classes_) == 2 else (len(self.classes_), "softmax")

    def _targets(self, y, labels, dtype):
        idx = labels
        if len(self.classes_) == 2:
            return idx.reshape(1, -1).astype(dtype)
        Y = np.zeros((len(self.classes_), idx.size), dtype)
        Y[idx, np.arange(idx.size)] = 1
        return Y

    def partial_fit(self, X, y, classes=None):
        """One epoch on (X, y). The first call needs ``classes``: every class y may hold."""
        if not hasattr(self, "model_"):
            self._validate_params()
            if classes is None:
                raise ValueError("the first call to partial_fit needs classes=, every class y may hold")
            self._partial_classes = np.unique(classes)
            try:
                return self._fit(X, y, 1, reset=True)
            finally:
                self._partial_classes = None
        if classes is not None and not np.array_equal(np.unique(classes), self.classes_):
            raise ValueError(f"classes={list(classes)} differs from the first call's {self.classes_.tolist()}")
        return self._fit(X, y, 1, reset=False)

    def predict_proba(self, X) -> np.ndarray:
        """(n_samples, n_classes): the probability of each class in ``classes_`` order."""
        A = self._forward(X)
        return np.hstack([1 - A, A]) if len(self.classes_) == 2 else A

    def predict_log_proba(self, X) -> np.ndarray:
        """log of ``predict_proba`` (n_samples, n_classes)."""
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def predict(self, X) -> np.ndarray:
        """The most probable class of each sample (n_samples,), labels from ``classes_``."""
        A = self._forward(X)
        idx = (A[:, 0] > 0.5).astype(np.int64) if len(self.classes_) == 2 else A.argmax(axis=1)
        return self.classes_[idx]


class NNDLRegressor(RegressorMixin, _NNDLEstimator):
    """A neural-network regressor: nndl's L-layer network (linear output, squared error) behind
    scikit-learn's interface; parameters as ``MLPRegressor``. y: (n_samples,) or
    (n_samples, n_targets). Fitted attributes: n_features_in_, feature_names_in_, model_,
    loss_, loss_curve_, n_iter_."""

    _multi_output = True

    def _set_targets(self, y, reset: bool):
        y = np.asarray(y)
        n_out = 1 if y.ndim == 1 else y.shape[1]
        if reset or not hasattr(self, "n_outputs_"):
            self.n_outputs_ = n_out
            self._y_1d = y.ndim == 1
        elif n_out != self.n_outputs_:
            raise ValueError(f"y has {n_out} targets but the fitted network has {self.n_outputs_}")
        return None

    def _output(self):
        return self.n_outputs_, "linear"

    def _targets(self, y, labels, dtype):
        y = np.asarray(y, dtype=dtype)
        return y.reshape(1, -1) if y.ndim == 1 else np.ascontiguousarray(y.T)

    def partial_fit(self, X, y):
        """One epoch on (X, y), starting the network on the first call."""
        if not hasattr(self, "model_"):
            self._validate_params()
            return self._fit(X, y, 1, reset=True)
        return self._fit(X, y, 1, reset=False)

    def predict(self, X) -> np.ndarray:
        """Predictions (n_samples,) for a single target, else (n_samples, n_targets)."""
        A = self._forward(X)
        return A[:, 0] if self._y_1d else A

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = True
        return tags
