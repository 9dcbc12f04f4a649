"""Plots render to PNG on the Agg backend, draw what they claim, and check their inputs."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("matplotlib", reason="matplotlib (optional, for plots) is not installed")

import matplotlib  # noqa: E402

matplotlib.use("Agg")

import nndl  # noqa: E402
from nndl import plots  # noqa: E402
from nndl.datasets import moons  # noqa: E402
from nndl.functional.activations import ACTIVATIONS  # noqa: E402

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _png(path, min_bytes: int = 5000) -> None:
    data = path.read_bytes()
    assert data[:8] == PNG_MAGIC
    assert len(data) > min_bytes, f"{path.name} is only {len(data)} bytes: nearly empty"


@pytest.fixture(scope="module")
def fitted():
    X, Y = moons(200, 0.2, seed=0)
    model = nndl.mlp([2, 16, 1], output="sigmoid", seed=0)
    model.fit(X, Y, epochs=30, batch_size=None, optimizer="adam", learning_rate=0.05,
              validation_data=(X[:, ::2], Y[:, ::2]), verbose=0)
    return model, X, Y


def test_plot_history_from_history_dict_and_csv(fitted, tmp_path):
    model, _, _ = fitted
    fig = plots.plot_history(model.history, path=tmp_path / "h.png")
    _png(tmp_path / "h.png")
    cost_ax, acc_ax = fig.axes
    assert [l.get_label() for l in cost_ax.get_lines()] == ["train cost (cross-entropy)", "dev cost (cross-entropy)"]
    assert [l.get_label() for l in acc_ax.get_lines()] == ["train accuracy", "dev accuracy"]
    np.testing.assert_allclose(cost_ax.get_lines()[0].get_ydata(), model.history["cost"])
    np.testing.assert_array_equal(cost_ax.get_lines()[0].get_xdata(), np.arange(1, 31))
    model.history.write_csv(tmp_path / "history.csv")
    fig2 = plots.plot_history(tmp_path / "history.csv")
    np.testing.assert_allclose(fig2.axes[0].get_lines()[1].get_ydata(), model.history["val_cost"], rtol=1e-12)
    fig3 = plots.plot_history({"cost": [3.0, 2.0, 1.5]})   # cost only: one panel
    assert len(fig3.axes) == 1 and list(fig3.axes[0].get_lines()[0].get_xdata()) == [1, 2, 3]


def test_plot_history_into_given_axes(fitted):
    import matplotlib.pyplot as plt
    model, _, _ = fitted
    fig, ax = plt.subplots()
    assert plots.plot_history(model.history, ax=ax) is fig
    assert len(fig.axes) == 2  # accuracy on a twin axis
    plt.close(fig)


def test_plot_history_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="history file not found"):
        plots.plot_history(tmp_path / "nope.csv")
    with pytest.raises(ValueError, match="no 'cost' column"):
        plots.plot_history({"accuracy": [0.5]})
    with pytest.raises(TypeError, match="History, a dict of lists or a CSV path"):
        plots.plot_history(42)


def test_plot_decision_boundary_predicts_the_grid_in_one_call(fitted, tmp_path, monkeypatch):
    model, X, Y = fitted
    calls = []
    original = model.predict_proba

    def counting(Xg, batch_size=4096):
        calls.append((Xg.shape, batch_size))
        return original(Xg, batch_size)

    monkeypatch.setattr(model, "predict_proba", counting)
    fig = plots.plot_decision_boundary(model, X, Y, path=tmp_path / "db.png", resolution=50)
    assert calls == [((2, 2500), 2500)]                    # one vectorized call, one forward pass
    _png(tmp_path / "db.png")
    ax = fig.axes[0]
    assert len(ax.collections) >= 2                         # the filled regions and the points
    offsets = ax.collections[-1].get_offsets()
    np.testing.assert_allclose(offsets, X.T, rtol=1e-6)     # every example drawn where it is


def test_plot_decision_boundary_regions_match_predict(fitted):
    model, X, Y = fitted
    fig = plots.plot_decision_boundary(model, X, Y, resolution=20)
    contour = fig.axes[0].collections[0]
    assert contour.get_array() is not None
    lo, hi = X.min(axis=1) - 0.5, X.max(axis=1) + 0.5
    assert fig.axes[0].get_xlim() == pytest.approx((lo[0], hi[0]))


def test_plot_decision_boundary_rejects_rows_as_examples(fitted):
    model, X, Y = fitted
    with pytest.raises(ValueError, match=r"expected \(2, m\).*pass X.T"):
        plots.plot_decision_boundary(model, X.T, Y)
    with pytest.raises(ValueError, match="Y has 3 labels but X has 200"):
        plots.plot_decision_boundary(model, X, np.array([0, 1, 0]))


def test_plot_confusion_matrix(tmp_path):
    cm = np.array([[5, 2, 0], [1, 7, 3], [0, 0, 9]])
    fig = plots.plot_confusion_matrix(cm, ["cat", "dog", "bird"], path=tmp_path / "cm.png")
    _png(tmp_path / "cm.png")
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.texts] == [str(v) for v in cm.ravel()]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["cat", "dog", "bird"]
    np.testing.assert_array_equal(ax.images[0].get_array(), cm)
    fig = plots.plot_confusion_matrix(cm, normalize=True)
    np.testing.assert_allclose(fig.axes[0].images[0].get_array().sum(axis=1), 1.0)
    with pytest.raises(ValueError, match="2 names but the confusion matrix has 3 classes"):
        plots.plot_confusion_matrix(cm, ["a", "b"])


def test_plot_first_layer_weights_shows_each_unit_row(tmp_path):
    model = nndl.mlp([64, 12, 10], seed=0)
    fig = plots.plot_first_layer_weights(model, (8, 8), path=tmp_path / "w.png")
    _png(tmp_path / "w.png")
    assert len(fig.axes) == 12 + 1                                     # the units and a colour bar
    W1 = np.asarray(model.params["W1"], dtype=np.float64)
    shown = fig.axes[4].images[0].get_array()
    np.testing.assert_allclose(shown, W1[4].reshape(8, 8), rtol=1e-6)
    assert len(plots.plot_first_layer_weights(model, (8, 8), max_units=5).axes) == 5 + 1
    with pytest.raises(ValueError, match=r"rows have 64 weights, but image_shape \(7, 7\) has 49 pixels"):
        plots.plot_first_layer_weights(model, (7, 7))


def test_first_layer_weights_share_one_symmetric_scale():
    """A dead unit (all |w| ≤ 2e-6) must not look like a bold detector: every unit is drawn on
    the same colour limits [−s, s], s = max |w| over all units."""
    model = nndl.mlp([64, 3, 10], seed=0)
    model.params["W1"][1] = 1e-6 * np.sign(model.params["W1"][1])  # a dead unit
    fig = plots.plot_first_layer_weights(model, (8, 8))
    s = float(np.abs(np.asarray(model.params["W1"], dtype=np.float64)).max())
    for a in fig.axes[:3]:
        assert a.images[0].get_clim() == pytest.approx((-s, s))
    assert fig.axes[-1].get_ylabel().startswith("weight")             # the colour bar, labelled


def test_plot_history_says_the_train_cost_includes_the_l2_penalty():
    h = {"cost": [1.0, 0.8], "val_cost": [0.7, 0.6]}
    fig = plots.plot_history(h, lambd=0.1)
    labels = [line.get_label() for line in fig.axes[0].get_lines()]
    assert labels == ["train cost: cross-entropy + L2 penalty (λ = 0.1)", "dev cost: cross-entropy only"]
    fig = plots.plot_history(h)
    assert [line.get_label() for line in fig.axes[0].get_lines()][0] == "train cost (cross-entropy)"


def test_plot_activations_uses_the_backward_pass(tmp_path):
    fig = plots.plot_activations(path=tmp_path / "act.png")
    _png(tmp_path / "act.png")
    names = [a for a in ACTIVATIONS if a != "softmax"]
    assert [ax.get_title() for ax in fig.axes] == names
    sig = fig.axes[names.index("sigmoid")]
    z, g = sig.get_lines()[2].get_xdata(), sig.get_lines()[2].get_ydata()     # after the two axis lines
    dg = sig.get_lines()[3].get_ydata()
    s = 1 / (1 + np.exp(-z))
    np.testing.assert_allclose(g, s, rtol=1e-12)
    np.testing.assert_allclose(dg, s * (1 - s), rtol=1e-12)
    relu = fig.axes[names.index("relu")]
    np.testing.assert_array_equal(relu.get_lines()[3].get_ydata(), (relu.get_lines()[3].get_xdata() > 0) * 1.0)
    with pytest.raises(ValueError, match="softmax is not element-wise"):
        plots.plot_activations(["softmax"])
    with pytest.raises(ValueError, match="unknown activation 'swish'"):
        plots.plot_activations(["swish"])


def test_plot_image_grid(tmp_path):
    rng = np.random.default_rng(0)
    images = rng.standard_normal((5, 8, 8))                  # standardized values, shown per-image scaled
    fig = plots.plot_image_grid(images, [f"#{i}" for i in range(5)], path=tmp_path / "g.png")
    _png(tmp_path / "g.png", min_bytes=2000)
    assert [ax.get_title() for ax in fig.axes] == [f"#{i}" for i in range(5)]
    shown = fig.axes[2].images[0].get_array()
    assert shown.min() == pytest.approx(0.0) and shown.max() == pytest.approx(1.0)
    np.testing.assert_allclose(shown, (images[2] - images[2].min()) / np.ptp(images[2]), rtol=1e-12)
    rgb = plots.plot_image_grid(rng.random((3, 4, 4, 3)))
    assert rgb.axes[0].images[0].get_array().shape == (4, 4, 3)
    with pytest.raises(ValueError, match="got 2 titles for 5 images"):
        plots.plot_image_grid(images, ["a", "b"])
    with pytest.raises(ValueError, match=r"expected \(k, h, w\)"):
        plots.plot_image_grid(rng.random((8, 8)))


def test_grids_draw_into_a_given_axes(tmp_path):
    import matplotlib.pyplot as plt
    fig, (a, b) = plt.subplots(1, 2)
    assert plots.plot_image_grid(np.ones((4, 3, 3)), ax=a) is fig
    assert plots.plot_activations(["relu", "tanh"], ax=b) is fig
    assert len(a.child_axes) == 4 and len(b.child_axes) == 2   # one inset per image / activation
    assert b.child_axes[1].get_title() == "tanh"
    fig.savefig(tmp_path / "both.png")
    _png(tmp_path / "both.png")
    plt.close(fig)


def test_figures_do_not_pile_up_in_pyplot(fitted):
    import matplotlib.pyplot as plt
    before = len(plt.get_fignums())
    for _ in range(3):
        plots.plot_confusion_matrix(np.eye(2, dtype=int))
    assert len(plt.get_fignums()) == before


def test_missing_matplotlib_gives_a_clear_error(monkeypatch):
    import builtins
    real_import = builtins.__import__

    def no_matplotlib(name, *args, **kwargs):
        if name == "matplotlib" or name.startswith("matplotlib."):
            raise ImportError("No module named 'matplotlib'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_matplotlib)
    with pytest.raises(ImportError, match="pip install matplotlib"):
        plots.plot_confusion_matrix(np.eye(2, dtype=int))
