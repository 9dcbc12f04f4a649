"""Style transfer: the gradient of the total cost with respect to the input image (float64
numerical gradients), the cost falling, weights from files and PyTorch's layouts."""

from __future__ import annotations

import numpy as np
import pytest

import nndl
from nndl.functional import content_cost, layer_style_cost, total_cost
from nndl.layers import AvgPool2D, Conv2D, Dense, Dropout, Flatten, MaxPool2D
from nndl.models import Sequential
from nndl.neural_style import (
    dense_after_flatten_from_pytorch, filters_from_pytorch, filters_to_pytorch, load_weights,
    style_cost_and_input_grad,
)


def _net(dtype=np.float64, activation="tanh"):
    layers = [Conv2D(3, 3, padding="same", activation=activation), AvgPool2D(2),
              Conv2D(4, 3, padding="same", activation=activation), MaxPool2D(2)]
    return Sequential(layers, input_shape=(8, 8, 2), seed=1, dtype=dtype)


def _cost(net, G, C, S, ci, style_layers, alpha, beta):
    outs, A = [], G
    for layer in net.layers:
        A = layer.forward(A, False)
        outs.append(A)
    J_c = content_cost(_acts(net, C)[ci], outs[ci])[0]
    J_s = sum(lam * layer_style_cost(_acts(net, S)[i], outs[i])[0] for i, lam in style_layers)
    return total_cost(J_c, J_s, alpha, beta)


def _acts(net, X):
    outs, A = [], X
    for layer in net.layers:
        A = layer.forward(A, False)
        outs.append(A)
    return outs


@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_input_gradient_matches_numerical_gradient(activation):
    rng = np.random.default_rng(0)
    net = _net(activation=activation)
    C, S, G = (rng.uniform(0.05, 1, (1, 8, 8, 2)) for _ in range(3))
    style_layers, ci, alpha, beta = [(0, 0.4), (2, 0.6)], 3, 10.0, 40.0
    a_C = _acts(net, C)[ci]
    a_S = [_acts(net, S)[i] for i, _ in style_layers]
    J, dG = style_cost_and_input_grad(net, G, a_C, a_S, ci, style_layers, alpha, beta)
    assert J == pytest.approx(_cost(net, G, C, S, ci, style_layers, alpha, beta), rel=1e-12)
    assert net.layers[0].needs_input_grad is False  # restored
    eps, num = 1e-6, np.zeros_like(G)
    for idx in np.ndindex(G.shape):
        Gp, Gm = G.copy(), G.copy()
        Gp[idx] += eps
        Gm[idx] -= eps
        num[idx] = (_cost(net, Gp, C, S, ci, style_layers, alpha, beta)
                    - _cost(net, Gm, C, S, ci, style_layers, alpha, beta)) / (2 * eps)
    rel = np.linalg.norm(dG - num) / (np.linalg.norm(dG) + np.linalg.norm(num))
    assert rel < 1e-7


def test_total_cost_falls_over_iterations():
    rng = np.random.default_rng(1)
    net = _net(np.float32, "relu")
    content, style = rng.uniform(0, 1, (8, 8, 2)), rng.uniform(0, 1, (8, 8, 2))
    seen = []
    G, costs = nndl.style_transfer(net, content, style, layers=[(0, 0.5), (2, 0.5)], content_layer=2,
                                   iterations=60, learning_rate=0.02, callback=lambda i, J, G: seen.append(i))
    assert G.shape == (1, 8, 8, 2) and G.dtype == np.float32 and 0 <= G.min() and G.max() <= 1
    assert len(costs) == 60 and seen == list(range(60))
    assert costs[-1] < 0.5 * costs[0]


def test_bad_networks_and_images_are_refused():
    net = Sequential([Conv2D(2, 3), Dropout(0.5), Flatten(), Dense(3, "softmax")], input_shape=(6, 6, 1))
    img = np.zeros((6, 6, 1))
    with pytest.raises(ValueError, match="Dropout"):
        nndl.style_transfer(net, img, img)
    net = Sequential([Conv2D(2, 3), Flatten(), Dense(3, "softmax")], input_shape=(6, 6, 1))
    with pytest.raises(ValueError, match="does not output images"):
        nndl.style_transfer(net, img, img, layers=[(0, 1.0)], content_layer=2)
    with pytest.raises(ValueError, match="same shape"):
        nndl.style_transfer(net, img, np.zeros((6, 5, 1)), content_layer=0)


def test_weights_from_npz_and_safetensors(tmp_path):
    net, other = _net(np.float32), _net(np.float32)
    other.set_weights({k: v + 1 for k, v in other.get_weights().items()})
    np.savez(tmp_path / "w.npz", **other.get_weights())
    load_weights(net, tmp_path / "w.npz")
    np.testing.assert_array_equal(net.params["W2"], other.params["W2"])
    from safetensors.numpy import save_file
    save_file({"W1": np.zeros((3, 3, 2, 3), np.float32)}, str(tmp_path / "w.safetensors"))
    load_weights(net, tmp_path / "w.safetensors")
    assert not net.params["W1"].any()
    np.savez(tmp_path / "bad.npz", W1=np.zeros((3, 3, 3, 2), np.float32))
    with pytest.raises(ValueError, match="W1 has shape"):
        load_weights(net, tmp_path / "bad.npz")


def test_pytorch_layouts():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    w = rng.normal(size=(4, 2, 3, 3))
    np.testing.assert_array_equal(filters_to_pytorch(filters_from_pytorch(w)), w)
    net = Sequential([Conv2D(4, 3, activation="linear"), Flatten(), Dense(5, "linear")],
                     input_shape=(6, 6, 2), dtype=np.float64)
    conv, lin = torch.nn.Conv2d(2, 4, 3).double(), torch.nn.Linear(4 * 4 * 4, 5).double()
    net.set_weights({"W1": filters_from_pytorch(conv.weight.detach().numpy()),
                     "b1": conv.bias.detach().numpy().reshape(1, 1, 1, 4),
                     "W2": dense_after_flatten_from_pytorch(lin.weight.detach().numpy(), 4, 4, 4),
                     "b2": lin.bias.detach().numpy().reshape(5, 1)})
    X = rng.normal(size=(3, 6, 6, 2))
    expected = lin(torch.flatten(conv(torch.from_numpy(X.transpose(0, 3, 1, 2))), 1)).detach().numpy()
    np.testing.assert_allclose(net.predict_proba(X), expected.T, rtol=1e-10, atol=1e-12)
