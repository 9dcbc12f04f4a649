"""``nndl predict MODEL INPUT``: classes and probabilities for examples in a file.

INPUT is a .npy or .csv file of raw feature values in the dataset's own units (digits:
pixels 0–16, MNIST: 0–255, the 2-D sets and breast-cancer: as generated / measured, before
standardization), one example per row (a (n_x, m) array of columns is accepted too), or, for
image models with Pillow installed, an image file (.png, .jpg, …). The model file applies the
training preprocessing itself; a warning says when the input's range is far from the
training data's (e.g. pixels already divided to [0, 1]).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..validation import as_real_array
from . import CLIError
from .common import IMAGE_SCALE, apply_preprocessing, check_data_meta, emit, range_warning, warn

MAX_PIXELS = 50_000_000
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp"}


def add_parser(sub) -> None:
    p = sub.add_parser("predict", help="predict classes for examples in a .npy/.csv/image file",
                       description=__doc__.split("\n\n", 1)[1])
    p.add_argument("model", help="a model file written by nndl train (model.safetensors)")
    p.add_argument("input", help=".npy or .csv of raw features (one example per row), or an image file")
    p.add_argument("--top", type=int, default=3, help="how many class probabilities to show (default 3)")
    p.add_argument("--json", action="store_true", help="print one JSON line")
    p.set_defaults(handler=run)


def read_features(path: Path, n_x: int) -> np.ndarray:
    """Raw features as (n_x, m) from a .npy or .csv file with examples as rows (or columns)."""
    if not path.is_file():
        raise CLIError(f"input file not found: {path}")
    suffix = path.suffix.lower()
    try:
        if suffix == ".npy":
            A = np.load(path, allow_pickle=False)
        elif suffix in (".csv", ".txt"):
            A = np.loadtxt(path, delimiter=",", ndmin=2)
        else:
            raise CLIError(f"cannot read {path.name}: expected .npy, .csv or an image file")
    except ValueError as e:
        raise CLIError(f"cannot read {path}: {e}") from None
    A = as_real_array(path.name, A).astype(np.float64)
    if A.ndim < 2:  # one example (or a single number)
        A = A.reshape(1, -1)
    elif A.ndim > 2:
        A = A.reshape(A.shape[0], -1)
    if A.shape[1] == n_x:
        return A.T
    if A.shape[0] == n_x:
        return A
    raise CLIError(f"{path.name} has shape {A.shape}; expected rows of {n_x} features (m, {n_x}) or columns ({n_x}, m)")


def read_image(path: Path, image_shape: list[int], scale: float) -> np.ndarray:
    """An image file → one (n_x, 1) column in the dataset's raw units (dark digit on light is inverted)."""
    try:
        from PIL import Image
    except ImportError:
        raise CLIError("reading images needs Pillow: pip install Pillow") from None
    try:
        img = Image.open(path)
        if img.width * img.height > MAX_PIXELS:  # the header alone: nothing decoded yet
            raise CLIError(f"{path.name} claims {img.width}x{img.height} pixels, more than the {MAX_PIXELS:,} "
                           "an input image may have")
        img = img.convert("L").resize((image_shape[1], image_shape[0]), Image.LANCZOS)
    except (OSError, Image.DecompressionBombError) as e:
        raise CLIError(f"cannot read image {path}: {e}") from None
    pixels = np.asarray(img, dtype=np.float64) / 255.0
    if pixels.mean() > 0.5:  # the datasets draw light strokes on a dark background
        pixels = 1.0 - pixels
    return (pixels * scale).reshape(-1, 1)


def run(args) -> int:
    from ..io import load_with_extras
    model, meta, tensors = load_with_extras(args.model)
    data = check_data_meta(meta, tensors, model, args.model)
    n_x = model.input_shape[0]
    path = Path(args.input)
    if path.suffix.lower() in IMAGE_SUFFIXES:
        if not data.get("image_shape") or data.get("dataset") not in IMAGE_SCALE:
            raise CLIError("this model was not trained on images; pass a .npy or .csv file")
        raw = read_image(path, data["image_shape"], IMAGE_SCALE[data["dataset"]])
    else:
        raw = read_features(path, n_x)
    if not np.isfinite(raw).all():
        raise CLIError(f"{path.name} contains NaN or Inf values")
    message = range_warning(raw, tensors)  # said after the predictions, so an error stays one line
    A = model.predict_proba(apply_preprocessing(raw, data, tensors))
    classes = data.get("classes") or [str(i) for i in range(max(A.shape[0], 2))]
    probs = np.vstack([1 - A, A]) if A.shape[0] == 1 else A  # a sigmoid output: P(0), P(1)
    labels = probs.argmax(axis=0)
    rows, lines = [], []
    for i in range(probs.shape[1]):
        order = np.argsort(-probs[:, i])[: max(args.top, 1)]
        top = [(classes[k], float(probs[k, i])) for k in order]
        rows.append({"index": i, "class": classes[labels[i]], "class_index": int(labels[i]),
                     "probabilities": {c: p for c, p in top}})
        lines.append(f"{i}: {classes[labels[i]]}   " + "  ".join(f"{c} {p:.3f}" for c, p in top))
    emit(args, "\n".join(lines), {"predictions": rows})
    if message:
        warn(message)
    return 0
