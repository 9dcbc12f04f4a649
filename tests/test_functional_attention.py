"""Layer norm, scaled dot-product and multi-head attention, the Transformer encoder layer,
additive attention and positional encoding: numerical gradients (float64), PyTorch as the
oracle, hand values."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import GRAD_TOL, central_difference, rel_error

from nndl.functional import (
    additive_attention_backward, additive_attention_forward, encoder_layer_backward,
    encoder_layer_forward, layer_norm_backward, layer_norm_forward, look_ahead_mask,
    multi_head_attention_backward, multi_head_attention_forward, padding_mask,
    positional_encoding, scaled_dot_product_attention, scaled_dot_product_attention_backward,
)


def _check_all(J, pairs):
    for name, ours, x in pairs:
        if name == "bk":  # softmax ignores a shift shared by all keys: ∂J/∂bk is exactly 0
            assert np.abs(ours).max() < 1e-12 and np.abs(central_difference(J, x)).max() < 1e-8
            continue
        assert rel_error(ours, central_difference(J, x)) < GRAD_TOL, name


@pytest.mark.parametrize("axis,shape", [(0, (4, 3, 2)), (-1, (2, 3, 5))])
def test_layer_norm_gradients(rng, axis, shape):
    x = rng.standard_normal(shape)
    d = shape[axis]
    gamma, beta = rng.standard_normal((d, 1)), rng.standard_normal((d, 1))
    G = rng.standard_normal(shape)

    def J():
        return float(np.sum(G * layer_norm_forward(x, gamma, beta, axis=axis)[0]))

    dx, dg, db = layer_norm_backward(G, layer_norm_forward(x, gamma, beta, axis=axis)[1])
    _check_all(J, [("x", dx, x), ("gamma", dg, gamma), ("beta", db, beta)])


def test_layer_norm_hand_values_and_dtype():
    x = np.array([[1.0], [3.0]])                     # mean 2, variance 1 over the 2 features
    y, _ = layer_norm_forward(x, np.array([[2.0], [1.0]]), np.array([[0.5], [0.0]]), eps=0.0)
    np.testing.assert_allclose(y, [[2 * -1 + 0.5], [1.0]])
    y32, _ = layer_norm_forward(x.astype(np.float32), np.ones((2, 1)), np.zeros((2, 1)))
    assert y32.dtype == np.float32
    with pytest.raises(ValueError, match=r"gamma must have shape \(d, 1\) = \(2, 1\).*got \(3, 1\)"):
        layer_norm_forward(x, np.ones((3, 1)), np.zeros((2, 1)))


def test_layer_norm_matches_torch(rng, torch):
    x = rng.standard_normal((2, 3, 6))
    ln = torch.nn.LayerNorm(6, dtype=torch.float64)
    with torch.no_grad():
        ln.weight.copy_(torch.tensor(rng.standard_normal(6)))
        ln.bias.copy_(torch.tensor(rng.standard_normal(6)))
    X = torch.tensor(x, requires_grad=True)
    G = rng.standard_normal(x.shape)
    out = ln(X)
    out.backward(torch.tensor(G))
    y, cache = layer_norm_forward(x, ln.weight.detach().numpy()[:, None], ln.bias.detach().numpy()[:, None], axis=-1)
    dx, dg, db = layer_norm_backward(G, cache)
    np.testing.assert_allclose(y, out.detach().numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(dx, X.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(dg[:, 0], ln.weight.grad.numpy(), rtol=1e-10)


def test_masks_hand_values():
    np.testing.assert_array_equal(padding_mask(np.array([[5, 3, 0, 0]])), [[[1, 1, 0, 0]]])
    np.testing.assert_array_equal(look_ahead_mask(3), [[1, 0, 0], [1, 1, 0], [1, 1, 1]])


def test_attention_hand_values():
    # one query equally similar to both keys: weights ½, ½; the second key blocked: weight 1, 0
    Q = np.array([[[1.0, 0.0]]])
    K = np.array([[[1.0, 1.0], [1.0, -1.0]]])
    V = np.array([[[2.0], [4.0]]])
    out, cache = scaled_dot_product_attention(Q, K, V)
    np.testing.assert_allclose(cache["weights"], [[[0.5, 0.5]]])
    np.testing.assert_allclose(out, [[[3.0]]])
    out, cache = scaled_dot_product_attention(Q, K, V, mask=np.array([[[1, 0]]]))
    np.testing.assert_array_equal(cache["weights"], [[[1.0, 0.0]]])
    np.testing.assert_allclose(out, [[[2.0]]])


@pytest.mark.parametrize("masked", [False, True])
def test_attention_gradients(rng, masked):
    Q, K, V = (rng.standard_normal(s) for s in [(2, 3, 4), (2, 5, 4), (2, 5, 3)])
    mask = None
    if masked:
        mask = np.ones((2, 1, 5))
        mask[0, 0, 3:] = 0
    G = rng.standard_normal((2, 3, 3))

    def J():
        return float(np.sum(G * scaled_dot_product_attention(Q, K, V, mask)[0]))

    dQ, dK, dV = scaled_dot_product_attention_backward(G, scaled_dot_product_attention(Q, K, V, mask)[1])
    _check_all(J, [("Q", dQ, Q), ("K", dK, K), ("V", dV, V)])
    if masked:
        np.testing.assert_array_equal(dK[0, 3:], 0.0)
        np.testing.assert_array_equal(dV[0, 3:], 0.0)


def test_attention_matches_torch_with_look_ahead(rng, torch):
    F = torch.nn.functional
    Q, K, V = (rng.standard_normal((2, 4, 3)) for _ in range(3))
    out, _ = scaled_dot_product_attention(Q, K, V, look_ahead_mask(4))
    ref = F.scaled_dot_product_attention(*(torch.tensor(a) for a in (Q, K, V)), is_causal=True)
    np.testing.assert_allclose(out, ref.numpy(), rtol=1e-12, atol=1e-12)


def _mha_params(rng, d, dtype=np.float64):
    p = {}
    for k in "qkvo":
        p["W" + k] = (rng.standard_normal((d, d)) / np.sqrt(d)).astype(dtype)
        p["b" + k] = (0.1 * rng.standard_normal((d, 1))).astype(dtype)
    return p


def test_multi_head_attention_gradients_cross_and_self(rng):
    d, h = 4, 2
    p = _mha_params(rng, d)
    xq, xkv = rng.standard_normal((2, 3, d)), rng.standard_normal((2, 5, d))
    mask = np.ones((2, 1, 5))
    mask[1, 0, 4] = 0
    G = rng.standard_normal((2, 3, d))

    def J():
        return float(np.sum(G * multi_head_attention_forward(xq, xkv, xkv, p, h, mask)[0]))

    out, cache = multi_head_attention_forward(xq, xkv, xkv, p, h, mask)
    dq, dk, dv, grads = multi_head_attention_backward(G, cache)
    _check_all(J, [("xq", dq, xq), ("xkv", dk + dv, xkv)] + [(k, grads[k], p[k]) for k in p])

    Gs = rng.standard_normal((2, 5, d))
    look = look_ahead_mask(5)

    def Js():
        return float(np.sum(Gs * multi_head_attention_forward(xkv, xkv, xkv, p, h, look)[0]))

    out, cache = multi_head_attention_forward(xkv, xkv, xkv, p, h, look)
    dx, none_k, none_v, grads = multi_head_attention_backward(Gs, cache)
    assert none_k is None and none_v is None
    _check_all(Js, [("x", dx, xkv)] + [(k, grads[k], p[k]) for k in p])


def test_multi_head_attention_matches_torch(rng, torch):
    d, h = 8, 2
    p = _mha_params(rng, d)
    net = torch.nn.MultiheadAttention(d, h, batch_first=True, dtype=torch.float64)
    with torch.no_grad():
        net.in_proj_weight.copy_(torch.tensor(np.concatenate([p["Wq"], p["Wk"], p["Wv"]])))
        net.in_proj_bias.copy_(torch.tensor(np.concatenate([p["bq"], p["bk"], p["bv"]])[:, 0]))
        net.out_proj.weight.copy_(torch.tensor(p["Wo"]))
        net.out_proj.bias.copy_(torch.tensor(p["bo"][:, 0]))
    xq, xkv = rng.standard_normal((3, 4, d)), rng.standard_normal((3, 6, d))
    ids = np.array([[1, 2, 3, 4, 5, 6], [1, 2, 3, 0, 0, 0], [7, 0, 0, 0, 0, 0]])
    mask = padding_mask(ids)
    Xq, Xkv = torch.tensor(xq, requires_grad=True), torch.tensor(xkv, requires_grad=True)
    ref, w = net(Xq, Xkv, Xkv, key_padding_mask=torch.tensor(ids == 0), average_attn_weights=False)
    G = rng.standard_normal(xq.shape)
    ref.backward(torch.tensor(G))
    out, cache = multi_head_attention_forward(xq, xkv, xkv, p, h, mask)
    np.testing.assert_allclose(out, ref.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(cache["weights"], w.detach().numpy(), rtol=1e-10, atol=1e-12)
    dq, dk, dv, grads = multi_head_attention_backward(G, cache)
    np.testing.assert_allclose(dq, Xq.grad.numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(dk + dv, Xkv.grad.numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(grads["Wo"], net.out_proj.weight.grad.numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(np.concatenate([grads["Wq"], grads["Wk"], grads["Wv"]]),
                               net.in_proj_weight.grad.numpy(), rtol=1e-9, atol=1e-12)


def encoder_params(rng, d, d_ff, dtype=np.float64):
    p = _mha_params(rng, d, dtype)
    p |= {"gamma1": 1 + 0.1 * rng.standard_normal((d, 1)), "beta1": 0.1 * rng.standard_normal((d, 1)),
          "gamma2": 1 + 0.1 * rng.standard_normal((d, 1)), "beta2": 0.1 * rng.standard_normal((d, 1)),
          "W1": rng.standard_normal((d_ff, d)) / np.sqrt(d), "b1": 0.1 * rng.standard_normal((d_ff, 1)),
          "W2": rng.standard_normal((d, d_ff)) / np.sqrt(d_ff), "b2": 0.1 * rng.standard_normal((d, 1))}
    return {k: v.astype(dtype) for k, v in p.items()}


def test_encoder_layer_gradients(rng):
    p = encoder_params(rng, 4, 6)
    x = rng.standard_normal((2, 3, 4))
    mask = padding_mask(np.array([[1, 2, 3], [4, 5, 0]]))
    G = rng.standard_normal(x.shape)

    def J():
        return float(np.sum(G * encoder_layer_forward(x, p, 2, mask)[0]))

    dx, grads = encoder_layer_backward(G, encoder_layer_forward(x, p, 2, mask)[1])
    assert set(grads) == set(p)
    _check_all(J, [("x", dx, x)] + [(k, grads[k], p[k]) for k in p])


def test_encoder_layer_matches_torch(rng, torch):
    d, h, d_ff = 8, 2, 12
    p = encoder_params(rng, d, d_ff)
    net = torch.nn.TransformerEncoderLayer(d, h, d_ff, dropout=0.0, batch_first=True,
                                           dtype=torch.float64)
    net.train()   # the plain (non-fused) path that has a backward pass
    with torch.no_grad():
        sa = net.self_attn
        sa.in_proj_weight.copy_(torch.tensor(np.concatenate([p["Wq"], p["Wk"], p["Wv"]])))
        sa.in_proj_bias.copy_(torch.tensor(np.concatenate([p["bq"], p["bk"], p["bv"]])[:, 0]))
        sa.out_proj.weight.copy_(torch.tensor(p["Wo"]))
        sa.out_proj.bias.copy_(torch.tensor(p["bo"][:, 0]))
        for mod, (w, b) in ((net.linear1, ("W1", "b1")), (net.linear2, ("W2", "b2"))):
            mod.weight.copy_(torch.tensor(p[w]))
            mod.bias.copy_(torch.tensor(p[b][:, 0]))
        for mod, (g, b) in ((net.norm1, ("gamma1", "beta1")), (net.norm2, ("gamma2", "beta2"))):
            mod.weight.copy_(torch.tensor(p[g][:, 0]))
            mod.bias.copy_(torch.tensor(p[b][:, 0]))
    x = rng.standard_normal((3, 5, d))
    ids = np.array([[1, 2, 3, 4, 5], [1, 2, 3, 0, 0], [1, 2, 3, 4, 0]])
    X = torch.tensor(x, requires_grad=True)
    ref = net(X, src_key_padding_mask=torch.tensor(ids == 0))
    G = rng.standard_normal(x.shape)
    ref.backward(torch.tensor(G))
    y, cache = encoder_layer_forward(x, p, h, padding_mask(ids))
    np.testing.assert_allclose(y, ref.detach().numpy(), rtol=1e-9, atol=1e-11)
    dx, grads = encoder_layer_backward(G, cache)
    np.testing.assert_allclose(dx, X.grad.numpy(), rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(grads["W1"], net.linear1.weight.grad.numpy(), rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(grads["gamma1"][:, 0], net.norm1.weight.grad.numpy(), rtol=1e-8, atol=1e-10)


def test_encoder_layer_keeps_float32(rng):
    p = encoder_params(rng, 4, 6, np.float32)
    x = rng.standard_normal((2, 3, 4)).astype(np.float32)
    y, cache = encoder_layer_forward(x, p, 2)
    dx, grads = encoder_layer_backward(np.ones_like(y), cache)
    assert y.dtype == dx.dtype == np.float32
    assert all(g.dtype == np.float32 for g in grads.values())


def _additive_params(rng, n_h, n_s, n_e=5):
    return {"W1": rng.standard_normal((n_e, n_h + n_s)), "b1": rng.standard_normal((n_e, 1)),
            "W2": rng.standard_normal((1, n_e)), "b2": np.array([[0.3]])}


@pytest.mark.parametrize("masked", [False, True])
def test_additive_attention_gradients(rng, masked):
    n_h, n_s, m, T = 4, 3, 2, 5
    p = _additive_params(rng, n_h, n_s)
    a, s = rng.standard_normal((n_h, m, T)), rng.standard_normal((n_s, m))
    mask = None
    if masked:
        mask = np.ones((m, T))
        mask[1, 3:] = 0
    G = rng.standard_normal((n_h, m))

    def J():
        return float(np.sum(G * additive_attention_forward(a, s, p, mask)[0]))

    ctx, cache = additive_attention_forward(a, s, p, mask)
    np.testing.assert_allclose(cache["alphas"].sum(axis=1), 1.0)
    if masked:
        np.testing.assert_array_equal(cache["alphas"][1, 3:], 0.0)
    da, ds, grads = additive_attention_backward(G, cache)
    _check_all(J, [("a", da, a), ("s_prev", ds, s)] + [(k, grads[k], p[k]) for k in p])


def test_additive_attention_hand_values():
    # W1 = 0, b1 = 0 → tanh(0) = 0 → e = ReLU(b2) equal for every t → α uniform → the mean of a
    p = {"W1": np.zeros((2, 3)), "b1": np.zeros((2, 1)), "W2": np.ones((1, 2)), "b2": np.array([[1.0]])}
    a = np.arange(8.0).reshape(2, 1, 4)
    ctx, cache = additive_attention_forward(a, np.zeros((1, 1)), p)
    np.testing.assert_allclose(cache["alphas"], [[0.25] * 4])
    np.testing.assert_allclose(ctx, a.mean(axis=2))


def test_positional_encoding_hand_values():
    PE = positional_encoding(3, 4, dtype=np.float64)
    pos = np.arange(3.0)
    np.testing.assert_allclose(PE[:, 0], np.sin(pos))
    np.testing.assert_allclose(PE[:, 1], np.cos(pos))
    np.testing.assert_allclose(PE[:, 2], np.sin(pos / 100.0))     # 10000^(2/4) = 100
    np.testing.assert_allclose(PE[:, 3], np.cos(pos / 100.0))
    assert positional_encoding(3, 4).dtype == np.float32
