"""The layers of convolutional networks (Course 4): LeNet-5 and a small ResNet.

``nndl.models.lenet5()`` and ``nndl.models.resnet()`` wrap these lists in a ``Sequential``;
this module only knows layers, so ``nndl.models`` can import it.
"""

from __future__ import annotations

from typing import Sequence

from .layers import Activation, BatchNorm, Conv2D, Dense, Flatten, GlobalAvgPool2D, Layer, MaxPool2D
from .layers.residual import ConvolutionalBlock, IdentityBlock

# LeNet-5 is trained with mini-batches of this size by default (``python -m benchmarks cnn``
# times one step at this size); pass it to ``fit(batch_size=...)``.
LENET5_BATCH_SIZE = 128


def lenet5_layers(n_classes: int = 10) -> list[Layer]:
    """CONV 5×5, 6 filters, "same", ReLU → MAXPOOL 2 → CONV 5×5, 16 filters, "valid", ReLU →
    MAXPOOL 2 → FLATTEN → DENSE 120 ReLU → DENSE 84 ReLU → DENSE n_classes softmax."""
    return [Conv2D(6, 5, padding="same"), MaxPool2D(2), Conv2D(16, 5, padding="valid"), MaxPool2D(2),
            Flatten(), Dense(120), Dense(84), Dense(n_classes, "softmax")]


def resnet_layers(depths: Sequence[int] = (2, 2, 2), widths: Sequence[int] = (16, 32, 64),
                  n_classes: int = 10) -> list[Layer]:
    """A small ResNet: stem CONV 3×3 (widths[0]) → BN → ReLU; then one stage per width w:
    a ConvolutionalBlock (f = 3, filters (w, w, w), stride 1 in the first stage, 2 after: the
    image halves) and depth − 1 IdentityBlocks (f = 3, filters (w, w, w)); then global
    average pooling → DENSE n_classes softmax."""
    depths, widths = [int(d) for d in depths], [int(w) for w in widths]
    if not depths or len(depths) != len(widths) or min(depths) < 1 or min(widths) < 1:
        raise ValueError(f"resnet needs one positive depth per positive width, got depths={depths}, widths={widths}")
    layers: list[Layer] = [Conv2D(widths[0], 3, padding="same", activation="linear"), BatchNorm(), Activation("relu")]
    for stage, (depth, w) in enumerate(zip(depths, widths)):
        layers.append(ConvolutionalBlock(3, (w, w, w), strides=1 if stage == 0 else 2))
        layers += [IdentityBlock(3, (w, w, w)) for _ in range(depth - 1)]
    return layers + [GlobalAvgPool2D(), Dense(n_classes, "softmax")]
