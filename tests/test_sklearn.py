"""nndl.sklearn: scikit-learn's own estimator checks (all of them, none skipped) and the
tools a scikit-learn user reaches for: Pipeline, GridSearchCV, cross_val_score,
partial_fit, warm_start, pickling and the nndl model inside."""

from __future__ import annotations

import pickle
from unittest import SkipTest

import numpy as np
import pytest

pytest.importorskip("sklearn")
from sklearn.datasets import load_breast_cancer, load_iris, make_regression  # noqa: E402
from sklearn.model_selection import GridSearchCV, cross_val_score  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.utils.estimator_checks import check_estimator, parametrize_with_checks  # noqa: E402

import nndl  # noqa: E402
from nndl.sklearn import NNDLClassifier, NNDLRegressor  # noqa: E402

# Short trainings below stop at max_iter on purpose.
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@parametrize_with_checks([NNDLClassifier(), NNDLRegressor()])
def test_scikit_learn_estimator_checks(estimator, check, monkeypatch):
    # The array-API check runs (on NumPy) only with SCIPY_ARRAY_API set; pandas is in the
    # test extra. A check that skips itself fails here: every check must run.
    monkeypatch.setenv("SCIPY_ARRAY_API", "1")
    try:
        check(estimator)
    except SkipTest as e:
        pytest.fail(f"the check was skipped: {e}")


def test_check_estimator_works_as_written(monkeypatch):
    monkeypatch.setenv("SCIPY_ARRAY_API", "1")
    results = check_estimator(NNDLClassifier(), on_fail=None)
    assert len(results) > 40
    assert {r["status"] for r in results} == {"passed"}, [r for r in results if r["status"] != "passed"]


@pytest.fixture(scope="module")
def iris():
    return load_iris(return_X_y=True)


def test_pipeline_and_cross_val_score(iris):
    X, y = iris
    pipe = make_pipeline(StandardScaler(), NNDLClassifier(hidden_layer_sizes=(16,), learning_rate_init=0.01,
                                                         max_iter=100, random_state=0))
    scores = cross_val_score(pipe, X, y, cv=3)
    assert scores.mean() > 0.85


def test_grid_search(iris):
    X, y = iris
    grid = GridSearchCV(NNDLClassifier(max_iter=60, random_state=1),
                        {"hidden_layer_sizes": [(8,), (16, 16)], "alpha": [1e-4, 1.0]}, cv=2)
    grid.fit(StandardScaler().fit_transform(X), y)
    assert set(grid.best_params_) == {"hidden_layer_sizes", "alpha"}
    assert grid.best_score_ > 0.8


def test_classes_proba_and_string_labels(iris):
    X, y = iris
    names = np.array(["setosa", "versicolor", "virginica"])[y]
    clf = NNDLClassifier(hidden_layer_sizes=16, random_state=0).fit(X, names)
    assert clf.classes_.tolist() == ["setosa", "versicolor", "virginica"]
    assert clf.n_features_in_ == 4
    P = clf.predict_proba(X)
    assert P.shape == (150, 3) and np.allclose(P.sum(axis=1), 1)
    assert (clf.classes_[P.argmax(axis=1)] == clf.predict(X)).all()
    assert clf.score(X, names) > 0.9
    # inside: the course's layout, softmax over 3 units, one column per example
    assert clf.model_.layers[-1].units == 3 and clf.model_.input_shape == (4,)
    np.testing.assert_allclose(clf.model_.predict_proba(X.T).T, P, rtol=1e-12)


def test_binary_uses_one_sigmoid_unit():
    X, y = load_breast_cancer(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    clf = NNDLClassifier(hidden_layer_sizes=(16,), max_iter=50, random_state=0).fit(X, y)
    assert clf.model_.layers[-1].units == 1 and clf.model_.loss == "binary_crossentropy"
    P = clf.predict_proba(X)
    assert P.shape == (len(y), 2) and np.allclose(P.sum(axis=1), 1)
    assert clf.score(X, y) > 0.95


def test_feature_names_in():
    pd = pytest.importorskip("pandas")
    X, y = load_iris(return_X_y=True, as_frame=True)
    clf = NNDLClassifier(hidden_layer_sizes=8, max_iter=20, random_state=0).fit(X, y)
    assert list(clf.feature_names_in_) == list(X.columns)
    with pytest.warns(UserWarning, match="feature names"):
        clf.predict(X.to_numpy())
    assert isinstance(X, pd.DataFrame)


def test_partial_fit_trains_one_epoch_per_call_and_needs_classes(iris):
    X, y = iris
    X = StandardScaler().fit_transform(X)
    clf = NNDLClassifier(hidden_layer_sizes=(16,), random_state=0, learning_rate_init=0.01)
    with pytest.raises(ValueError, match="classes="):
        clf.partial_fit(X, y)
    clf.partial_fit(X[:50], y[:50], classes=[0, 1, 2])  # the first batch holds only class 0
    assert clf.classes_.tolist() == [0, 1, 2] and clf.n_iter_ == 1
    for _ in range(40):
        clf.partial_fit(X, y)
    assert clf.n_iter_ == 41
    assert clf.loss_curve_[-1] < clf.loss_curve_[1]
    assert clf.score(X, y) > 0.9
    with pytest.raises(ValueError, match="features"):
        clf.partial_fit(X[:, :3], y)


def test_warm_start_continues_from_the_fitted_network(iris):
    X, y = iris
    X = StandardScaler().fit_transform(X)
    clf = NNDLClassifier(hidden_layer_sizes=(8,), max_iter=5, warm_start=True, random_state=0)
    clf.fit(X, y)
    model, W1 = clf.model_, clf.model_.params["W1"].copy()
    clf.fit(X, y)
    assert clf.model_ is model and clf.n_iter_ == 10 and len(clf.loss_curve_) == 10
    assert not np.array_equal(W1, clf.model_.params["W1"])
    cold = NNDLClassifier(hidden_layer_sizes=(8,), max_iter=5, random_state=0).fit(X, y)
    np.testing.assert_array_equal(cold.model_.params["W1"], W1)  # warm_start=False starts anew
    assert cold.n_iter_ == 5


def test_regressor_single_and_multi_output():
    X, y = make_regression(n_samples=200, n_features=5, noise=1.0, random_state=0)
    y = y / y.std()
    reg = NNDLRegressor(hidden_layer_sizes=(32,), learning_rate_init=0.01, max_iter=300, random_state=0)
    reg.fit(X, y)
    assert reg.predict(X).shape == (200,) and reg.score(X, y) > 0.95
    Y2 = np.column_stack([y, -2 * y])
    reg2 = NNDLRegressor(hidden_layer_sizes=(32,), learning_rate_init=0.01, max_iter=300, random_state=0).fit(X, Y2)
    assert reg2.predict(X).shape == (200, 2) and reg2.score(X, Y2) > 0.95
    assert reg2.model_.loss == "mse"


def test_early_stopping_holds_out_a_validation_fraction(iris):
    X, y = iris
    X = StandardScaler().fit_transform(X)
    clf = NNDLClassifier(hidden_layer_sizes=(16,), early_stopping=True, n_iter_no_change=3, tol=0.05,
                         validation_fraction=0.2, max_iter=500, learning_rate_init=0.01, random_state=0).fit(X, y)
    assert clf.n_iter_ < 500
    assert len(clf.validation_costs_) == clf.n_iter_


def test_alpha_is_the_course_lambda_and_solvers_map_to_nndl_optimizers(iris):
    X, y = iris
    clf = NNDLClassifier(hidden_layer_sizes=(4,), alpha=0.7, solver="sgd", momentum=0.5,
                         activation="logistic", max_iter=2, random_state=0).fit(X, y)
    dense = [layer for layer in clf.model_.layers if hasattr(layer, "l2")]
    assert [layer.l2 for layer in dense] == [0.7, 0.7]
    assert dense[0].activation == "sigmoid"
    assert clf.model_.optimizer.name == "momentum" and clf.model_.optimizer.beta == 0.5
    clf.set_params(solver="adam", beta_1=0.8, epsilon=1e-6, warm_start=False).fit(X, y)
    assert (clf.model_.optimizer.name, clf.model_.optimizer.beta1, clf.model_.optimizer.epsilon) == ("adam", 0.8, 1e-6)
    bn = NNDLClassifier(hidden_layer_sizes=(8,), batch_norm=True, keep_prob=0.8, max_iter=2, random_state=0).fit(X, y)
    kinds = [type(layer).__name__ for layer in bn.model_.layers]
    assert kinds == ["Dense", "BatchNorm", "Activation", "Dropout", "Dense"]


def test_invalid_parameters_are_refused_by_name(iris):
    X, y = iris
    with pytest.raises(ValueError, match="solver"):
        NNDLClassifier(solver="lbfgs").fit(X, y)
    with pytest.raises(ValueError, match="keep_prob"):
        NNDLClassifier(keep_prob=0.0).fit(X, y)
    with pytest.raises(ValueError, match="2 classes"):
        NNDLClassifier().fit(X, np.zeros(len(X)))


def test_the_fitted_model_saves_like_any_nndl_model(iris, tmp_path):
    X, y = iris
    clf = NNDLClassifier(hidden_layer_sizes=(8,), max_iter=20, random_state=0).fit(X, y)
    clf.model_.save(tmp_path / "iris.safetensors")
    loaded = nndl.load(tmp_path / "iris.safetensors")
    np.testing.assert_array_equal(loaded.predict_proba(X.T), clf.model_.predict_proba(X.T))


def test_pickle_keeps_the_network_and_its_optimizer_state(iris):
    X, y = iris
    clf = NNDLClassifier(hidden_layer_sizes=(8,), max_iter=10, warm_start=True, random_state=0).fit(X, y)
    copy = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(copy.predict_proba(X), clf.predict_proba(X))
    assert copy.model_.optimizer.t == clf.model_.optimizer.t > 0
    # the unpickled network trains with its flat buffer intact: the two continue identically
    clf.fit(X, y)
    copy.fit(X, y)
    np.testing.assert_allclose(copy.predict_proba(X), clf.predict_proba(X), rtol=1e-10)
