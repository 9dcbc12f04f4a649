"""The date translator (Course 5 week 3): encoding, the exact-match metric by hand, a float64
gradient check of the whole attention model on a tiny instance, save/load, and
``nndl train --model date-attention`` / ``nndl translate`` on a few hundred dates."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import assert_two_iso_dates_printed, train_date_run

from nndl.cli import main
from nndl.gradcheck import gradcheck
from nndl.io import load
from nndl.losses import get_loss
from nndl.nmt import DateAttention, decode_outputs, encode_inputs, encode_outputs
from nndl.scores import ExactMatch

TEXTS = ["3 may 1979", "10/07/2007", "tue 10 jul 2007"]
ISOS = ["1979-05-03", "2007-10-07", "2007-07-10"]


def test_encoding_round_trips_and_rejects_bad_input():
    Y = encode_outputs(ISOS)
    assert Y.shape == (3, 10) and decode_outputs(Y) == ISOS
    X = encode_inputs(["3 May 1979", "é 1"], T_x=12)
    assert X.shape == (2, 12) and X.dtype == np.int64
    assert (X[0, 10:] == 0).all() and X[0, 0] > 1          # padding 0; "3" a known character
    assert X[1, 0] == 1                                    # "é" is unknown
    with pytest.raises(ValueError, match="T_x = 4"):
        encode_inputs(["3 may 1979"], T_x=4)
    with pytest.raises(ValueError, match="ISO date"):
        encode_outputs(["1979/05/03"])


def test_exact_match_by_hand():
    # 2 classes, 3 examples, 2 steps: example 0 all right, 1 one step wrong, 2 all right
    Y = np.zeros((2, 3, 2)); Y[0, :, :] = 1
    A = np.full((2, 3, 2), 0.1); A[0] = 0.9
    A[:, 1, 1] = [0.2, 0.8]
    metric = ExactMatch()
    metric.update(get_loss("categorical_crossentropy"), A, Y, 3)
    assert metric.result() == pytest.approx(2 / 3)
    metric.update(get_loss("categorical_crossentropy"), A, Y, 3, mask=np.array([[1, 1], [1, 0], [1, 1]]))
    assert metric.result() == pytest.approx(5 / 6)         # masking the wrong step makes it right
    with pytest.raises(ValueError, match="sequence outputs"):
        metric.update(None, A[:, :, 0], Y[:, :, 0], 3)


def _tiny(dtype=np.float64, seed=1):
    return DateAttention(n_e=3, n_a=3, n_s=4, n_dense=3, seed=seed, dtype=dtype)


def test_gradient_check_of_the_attention_model_in_float64():
    X, Y = encode_inputs(TEXTS, T_x=16), encode_outputs(ISOS)
    result = gradcheck(_tiny(), X, Y, max_checks_per_param=30)
    assert result.passed, result
    assert result.difference < 1e-7
    assert {"decoder.W1", "decoder.W2", "decoder.Wf", "encoder.forward.Wf", "embedding.E"} <= set(result.per_parameter)


def test_attention_weights_are_distributions_and_a_broken_backward_fails_the_check(monkeypatch):
    model = _tiny()
    X, Y = encode_inputs(TEXTS, T_x=16), encode_outputs(ISOS)
    P = model.predict_proba(X)
    assert P.shape == (11, 3, 10) and P.dtype == np.float64
    np.testing.assert_allclose(P.sum(axis=0), 1.0)
    alphas = model.attention_weights("3 may 1979")
    assert alphas.shape == (10, 16)
    np.testing.assert_allclose(alphas.sum(axis=1), 1.0)
    from nndl import nmt
    real = nmt.additive_attention_backward

    def broken(dcontext, cache):
        da, ds, grads = real(dcontext, cache)
        return da * 0.5, ds, grads                         # half the gradient to the encoder
    monkeypatch.setattr(nmt, "additive_attention_backward", broken)
    assert not gradcheck(_tiny(), X, Y, max_checks_per_param=20).passed


def test_save_load_round_trip(tmp_path):
    model = DateAttention(n_e=4, n_a=5, n_s=6, seed=3, dtype=np.float32)
    X, Y = encode_inputs(TEXTS), encode_outputs(ISOS)
    model.fit(X, Y, epochs=1, batch_size=2, optimizer="adam", learning_rate=0.01, verbose=0)
    model.save(tmp_path / "m.safetensors")
    again = load(tmp_path / "m.safetensors")
    assert type(again) is DateAttention and again.get_model_config() == model.get_model_config()
    np.testing.assert_array_equal(again.predict_proba(X), model.predict_proba(X))
    assert again.translate(TEXTS) == model.translate(TEXTS)


def test_bad_inputs_are_named():
    with pytest.raises(ValueError, match="integers"):
        _tiny().predict_proba(np.zeros((2, 16)))
    with pytest.raises(ValueError, match="positive integer"):
        DateAttention(n_s=0)


def test_train_date_attention_then_translate_through_the_cli(tmp_path, capsys):
    run = tmp_path / "run"
    train_date_run(capsys, run, "date-attention", "4,8")
    png = tmp_path / "a.png"
    assert main(["translate", str(run), "3 may 1979", "10/07/2007", "--plot", str(png)]) == 0
    assert_two_iso_dates_printed(capsys)
    assert png.read_bytes()[:4] == b"\x89PNG"


def test_cli_refuses_other_datasets_and_other_models(tmp_path, capsys):
    assert main(["train", "--model", "date-attention", "--dataset", "names", "--out", str(tmp_path / "r")]) == 2
    assert "dates" in capsys.readouterr().err
    assert main(["translate", str(tmp_path), "3 may 1979"]) == 2
    assert "model.safetensors" in capsys.readouterr().err


def test_attention_decoder_matches_torch():
    torch = pytest.importorskip("torch")
    from nndl.nmt import AttentionDecoder
    rng = np.random.default_rng(0)
    n_h, m, T_x, n_s, T_y = 6, 3, 7, 5, 4
    layer = AttentionDecoder(n_s, T_y, n_dense=4)
    layer.build((n_h, T_x), rng, np.float64, 1)
    for k in ("b1", "b2", "bf", "bi", "bc", "bo"):
        layer.params[k][...] = 0.3 * rng.standard_normal(layer.params[k].shape)
    a = rng.standard_normal((n_h, m, T_x))
    G = rng.standard_normal((n_s, m, T_y))
    S = layer.forward(a)
    da = layer.backward(G)

    P = {k: torch.tensor(v, requires_grad=True) for k, v in layer.params.items()}
    at = torch.tensor(a, requires_grad=True)
    A = at.permute(1, 2, 0)                                     # (m, T_x, n_h)
    s = torch.zeros(m, n_s, dtype=torch.float64)
    c = torch.zeros_like(s)
    outs = []
    for _ in range(T_y):
        H = torch.tanh(torch.cat([A, s[:, None, :].expand(m, T_x, n_s)], dim=2) @ P["W1"].T + P["b1"][:, 0])
        e = torch.relu(H @ P["W2"].T + P["b2"][0])[:, :, 0]      # (m, T_x)
        alpha = torch.softmax(e, dim=1)
        context = (alpha[:, :, None] * A).sum(dim=1)             # (m, n_h)
        z = torch.cat([s, context], dim=1)                       # [s⟨t−1⟩; context⟨t⟩]
        f, i, o = (torch.sigmoid(z @ P["W" + g].T + P["b" + g][:, 0]) for g in "fio")
        c = f * c + i * torch.tanh(z @ P["Wc"].T + P["bc"][:, 0])
        s = o * torch.tanh(c)
        outs.append(s)
    St = torch.stack(outs, dim=2).permute(1, 0, 2)               # (n_s, m, T_y)
    np.testing.assert_allclose(S, St.detach().numpy(), rtol=1e-10, atol=1e-12)
    (St * torch.tensor(G)).sum().backward()
    np.testing.assert_allclose(da, at.grad.numpy(), rtol=1e-9, atol=1e-12)
    for k, p in P.items():                                       # the layer's grads are of the mean cost
        np.testing.assert_allclose(layer.grads["d" + k], p.grad.numpy() / m, rtol=1e-9, atol=1e-12, err_msg=k)


def test_plot_attention_writes_a_png_and_names_bad_shapes(tmp_path):
    pytest.importorskip("matplotlib")
    from nndl.plots import plot_attention
    alphas = np.full((10, 12), 1 / 12)
    plot_attention(alphas, "3 may 1979", "1979-05-03", path=tmp_path / "a.png")
    assert (tmp_path / "a.png").read_bytes()[:4] == b"\x89PNG"
    with pytest.raises(ValueError, match=r"\(T_y, T_x\)"):
        plot_attention(alphas[:, :5], "3 may 1979", "1979-05-03")
