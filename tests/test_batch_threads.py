"""The batch split over threads (nndl.functional._batch_threads): every example's numbers are
bitwise those of the one-thread code, for the convolution (its padding, gather, product and
scatter-add), pooling and ReLU, with slices of unequal size; sums over the examples (dW, db,
batch norm's statistics and what follows from them) are the slices' partial sums added in
order, equal to float rounding; the split really runs on several threads, with BLAS on one
thread while it does."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from nndl.functional import _batch_threads, batchnorm_backward, batchnorm_forward, conv_backward, conv_forward, \
    pool_backward, pool_forward, relu, relu_backward


@pytest.fixture
def split(monkeypatch):
    """Run the code under test on 3 threads, splitting even the small arrays of a test."""
    def run(threads: int):
        _batch_threads.set_threads(threads)
        monkeypatch.setattr(_batch_threads, "MIN_SIZE", 0)
    yield run
    _batch_threads.set_threads(_batch_threads.default_threads())


def test_slices_cover_the_batch_once_on_several_threads(split):
    split(3)
    seen, names = [], set()
    lock = threading.Lock()

    def record(i, j):
        with lock:
            seen.append((i, j))
            names.add(threading.current_thread().name)

    _batch_threads.over_batch(record, 7, 10 ** 6)
    assert sorted(seen) == [(0, 2), (2, 4), (4, 7)]
    assert len(names) >= 2  # the calling thread and a pool thread
    seen.clear()
    _batch_threads.over_batch(record, 2, 10 ** 6)  # fewer examples than threads
    assert sorted(seen) == [(0, 1), (1, 2)]


def test_small_arrays_stay_on_the_calling_thread(split):
    split(3)
    _batch_threads.MIN_SIZE = 100
    seen = []
    _batch_threads.over_batch(lambda i, j: seen.append((i, j, threading.current_thread().name)), 7, 99)
    assert seen == [(0, 7, threading.current_thread().name)]


def test_an_error_in_a_slice_reaches_the_caller(split):
    split(2)

    def fail(i, j):
        if i > 0:
            raise ValueError("second slice")

    with pytest.raises(ValueError, match="second slice"):
        _batch_threads.over_batch(fail, 4, 10 ** 6)


def test_bad_thread_count():
    with pytest.raises(ValueError, match="positive integer"):
        _batch_threads.set_threads(0)


def _conv_and_pool(rng, dtype):
    """Every output of a conv → relu → pool → backward chain, with fresh arrays: (the
    per-example outputs, the sums over examples and what depends on them)."""
    out, sums = [], []
    for (shape, f, stride, pad, dilation) in [((5, 9, 8, 2), 3, 1, "same", 1), ((5, 7, 7, 3), 2, 2, 1, 1),
                                              ((4, 9, 9, 6), 3, 1, "valid", 2)]:
        A = rng.standard_normal(shape).astype(dtype)
        W = rng.standard_normal((f, f, shape[3], 4)).astype(dtype)
        b = rng.standard_normal((1, 1, 1, 4)).astype(dtype)
        Z, cache = conv_forward(A, W, b, stride, pad, dilation)
        gamma, beta = rng.uniform(0.5, 2, (1, 1, 1, 4)).astype(dtype), rng.standard_normal((1, 1, 1, 4)).astype(dtype)
        N, bn_cache, mu, var = batchnorm_forward(Z, gamma, beta, axis=(0, 1, 2))
        sums += [N.copy(), mu, var, *batchnorm_backward(rng.standard_normal(Z.shape).astype(dtype), bn_cache)]
        R, _ = relu(Z)
        for pf, ps, mode in [(2, 2, "max"), (3, 2, "max"), (2, 3, "max"), (2, 2, "average"), (3, 1, "average")]:
            if min(R.shape[1:3]) < pf:
                continue
            P, pc = pool_forward(R, pf, ps, mode)
            dR = pool_backward(rng.standard_normal(P.shape).astype(dtype), pc)
            out += [P, dR]
        dZ = relu_backward(dR, R)
        dA, dW, db = conv_backward(dZ, cache)
        out += [Z.copy(), R, dZ, dA.copy()]
        sums += [dW, db]
    return out, sums


@pytest.mark.parametrize("recompute", [False, True])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_split_results_are_the_one_thread_results(split, monkeypatch, dtype, recompute):
    """(recompute: the convolutions gather their windows again in the backward pass, one
    example per block; see nndl.functional.conv.RECOMPUTE_BYTES.)"""
    if recompute:
        from nndl.functional import conv
        monkeypatch.setattr(conv, "RECOMPUTE_BYTES", 0)
        monkeypatch.setattr(conv, "BLOCK_BYTES", 1)
    split(1)
    one, one_sums = _conv_and_pool(np.random.default_rng(3), dtype)
    split(3)
    three, three_sums = _conv_and_pool(np.random.default_rng(3), dtype)
    assert len(one) == len(three) > 20 and len(one_sums) == len(three_sums) == 24
    for a, b in zip(one, three):
        assert a.dtype == b.dtype == dtype
        np.testing.assert_array_equal(a, b)
    tol = 2e-5 if dtype == np.float32 else 1e-12
    for a, b in zip(one_sums, three_sums):
        assert a.dtype == b.dtype == dtype
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol * np.abs(a).max())


def test_blas_runs_on_one_thread_while_the_batch_is_split(split):
    """Inside a splitting operation every BLAS library runs on one thread; the setting the
    caller had is back afterwards, also after an error and after nested blocks."""
    threadpoolctl = pytest.importorskip("threadpoolctl")
    libraries = _batch_threads._blas_libraries()
    if not libraries:
        pytest.skip("no BLAS library that threadpoolctl can drive")
    split(2)
    seen = []
    with threadpoolctl.threadpool_limits(limits=2, user_api="blas"):
        with _batch_threads.blas_on_one_thread():
            seen.append([lib.num_threads for lib in libraries])
            with _batch_threads.blas_on_one_thread():
                pass
            seen.append([lib.num_threads for lib in libraries])
        seen.append([lib.num_threads for lib in libraries])
        with pytest.raises(ValueError):
            with _batch_threads.blas_on_one_thread():
                raise ValueError("inside")
        seen.append([lib.num_threads for lib in libraries])
        record = []
        conv_forward_probe = _batch_threads.splitting(lambda: record.append([lib.num_threads for lib in libraries]))
        conv_forward_probe()
        seen.append([lib.num_threads for lib in libraries])
    assert seen[0] == seen[1] == record[0] == [1] * len(libraries)
    assert seen[2] == seen[3] == seen[4] == [2] * len(libraries)


def test_one_thread_leaves_blas_alone(split):
    threadpoolctl = pytest.importorskip("threadpoolctl")
    libraries = _batch_threads._blas_libraries()
    split(1)
    with threadpoolctl.threadpool_limits(limits=2, user_api="blas"):
        with _batch_threads.blas_on_one_thread():
            assert [lib.num_threads for lib in libraries] == [2] * len(libraries)


def test_over_batch_returns_each_slices_result_in_order(split):
    split(3)
    parts = _batch_threads.over_batch(lambda i, j: np.arange(i, j).sum(), 10, 10 ** 6)
    assert parts == [sum(range(0, 3)), sum(range(3, 6)), sum(range(6, 10))]
    assert _batch_threads.added(parts) == 45


def test_a_forked_child_gets_its_own_threads(split):
    """After fork the parent's pool threads do not exist in the child: it must not wait on them."""
    import multiprocessing
    if "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("no fork on this platform")
    split(2)
    _batch_threads.over_batch(lambda i, j: None, 4, 10 ** 6)  # the parent's pool exists now
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(1) as pool:
        result = pool.apply_async(_split_sum_in_child)
        assert result.get(timeout=60) == 4
    split(2)


def _split_sum_in_child() -> int:
    _batch_threads.MIN_SIZE = 0
    seen = []
    _batch_threads.over_batch(lambda i, j: seen.append(j - i), 4, 10)
    return sum(seen)


def test_the_default_follows_the_blas_thread_limit():
    cores = max(1, min(__import__("os").cpu_count() or 1, 8))
    assert _batch_threads.default_threads({}) == cores
    assert _batch_threads.default_threads({"OPENBLAS_NUM_THREADS": "1"}) == 1
    assert _batch_threads.default_threads({"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "64"}) == 1
    assert _batch_threads.default_threads({"OPENBLAS_NUM_THREADS": "junk"}) == cores


def test_a_model_with_convolutions_runs_its_passes_with_blas_on_one_thread(split):
    """A training step and an inference pass of a model holding a Conv2D (or an LSTM, whose
    compiled loops run on the batch threads) run with BLAS on one thread; a dense network's
    keep BLAS's own threads (its products are not split)."""
    threadpoolctl = pytest.importorskip("threadpoolctl")
    libraries = _batch_threads._blas_libraries()
    if not libraries:
        pytest.skip("no BLAS library that threadpoolctl can drive")
    import nndl
    split(2)
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((6, 8, 8, 1)).astype(np.float32), rng.integers(0, 3, 6)
    conv = nndl.Sequential([nndl.Conv2D(2, 3), nndl.Flatten(), nndl.Dense(3, activation="softmax")])
    dense = nndl.Sequential([nndl.Dense(4), nndl.Dense(3, activation="softmax")])
    lstm = nndl.Sequential([nndl.LSTM(4, return_sequences=False), nndl.Dense(3, activation="softmax")])
    for model, inputs, expected in ((conv, X, 1), (dense, X.reshape(6, -1).T, 2),
                                    (lstm, X[..., 0].transpose(1, 0, 2), 1)):
        seen = []
        with threadpoolctl.threadpool_limits(limits=2, user_api="blas"):
            model.fit(inputs, y, epochs=1, batch_size=3, verbose=0, seed=0)  # builds the model
            layer = model.layers[-1]
            forward = layer.forward

            def probe(*args, **kwargs):
                seen.append(libraries[0].num_threads)
                return forward(*args, **kwargs)

            layer.forward = probe
            model.fit(inputs, y, epochs=1, batch_size=3, verbose=0, seed=0)
            model.predict(inputs)
            after = libraries[0].num_threads
        assert seen and set(seen) == {expected}
        assert after == 2


@pytest.mark.parametrize("dtype,tol", [(np.float64, 1e-12), (np.float32, 1e-5)])
def test_lstm_loops_split_over_threads_equal_one_thread(split, dtype, tol):
    """The LSTM's compiled loops, each thread on its examples (dW_a's shares added), give
    the one-thread results."""
    pytest.importorskip("numba", reason="numba (the optional 'fast' extra) is not installed")
    from nndl.functional import lstm_backward, lstm_forward
    from nndl.functional.lstm import _compiled_loops
    if _compiled_loops(True, dtype) is None:
        pytest.skip("NumPy's BLAS gemm was not found: the NumPy loops run")
    rng = np.random.default_rng(0)
    n_x, n_a, m, T = 5, 7, 5, 4
    p = {f"{k}{g}": (rng.standard_normal((n_a, n_a + n_x)) if k == "W" else rng.standard_normal((n_a, 1)))
         .astype(dtype) for g in "fico" for k in "Wb"}
    x = rng.standard_normal((n_x, m, T)).astype(dtype)
    da, dc = rng.standard_normal((n_a, m, T)).astype(dtype), rng.standard_normal((n_a, m)).astype(dtype)
    results = []
    for threads in (1, 3):
        split(threads)
        a, c, cache = lstm_forward(x, None, p, fused=True)
        dx, da0, dc0, grads = lstm_backward(da, cache, dc_last=dc, fused=True)
        results.append((a.copy(), c.copy(), dx, da0, dc0, grads))
    (a1, c1, *back1, g1), (a3, c3, *back3, g3) = results
    np.testing.assert_allclose(a3, a1, rtol=tol, atol=tol)
    np.testing.assert_allclose(c3, c1, rtol=tol, atol=tol)
    for u, v in zip(back3, back1):
        np.testing.assert_allclose(u, v, rtol=tol, atol=tol)
    for k in g1:
        np.testing.assert_allclose(g3[k], g1[k], rtol=10 * tol, atol=10 * tol, err_msg=k)
