"""Data augmentation in fit (shifts, crops, flips; seeded) and the CNN plots."""

from __future__ import annotations

import numpy as np
import pytest

import nndl
from nndl.augment import Augment


def naive_shift(x, dy, dx):
    """Loop reference: out[h, w] = x[h + dy, w + dx], zero outside."""
    out = np.zeros_like(x)
    n_H, n_W = x.shape[:2]
    for h in range(n_H):
        for w in range(n_W):
            if 0 <= h + dy < n_H and 0 <= w + dx < n_W:
                out[h, w] = x[h + dy, w + dx]
    return out


def test_shift_flip_and_crop_against_loops(rng):
    X = rng.standard_normal((6, 5, 7, 2))
    seed = 3
    out = Augment(shift=2)(X, np.random.default_rng(seed))
    r = np.random.default_rng(seed)
    dy, dx = r.integers(0, 5, (6, 1))[:, 0] - 2, r.integers(0, 5, (6, 1))[:, 0] - 2
    for i in range(6):
        np.testing.assert_array_equal(out[i], naive_shift(X[i], dy[i], dx[i]))
    flipped = Augment(flip=True)(X, np.random.default_rng(seed))
    which = np.random.default_rng(seed).random(6) < 0.5
    assert which.any() and not which.all()
    for i in range(6):
        np.testing.assert_array_equal(flipped[i], X[i, :, ::-1] if which[i] else X[i])
    cropped = Augment(crop=2)(X, np.random.default_rng(seed))
    r = np.random.default_rng(seed)
    oy, ox = r.integers(0, 3, (6, 1))[:, 0], r.integers(0, 3, (6, 1))[:, 0]
    for i in range(6):
        for h in range(5):
            for w in range(7):
                np.testing.assert_array_equal(cropped[i, h, w], X[i, oy[i] + h * 3 // 5, ox[i] + w * 5 // 7])
    assert Augment(shift=1, crop=1, flip=True)(X.astype(np.float32), rng).dtype == np.float32


def test_augment_in_fit_is_seeded_and_only_on_training_batches(rng):
    X = rng.standard_normal((40, 8, 8, 1)).astype(np.float32)
    y = rng.integers(0, 2, 40)
    seen = []

    def spy(Xb, r):
        seen.append(Xb.shape)
        return Augment(shift=1, flip=True)(Xb, r)

    runs = []
    for _ in range(2):
        model = nndl.Sequential([nndl.layers.Conv2D(2, 3), nndl.layers.GlobalAvgPool2D(), nndl.Dense(2, "softmax")],
                                input_shape=(8, 8, 1))
        model.fit(X, y, epochs=2, batch_size=16, optimizer="adam", verbose=0, augment=spy,
                  validation_data=(X[:8], y[:8]))
        runs.append(model.get_weights())
    assert seen[:3] == [(16, 8, 8, 1), (16, 8, 8, 1), (8, 8, 8, 1)] and len(seen) == 12
    assert all(np.array_equal(runs[0][k], runs[1][k]) for k in runs[0])
    plain = nndl.Sequential([nndl.layers.Conv2D(2, 3), nndl.layers.GlobalAvgPool2D(), nndl.Dense(2, "softmax")],
                            input_shape=(8, 8, 1))
    plain.fit(X, y, epochs=2, batch_size=16, optimizer="adam", verbose=0)
    assert not np.array_equal(plain.get_weights()["W1"], runs[0]["W1"])


def test_augment_errors(rng):
    model = nndl.models.lenet5(input_shape=(12, 12, 1))
    X, y = rng.random((4, 12, 12, 1), dtype=np.float32), np.arange(4)
    with pytest.raises(ValueError, match="callable"):
        model.fit(X, y, epochs=1, verbose=0, augment="shift")
    with pytest.raises(ValueError, match="mini-batch's shape"):
        model.fit(X, y, epochs=1, verbose=0, augment=lambda Xb, r: Xb[:, :-1])
    with pytest.raises(ValueError, match="non-negative"):
        Augment(shift=-1)
    with pytest.raises(ValueError, match="images"):
        Augment(shift=1)(np.zeros((3, 4)), rng)
    with pytest.raises(ValueError, match="shift below 5"):               # would move 5×7 images off entirely
        Augment(shift=5)(np.zeros((2, 5, 7, 1)), rng)


def test_cnn_plots(rng, tmp_path):
    pytest.importorskip("matplotlib")
    from nndl import plots
    model = nndl.models.resnet(depths=(1, 1), widths=(4, 8), input_shape=(12, 12, 1))
    x = rng.random((12, 12, 1), dtype=np.float32)
    maps = plots.feature_maps(model, x)
    assert [A.shape for _, A in maps] == [(12, 12, 4), (12, 12, 4), (12, 12, 4), (12, 12, 4), (6, 6, 8)]
    np.testing.assert_allclose(maps[-1][1], model.layers[4].forward(model.layers[3].forward(
        maps[2][1][None]))[0], rtol=1e-6)
    plots.plot_feature_maps(model, x, path=tmp_path / "maps.png")
    plots.plot_conv_filters(nndl.models.lenet5(), path=tmp_path / "filters.png")
    for name in ("maps.png", "filters.png"):
        assert (tmp_path / name).read_bytes()[:4] == b"\x89PNG" and (tmp_path / name).stat().st_size > 5000
    with pytest.raises(ValueError, match="no built Conv2D"):
        plots.plot_conv_filters(nndl.mlp([4, 3, 2]))
    with pytest.raises(ValueError, match=r"\(12, 12, 1\)"):
        plots.feature_maps(model, np.zeros((28, 28, 1)))
