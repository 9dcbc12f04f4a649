"""Neural style transfer (Course 4, week 4) with nndl.style_transfer.

The content is a Fashion-MNIST item (an ankle boot) on a 56×56 canvas; the style is a
pattern of diagonal stripes. The network is a stack of 3×3 convolutions and pooling, with
random (seeded) filters — random convolutional features already describe texture — or with
your own weights (``--weights file.npz|.safetensors``, names W1, b1, … in nndl's layouts;
see ``nndl.neural_style``). Writes docs/style_transfer.png (content, style, generated image
and the total cost per iteration) and prints the cost as it falls.

    python examples/style_transfer_demo.py
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

import nndl
from nndl.layers import AvgPool2D, Conv2D
from nndl.neural_style import load_weights

DOCS = Path(__file__).resolve().parent.parent / "docs"


def network(seed: int = 0):
    """CONV 3×3 16 ReLU → AVGPOOL 2 → CONV 3×3 32 ReLU → AVGPOOL 2 → CONV 3×3 32 ReLU."""
    layers = [Conv2D(16, 3, padding="same", name="conv1"), AvgPool2D(2), Conv2D(32, 3, padding="same", name="conv2"),
              AvgPool2D(2), Conv2D(32, 3, padding="same", name="conv3")]
    return nndl.Sequential(layers, input_shape=(56, 56, 1), seed=seed)


def images(data_dir=None):
    from nndl.datasets import load_dataset
    data = load_dataset("fashion-mnist", data_dir=data_dir)
    boot = np.asarray(data.X_test[:, list(data.Y_test.ravel()).index(9)]).reshape(28, 28)
    content = np.kron(boot, np.ones((2, 2)))[..., None]  # 56×56
    i, j = np.mgrid[:56, :56]
    style = (0.5 + 0.5 * np.sin((i + j) * np.pi / 4))[..., None]  # diagonal stripes, period 8 pixels
    return content.astype(np.float32), style.astype(np.float32)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--iterations", type=int, default=300)
    ap.add_argument("--weights", help="an .npz or .safetensors file of the network's weights")
    ap.add_argument("--out", default=str(DOCS / "style_transfer.png"))
    args = ap.parse_args(argv)
    net = network()
    if args.weights:
        load_weights(net, args.weights)
    content, style = images()
    start = time.perf_counter()
    G, costs = nndl.style_transfer(net, content, style, layers=[("conv1", 0.4), ("conv2", 0.3), ("conv3", 0.3)],
                                   content_layer="conv3", alpha=10, beta=40, iterations=args.iterations,
                                   learning_rate=0.02)
    seconds = time.perf_counter() - start
    for it in sorted({0, 9, 49, 99, 199, len(costs) - 1} & set(range(len(costs)))):
        print(f"iteration {it + 1:4d}: J = {costs[it]:.4f}")
    print(f"{len(costs)} iterations in {seconds:.1f} s")
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, 4, figsize=(12, 3.2), layout="constrained")
    for ax, img, title in zip(axes, (content, style, G[0]), ("content", "style", "generated")):
        ax.imshow(img[..., 0], cmap="gray", vmin=0, vmax=1)
        ax.set_title(title)
        ax.set_axis_off()
    axes[3].plot(np.arange(1, len(costs) + 1), costs)
    axes[3].set_yscale("log")
    axes[3].set_xlabel("iteration")
    axes[3].set_title("total cost J(G)")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(args.out, dpi=80)
    return costs


if __name__ == "__main__":
    main()
