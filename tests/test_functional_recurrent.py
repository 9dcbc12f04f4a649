"""RNN, GRU and LSTM through time: numerical gradients (float64), PyTorch's nn.RNN / nn.GRU /
nn.LSTM as oracles with the documented weight mappings, hand values, dtypes and shape errors."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import GRAD_TOL, central_difference, rel_error

from nndl.functional import (
    gru_backward, gru_forward, lstm_backward, lstm_cell_backward, lstm_cell_forward,
    lstm_forward, rnn_backward, rnn_cell_backward, rnn_cell_forward, rnn_forward,
)


def _params(rng, kind, n_x, n_a, dtype=np.float64, reset_after=False):
    if kind == "rnn":
        shapes = {"Wax": (n_a, n_x), "Waa": (n_a, n_a), "ba": (n_a, 1)}
    elif kind == "gru":
        shapes = {f"W{g}": (n_a, n_a + n_x) for g in "urc"} | {f"b{g}": (n_a, 1) for g in "urc"}
        if reset_after:
            shapes["bch"] = (n_a, 1)
    else:
        shapes = {f"W{g}": (n_a, n_a + n_x) for g in "fico"} | {f"b{g}": (n_a, 1) for g in "fico"}
    return {k: (0.5 * rng.standard_normal(s)).astype(dtype) for k, s in shapes.items()}


def _run(kind, x, a0, p, c0=None, reset_after=False):
    if kind == "rnn":
        a, cache = rnn_forward(x, a0, p)
        return a, None, cache
    if kind == "gru":
        a, cache = gru_forward(x, a0, p, reset_after=reset_after)
        return a, None, cache
    return lstm_forward(x, a0, p, c0=c0)


CASES = [("rnn", False), ("gru", False), ("gru", True), ("lstm", False)]


@pytest.mark.parametrize("kind,reset_after", CASES)
def test_gradients_through_time(rng, kind, reset_after):
    n_x, n_a, m, T = 3, 4, 2, 4
    x = rng.standard_normal((n_x, m, T))
    a0 = rng.standard_normal((n_a, m))
    c0 = rng.standard_normal((n_a, m))
    p = _params(rng, kind, n_x, n_a, reset_after=reset_after)
    G = rng.standard_normal((n_a, m, T))
    Gc = rng.standard_normal((n_a, m))

    def J():
        a, c, _ = _run(kind, x, a0, p, c0, reset_after)
        return float(np.sum(G * a) + (np.sum(Gc * c[:, :, -1]) if c is not None else 0.0))

    a, c, cache = _run(kind, x, a0, p, c0, reset_after)
    if kind == "lstm":
        dx, da0, dc0, grads = lstm_backward(G, cache, dc_last=Gc)
        assert rel_error(dc0, central_difference(J, c0)) < GRAD_TOL
    else:
        backward = rnn_backward if kind == "rnn" else gru_backward
        dx, da0, grads = backward(G, cache)
    assert rel_error(dx, central_difference(J, x)) < GRAD_TOL
    assert rel_error(da0, central_difference(J, a0)) < GRAD_TOL
    assert set(grads) == set(p)
    for k in p:
        assert grads[k].shape == p[k].shape
        assert rel_error(grads[k], central_difference(J, p[k])) < GRAD_TOL, k


@pytest.mark.parametrize("kind,reset_after", CASES)
def test_float32_kept_and_matches_float64(rng, kind, reset_after):
    x = rng.standard_normal((3, 5, 6))
    p = _params(rng, kind, 3, 4, reset_after=reset_after)
    a64, _, cache64 = _run(kind, x, None, p, None, reset_after)
    p32 = {k: v.astype(np.float32) for k, v in p.items()}
    a32, _, cache32 = _run(kind, x.astype(np.float32), None, p32, None, reset_after)
    assert a32.dtype == np.float32
    np.testing.assert_allclose(a32, a64, atol=2e-5)
    G = np.ones_like(a32)
    back = {"rnn": rnn_backward, "gru": gru_backward, "lstm": lambda d, c: lstm_backward(d, c)[::3]}
    out = back[kind](G, cache32)
    assert out[0].dtype == np.float32
    assert all(g.dtype == np.float32 for g in out[-1].values())


def test_backward_does_not_write_into_upstream_gradient(rng):
    x = rng.standard_normal((3, 2, 5))
    p = _params(rng, "lstm", 3, 4)
    a, c, cache = lstm_forward(x, None, p)
    da = np.ones_like(a)
    lstm_backward(da, cache)
    np.testing.assert_array_equal(da, 1.0)


def test_rnn_hand_values():
    # n_x = n_a = 1: a1 = tanh(2·1 + 0.5·0 + 0) = tanh(2); a2 = tanh(2·(−1) + 0.5·a1 + 0)
    p = {"Wax": np.array([[2.0]]), "Waa": np.array([[0.5]]), "ba": np.array([[0.0]])}
    a, _ = rnn_forward(np.array([[[1.0, -1.0]]]), None, p)
    a1 = np.tanh(2.0)
    np.testing.assert_allclose(a[0, 0], [a1, np.tanh(-2.0 + 0.5 * a1)], rtol=1e-15)


def test_lstm_hand_values():
    # every weight 0, biases: forget 0 → Γf = ½, update 0 → Γi = ½, candidate bc → tanh(bc), output ½
    n_a, n_x = 1, 1
    p = {f"W{g}": np.zeros((n_a, n_a + n_x)) for g in "fico"}
    p |= {f"b{g}": np.zeros((n_a, 1)) for g in "fico"}
    p["bc"] = np.array([[1.0]])
    a, c = lstm_cell_forward(np.zeros((1, 1)), np.zeros((1, 1)), np.array([[2.0]]), p)[:2]
    c_expected = 0.5 * 2.0 + 0.5 * np.tanh(1.0)
    np.testing.assert_allclose(c, [[c_expected]], rtol=1e-15)
    np.testing.assert_allclose(a, [[0.5 * np.tanh(c_expected)]], rtol=1e-15)


def test_cells_are_one_step(rng):
    p = _params(rng, "rnn", 3, 4)
    xt, a_prev = rng.standard_normal((3, 2)), rng.standard_normal((4, 2))
    a_next, cache = rnn_cell_forward(xt, a_prev, p)
    np.testing.assert_allclose(a_next, np.tanh(p["Wax"] @ xt + p["Waa"] @ a_prev + p["ba"]))
    dxt, da_prev, grads = rnn_cell_backward(np.ones((4, 2)), cache)
    dz = 1 - a_next ** 2
    np.testing.assert_allclose(grads["Wax"], dz @ xt.T)
    np.testing.assert_allclose(da_prev, p["Waa"].T @ dz)
    p = _params(rng, "lstm", 3, 4)
    c_prev = rng.standard_normal((4, 2))
    a, c, cache = lstm_cell_forward(xt, a_prev, c_prev, p)
    dxt, da_prev, dc_prev, grads = lstm_cell_backward(np.ones((4, 2)), np.zeros((4, 2)), cache)
    assert dxt.shape == (3, 2) and da_prev.shape == (4, 2) and grads["Wf"].shape == (4, 7)


def test_shape_errors_name_shapes(rng):
    p = _params(rng, "lstm", 3, 4)
    with pytest.raises(ValueError, match=r"\(n_x, m, T_x\).*\(3, 5\)"):
        lstm_forward(np.zeros((3, 5)), None, p)
    with pytest.raises(ValueError, match=r"Wf must have shape \(4, 9\), got \(4, 7\)"):
        lstm_forward(np.zeros((5, 2, 3)), None, p)
    with pytest.raises(ValueError, match="at least one time step"):
        lstm_forward(np.zeros((3, 2, 0)), None, p)
    with pytest.raises(ValueError, match=r"a0 must have shape"):
        rnn_forward(np.zeros((3, 2, 3)), np.zeros((4, 3)), _params(rng, "rnn", 3, 4))
    with pytest.raises(ValueError, match="float"):
        rnn_forward(np.zeros((3, 2, 3), dtype=int), None, _params(rng, "rnn", 3, 4))


# --- PyTorch as oracle ---------------------------------------------------------------

def _torch_seq(torch, x):
    return torch.tensor(np.ascontiguousarray(x.transpose(2, 1, 0)), requires_grad=True)  # (T, m, n_x)


def _check_against_torch(torch, net, x, a, dx, G, grads, mapping):
    X = _torch_seq(torch, x)
    out, _ = net(X)
    np.testing.assert_allclose(out.detach().numpy().transpose(2, 1, 0), a, rtol=1e-10, atol=1e-12)
    out.backward(torch.tensor(np.ascontiguousarray(G.transpose(2, 1, 0))))
    np.testing.assert_allclose(X.grad.numpy().transpose(2, 1, 0), dx, rtol=1e-9, atol=1e-12)
    for ours, theirs in mapping(grads, {k: v.grad.numpy() for k, v in net.named_parameters()}):
        np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12)


def test_rnn_matches_torch(rng, torch):
    n_x, n_a, m, T = 3, 5, 4, 6
    net = torch.nn.RNN(n_x, n_a, dtype=torch.float64)
    sd = {k: v.detach().numpy() for k, v in net.state_dict().items()}
    p = {"Wax": sd["weight_ih_l0"].copy(), "Waa": sd["weight_hh_l0"].copy(),
         "ba": (sd["bias_ih_l0"] + sd["bias_hh_l0"])[:, None]}
    x, G = rng.standard_normal((n_x, m, T)), rng.standard_normal((n_a, m, T))
    a, cache = rnn_forward(x, None, p)
    dx, _, grads = rnn_backward(G, cache)
    _check_against_torch(torch, net, x, a, dx, G, grads, lambda g, t: [
        (g["Wax"], t["weight_ih_l0"]), (g["Waa"], t["weight_hh_l0"]),
        (g["ba"][:, 0], t["bias_ih_l0"]), (g["ba"][:, 0], t["bias_hh_l0"])])


def test_gru_reset_after_matches_torch(rng, torch):
    n_x, n_a, m, T = 3, 5, 4, 6
    n = n_a
    net = torch.nn.GRU(n_x, n_a, dtype=torch.float64)
    sd = {k: v.detach().numpy() for k, v in net.state_dict().items()}
    wi, wh, bi, bh = sd["weight_ih_l0"], sd["weight_hh_l0"], sd["bias_ih_l0"], sd["bias_hh_l0"]
    rows = {"r": slice(0, n), "u": slice(n, 2 * n), "c": slice(2 * n, 3 * n)}
    p = {"Wr": np.hstack([wh[rows["r"]], wi[rows["r"]]]), "br": (bi + bh)[rows["r"], None],
         "Wu": -np.hstack([wh[rows["u"]], wi[rows["u"]]]), "bu": -(bi + bh)[rows["u"], None],
         "Wc": np.hstack([wh[rows["c"]], wi[rows["c"]]]), "bc": bi[rows["c"], None].copy(),
         "bch": bh[rows["c"], None].copy()}
    x, G = rng.standard_normal((n_x, m, T)), rng.standard_normal((n_a, m, T))
    a, cache = gru_forward(x, None, p, reset_after=True)
    dx, _, grads = gru_backward(G, cache)

    def mapping(g, t):
        out = []
        for gate, sign in (("r", 1), ("u", -1), ("c", 1)):
            out += [(sign * g["W" + gate][:, :n], t["weight_hh_l0"][rows[gate]]),
                    (sign * g["W" + gate][:, n:], t["weight_ih_l0"][rows[gate]])]
        out += [(-g["bu"][:, 0], t["bias_ih_l0"][rows["u"]]), (g["br"][:, 0], t["bias_hh_l0"][rows["r"]]),
                (g["bc"][:, 0], t["bias_ih_l0"][rows["c"]]), (g["bch"][:, 0], t["bias_hh_l0"][rows["c"]])]
        return out

    _check_against_torch(torch, net, x, a, dx, G, grads, mapping)


def test_lstm_matches_torch(rng, torch):
    n_x, n_a, m, T = 3, 5, 4, 6
    n = n_a
    net = torch.nn.LSTM(n_x, n_a, dtype=torch.float64)
    sd = {k: v.detach().numpy() for k, v in net.state_dict().items()}
    rows = {"i": slice(0, n), "f": slice(n, 2 * n), "c": slice(2 * n, 3 * n), "o": slice(3 * n, 4 * n)}
    p = {}
    for g, r in rows.items():
        p["W" + g] = np.hstack([sd["weight_hh_l0"][r], sd["weight_ih_l0"][r]])
        p["b" + g] = (sd["bias_ih_l0"] + sd["bias_hh_l0"])[r, None]
    x, G = rng.standard_normal((n_x, m, T)), rng.standard_normal((n_a, m, T))
    a, c, cache = lstm_forward(x, None, p)
    dx, _, _, grads = lstm_backward(G, cache)

    def mapping(g, t):
        out = []
        for gate, r in rows.items():
            out += [(g["W" + gate][:, :n], t["weight_hh_l0"][r]), (g["W" + gate][:, n:], t["weight_ih_l0"][r]),
                    (g["b" + gate][:, 0], t["bias_ih_l0"][r])]
        return out

    _check_against_torch(torch, net, x, a, dx, G, grads, mapping)


@pytest.mark.parametrize("dtype,tol", [(np.float64, 1e-12), (np.float32, 2e-5)])
@pytest.mark.parametrize("n_x,n_a,m,T", [(3, 5, 4, 6), (7, 33, 1, 1), (2, 17, 9, 3)])
def test_lstm_compiled_loops_equal_numpy_reference(rng, dtype, tol, n_x, n_a, m, T):
    pytest.importorskip("numba", reason="numba (the optional 'fast' extra) is not installed")
    x = (3 * rng.standard_normal((n_x, m, T))).astype(dtype)      # some gates saturate
    a0, c0 = rng.standard_normal((n_a, m)).astype(dtype), rng.standard_normal((n_a, m)).astype(dtype)
    p = {k: v.astype(dtype) for k, v in _params(rng, "lstm", n_x, n_a).items()}
    G, Gc = rng.standard_normal((n_a, m, T)).astype(dtype), rng.standard_normal((n_a, m)).astype(dtype)
    from nndl.functional.lstm import _compiled_loops
    assert _compiled_loops(True, dtype) is not None           # the compiled loops run below
    a1, c1, cache1 = lstm_forward(x, a0, p, c0=c0, fused=False)
    a2, c2, cache2 = lstm_forward(x, a0, p, c0=c0, fused=True)
    for u, v in [(a1, a2), (c1, c2)] + list(zip(cache1[1:5], cache2[1:5])):
        np.testing.assert_allclose(v, u, rtol=tol, atol=tol)
        assert v.dtype == dtype
    r1 = lstm_backward(G, cache1, dc_last=Gc, fused=False)
    r2 = lstm_backward(G, cache1, dc_last=Gc, fused=True)
    for u, v in zip(r1[:3], r2[:3]):
        np.testing.assert_allclose(v, u, rtol=tol, atol=tol)
        assert v.dtype == dtype
    for k in r1[3]:
        np.testing.assert_allclose(r2[3][k], r1[3][k], rtol=10 * tol, atol=10 * tol)


def test_lstm_compiled_loops_keep_nan_and_other_floats_run_numpy(rng):
    pytest.importorskip("numba", reason="numba (the optional 'fast' extra) is not installed")
    p = {k: v.astype(np.float32) for k, v in _params(rng, "lstm", 3, 4).items()}
    x = rng.standard_normal((3, 2, 3)).astype(np.float32)
    x[0, 1, 1] = np.nan
    a, c, _ = lstm_forward(x, None, p, fused=True)
    assert np.isnan(a[:, 1, 1:]).all() and np.isfinite(a[:, 0]).all()   # NaN is not clamped to ±1
    x16 = x.astype(np.float16)
    a16, _, _ = lstm_forward(np.nan_to_num(x16), None, {k: v.astype(np.float16) for k, v in p.items()}, fused=True)
    assert a16.dtype == np.float16 and np.isfinite(a16).all()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_numpy_blas_gemm_from_compiled_code_equals_matmul(rng, dtype):
    pytest.importorskip("numba", reason="numba (the optional 'fast' extra) is not installed")
    from nndl.functional import _numpy_blas
    entry = _numpy_blas.entry_points()
    assert entry is not None, "NumPy's BLAS gemm was not found"
    A = rng.standard_normal((6, 9)).astype(dtype)
    B = rng.standard_normal((11, 8)).astype(dtype)[2:9, 1:6]         # a view: rows 8 apart
    C0 = rng.standard_normal((6, 10)).astype(dtype)
    C = C0.copy()
    _numpy_blas.gemm(entry, A[:, 2:9], False, B, C[:, 3:8], 0.5)    # C ← A·B + ½C on a window of C
    expected = C0.copy()
    expected[:, 3:8] = A[:, 2:9] @ B + 0.5 * C0[:, 3:8]
    np.testing.assert_allclose(C, expected, rtol=1e-5)
    D = np.full((9, 5), np.nan, dtype=dtype)
    _numpy_blas.gemm(entry, A, True, B[:6], D, 0.0)                  # Aᵀ·B; β = 0 ignores the NaN there
    np.testing.assert_allclose(D, A.T @ B[:6], rtol=1e-5)
    E = np.ones((3, 4), dtype=dtype)
    _numpy_blas.gemm(entry, np.zeros((3, 0), dtype), False, np.zeros((0, 4), dtype), E, 2.0)   # k = 0
    np.testing.assert_array_equal(E, 2.0)
    _numpy_blas.gemm(entry, np.zeros((0, 3), dtype), False, B[:3], np.zeros((0, 5), dtype), 0.0)


def test_lstm_runs_the_numpy_loops_when_numpy_blas_is_not_found(rng, monkeypatch):
    pytest.importorskip("numba", reason="numba (the optional 'fast' extra) is not installed")
    from nndl.functional import _numpy_blas, lstm
    p = _params(rng, "lstm", 3, 4)
    x, G = rng.standard_normal((3, 2, 5)), rng.standard_normal((4, 2, 5))
    a1, _, cache1 = lstm_forward(x, None, p, fused=False)
    reference = lstm_backward(G, cache1, fused=False)
    monkeypatch.setattr(_numpy_blas, "entry_points", lambda: None)
    assert lstm._compiled_loops(True, np.float64) is None
    a2, _, cache2 = lstm_forward(x, None, p, fused=True)
    np.testing.assert_array_equal(a2, a1)
    for u, v in zip(lstm_backward(G, cache2, fused=True)[3].values(), reference[3].values()):
        np.testing.assert_array_equal(u, v)
    monkeypatch.setattr(lstm, "_HAS_NUMBA", False)
    with pytest.raises(ValueError, match="fused=True needs numba"):
        lstm_forward(x, None, p, fused=True)


def test_float32_tanh_of_the_compiled_kernels_is_within_6_ulp():
    numba = pytest.importorskip("numba", reason="numba (the optional 'fast' extra) is not installed")
    from nndl.functional._lstm_kernels import tanh

    @numba.njit
    def tanh_all(z):
        out = np.empty_like(z)
        for k in range(z.size):
            out[k] = tanh(z[k])
        return out

    z = np.concatenate([np.linspace(-12, 12, 400_001), [0.0, 1e-30, -1e-8, 50.0, -1e4, np.inf, -np.inf]])
    z = z.astype(np.float32)
    got, exact = tanh_all(z), np.tanh(z.astype(np.float64))
    assert got.dtype == np.float32
    ulp = np.spacing(np.abs(exact).astype(np.float32)).astype(np.float64)
    assert np.max(np.abs(got - exact) / ulp) <= 6
    np.testing.assert_array_equal(tanh_all(-z), -got)                  # odd
    assert got[-2] == 1 and got[-1] == -1 and np.isnan(tanh_all(np.float32([np.nan])))[0]


@pytest.mark.parametrize("numba_kernel", [True, False])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_one_hot_ids_finds_only_one_hot_rows(monkeypatch, numba_kernel, dtype):
    from nndl.functional import _input_projection
    from nndl.functional._input_projection import one_hot_ids
    if numba_kernel:
        pytest.importorskip("numba", reason="numba (the optional 'fast' extra) is not installed")
    monkeypatch.setattr(_input_projection, "_HAS_NUMBA", numba_kernel)
    eye = np.eye(4, dtype=dtype)[[2, 0, 3, 3]]
    np.testing.assert_array_equal(one_hot_ids(eye), [2, 0, 3, 3])
    np.testing.assert_array_equal(one_hot_ids(np.asfortranarray(eye)), [2, 0, 3, 3])
    for bad_value in (2.0, -1.0, 0.5, np.nan):
        X = eye.copy()
        X[1, 0] = bad_value
        assert one_hot_ids(X) is None, bad_value
    two_ones_and_an_empty_row = eye.copy()
    two_ones_and_an_empty_row[0, 1] = 1
    two_ones_and_an_empty_row[1, 0] = 0
    assert one_hot_ids(two_ones_and_an_empty_row) is None
    assert one_hot_ids(np.zeros((3, 4))) is None
    assert one_hot_ids(np.zeros((0, 4))) is None


@pytest.mark.parametrize("numba_kernel", [True, False])
@pytest.mark.parametrize("kind,reset_after", CASES)
def test_one_hot_inputs_take_the_gather_path_with_the_same_results(rng, monkeypatch, kind, reset_after,
                                                                    numba_kernel):
    """One-hot sequences are projected by a gather and their input-weight gradient summed by
    id; forward values and every gradient equal those of the plain products."""
    from nndl.functional import _input_projection
    if numba_kernel:
        pytest.importorskip("numba", reason="numba (the optional 'fast' extra) is not installed")
    monkeypatch.setattr(_input_projection, "_HAS_NUMBA", numba_kernel)
    n_x, n_a, m, T = 5, 4, 3, 6
    x = np.eye(n_x)[rng.integers(0, n_x, (m, T))].transpose(2, 0, 1)     # (n_x, m, T) one-hot
    a0 = rng.standard_normal((n_a, m))
    p = _params(rng, kind, n_x, n_a, reset_after=reset_after)
    G = rng.standard_normal((n_a, m, T))

    def forward_backward():
        a, _, cache = _run(kind, x, a0, p, None, reset_after)
        grads = (lstm_backward(G, cache)[3] if kind == "lstm"
                 else (rnn_backward if kind == "rnn" else gru_backward)(G, cache)[2])
        return a, cache, grads

    a1, cache, grads1 = forward_backward()
    assert cache[-1] is not None                                   # the one-hot ids were found
    with monkeypatch.context() as mp:
        mp.setattr(_input_projection, "one_hot_ids", lambda X: None)
        a2, cache2, grads2 = forward_backward()
    assert cache2[-1] is None
    np.testing.assert_array_equal(a1, a2)
    for k in grads2:
        np.testing.assert_allclose(grads1[k], grads2[k], rtol=1e-12, atol=1e-12, err_msg=k)
