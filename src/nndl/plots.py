"""Plots for training and diagnosis: learning curves, decision boundaries, confusion matrices,
first-layer weights, activations and image grids.

matplotlib is an optional extra (``pip install matplotlib``); it is imported inside each
function, with the non-interactive Agg backend when there is no display. Every function
takes an optional ``ax`` (draw into an existing Axes, e.g. in a notebook layout) and an
optional ``path`` (save a PNG there), and returns the Figure.
"""

from __future__ import annotations

import csv
import math
import os
import sys
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np

from .metrics import _check_cm, predictions_from_proba, to_labels

Array = np.ndarray
_NON_INTERACTIVE = {"agg", "pdf", "ps", "svg", "pgf", "cairo", "template"}
# Red and blue as in the course's planar-data plots, then a qualitative palette for more classes.
_TWO_CLASSES = ("#d7191c", "#2b83ba")


def _pyplot():
    """matplotlib.pyplot, on the Agg backend when there is no display; a clear error if missing."""
    try:
        import matplotlib
    except ImportError:
        raise ImportError("plotting needs matplotlib, an optional extra: pip install matplotlib "
                          "(or pip install 'nndl[plots]')") from None
    headless = sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    if headless and "matplotlib.pyplot" not in sys.modules and not os.environ.get("MPLBACKEND"):
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def _new_figure(plt, nrows: int = 1, ncols: int = 1, figsize=(6.0, 4.0)):
    """A new figure and its (nrows, ncols) axes; released from pyplot when nothing will show it,
    so that figures made in a loop do not pile up (the Figure itself stays usable)."""
    fig, axes = plt.subplots(nrows, ncols, figsize=figsize, squeeze=False, layout="constrained")
    import matplotlib
    if matplotlib.get_backend().lower() in _NON_INTERACTIVE:
        plt.close(fig)
    return fig, axes


def _finish(fig, path: str | os.PathLike | None, dpi: int = 100):
    if path is not None:
        import io
        from .files import atomic_write
        path = Path(path)
        buffer = io.BytesIO()  # rendered in memory, then written atomically (a link at path is replaced)
        fig.savefig(buffer, format=path.suffix.lstrip(".").lower() or "png", dpi=dpi, bbox_inches="tight")
        atomic_write(path, buffer.getvalue())
    return fig


def _figure_and_ax(plt, ax, figsize):
    """(fig, ax): a new single-Axes figure, or the given Axes and its figure."""
    if ax is None:
        fig, axes = _new_figure(plt, figsize=figsize)
        return fig, axes[0][0]
    return ax.figure, ax


def _grid(plt, ax, n: int, tile=(1.6, 1.8), cols: int | None = None):
    """(fig, n axes) laid out in a grid: new subplots, or insets filling ``ax``."""
    cols = cols or min(n, max(1, math.ceil(math.sqrt(n))))
    rows = math.ceil(n / cols)
    if ax is None:
        fig, axes = _new_figure(plt, rows, cols, figsize=(tile[0] * cols, tile[1] * rows))
        axes = list(axes.ravel())
        for extra in axes[n:]:
            extra.remove()
        return fig, axes[:n]
    ax.set_axis_off()
    w, h = 1.0 / cols, 1.0 / rows
    insets = [ax.inset_axes([(i % cols) * w + 0.05 * w, 1 - (i // cols + 1) * h + 0.05 * h, 0.9 * w, 0.75 * h])
              for i in range(n)]
    return ax.figure, insets


def _class_colors(C: int):
    from matplotlib.colors import ListedColormap
    import matplotlib
    if C <= 2:
        return ListedColormap(_TWO_CLASSES)
    base = matplotlib.colormaps["tab10" if C <= 10 else "tab20"]
    return ListedColormap([base(i % base.N) for i in range(C)])


# ---------------------------------------------------------------------- learning curves
def _read_history(history) -> dict[str, Array]:
    """History object, dict of lists, or a history.csv path → {column: float array}."""
    if isinstance(history, (str, os.PathLike)):
        path = Path(history)
        if not path.is_file():
            raise FileNotFoundError(f"history file not found: {path}")
        with open(path, newline="") as f:
            rows = list(csv.DictReader(f))
        if not rows:
            raise ValueError(f"{path} has no rows; expected a header and one row per epoch")
        data = {k: [float(r[k]) if r.get(k) not in (None, "") else math.nan for r in rows] for k in rows[0]}
    elif isinstance(history, Mapping):
        data = dict(history)
    elif hasattr(history, "history"):
        data = dict(history.history)
    else:
        raise TypeError(f"history must be a History, a dict of lists or a CSV path, got {type(history).__name__}")
    out = {k: np.asarray(v, dtype=np.float64) for k, v in data.items() if len(v)}
    if "cost" not in out and "val_cost" not in out:
        raise ValueError(f"the history has no 'cost' column; it has: {', '.join(data) or 'nothing'}")
    return out


def plot_history(history, ax=None, path: str | os.PathLike | None = None, title: str | None = None,
                 lambd: float = 0.0):
    """Learning curves: training and dev cost J per epoch, and accuracy when logged.

    history: ``model.history``, a dict {"epoch", "cost", "accuracy", "val_cost",
    "val_accuracy", …} of per-epoch lists, or the path of a history.csv. ax: one Axes
    (accuracy goes on a twin y axis) or a pair (cost Axes, accuracy Axes).
    lambd: the L2 λ of the run. With λ > 0 the training cost includes the penalty
    (λ/2m)·Σ‖W‖² while the dev cost is the cross-entropy alone, so the training curve can sit
    above the dev curve although training accuracy is higher; the legend says which is which.
    """
    h = _read_history(history)
    n = len(h.get("cost", h.get("val_cost")))
    epochs = h["epoch"] + 1 if "epoch" in h else np.arange(1, n + 1)
    has_acc = "accuracy" in h or "val_accuracy" in h
    plt = _pyplot()
    if ax is None:
        fig, axes = _new_figure(plt, 1, 2 if has_acc else 1, figsize=(11.0 if has_acc else 6.0, 4.0))
        cost_ax, acc_ax = axes[0][0], (axes[0][1] if has_acc else None)
    elif isinstance(ax, (list, tuple, np.ndarray)):
        cost_ax, acc_ax = ax[0], ax[1]
        fig = cost_ax.figure
    else:
        fig, cost_ax = ax.figure, ax
        acc_ax = ax.twinx() if has_acc else None
    for key, label, style in cost_labels(lambd):
        if key in h:
            cost_ax.plot(epochs, h[key], style, color="C0", label=label)
    cost_ax.set_xlabel("epoch")
    cost_ax.set_ylabel("cost J" if not lambd else "cost J (train: with the L2 penalty)")
    cost_ax.set_title(title or "Learning curves")
    if acc_ax is not None:
        for key, label, style in (("accuracy", "train accuracy", "-"), ("val_accuracy", "dev accuracy", "--")):
            if key in h:
                acc_ax.plot(epochs, h[key], style, color="C1", label=label)
        acc_ax.set_ylabel("accuracy")
        acc_ax.set_xlabel("epoch")
        acc_ax.legend(loc="lower right")
    cost_ax.legend(loc="upper right")
    return _finish(fig, path)


def cost_labels(lambd: float = 0.0) -> tuple[tuple[str, str, str], ...]:
    """(history column, legend label, line style) for the train and dev costs: with λ > 0 the
    train cost is cross-entropy + (λ/2m)·Σ‖W‖², the dev cost cross-entropy only."""
    if lambd and lambd > 0:
        return (("cost", f"train cost: cross-entropy + L2 penalty (λ = {lambd:g})", "-"),
                ("val_cost", "dev cost: cross-entropy only", "--"))
    return (("cost", "train cost (cross-entropy)", "-"), ("val_cost", "dev cost (cross-entropy)", "--"))


# ---------------------------------------------------------------------- 2-D data
def plot_decision_boundary(model, X: Array, Y, ax=None, path: str | os.PathLike | None = None,
                           resolution: int = 200, margin: float = 0.5, title: str | None = None):
    """The regions the model assigns to each class, with the examples on top.

    X: (2, m) two features; Y: labels (1, m) / (m,) or one-hot (C, m). The mesh grid of
    resolution² points is predicted in one vectorized ``predict_proba`` call, shape
    (2, resolution²).
    """
    X = np.asarray(X)
    if X.ndim != 2 or X.shape[0] != 2:
        hint = "; examples look like rows: pass X.T" if X.ndim == 2 and X.shape[1] == 2 else ""
        raise ValueError(f"X has shape {X.shape}, expected (2, m) for a decision boundary{hint}")
    y = to_labels(Y, "Y")
    if y.size != X.shape[1]:
        raise ValueError(f"Y has {y.size} labels but X has {X.shape[1]} examples")
    if resolution < 2:
        raise ValueError(f"resolution must be >= 2, got {resolution}")
    lo, hi = X.min(axis=1) - margin, X.max(axis=1) + margin
    xx, yy = np.meshgrid(np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution))
    grid = np.stack([xx.ravel(), yy.ravel()]).astype(model.dtype)
    A = model.predict_proba(grid, batch_size=grid.shape[1])
    regions = predictions_from_proba(A).reshape(xx.shape)
    C = max(A.shape[0], 2, int(y.max()) + 1)
    plt = _pyplot()
    fig, ax = _figure_and_ax(plt, ax, (5.5, 4.5))
    cmap = _class_colors(C)
    ax.contourf(xx, yy, regions, levels=np.arange(C + 1) - 0.5, cmap=cmap, alpha=0.35)
    ax.scatter(X[0], X[1], c=y, cmap=cmap, vmin=-0.5, vmax=C - 0.5, s=14, edgecolors="k", linewidths=0.3)
    ax.set_xlim(lo[0], hi[0])
    ax.set_ylim(lo[1], hi[1])
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    if title:
        ax.set_title(title)
    return _finish(fig, path)


def plot_decision_function(predict, X: Array, y, h: float = 0.01, margin: float = 1.0, ax=None,
                           path: str | os.PathLike | None = None, title: str | None = None):
    """The course's ``plot_decision_boundary(model, X, y)``: ``predict`` is any function of a
    (k, 2) array of points, ONE POINT PER ROW (the notebooks pass ``lambda x: predict(parameters, x.T)``),
    returning k labels in any shape; it is called once on the grid of step ``h`` that covers X
    with a margin. X: (2, m); y: (1, m) or (m,) labels.
    """
    X = np.asarray(X)
    if X.ndim != 2 or X.shape[0] != 2:
        hint = "; examples look like rows: pass X.T" if X.ndim == 2 and X.shape[1] == 2 else ""
        raise ValueError(f"X has shape {X.shape}, expected (2, m){hint}")
    y = np.ravel(y)
    if y.size != X.shape[1]:
        raise ValueError(f"y has {y.size} labels but X has {X.shape[1]} examples")
    lo, hi = X.min(axis=1) - margin, X.max(axis=1) + margin
    xx, yy = np.meshgrid(np.arange(lo[0], hi[0], h), np.arange(lo[1], hi[1], h))
    Z = np.asarray(predict(np.c_[xx.ravel(), yy.ravel()]))
    if Z.size != xx.size:
        raise ValueError(f"predict returned {Z.size} values for {xx.size} grid points (one per row expected)")
    Z = Z.reshape(xx.shape).astype(np.float64)
    plt = _pyplot()
    fig, ax = _figure_and_ax(plt, ax, (5.5, 4.5))
    ax.contourf(xx, yy, Z, cmap=plt.cm.Spectral)
    ax.scatter(X[0], X[1], c=y.astype(np.float64), cmap=plt.cm.Spectral, s=14, edgecolors="k", linewidths=0.3)
    ax.set_xlabel("x1")
    ax.set_ylabel("x2")
    if title:
        ax.set_title(title)
    return _finish(fig, path)


# ---------------------------------------------------------------------- error analysis
def plot_confusion_matrix(cm: Array, class_names: Sequence[str] | None = None, ax=None,
                          path: str | os.PathLike | None = None, normalize: bool = False, title: str | None = None):
    """The confusion matrix as a heat map, rows true classes, columns predicted.

    cm: (C, C) counts. normalize: show each row as fractions of its class (recall on the
    diagonal). Cells are annotated when C ≤ 30.
    """
    cm = _check_cm(cm)
    C = cm.shape[0]
    names = [str(c) for c in (class_names if class_names is not None else range(C))]
    if len(names) != C:
        raise ValueError(f"class_names has {len(names)} names but the confusion matrix has {C} classes")
    values = cm.astype(np.float64)
    if normalize:
        rows = values.sum(axis=1, keepdims=True)
        values = np.divide(values, rows, out=np.zeros_like(values), where=rows != 0)
    plt = _pyplot()
    side = min(max(4.5, 0.45 * C + 2.5), 16.0)
    fig, ax = _figure_and_ax(plt, ax, (side + 1, side))
    im = ax.imshow(values, cmap="Blues", interpolation="nearest")
    fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
    long_names = max(map(len, names)) > 3
    ax.set_xticks(range(C), names, rotation=45 if long_names else 0, ha="right" if long_names else "center")
    ax.set_yticks(range(C), names)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    ax.set_title(title or ("Confusion matrix (row-normalized)" if normalize else "Confusion matrix"))
    if C <= 30:
        threshold = values.max() / 2 if values.size else 0
        for (i, j), v in np.ndenumerate(values):
            ax.text(j, i, f"{v:.2f}" if normalize else f"{int(cm[i, j])}", ha="center", va="center",
                    fontsize=8 if C > 10 else 10, color="white" if v > threshold else "black")
    return _finish(fig, path)


def _to_display(images: Array) -> Array:
    """Images (k, h, w[, c]) scaled to [0, 1], each by its own min and max (vectorized over k)."""
    images = np.asarray(images, dtype=np.float64)
    axes = tuple(range(1, images.ndim))
    lo, hi = images.min(axis=axes, keepdims=True), images.max(axis=axes, keepdims=True)
    return np.divide(images - lo, hi - lo, out=np.full_like(images, 0.5), where=(hi - lo) > 0)


def _check_images(images) -> Array:
    images = np.asarray(images)
    if images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]
    if images.ndim not in (3, 4) or (images.ndim == 4 and images.shape[-1] not in (3, 4)) or images.shape[0] == 0:
        raise ValueError(f"images have shape {images.shape}; expected (k, h, w) grayscale or (k, h, w, 3) RGB, "
                         "examples first, k ≥ 1")
    return images


def plot_image_grid(images: Array, titles: Sequence[str] | None = None, ax=None,
                    path: str | os.PathLike | None = None, cols: int | None = None, cmap: str = "gray"):
    """A grid of images with a title over each (e.g. the most confidently wrong examples).

    images: (k, h, w) or (k, h, w, 3), examples first; each is shown scaled to its own
    range, so normalized (standardized) inputs display correctly. titles: k strings.
    """
    images = _check_images(images)
    k = images.shape[0]
    if titles is not None and len(titles) != k:
        raise ValueError(f"got {len(titles)} titles for {k} images")
    shown = _to_display(images)
    plt = _pyplot()
    fig, axes = _grid(plt, ax, k, cols=cols)
    for i, a in enumerate(axes):
        a.imshow(shown[i], cmap=None if shown.ndim == 4 else cmap, vmin=0, vmax=1, interpolation="nearest")
        a.set_xticks([])
        a.set_yticks([])
        if titles is not None:
            a.set_title(titles[i], fontsize=8)
    return _finish(fig, path)


# ---------------------------------------------------------------------- inside the network
def plot_first_layer_weights(model, image_shape: Sequence[int], ax=None, path: str | os.PathLike | None = None,
                             max_units: int = 64, cols: int | None = None):
    """Each hidden unit's row of W1 drawn as an image: "what each neuron looks for".

    W1: (n[1], n_x) with n_x = prod(image_shape); unit i's weights W1[i] are reshaped to
    ``image_shape`` ((h, w) or (h, w, 3)). All units share ONE symmetric scale [−s, s],
    s = max |w| over the units shown, on a diverging map centred on 0 (red negative, blue
    positive) with a colour bar, so a dead unit (all |w| ≈ 0) looks blank rather than like a
    bold detector. RGB weights are mapped to colours by the same shared scale (0 is grey).
    Shows the first ``max_units`` units.
    """
    if "W1" not in model.params:
        raise ValueError("the model's first layer has no dense weights W1 (is it a Dense layer?)")
    W1 = np.asarray(model.params["W1"])
    shape = tuple(int(s) for s in image_shape)
    if W1.ndim != 2 or int(np.prod(shape)) != W1.shape[1]:
        raise ValueError(f"W1 has shape {W1.shape}: its rows have {W1.shape[-1]} weights, but image_shape "
                         f"{shape} has {int(np.prod(shape))} pixels")
    k = min(int(max_units), W1.shape[0])
    if k < 1:
        raise ValueError(f"max_units must be >= 1, got {max_units}")
    units = W1[:k].reshape(k, *shape).astype(np.float64)
    rgb = len(shape) == 3 and shape[-1] in (3, 4)
    scale = float(np.abs(units).max()) or 1.0            # one scale for every unit
    if rgb:
        units = units / (2 * scale) + 0.5                # [−s, s] → [0, 1], 0 → grey
    else:
        units = units.reshape(k, shape[0], -1)
    plt = _pyplot()
    fig, axes = _grid(plt, ax, k, tile=(1.3, 1.45), cols=cols)
    image = None
    for i, a in enumerate(axes):
        image = a.imshow(units[i], cmap=None if rgb else "RdBu", vmin=0 if rgb else -scale,
                         vmax=1 if rgb else scale, interpolation="nearest")
        a.set_xticks([])
        a.set_yticks([])
        a.set_title(f"unit {i + 1}", fontsize=8)
    if not rgb:
        fig.colorbar(image, ax=list(axes), shrink=0.8, label="weight w (one scale for all units)")
    if ax is None:
        fig.suptitle("First-layer weights: what each hidden unit looks for")
    return _finish(fig, path)


def plot_activations(names: Sequence[str] | None = None, ax=None, path: str | os.PathLike | None = None,
                     z_min: float = -5.0, z_max: float = 5.0, n: int = 401):
    """Each activation g(z) and its derivative g'(z) on [z_min, z_max].

    g'(z) comes from the activation's own backward pass with dA = 1 (dZ = 1 · g'(Z)), so
    the plot shows exactly what backpropagation uses. names: default every registered
    element-wise activation (softmax, which couples the rows, is left out).
    """
    from .functional.activations import ACTIVATIONS, get_activation
    names = list(names) if names is not None else [a for a in ACTIVATIONS if a != "softmax"]
    if "softmax" in names:
        raise ValueError("softmax is not element-wise (each output depends on the whole column); "
                         "plot it with a (C, m) input instead")
    if not names:
        raise ValueError("names is empty; expected at least one activation name")
    pairs = [get_activation(a) for a in names]
    Z = np.linspace(z_min, z_max, n).reshape(1, -1)
    curves = []
    for forward, backward in pairs:
        A, cache = forward(Z)
        curves.append((np.asarray(A)[0], np.asarray(backward(np.ones_like(Z), cache))[0]))
    plt = _pyplot()
    fig, axes = _grid(plt, ax, len(names), tile=(3.2, 2.6))
    for a, name, (g, dg) in zip(axes, names, curves):
        a.axhline(0, color="0.8", linewidth=0.8)
        a.axvline(0, color="0.8", linewidth=0.8)
        a.plot(Z[0], g, color="C0", label="g(z)")
        a.plot(Z[0], dg, "--", color="C3", label="g'(z)")
        a.set_title(name)
        a.legend(fontsize=7, loc="upper left")
    return _finish(fig, path)


__all__ = ["plot_history", "plot_decision_boundary", "plot_confusion_matrix", "plot_image_grid",
           "plot_first_layer_weights", "plot_activations"]


# ---------------------------------------------------------------------- detection
def plot_detections(images: Array, detections: Mapping[str, Array], truth: Mapping[str, Array] | None = None,
                    class_names: Sequence[str] | None = None, min_score: float = 0.3, ax=None,
                    path: str | os.PathLike | None = None, cols: int | None = None):
    """Images with their predicted boxes (solid, labelled with class and score) and, when
    given, the ground-truth boxes (dashed).

    images: (k, h, w[, 1]); detections: {"boxes" (n, 4) corners in image fractions,
    "scores" (n,), "classes" (n,), "images" (n,) indices into images} as
    ``nndl.detection_model.detect`` returns them; truth: {"boxes", "classes", "images"} in the
    same units. Boxes scoring below ``min_score`` are not drawn."""
    from matplotlib.patches import Rectangle
    images = _check_images(images)
    k, h, w = images.shape[:3]
    for name, d in (("detections", detections), ("truth", truth or {"boxes": np.zeros((0, 4)), "images": []})):
        if np.shape(d["boxes"])[1:] != (4,) or len(d["boxes"]) != len(d["images"]):
            raise ValueError(f"{name} must hold boxes (n, 4) and images (n,), got {np.shape(d['boxes'])} "
                             f"and {np.shape(d['images'])}")
    plt = _pyplot()
    fig, axes = _grid(plt, ax, k, tile=(2.2, 2.4), cols=cols)
    colors = _class_colors(10 if class_names is None else len(class_names))
    shown = _to_display(images)

    def draw(a, box, c, style, label=None):
        x1, y1, x2, y2 = np.asarray(box) * [w, h, w, h] - 0.5
        a.add_patch(Rectangle((x1, y1), x2 - x1, y2 - y1, fill=False, lw=1.5, ls=style, edgecolor=colors(int(c))))
        if label:
            a.text(x1, y1, label, fontsize=6, color="white", va="bottom",
                   bbox={"facecolor": colors(int(c)), "pad": 0.5, "lw": 0})

    for i, a in enumerate(axes):
        a.imshow(shown[i], cmap=None if shown.ndim == 4 else "gray", vmin=0, vmax=1, interpolation="nearest")
        a.set_xticks([])
        a.set_yticks([])
        if truth is not None:
            for box, c in zip(np.asarray(truth["boxes"])[np.asarray(truth["images"]) == i],
                              np.asarray(truth["classes"])[np.asarray(truth["images"]) == i]):
                draw(a, box, c, "--")
        sel = (np.asarray(detections["images"]) == i) & (np.asarray(detections["scores"]) >= min_score)
        for box, c, s in zip(np.asarray(detections["boxes"])[sel], np.asarray(detections["classes"])[sel],
                             np.asarray(detections["scores"])[sel]):
            name = class_names[int(c)] if class_names is not None else str(int(c))
            draw(a, box, c, "-", f"{name} {s:.2f}")
    return _finish(fig, path)


# ---------------------------------------------------------------------- hyperparameter search
def plot_tuning(study, out_dir: str | os.PathLike) -> list[Path]:
    """Optuna's own plots of a study, written to ``out_dir``: optimization_history.png (the
    objective of every trial and the best so far) and param_importances.png (how much each
    hyperparameter explains of the objective, fANOVA; needs at least two complete trials with
    a varying parameter). Returns the paths written."""
    plt = _pyplot()
    from optuna.visualization import matplotlib as ovm
    import warnings
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    complete = [t for t in study.get_trials(deepcopy=False) if t.value is not None]
    plots = [("optimization_history.png", ovm.plot_optimization_history)]
    if len(complete) >= 2:
        plots.append(("param_importances.png", ovm.plot_param_importances))
    for name, draw in plots:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")          # Optuna marks its matplotlib plots experimental
            try:
                ax = draw(study)
            except (ValueError, RuntimeError):       # e.g. no parameter varies: nothing to rank
                continue
        fig = (ax[0] if isinstance(ax, np.ndarray) else ax).figure
        path = out_dir / name
        fig.savefig(path, dpi=100, bbox_inches="tight")
        plt.close(fig)
        written.append(path)
    return written


# ---------------------------------------------------------------------- convolutional networks
def _first_conv(model):
    from .layers import Conv2D
    from .layers.base import walk_layers
    for layer in getattr(model, "layers", ()):
        for _, owner in walk_layers(layer):
            if isinstance(owner, Conv2D) and owner.built:
                return owner
    raise ValueError("the model has no built Conv2D layer (plot_conv_filters needs a convolutional network)")


def plot_conv_filters(model, ax=None, path: str | os.PathLike | None = None, max_filters: int = 64,
                      cols: int | None = None):
    """The first convolution's learned filters W (f, f, n_C_prev, n_C), one tile per filter
    (what the first layer looks for, Course 4 week 4). Grayscale input: W[:, :, 0, c] on a
    diverging map centred on 0, scaled by its max |w|; RGB input: the filter as a colour image."""
    W = np.asarray(_first_conv(model).params["W"], dtype=np.float64)
    k = min(int(max_filters), W.shape[3])
    if k < 1:
        raise ValueError(f"max_filters must be >= 1, got {max_filters}")
    filters = W[..., :k].transpose(3, 0, 1, 2)  # (k, f, f, n_C_prev)
    rgb = filters.shape[-1] == 3
    if rgb:
        shown = _to_display(filters)
    else:
        shown = filters.mean(axis=-1)  # one input channel: the filter itself
        scale = np.abs(shown).max(axis=(1, 2), keepdims=True)
        shown = np.divide(shown, scale, out=np.zeros_like(shown), where=scale > 0)
    plt = _pyplot()
    fig, axes = _grid(plt, ax, k, tile=(1.2, 1.35), cols=cols)
    for i, a in enumerate(axes):
        a.imshow(shown[i], cmap=None if rgb else "RdBu", vmin=0 if rgb else -1, vmax=1, interpolation="nearest")
        a.set_xticks([])
        a.set_yticks([])
        a.set_title(f"filter {i + 1}", fontsize=8)
    if ax is None:
        fig.suptitle(f"First convolution's filters ({W.shape[0]}×{W.shape[1]}"
                     f"{'' if W.shape[2] == 1 else f', mean of {W.shape[2]} input channels'})")
    return _finish(fig, path)


def feature_maps(model, x: Array) -> list[tuple[str, Array]]:
    """(layer description, output (n_H, n_W, n_C)) for every layer of a Sequential whose output
    is an image, for one example x (n_H, n_W, n_C), in inference mode."""
    layers = getattr(model, "layers", None)
    x = np.asarray(x, dtype=model.dtype)
    if layers is None or model.input_shape is None or x.shape != tuple(model.input_shape):
        raise ValueError(f"feature_maps takes one example of shape {getattr(model, 'input_shape', None)} "
                         f"for a built Sequential, got {x.shape}")
    maps, A = [], x[None]
    for i, layer in enumerate(layers):
        A = layer.forward(A, training=False)
        if A.ndim == 4 and layer.batch_axis == 0:
            maps.append((f"{i + 1}: {type(layer).__name__} {A.shape[1]}×{A.shape[2]}×{A.shape[3]}", A[0]))
    return maps


def plot_feature_maps(model, x: Array, path: str | os.PathLike | None = None, max_maps: int = 8):
    """One example's feature maps layer by layer: a row per image-shaped layer output (the
    input first), its first ``max_maps`` channels, each scaled to its own range."""
    maps = [("input", np.asarray(x, dtype=np.float64))] + feature_maps(model, x)
    n = max(1, int(max_maps))
    plt = _pyplot()
    fig, axes = _new_figure(plt, len(maps), n, figsize=(1.3 * n, 1.45 * len(maps)))
    for row, (label, A) in enumerate(maps):
        shown = _to_display(np.moveaxis(A[..., :n], -1, 0))
        for c in range(n):
            a = axes[row, c]
            a.set_xticks([])
            a.set_yticks([])
            if c < shown.shape[0]:
                a.imshow(shown[c], cmap="viridis", vmin=0, vmax=1, interpolation="nearest")
            else:
                a.axis("off")
        axes[row, 0].set_ylabel(label, fontsize=7, rotation=0, ha="right", va="center")
    fig.suptitle("Feature maps, layer by layer (one example)")
    return _finish(fig, path)


def plot_attention(alphas: Array, input_text: str, output_text: str, ax=None,
                   path: str | os.PathLike | None = None, title: str | None = None):
    """The attention weights of one translation as a heat map: row t is α⟨t, ·⟩, the weights
    output character t gave to the input characters (columns), each row summing to 1.

    alphas: (T_y, T_x) with T_y ≥ len(output_text) and T_x ≥ len(input_text) (padding steps
    beyond the text are cut off)."""
    alphas = np.asarray(alphas, dtype=np.float64)
    if alphas.ndim != 2 or alphas.shape[0] < len(output_text) or alphas.shape[1] < len(input_text):
        raise ValueError(f"alphas must be (T_y, T_x) covering {len(output_text)} output and {len(input_text)} "
                         f"input characters, got shape {alphas.shape}")
    values = alphas[:len(output_text), :len(input_text)]
    plt = _pyplot()
    fig, ax = _figure_and_ax(plt, ax, (max(4.0, 0.3 * len(input_text) + 2), max(3.0, 0.3 * len(output_text) + 1.5)))
    im = ax.imshow(values, cmap="viridis", vmin=0.0, interpolation="nearest", aspect="auto")
    fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
    ax.set_xticks(range(len(input_text)), [c if c != " " else "␣" for c in input_text])
    ax.set_yticks(range(len(output_text)), list(output_text))
    ax.set_xlabel("input character")
    ax.set_ylabel("output character")
    ax.set_title(title or f"Attention: {input_text!r} → {output_text}")
    return _finish(fig, path)
