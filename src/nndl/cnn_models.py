"""Builders for convolutional networks (Course 4) on the ``Sequential`` model."""

from __future__ import annotations

import numpy as np

from .layers import Conv2D, Dense, Flatten, MaxPool2D
from .models import Sequential

# LeNet-5 is trained with mini-batches of this size by default (``python -m benchmarks cnn``
# times one step at this size); pass it to ``fit(batch_size=...)``.
LENET5_BATCH_SIZE = 128


def lenet5(input_shape=(28, 28, 1), n_classes: int = 10, seed: int = 0, dtype=np.float32) -> Sequential:
    """LeNet-5 for 28×28 images, with ReLU and max pooling:

    CONV 5×5, 6 filters, "same", ReLU → MAXPOOL 2 → CONV 5×5, 16 filters, "valid", ReLU →
    MAXPOOL 2 → FLATTEN → DENSE 120 ReLU → DENSE 84 ReLU → DENSE n_classes softmax.

    Input (m, 28, 28, 1) (one example: ``input_shape``); output (n_classes, m). For 28×28
    inputs the flattened features are 5·5·16 = 400 and the network has 61,706 parameters.
    """
    layers = [Conv2D(6, 5, padding="same"), MaxPool2D(2), Conv2D(16, 5, padding="valid"), MaxPool2D(2),
              Flatten(), Dense(120), Dense(84), Dense(n_classes, "softmax")]
    return Sequential(layers, seed=seed, dtype=dtype, input_shape=tuple(input_shape))
