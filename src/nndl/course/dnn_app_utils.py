"""The course's ``dnn_app_utils`` (Course 1, week 4, the application notebook).

The step functions are those of the step-by-step notebook (``c1w4``); what differs is the
initialization the application notebook uses:

- ``initialize_parameters(n_x, n_h, n_y)``: W = N(0, 1)·0.01, ``np.random.seed(1)`` inside;
- ``initialize_parameters_deep(layer_dims)``: W[l] = N(0, 1)/√n[l−1], ``np.random.seed(1)`` inside
  (the step-by-step notebook's ``c1w4.initialize_parameters_deep`` is ×0.01 with seed 3);

and ``print_mislabeled_images`` to look at the errors. ``two_layer_model`` and ``L_layer_model``
(defined in the application notebook) train with these initializations.
"""

from __future__ import annotations

import numpy as np

from ._common import RNG, as_rng, deep_parameters, small_random_parameters
from .c1w4 import (L_layer_model, L_model_backward, L_model_forward, compute_cost, linear_activation_backward,
                   linear_activation_forward, linear_backward, linear_forward, predict, relu, relu_backward,
                   sigmoid, sigmoid_backward, two_layer_model, update_parameters)

Array = np.ndarray

__all__ = ["sigmoid", "relu", "sigmoid_backward", "relu_backward", "initialize_parameters",
           "initialize_parameters_deep", "linear_forward", "linear_activation_forward", "L_model_forward",
           "compute_cost", "linear_backward", "linear_activation_backward", "L_model_backward",
           "update_parameters", "predict", "print_mislabeled_images", "two_layer_model", "L_layer_model"]


def initialize_parameters(n_x: int, n_h: int, n_y: int, rng: RNG = None, dtype=np.float64) -> dict:
    """W1 = N(0, 1)·0.01 (n_h, n_x), b1 = 0, W2 = N(0, 1)·0.01 (n_y, n_h), b2 = 0.

    rng None: ``np.random.seed(1)`` and the global generator, as the course's helper.
    """
    return small_random_parameters(n_x, n_h, n_y, as_rng(rng, 1), dtype)


def initialize_parameters_deep(layer_dims, rng: RNG = None, dtype=np.float64) -> dict:
    """W[l] = N(0, 1)/√n[l−1] (n[l], n[l−1]), b[l] = 0 (n[l], 1), for layer_dims = [n[0], …, n[L]].

    rng None: ``np.random.seed(1)`` and the global generator, as the course's helper.
    """
    return deep_parameters(layer_dims, "xavier", as_rng(rng, 1), dtype)


def print_mislabeled_images(classes, X: Array, y: Array, p: Array, image_shape=(64, 64, 3), ax=None):
    """Show the examples where the prediction p differs from the label y (both (1, m) of 0/1),
    each titled "Prediction: … / Class: …". X: (n_x, m) flattened images of ``image_shape``;
    classes: names by label (bytes, as the course's h5 file holds them, or str).
    Returns the indices of the mislabeled examples (and draws them when matplotlib is installed)."""
    y = np.asarray(y).reshape(1, -1)
    p = np.asarray(p).reshape(1, -1)
    if y.shape != p.shape or np.shape(X)[-1] != y.shape[1]:
        raise ValueError(f"X {np.shape(X)}, y {y.shape} and p {p.shape} must describe the same m examples")
    mislabeled = np.flatnonzero(p[0] + y[0] == 1)
    if mislabeled.size:
        try:
            from ..plots import _pyplot, plot_image_grid
            _pyplot()
        except ImportError:
            return mislabeled

        def name(k):
            c = classes[int(k)]
            return c.decode("utf-8") if isinstance(c, bytes) else str(c)
        images = np.stack([np.asarray(X)[:, i].reshape(image_shape) for i in mislabeled])
        titles = [f"Prediction: {name(p[0, i])}\nClass: {name(y[0, i])}" for i in mislabeled]
        plot_image_grid(images, titles=titles, ax=ax)
    return mislabeled
