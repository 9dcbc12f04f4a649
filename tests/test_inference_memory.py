"""Inference runs in chunks sized by memory, and leaves nothing of itself allocated."""

import tracemalloc

import numpy as np
import pytest

import nndl
from nndl.model_base import INFERENCE_BUDGET_BYTES, MAX_INFERENCE_BATCH


def _small_resnet():
    return nndl.models.resnet(depths=(1, 1), widths=(8, 16), n_classes=10, input_shape=(16, 16, 1), seed=0)


def test_dense_networks_keep_the_large_chunk():
    model = nndl.Sequential([nndl.Dense(64), nndl.Dense(10, "softmax")], input_shape=(784,))
    assert model.inference_batch_size() == MAX_INFERENCE_BATCH


def test_chunk_shrinks_with_the_largest_layer():
    model = _small_resnet()
    largest = max(layer.inference_elements() for layer in model.all_layers())
    # the first 3×3 convolution: output and cache (2 · 16·16·8) plus its im2col matrix (16·16 · 9·1)
    assert largest >= 2 * 16 * 16 * 8 + 16 * 16 * 9
    expected = INFERENCE_BUDGET_BYTES // (4 * largest * 4)
    assert model.inference_batch_size() == min(MAX_INFERENCE_BATCH, expected)
    assert model.inference_batch_size(budget_bytes=4 * largest * 4 * 7) == 7
    assert model.inference_batch_size(budget_bytes=1) == 1


def test_chunked_inference_gives_the_same_outputs_and_keeps_no_cache():
    model = _small_resnet()
    rng = np.random.default_rng(1)
    X = rng.random((50, 16, 16, 1), dtype=np.float32)
    Y = rng.integers(0, 10, (1, 50))
    whole = model.predict_proba(X, batch_size=50)
    np.testing.assert_allclose(model.predict_proba(X, batch_size=7), whole, rtol=1e-5, atol=1e-6)
    assert model.evaluate(X, Y, batch_size=7)["accuracy"] == pytest.approx(model.evaluate(X, Y, batch_size=50)["accuracy"])
    assert all(layer.cache is None for layer in model.all_layers())
    model.fit(X, Y, epochs=1, batch_size=16, optimizer="adam", verbose=0)
    assert all(layer.cache is None for layer in model.all_layers())


def test_peak_memory_follows_the_chunk_not_the_data():
    model = _small_resnet()
    X = np.random.default_rng(2).random((400, 16, 16, 1), dtype=np.float32)
    model.predict_proba(X[:8], batch_size=8)

    def peak(batch_size):
        tracemalloc.start()
        try:
            model.predict_proba(X, batch_size=batch_size)
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    assert peak(20) < peak(400) / 5


@pytest.mark.parametrize("batch_size", [0, -3, 1.5, "64"])
def test_a_bad_inference_batch_size_is_one_clear_error(batch_size):
    model = nndl.Sequential([nndl.Dense(4), nndl.Dense(3, "softmax")], input_shape=(5,))
    X, Y = np.ones((5, 7), np.float32), np.zeros((1, 7), np.int64)
    for call in (lambda: model.predict(X, batch_size=batch_size), lambda: model.evaluate(X, Y, batch_size=batch_size)):
        with pytest.raises(ValueError, match="batch_size must be a positive integer or None"):
            call()


def _training_peak(model, m, batch_size):
    rng = np.random.default_rng(2)
    X = rng.random((m, 16, 16, 1), dtype=np.float32)
    Y = rng.integers(0, 10, (1, m))
    model.fit(X[:batch_size], Y[:, :batch_size], epochs=1, batch_size=batch_size, optimizer="adam", verbose=0)
    tracemalloc.start()
    try:
        model.fit(X, Y, epochs=1, batch_size=batch_size, verbose=0)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_smaller_last_mini_batch_does_not_add_a_second_set_of_work_arrays():
    """The per-batch arrays that training steps reuse are kept once per name: an epoch whose
    last mini-batch is smaller (188 = 2·64 + 60) peaks no higher than one of whole batches
    (it held both sizes, nearly twice the memory, before)."""
    whole = _training_peak(_small_resnet(), 128, 64)
    with_remainder = _training_peak(_small_resnet(), 188, 64)
    assert with_remainder < 1.15 * whole
