"""Metrics: confusion matrix and P/R/F1 against scikit-learn and hand-worked values; the most
confidently wrong examples; the course's optimizing + satisficing metrics."""

from __future__ import annotations

import json

import numpy as np
import pytest

import nndl
from nndl.metrics import (
    accuracy, classification_report, confusion_matrix, evaluate_with_constraints, most_confident_errors,
    precision_recall_f1, predictions_from_proba, satisficing_select, to_labels,
)
from nndl.validation import one_hot


@pytest.fixture
def skm():
    return pytest.importorskip("sklearn.metrics", reason="scikit-learn (the metrics oracle) is not installed")


# ---------------------------------------------------------------------- confusion matrix
@pytest.mark.parametrize("C, m", [(2, 50), (3, 200), (10, 1000), (7, 5)])
def test_confusion_matrix_matches_sklearn(skm, rng, C, m):
    t, p = rng.integers(0, C, m), rng.integers(0, C, m)
    expected = skm.confusion_matrix(t, p, labels=np.arange(C))
    np.testing.assert_array_equal(confusion_matrix(t, p, C), expected)
    np.testing.assert_array_equal(confusion_matrix(t.reshape(1, -1), p.reshape(1, -1), C), expected)
    np.testing.assert_array_equal(confusion_matrix(one_hot(t, C), p, C), expected)  # one-hot (C, m) too


def test_confusion_matrix_by_hand():
    # true:      0 0 1 1 1 2
    # predicted: 0 1 1 1 2 2
    cm = confusion_matrix(np.array([[0, 0, 1, 1, 1, 2]]), np.array([[0, 1, 1, 1, 2, 2]]), 3)
    np.testing.assert_array_equal(cm, [[1, 1, 0], [0, 2, 1], [0, 0, 1]])
    assert cm.sum() == 6 and cm.shape == (3, 3)


def test_confusion_matrix_infers_the_number_of_classes():
    np.testing.assert_array_equal(confusion_matrix([0, 2], [2, 2]), [[0, 0, 1], [0, 0, 0], [0, 0, 1]])


@pytest.mark.parametrize("t, p, C, match", [
    ([0, 1, 3], [0, 1, 1], 3, r"labels must be in \[0, 2\]"),
    ([0, -1], [0, 0], 2, "labels must be in"),
    ([0, 1, 1], [0, 1], 2, "same examples"),
    ([0.5, 1], [0, 1], 2, "integer class labels"),
    (np.zeros((2, 2, 2)), np.zeros((2, 2, 2)), 2, r"expected labels \(m,\)"),
    ([], [], 2, "empty"),
])
def test_confusion_matrix_rejects_bad_labels(t, p, C, match):
    with pytest.raises(ValueError, match=match):
        confusion_matrix(np.asarray(t), np.asarray(p), C)


# ---------------------------------------------------------------------- precision / recall / F1
@pytest.mark.parametrize("C, m", [(2, 40), (4, 300), (10, 60)])
def test_precision_recall_f1_match_sklearn(skm, rng, C, m):
    t = rng.integers(0, C, m)
    p = np.where(rng.random(m) < 0.6, t, rng.integers(0, C - 1, m))  # class C-1 is rarely predicted
    s = precision_recall_f1(confusion_matrix(t, p, C))
    P, R, F, S = skm.precision_recall_fscore_support(t, p, labels=np.arange(C), zero_division=0)
    np.testing.assert_allclose(s.precision, P, rtol=1e-12)
    np.testing.assert_allclose(s.recall, R, rtol=1e-12)
    np.testing.assert_allclose(s.f1, F, rtol=1e-12)
    np.testing.assert_array_equal(s.support, S)
    mP, mR, mF, _ = skm.precision_recall_fscore_support(t, p, labels=np.arange(C), average="macro", zero_division=0)
    assert s.macro_precision == pytest.approx(mP, rel=1e-12)
    assert s.macro_recall == pytest.approx(mR, rel=1e-12)
    assert s.macro_f1 == pytest.approx(mF, rel=1e-12)
    assert s.accuracy == pytest.approx(skm.accuracy_score(t, p), rel=1e-12) == accuracy(t, p)


def test_precision_recall_f1_by_hand():
    # cm = [[2, 1], [0, 3]]: class 0 P = 2/2, R = 2/3; class 1 P = 3/4, R = 3/3
    s = precision_recall_f1(np.array([[2, 1], [0, 3]]))
    np.testing.assert_allclose(s.precision, [1.0, 0.75])
    np.testing.assert_allclose(s.recall, [2 / 3, 1.0])
    np.testing.assert_allclose(s.f1, [2 * (2 / 3) / (1 + 2 / 3), 2 * 0.75 / 1.75])
    assert s.accuracy == pytest.approx(5 / 6)
    precision, recall, f1 = precision_recall_f1(np.array([[2, 1], [0, 3]]))[:3]  # tuple unpacking works
    np.testing.assert_array_equal(precision, s.precision)


def test_a_class_never_predicted_has_zero_precision_not_nan():
    s = precision_recall_f1(np.array([[3, 0], [2, 0]]))
    np.testing.assert_array_equal(s.precision, [0.6, 0.0])
    np.testing.assert_array_equal(s.f1[1], 0.0)
    assert np.isfinite(s.f1).all()


def test_precision_recall_f1_rejects_non_square():
    with pytest.raises(ValueError, match=r"square confusion matrix \(C, C\)"):
        precision_recall_f1(np.ones((2, 3)))


def test_classification_report_dict_and_text(skm, rng):
    t, p = rng.integers(0, 3, 90), rng.integers(0, 3, 90)
    report, text = classification_report(t, p, class_names=["cat", "dog", "bird"])
    ref = skm.classification_report(t, p, labels=[0, 1, 2], output_dict=True, zero_division=0)
    for i, name in enumerate(["cat", "dog", "bird"]):
        for k in ("precision", "recall", "f1"):
            assert report["classes"][name][k] == pytest.approx(ref[str(i)]["f1-score" if k == "f1" else k])
        assert report["classes"][name]["support"] == ref[str(i)]["support"]
        assert name in text
    assert report["accuracy"] == pytest.approx(ref["accuracy"])
    assert report["macro avg"]["f1"] == pytest.approx(ref["macro avg"]["f1-score"])
    assert report["confusion_matrix"] == confusion_matrix(t, p, 3).tolist()
    assert "macro avg" in text and f"{report['accuracy']:.3f}" in text
    json.dumps(report)  # plain Python types only


def test_classification_report_checks_class_names():
    with pytest.raises(ValueError, match="2 names but there are 3 classes"):
        classification_report([0, 1, 2], [0, 1, 2], class_names=["a", "b"], n_classes=3)


# ---------------------------------------------------------------------- error analysis helpers
def test_most_confident_errors_softmax():
    A = np.array([[0.9, 0.1, 0.2, 0.6, 0.05],
                  [0.05, 0.8, 0.7, 0.3, 0.05],
                  [0.05, 0.1, 0.1, 0.1, 0.9]])
    y = np.array([[1, 1, 0, 0, 0]])        # wrong: #0 (conf .9 → 0), #2 (.7 → 1), #4 (.9 → 2)
    e = most_confident_errors(A, y, k=10)
    np.testing.assert_array_equal(e.indices, [0, 4, 2])     # ties keep index order
    np.testing.assert_array_equal(e.predicted, [0, 2, 1])
    np.testing.assert_array_equal(e.true, [1, 0, 0])
    np.testing.assert_allclose(e.confidence, [0.9, 0.9, 0.7])
    e2 = most_confident_errors(A, y, k=2)
    np.testing.assert_array_equal(e2.indices, [0, 4])


def test_most_confident_errors_sigmoid():
    A = np.array([[0.95, 0.2, 0.4, 0.01, 0.7]])   # predicted 1, 0, 0, 0, 1
    y = np.array([0, 0, 1, 1, 1])                  # wrong: #0 (conf .95), #2 (.6), #3 (.99)
    e = most_confident_errors(A, y, k=5)
    np.testing.assert_array_equal(e.indices, [3, 0, 2])
    np.testing.assert_allclose(e.confidence, [0.99, 0.95, 0.6])
    np.testing.assert_array_equal(e.predicted, [0, 1, 0])


def test_most_confident_errors_with_no_errors_is_empty_and_shapes_are_checked():
    A = np.array([[0.9, 0.2], [0.1, 0.8]])
    assert most_confident_errors(A, [0, 1], 3).indices.size == 0
    with pytest.raises(ValueError, match=r"expected probabilities \(C, 3\)"):
        most_confident_errors(A, [0, 1, 1], 3)


def test_labels_and_predictions_helpers():
    np.testing.assert_array_equal(to_labels(np.array([[0.0, 2.0, 1.0]])), [0, 2, 1])
    assert to_labels(np.array([[0.0, 2.0, 1.0]])).dtype == np.int64
    np.testing.assert_array_equal(predictions_from_proba(np.array([[0.2, 0.7, 0.5]])), [0, 1, 0])
    with pytest.raises(ValueError, match=r"expected output probabilities \(C, m\)"):
        predictions_from_proba(np.ones(3))


# ---------------------------------------------------------------------- optimizing + satisficing
COURSE_CLASSIFIERS = [  # Course 3, week 1: maximize accuracy subject to running time ≤ 100 ms
    {"name": "A", "accuracy": 0.90, "latency_ms": 80},
    {"name": "B", "accuracy": 0.92, "latency_ms": 95},
    {"name": "C", "accuracy": 0.95, "latency_ms": 1500},
]


def test_satisficing_select_the_course_example():
    best = satisficing_select(COURSE_CLASSIFIERS, "accuracy", {"latency_ms": ("<=", 100)})
    assert best["name"] == "B"
    assert satisficing_select(COURSE_CLASSIFIERS)["name"] == "C"  # no constraint: best accuracy
    assert satisficing_select(COURSE_CLASSIFIERS, "latency_ms", {"accuracy": (">=", 0.91)},
                              maximize=False)["name"] == "B"
    assert satisficing_select(COURSE_CLASSIFIERS, constraints={"latency_ms": ("<", 50)}) is None


def test_satisficing_select_missing_metric_and_bad_constraints():
    candidates = [{"name": "A", "accuracy": 0.99}, {"name": "B", "accuracy": 0.9, "latency_ms": 10}]
    assert satisficing_select(candidates, constraints={"latency_ms": ("<=", 100)})["name"] == "B"
    with pytest.raises(ValueError, match="must be \\(op, threshold\\)"):
        satisficing_select(candidates, constraints={"latency_ms": ("~", 100)})
    with pytest.raises(KeyError, match="no optimizing metric 'f1'"):
        satisficing_select(candidates, optimizing="f1")


@pytest.fixture(scope="module")
def trained_softmax():
    rng = np.random.default_rng(3)
    X = rng.standard_normal((4, 120))
    Y = (X[0] + X[1] > 0).astype(np.int64) + (X[2] > 1).astype(np.int64)   # 3 classes
    model = nndl.mlp([4, 8, 3], seed=2)
    model.fit(X, Y.reshape(1, -1), epochs=30, batch_size=32, optimizer="adam", learning_rate=0.05, verbose=0)
    return model, X, Y.reshape(1, -1)


def test_evaluate_with_constraints(trained_softmax):
    model, X, Y = trained_softmax
    out = evaluate_with_constraints(model, X, Y, optimizing="accuracy",
                                    satisficing={"latency_ms": ("<=", 1e6), "n_params": ("<=", 10)})
    assert out["value"] == pytest.approx(model.evaluate(X, Y)["accuracy"])
    assert out["metrics"]["n_params"] == 4 * 8 + 8 + 8 * 3 + 3
    assert out["metrics"]["error"] == pytest.approx(1 - out["value"])
    s = precision_recall_f1(confusion_matrix(Y, model.predict(X), 3))
    assert out["metrics"]["macro_f1"] == pytest.approx(s.macro_f1)
    assert out["metrics"]["latency_ms"] > 0
    assert out["constraints"]["latency_ms"]["met"] is True
    assert out["constraints"]["n_params"] == {"op": "<=", "threshold": 10, "value": 67, "met": False}
    assert out["all_met"] is False
    json.dumps(out)


def test_evaluate_with_constraints_unknown_metric(trained_softmax):
    model, X, Y = trained_softmax
    with pytest.raises(KeyError, match="unknown satisficing metric 'memory'"):
        evaluate_with_constraints(model, X, Y, satisficing={"memory": ("<=", 1)})
    with pytest.raises(KeyError, match="unknown optimizing metric"):
        evaluate_with_constraints(model, X, Y, optimizing="auc")


def test_format_confusion_matrix_right_aligns_rows():
    from nndl.metrics import format_confusion_matrix
    assert format_confusion_matrix([[12, 0], [3, 100000]]) == "     12      0\n      3 100000"
    with pytest.raises(ValueError, match="square"):
        format_confusion_matrix([[1, 2, 3]])


def test_format_confusion_matrix_labels_rows_and_columns():
    from nndl.metrics import format_confusion_matrix
    text = format_confusion_matrix([[12, 0], [3, 85]], ["cat", "dog"])
    lines = text.splitlines()
    assert lines[0].split() == ["true", "\\", "predicted", "cat", "dog"]
    assert lines[1].split() == ["cat", "12", "0"] and lines[2].split() == ["dog", "3", "85"]
    assert len({len(line) for line in lines}) == 1                    # columns line up
    with pytest.raises(ValueError, match="3 class names"):
        format_confusion_matrix([[1, 0], [0, 1]], ["a", "b", "c"])
