"""Shared helpers: a seeded Generator, an independent central-difference gradient, the
relative error used for gradient checks, PyTorch as an optional oracle (with the course's
deep binary classifier written in PyTorch), and the tiny data sets the command-line tests
train on (names, fortunes, Fashion-MNIST IDX files, fashion-boxes)."""

from __future__ import annotations

import functools
from typing import Callable

import numpy as np
import pytest

GRAD_TOL = 1e-7  # DESIGN.md §4: float64 relative error below 1e-7


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(0)


@pytest.fixture
def torch():
    """PyTorch in float64, or a skip with the reason when it is not installed."""
    torch = pytest.importorskip("torch", reason="PyTorch (the optional test oracle) is not installed")
    return torch


def central_difference(J: Callable[[], float], x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """dJ/dx by two-sided differences, perturbing the float64 array ``x`` in place."""
    assert x.dtype == np.float64
    flat = x.reshape(-1)
    assert np.shares_memory(flat, x)
    grad = np.zeros(flat.size)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + eps
        plus = J()
        flat[i] = old - eps
        minus = J()
        flat[i] = old
        grad[i] = (plus - minus) / (2 * eps)
    return grad.reshape(x.shape)


def rel_error(a, b) -> float:
    """‖a − b‖ / (‖a‖ + ‖b‖), the course's gradient-check difference."""
    a, b = np.ravel(np.asarray(a, dtype=np.float64)), np.ravel(np.asarray(b, dtype=np.float64))
    denom = np.linalg.norm(a) + np.linalg.norm(b)
    assert denom > 0, "both gradients are zero: the check would prove nothing"
    return float(np.linalg.norm(a - b) / denom)


def to_numpy(t) -> np.ndarray:
    return t.detach().cpu().numpy()


def assert_grads_match_numerical(grads: dict, J: Callable[[], float], params: dict) -> None:
    """For every parameter k: grads["d" + k] has k's shape and matches central differences of J."""
    for k in params:
        assert grads["d" + k].shape == params[k].shape, k
        assert rel_error(grads["d" + k], central_difference(J, params[k])) < GRAD_TOL, k


def torch_relu_sigmoid_net(torch, params: dict, X: np.ndarray, Y: np.ndarray):
    """[LINEAR → RELU] × (L − 1) → LINEAR → SIGMOID and its binary cross-entropy, in PyTorch float64.

    params: W1, b1, …, WL, bL. Returns (leaves {k: tensor requiring grad}, AL, J); call
    J.backward() (after adding any penalty) to fill leaves[k].grad.
    """
    leaves = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    L = sum(1 for k in params if k.startswith("W"))
    A = torch.tensor(X)
    for l in range(1, L + 1):
        Z = leaves[f"W{l}"] @ A + leaves[f"b{l}"]
        A = torch.sigmoid(Z) if l == L else torch.relu(Z)
    J = torch.nn.functional.binary_cross_entropy(A, torch.tensor(Y, dtype=torch.float64))
    return leaves, A, J


# ---------------------------------------------------------------- tiny data for CLI runs
NAMES = ["anna", "bob", "carl", "dora", "emma", "fred", "gina", "hugo", "ida", "jack", "kim", "leo",
         "mia", "ned", "olga", "paul", "quin", "rosa", "sam", "tina", "ulf", "vera", "walt", "xena",
         "yuri", "zoe", "adam", "beth", "cole", "dana"]


@pytest.fixture
def names_dir(tmp_path):
    """The names package's two first-name files, 15 names each."""
    d = tmp_path / "names"
    d.mkdir()
    (d / "dist.male.first").write_text("".join(f"{n.upper()} 1.0 1.0 {i}\n" for i, n in enumerate(NAMES[:15])))
    (d / "dist.female.first").write_text("".join(f"{n.upper()} 1.0 1.0 {i}\n" for i, n in enumerate(NAMES[15:])))
    return d


def write_fortunes(d, seed: int = 5):
    """Two tiny categories of 300 entries each: one speaks of cats, the other of code."""
    d.mkdir()
    rng = np.random.default_rng(seed)
    for name, words in (("cats", "cat purr meow whiskers nap"), ("code", "bug compile linux kernel patch")):
        entries = [" ".join(rng.choice(words.split() + "the a is of and".split(), 5)) for _ in range(300)]
        (d / name).write_text("\n%\n".join(entries) + "\n")
    return d


@pytest.fixture
def fortunes_dir(tmp_path):
    return write_fortunes(tmp_path / "fortunes")


@pytest.fixture
def make_tiny_fashion(tmp_path, monkeypatch):
    """make(m_train, m_dev, m_test): a folder of Fashion-MNIST IDX files of random pixels, the
    last m_dev training images being the dev set."""
    from nndl.datasets import registry
    from nndl.datasets.idx import write_idx

    def make(m_train: int, m_dev: int, m_test: int):
        rng = np.random.default_rng(0)
        folder = tmp_path / "fashion"
        folder.mkdir()
        for base, m in (("train", m_train), ("t10k", m_test)):
            write_idx(folder / f"{base}-images-idx3-ubyte", rng.integers(0, 256, (m, 28, 28), dtype=np.uint8))
            write_idx(folder / f"{base}-labels-idx1-ubyte", rng.integers(0, 10, m, dtype=np.uint8))
        monkeypatch.setattr(registry, "MNIST_DEV", m_dev)
        return folder
    return make


def fake_items(rng: np.random.Generator, n: int = 40):
    """n 28×28 "items" with a known footprint (a filled rectangle inside the frame) and labels."""
    images = np.zeros((n, 28, 28), np.float32)
    for i in range(n):
        t, l = rng.integers(0, 8, 2)
        images[i, t:t + rng.integers(12, 20), l:l + rng.integers(12, 20)] = rng.uniform(0.2, 1.0)
    return images, rng.integers(0, 10, n)


@pytest.fixture
def small_boxes(monkeypatch):
    """fashion-boxes of 32 train, 8 dev and 8 test canvases made of random rectangles."""
    from nndl.datasets import fashion_boxes, mnist
    images, labels = fake_items(np.random.default_rng(0), 60)
    X = images.reshape(60, -1).T
    fake = (np.tile(X, 1000)[:, :60_000], np.tile(labels, 1000)[None, :60_000], X, labels[None])
    monkeypatch.setattr(mnist, "load_mnist", lambda *a, **k: fake)
    monkeypatch.setattr(fashion_boxes, "load_fashion_boxes",
                        functools.partial(fashion_boxes.load_fashion_boxes, n_train=32, n_dev=8, n_test=8))


def train_date_run(capsys, run, model: str, layers: str) -> dict:
    """``nndl train --model MODEL --dataset dates`` on 200 generated dates for one epoch, its
    summary checked (split sizes, exact match ≤ character accuracy) and its files present."""
    import json

    from nndl.cli import main
    assert main(["train", "--model", model, "--dataset", "dates", "--n-examples", "200",
                 "--epochs", "1", "--layers", layers, "--batch-size", "32", "--out", str(run), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["train_examples"] == 160 and summary["test_examples"] == 20
    assert 0.0 <= summary["test_exact_match"] <= summary["test_char_accuracy"] <= 1.0
    for name in ("model.safetensors", "history.csv", "summary.json", "attention.png", "config.json"):
        assert (run / name).is_file()
    return summary


def assert_two_iso_dates_printed(capsys) -> None:
    """What ``nndl translate RUN DATE DATE`` printed: two lines, each a 10-character ISO date."""
    lines = capsys.readouterr().out.split("\n")[:-1]
    assert len(lines) == 2 and all(len(s) == 10 and set(s) <= set("-0123456789") for s in lines)
