"""Train one configuration: build ``mlp([n_x, *hidden, n_out])`` and its optimizer, one
epoch at a time, reporting J_dev to the trial and stopping when its pruner says so."""

from __future__ import annotations

from typing import Any

from .backend import import_optuna


def build_model(config: dict[str, Any], n_x: int, n_classes: int, seed: int):
    """``mlp([n_x, *hidden, n_out])``: one sigmoid unit for 2 classes, else n_classes softmax units."""
    from ..models import mlp
    n_out, output = (1, "sigmoid") if n_classes == 2 else (n_classes, "softmax")
    keep_prob = config["keep_prob"] if config["keep_prob"] < 1 else None
    return mlp([n_x, *config["hidden"], n_out], hidden=config["activation"], output=output,
               lambd=config["lambd"], keep_prob=keep_prob, seed=seed)


def _make_optimizer(config: dict[str, Any]):
    from ..optimizers import get_optimizer
    beta = {"adam": "beta1", "momentum": "beta"}[config["optimizer"]]
    return get_optimizer(config["optimizer"], learning_rate=config["learning_rate"], **{beta: config["beta"]})


def train_config(config: dict[str, Any], data, epochs: int, seed: int, trial=None):
    """Train one configuration for ``epochs`` epochs, one ``fit`` call per epoch (the
    optimizer's state carries over), reporting J_dev to ``trial`` after each epoch and
    raising ``optuna.TrialPruned`` when its pruner says so. Returns the model; its
    ``history`` holds cost, accuracy, val_cost and val_accuracy per epoch."""
    model = build_model(config, data.n_x, data.n_classes, seed)
    optimizer = _make_optimizer(config)
    for epoch in range(epochs):
        model.fit(data.X_train, data.Y_train, epochs=1, batch_size=config["batch_size"],
                  optimizer=optimizer if epoch == 0 else None, validation_data=(data.X_dev, data.Y_dev),
                  verbose=0)
        if trial is not None:
            dev_cost = model.history["val_cost"][-1]
            trial.report(dev_cost, epoch)
            if trial.should_prune():
                trial.set_user_attr("pruned_at_epoch", epoch + 1)
                raise import_optuna().TrialPruned(f"dev cost {dev_cost:.4g} after epoch {epoch + 1}")
    return model
