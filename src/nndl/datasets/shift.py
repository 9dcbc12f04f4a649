"""A shifted copy of an image set: the dev/test distribution of Course 3's data-mismatch lesson.

Train on clean images, evaluate on images that are rotated and noisy (the "blurry phone
pictures" of the course's cat app), and keep a train-dev set from the training distribution:
then dev − train-dev measures data mismatch, train-dev − train measures variance.

    rotated:  x_out(r, c) = x_in(R_θ⁻¹·((r, c) − centre) + centre), nearest pixel, 0 outside
    noisy:    x ← clip(x + N(0, noise²), 0, 1)

Every image gets its own angle θ ~ U[−degrees, degrees]. The rotation is one gather of
precomputed source indices for all examples at once (no loop over examples or pixels).
"""

from __future__ import annotations

import numpy as np

Array = np.ndarray


def rotate_images(X: Array, image_shape, angles_deg) -> Array:
    """Each image (column of X, (h·w, m)) rotated by its angle (degrees, counter-clockwise) about
    the centre, nearest-neighbour, pixels from outside the image set to 0. angles_deg: (m,) or a
    scalar. Returns (h·w, m) in X's dtype."""
    h, w = (int(s) for s in image_shape)
    X = np.asarray(X)
    if X.ndim != 2 or X.shape[0] != h * w:
        raise ValueError(f"X has shape {X.shape}, expected ({h * w}, m) flattened {h}×{w} images")
    m = X.shape[1]
    theta = np.deg2rad(np.broadcast_to(np.asarray(angles_deg, dtype=np.float64), (m,)))[:, None]  # (m, 1)
    r, c = np.divmod(np.arange(h * w), w)                                                          # (h·w,)
    cy, cx = (h - 1) / 2, (w - 1) / 2
    dy, dx = r - cy, c - cx
    cos, sin = np.cos(theta), np.sin(theta)
    src_r = np.rint(cos * dy + sin * dx + cy).astype(np.int64)                                      # (m, h·w)
    src_c = np.rint(-sin * dy + cos * dx + cx).astype(np.int64)
    inside = (src_r >= 0) & (src_r < h) & (src_c >= 0) & (src_c < w)
    src = np.where(inside, src_r * w + src_c, 0)
    rows = np.ascontiguousarray(X.T)                                                                 # (m, h·w)
    out = np.take_along_axis(rows, src, axis=1)
    out[~inside] = 0
    return out.T


def shifted_copy(X: Array, image_shape, degrees: float = 20.0, noise: float = 0.15,
                 rng: np.random.Generator | int = 0) -> Array:
    """X (h·w, m) of pixels in [0, 1], each image rotated by θ ~ U[−degrees, degrees] and given
    Gaussian noise of std ``noise``, clipped to [0, 1]. Returns a new (h·w, m) array, X's dtype."""
    if degrees < 0 or noise < 0:
        raise ValueError(f"degrees and noise must be >= 0, got degrees={degrees}, noise={noise}")
    rng = np.random.default_rng(rng)
    m = np.shape(X)[1]
    rows = rotate_images(X, image_shape, rng.uniform(-degrees, degrees, m)).T     # (m, h·w), C-contiguous
    rows += rng.normal(0.0, noise, rows.shape).astype(rows.dtype)
    return np.clip(rows, 0, 1, out=rows).T                                      # examples-contiguous, like X
