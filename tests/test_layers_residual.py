"""The residual blocks (IdentityBlock, ConvolutionalBlock) as composite layers of a Sequential,
and the CNN builders nndl.models.lenet5 / resnet: gradients (numerical and PyTorch), names,
files, training."""

from __future__ import annotations

import numpy as np
import pytest

import nndl
from nndl.gradcheck import gradcheck
from nndl.layers import ConvolutionalBlock, Dense, GlobalAvgPool2D, IdentityBlock


def small_resnet(dtype=np.float64):
    return nndl.Sequential([ConvolutionalBlock(3, (2, 3, 4), strides=2), IdentityBlock(3, (3, 2, 4)),
                            GlobalAvgPool2D(), Dense(3, "softmax")], dtype=dtype, input_shape=(7, 6, 3))


def test_blocks_pass_the_numerical_gradient_check(rng):
    model = small_resnet()
    X = rng.standard_normal((6, 7, 6, 3))
    result = gradcheck(model, X, np.array([0, 1, 2, 1, 0, 2]), max_checks_per_param=None)
    assert result.difference < 1e-7, result


def test_convolutional_block_matches_pytorch(rng, torch):
    """Forward (training mode: batch statistics) and backward of a block against torch.nn.functional."""
    F = torch.nn.functional
    block = ConvolutionalBlock(3, (2, 3, 4), strides=2)
    block.build((7, 6, 3), rng, np.float64, 0)
    for name, child in block.sublayers().items():  # non-trivial γ, β
        for k, v in child.params.items():
            v[...] = rng.standard_normal(v.shape) * (0.5 if k != "gamma" else 0.3) + (1.0 if k == "gamma" else 0.0)
    m = 5
    X = rng.standard_normal((m, 7, 6, 3))
    dA = rng.standard_normal(block.output_shape and (m, *block.output_shape))
    A = block.forward(X, training=True)
    dX = block.backward(dA)

    t = {f"{name}.{k}": torch.tensor(v, requires_grad=True) for name, child in block.sublayers().items()
         for k, v in child.params.items()}
    x = torch.tensor(X.transpose(0, 3, 1, 2), requires_grad=True)

    def conv_bn(h, conv, bn, stride, padding):
        W = t[f"{conv}.W"].permute(3, 2, 0, 1)
        h = F.conv2d(h, W, t[f"{conv}.b"].reshape(-1), stride=stride, padding=padding)
        return F.batch_norm(h, None, None, t[f"{bn}.gamma"].reshape(-1), t[f"{bn}.beta"].reshape(-1),
                            training=True, eps=1e-5)

    h = torch.relu(conv_bn(x, "conv1", "bn1", 2, 0))
    h = torch.relu(conv_bn(h, "conv2", "bn2", 1, 1))
    h = conv_bn(h, "conv3", "bn3", 1, 0)
    out = torch.relu(h + conv_bn(x, "shortcut_conv", "shortcut_bn", 2, 0))
    (out * torch.tensor(dA.transpose(0, 3, 1, 2))).sum().backward()

    np.testing.assert_allclose(A, out.detach().numpy().transpose(0, 2, 3, 1), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(dX, x.grad.numpy().transpose(0, 2, 3, 1), rtol=1e-9, atol=1e-11)
    for name, child in block.sublayers().items():
        for k in child.params:  # dA is per example: nndl's gradients carry the 1/m
            np.testing.assert_allclose(child.grads["d" + k] * m, t[f"{name}.{k}"].grad.numpy(),
                                       rtol=1e-9, atol=1e-11, err_msg=f"{name}.{k}")


def test_readable_names_in_params_and_summary():
    model = small_resnet()
    names = list(model.params)
    assert "convolutionalblock0.conv1.W" in names and "convolutionalblock0.shortcut_bn.gamma" in names
    assert "identityblock1.bn3.beta" in names and "W1" in names and "identityblock1.shortcut_conv.W" not in names
    assert "convolutionalblock0.bn1.running_mean" in model.state
    text = model.summary(print_fn=None)
    assert "convolutionalblock0.conv2.W" in text and "identityblock1.conv3.b" in text


def test_save_load_and_training_through_fit(rng, tmp_path):
    m = 48
    X = rng.standard_normal((m, 8, 8, 1)).astype(np.float32) * 0.1
    y = rng.integers(0, 2, m)
    X[y == 0, 1:4, 1:4] += 1.0
    X[y == 1, 4:7, 4:7] += 1.0
    model = nndl.models.resnet(depths=(1, 2), widths=(4, 8), n_classes=2, input_shape=(8, 8, 1))
    before = model.evaluate(X, y)["cost"]
    model.fit(X, y, epochs=10, batch_size=16, optimizer="adam", learning_rate=1e-2, verbose=0)
    after = model.evaluate(X, y)
    assert after["cost"] < 0.5 * before and after["accuracy"] >= 0.9
    path = tmp_path / "resnet.safetensors"
    model.save(path)
    loaded = nndl.load(path)
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
    assert [type(layer) for layer in loaded.layers] == [type(layer) for layer in model.layers]
    assert loaded.layers[3].filters == (4, 4, 4) or loaded.layers[4].filters == (8, 8, 8)


def test_resnet_default_shape():
    model = nndl.models.resnet()
    blocks = [type(layer).__name__ for layer in model.layers]
    assert blocks.count("ConvolutionalBlock") == 3 and blocks.count("IdentityBlock") == 3
    assert model.layers[-2].output_shape == (64,) and model.layers[-1].output_shape == (10,)
    assert [layer.output_shape for layer in model.layers if isinstance(layer, ConvolutionalBlock)] == \
        [(28, 28, 16), (14, 14, 32), (7, 7, 64)]


def test_lenet5_as_the_issue_writes_it(rng):
    X = rng.random((64, 28, 28, 1), dtype=np.float32)
    y = rng.integers(0, 10, 64)
    model = nndl.models.lenet5()
    model.fit(X, y, epochs=1, batch_size=128, optimizer="adam", learning_rate=1e-3, verbose=0)
    pred = model.predict(X[:7])
    assert pred.shape == (1, 7) and pred.min() >= 0 and pred.max() <= 9
    assert model.n_params == 61706


def test_block_errors(rng):
    with pytest.raises(ValueError, match="F3 = n_C = 3"):
        IdentityBlock(3, (2, 2, 4)).build((6, 6, 3), rng, np.float32, 0)
    with pytest.raises(ValueError, match="three positive integers"):
        ConvolutionalBlock(3, (2, 2))
    with pytest.raises(ValueError, match="ConvolutionalBlock"):
        IdentityBlock(3, 4, strides=2)
    block = IdentityBlock(3, 4)
    block.build((6, 6, 4), rng, np.float32, 0)
    with pytest.raises(ValueError, match=r"\(m, 6, 6, 4\)"):
        block.forward(np.zeros((2, 6, 6, 3), np.float32))


@pytest.mark.parametrize("training", [True, False])
def test_a_blocks_fused_batch_norm_and_relu_give_the_layers_results(rng, training):
    """A block runs each BatchNorm → ReLU pair as one call (the ReLU in the normalization's last
    pass); the output and (training) the input gradient and every parameter gradient are those
    of the layers run one by one."""
    block = IdentityBlock(3, (3, 2, 4))
    block.build((6, 5, 4), rng, np.float64, 0)
    for child in block.sublayers().values():
        for k, v in child.params.items():
            v[...] = rng.standard_normal(v.shape) * 0.5 + (1.0 if k == "gamma" else 0.0)
        for k, v in child.state.items():
            v[...] = rng.uniform(0.5, 1.5, v.shape) if k == "running_var" else rng.standard_normal(v.shape)
    assert [fused for _, fused in block._main_steps()] == [False, True, False, True, False, False]
    X = rng.standard_normal((5, 6, 5, 4))
    state = {name: {k: v.copy() for k, v in child.state.items()} for name, child in block.sublayers().items()}
    A = block.forward(X, training=training).copy()
    for name, child in block.sublayers().items():  # the running averages back to where they were
        for k, v in child.state.items():
            v[...] = state[name][k]
    Z = X
    for child in block.main.values():
        Z = child.forward(Z, training)
    np.testing.assert_allclose(A, np.maximum(Z + X, 0), rtol=1e-12, atol=1e-12)
    if not training:
        return
    dA = rng.standard_normal(A.shape)
    block.forward(X, training=True)
    dX = block.backward(dA).copy()
    grads = {name: {k: g.copy() for k, g in child.grads.items()} for name, child in block.sublayers().items()}
    Z = X
    for child in block.main.values():
        Z = child.forward(Z, True)
    dZ = dA * (np.maximum(Z + X, 0) > 0)
    d = dZ
    for child in reversed(list(block.main.values())):
        d = child.backward(d)
    np.testing.assert_allclose(dX, d + dZ, rtol=1e-10, atol=1e-12)
    for name, child in block.sublayers().items():
        for k, g in child.grads.items():
            np.testing.assert_allclose(grads[name][k], g, rtol=1e-10, atol=1e-12)
