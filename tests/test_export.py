"""ONNX export and PyTorch weight exchange, walked over the layer registry: every registered
layer type must have an ONNX exporter, a PyTorch mapping and a sample model here, and each
sample runs in onnxruntime (and in PyTorch) with the outputs of ``model.predict_proba``."""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
import pytest

import nndl
from nndl import Activation, BatchNorm, Dense, Flatten, Sequential
from nndl.layers import AvgPool2D, Conv2D, ConvolutionalBlock, GlobalAvgPool2D, IdentityBlock, MaxPool2D
from nndl.cli import main
from nndl.export import ONNX_EXPORTERS, to_onnx
from nndl.interop import TORCH_MAPPERS, from_torch, to_torch
from nndl.verification import L2Normalize
from nndl.layers import LAYERS

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")


def close(got, want):
    """|difference| ≤ 1e-5 + 1e-4·|value|, elementwise (float32)."""
    assert got.shape == want.shape, (got.shape, want.shape)
    bad = np.abs(got - want) > 1e-5 + 1e-4 * np.abs(want)
    assert not bad.any(), f"max |diff| {np.abs(got - want).max()}"


def randomized(model, seed=0):
    """The model with random weights and batch-norm statistics (not the zeros/ones of a fresh
    model, which would hide a wrong mapping)."""
    rng = np.random.default_rng(seed)
    weights = {k: rng.standard_normal(v.shape) * 0.7 for k, v in model.get_weights().items()}
    weights.update({k: rng.uniform(0.5, 2.0, v.shape) for k, v in model.state.items() if "var" in k})
    model.set_weights(weights)
    return model


# One or more sample models per layer type: a layer type added to nndl.layers without a
# sample here fails test_every_registered_layer_has_an_exporter_a_mapping_and_a_sample.
SAMPLES = {
    "Dense": [lambda: nndl.mlp([6, 5, 4, 3], hidden="relu", output="softmax"),
              lambda: nndl.mlp([6, 5, 1], hidden="tanh", output="sigmoid"),
              lambda: nndl.mlp([6, 4, 2], hidden="leaky_relu", output="linear"),
              lambda: nndl.mlp([6, 4, 2], hidden="sigmoid", output="softmax")],
    "BatchNorm": [lambda: nndl.mlp([6, 5, 4, 3], batch_norm=True),
                  lambda: Sequential([BatchNorm(), Flatten(), Dense(3, "softmax")], input_shape=(4, 4, 2))],
    "Dropout": [lambda: nndl.mlp([6, 5, 3], keep_prob=0.7)],
    "Activation": [lambda: Sequential([Dense(4, "linear"), Activation("tanh"), Dense(2, "sigmoid")], input_shape=(6,))],
    "Flatten": [lambda: Sequential([Flatten(), Dense(5, "relu"), Dense(3, "softmax")], input_shape=(4, 4, 1))],
    # sequences (n_x, m, T) and token ids (m, T)
    "SimpleRNN": [lambda: Sequential([nndl.SimpleRNN(4, return_sequences=False), Dense(3, "softmax")], input_shape=(3, 5))],
    "LSTM": [lambda: Sequential([nndl.LSTM(4), nndl.TimeDistributed(Dense(3, "softmax"))], input_shape=(3, 5)),
             lambda: Sequential([nndl.LSTM(4, return_sequences=False), Dense(2, "sigmoid")], input_shape=(3, 5))],
    "GRU": [lambda: Sequential([nndl.GRU(4), nndl.TimeDistributed(Dense(3, "softmax"))], input_shape=(3, 5)),
            lambda: Sequential([nndl.GRU(4, reset_after=True, return_sequences=False), Dense(3, "softmax")],
                               input_shape=(3, 5))],
    "Bidirectional": [lambda: Sequential([nndl.Bidirectional(nndl.LSTM(3)), nndl.TimeDistributed(Dense(3, "softmax"))],
                                         input_shape=(3, 5)),
                      lambda: Sequential([nndl.Bidirectional(nndl.GRU(3, return_sequences=False)), Dense(2, "softmax")],
                                         input_shape=(3, 5))],
    "TimeDistributed": [lambda: Sequential([nndl.TimeDistributed(Dense(4, "tanh")),
                                            nndl.TimeDistributed(Dense(3, "softmax"))], input_shape=(3, 5))],
    "Embedding": [lambda: Sequential([nndl.Embedding(9, 4), nndl.LSTM(3, return_sequences=False), Dense(2, "softmax")],
                                     input_shape=(5,))],
    "LayerNorm": [lambda: Sequential([nndl.LayerNorm(), nndl.TimeDistributed(Dense(3, "softmax"))], input_shape=(4, 5))],
    "PositionalEncoding": [lambda: Sequential([nndl.PositionalEncoding(), nndl.TimeDistributed(Dense(3, "softmax"))],
                                              input_shape=(4, 5))],
    "MultiHeadAttention": [lambda: Sequential([nndl.MultiHeadAttention(2), nndl.TimeDistributed(Dense(3, "softmax"))],
                                              input_shape=(4, 5)),
                           lambda: Sequential([nndl.MultiHeadAttention(2, causal=True)], input_shape=(4, 5))],
    "TransformerEncoderLayer": [lambda: Sequential([nndl.TransformerEncoderLayer(4, 2, 6),
                                                    nndl.TimeDistributed(Dense(3, "softmax"))], input_shape=(4, 5))],
    # images: channels-last in nndl, NCHW in ONNX and PyTorch; odd sizes, asymmetric "same"
    # padding (even f), stride and dilation, windows that do not tile the input
    "Conv2D": [lambda: Sequential([Conv2D(3, 3, padding="same"), Flatten(), Dense(3, "softmax")], input_shape=(6, 5, 2)),
               lambda: Sequential([Conv2D(4, 3, strides=2, padding=1, dilation=2, activation="tanh"), Flatten(),
                                   Dense(2, "sigmoid")], input_shape=(9, 8, 3)),
               lambda: Sequential([Conv2D(2, 4, padding="same", activation="linear"), Conv2D(3, 2, strides=3),
                                   Flatten(), Dense(3, "softmax")], input_shape=(7, 7, 1))],
    "MaxPool2D": [lambda: Sequential([Conv2D(2, 3), MaxPool2D(2), Flatten(), Dense(3, "softmax")], input_shape=(7, 7, 1)),
                  lambda: Sequential([MaxPool2D(3, strides=2), Flatten(), Dense(3, "softmax")], input_shape=(8, 7, 2))],
    "AvgPool2D": [lambda: Sequential([Conv2D(2, 3), AvgPool2D(2), Flatten(), Dense(3, "softmax")], input_shape=(7, 7, 1)),
                  lambda: Sequential([AvgPool2D(3, strides=2), Flatten(), Dense(3, "softmax")], input_shape=(8, 7, 2))],
    "IdentityBlock": [lambda: Sequential([IdentityBlock(3, (2, 3, 4)), Flatten(), Dense(3, "softmax")], input_shape=(5, 6, 4))],
    "ConvolutionalBlock": [lambda: Sequential([ConvolutionalBlock(3, (2, 3, 4), strides=2), IdentityBlock(3, 4),
                                               GlobalAvgPool2D(), Dense(3, "softmax")], input_shape=(7, 6, 3))],
    "L2Normalize": [lambda: Sequential([Dense(4, "linear"), L2Normalize()], input_shape=(6,))],
    "GlobalAvgPool2D": [lambda: Sequential([Conv2D(4, 3), GlobalAvgPool2D(), Dense(3, "softmax")], input_shape=(5, 6, 2))],
}
# Registered layers without an export, and why (README, "Exporting"): the decoder layer takes
# two inputs (the target and the encoder's memory); export covers single-input Sequential models.
NOT_EXPORTED = {"TransformerDecoderLayer": "two inputs (target and encoder memory)"}
# The masked mean pool needs the padding mask of the token ids, a second input a single-input
# Sequential graph does not carry; it lives in TextClassifier (nndl.text_models), not exported.
NOT_EXPORTED["MaskedMeanPool"] = "needs the padding mask, a second input (TextClassifier)"
CASES = [(name, i) for name, makers in SAMPLES.items() for i in range(len(makers))]


def sample(name, i, seed=0):
    return randomized(SAMPLES[name][i](), seed)


def inputs(model, m, seed=1):
    """A batch in nndl's layout: (n_x, m), images (m, …), sequences (n_x, m, T), ids (m, T)."""
    rng = np.random.default_rng(seed)
    shape = model.input_shape
    if model.input_kinds[0] == "int":
        return rng.integers(0, model.layers[0].vocab_size, (m, *shape))
    X = rng.standard_normal((*shape, m) if len(shape) == 1 else (m, *shape))
    if sequence(model):
        X = np.ascontiguousarray(np.moveaxis(X, 0, 1))
    return X.astype(model.dtype)


def sequence(model) -> bool:
    return len(model.input_shape) == 2 and model.batch_axis % 3 == 1


def as_rows(X, model):
    """The batch as examples-first rows: (m, n_x), sequences (m, T, n_x), others as they are."""
    if model.input_kinds[0] == "int":
        return X
    if len(model.input_shape) == 1:
        return X.T
    return np.ascontiguousarray(X.transpose(1, 2, 0)) if sequence(model) else X


def from_rows(A, model):
    """An output as rows back in nndl's layout: (n_y, m) or (n_y, m, T)."""
    return A.T if A.ndim == 2 else A.transpose(2, 0, 1)


def test_every_registered_layer_has_an_exporter_a_mapping_and_a_sample():
    assert LAYERS, "the layer registry is empty"
    for name in LAYERS:
        if name in NOT_EXPORTED:
            assert name not in SAMPLES
            continue
        assert name in ONNX_EXPORTERS, f"layer {name} has no ONNX exporter (nndl.export.register_onnx_exporter)"
        assert name in TORCH_MAPPERS, f"layer {name} has no PyTorch mapping (nndl.interop.register_torch_mapper)"
        assert name in SAMPLES, f"layer {name} has no sample model in tests/test_export.py"


@pytest.mark.parametrize("name, i", CASES)
@pytest.mark.parametrize("layout", ["course", "rows"])
def test_onnx_matches_predict_proba_with_a_dynamic_batch(name, i, layout, tmp_path):
    model = sample(name, i)
    path = tmp_path / "model.onnx"
    model.to_onnx(path, layout=layout)
    proto = onnx.load(path)
    onnx.checker.check_model(proto, full_check=True)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    for m in (1, 7, 33):  # one session, several batch sizes
        X = inputs(model, m, seed=m)
        want = model.predict_proba(X)
        feed = as_rows(X, model) if layout == "rows" else X
        got = session.run(None, {"X": feed})[0]
        close(from_rows(got, model) if layout == "rows" else got, want)


def test_onnx_input_and_output_shapes_name_the_layout():
    model = sample("Dense", 0)
    dims = lambda v: [d.dim_param or d.dim_value for d in v.type.tensor_type.shape.dim]  # noqa: E731
    course, rows = to_onnx(model), to_onnx(model, layout="rows")
    assert dims(course.graph.input[0]) == [6, "m"] and dims(course.graph.output[0]) == [3, "m"]
    assert dims(rows.graph.input[0]) == ["m", 6] and dims(rows.graph.output[0]) == ["m", 3]
    images = sample("Flatten", 0)
    assert dims(to_onnx(images).graph.input[0]) == ["m", 4, 4, 1]
    with pytest.raises(ValueError, match="layout"):
        to_onnx(model, layout="NCHW")


def test_onnx_float64_model():
    model = randomized(nndl.mlp([6, 5, 3], batch_norm=True, dtype=np.float64))
    session = ort.InferenceSession(to_onnx(model).SerializeToString(), providers=["CPUExecutionProvider"])
    X = inputs(model, 9)
    np.testing.assert_allclose(session.run(None, {"X": X})[0], model.predict_proba(X), rtol=1e-12, atol=1e-14)


def test_onnx_refuses_an_unbuilt_model():
    with pytest.raises(ValueError, match="no weights yet"):
        to_onnx(Sequential([Dense(2, "softmax")]))


@pytest.mark.parametrize("name, i", CASES)
def test_to_torch_computes_predict_proba(name, i, torch):
    model = sample(name, i)
    X = inputs(model, 11)
    module = to_torch(model)
    with torch.no_grad():
        got = module(torch.from_numpy(np.ascontiguousarray(as_rows(X, model)))).numpy()
    close(from_rows(got, model), model.predict_proba(X))


@pytest.mark.parametrize("name, i", CASES)
def test_round_trip_through_pytorch_gives_the_same_outputs(name, i, torch):
    model = sample(name, i, seed=0)
    other = sample(name, i, seed=99)
    from_torch(to_torch(model), other)
    X = inputs(model, 13)
    np.testing.assert_allclose(other.predict_proba(X), model.predict_proba(X), rtol=1e-5, atol=1e-6)
    from_torch(to_torch(model).state_dict(), other)  # a state dict works as well


def test_from_torch_takes_a_users_own_module_by_order(torch):
    nn = torch.nn
    torch.manual_seed(0)
    net = nn.Sequential(OrderedDict(fc1=nn.Linear(6, 5), bn=nn.BatchNorm1d(5), act=nn.ReLU(),
                                    drop=nn.Dropout(0.3), fc2=nn.Linear(5, 3), out=nn.Softmax(dim=1)))
    net.train()
    with torch.no_grad():  # give the running statistics non-trivial values
        for _ in range(3):
            net(torch.randn(64, 6) * 2 + 1)
    net.eval()
    model = nndl.mlp([6, 5, 3], batch_norm=True, keep_prob=0.7)
    from_torch(net, model)
    X = inputs(model, 10).astype(np.float32)
    with torch.no_grad():
        want = net(torch.from_numpy(X.T.copy())).numpy().T
    close(model.predict_proba(X), want)


def test_from_torch_checks_everything_before_writing(torch):
    nn = torch.nn
    model = randomized(nndl.mlp([6, 5, 3]))
    before = model.get_weights()
    with pytest.raises(ValueError, match=r"weight has shape \(3, 4\), expected \(3, 5\)"):
        from_torch(nn.Sequential(nn.Linear(6, 5), nn.ReLU(), nn.Linear(4, 3)), model)
    with pytest.raises(ValueError, match="1 module"):
        from_torch(nn.Sequential(nn.Linear(6, 5)), model)
    after = model.get_weights()
    assert all(np.array_equal(before[k], after[k]) for k in before)


def test_cli_export_a_run_directory(tmp_path, capsys):
    run = tmp_path / "run"
    assert main(["train", "--epochs", "3", "--out", str(run), "--no-progress", "--no-plots"]) == 0
    out = tmp_path / "digits.onnx"
    assert main(["export", str(run), str(out), "--layout", "rows"]) == 0
    assert "X ('m', 64) → A ('m', 10)" in capsys.readouterr().out
    model = nndl.load(run / "model.safetensors")
    X = inputs(model, 25)
    got = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"]).run(None, {"X": X.T})[0]
    close(got.T, model.predict_proba(X))
    meta = {p.key: p.value for p in onnx.load(out).metadata_props}
    assert '"kind": "scale"' in meta["nndl_data"] and meta["nndl_layout"] == "rows"
    assert main(["export", str(run / "model.safetensors"), str(tmp_path / "c.onnx")]) == 0


def test_cli_export_errors(tmp_path, capsys):
    assert main(["export", str(tmp_path / "missing.safetensors"), str(tmp_path / "x.onnx")]) == 2
    assert "not found" in capsys.readouterr().err
    assert not (tmp_path / "x.onnx").exists()
