"""The Transformer date translator: shapes, a float64 gradient check of the whole model on a
tiny instance (and a broken backward failing it), causality and source padding, greedy and
beam decoding, training, save/load, PyTorch's Transformer layers as an oracle, and
``nndl train --model date-transformer`` / ``nndl translate`` on a few hundred dates."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import assert_two_iso_dates_printed, train_date_run

from nndl.cli import main
from nndl.gradcheck import gradcheck
from nndl.io import load
from nndl.layers import TransformerDecoderLayer
from nndl.nmt import encode_inputs, encode_outputs
from nndl.nmt_transformer import DateTransformer, shift_right

TEXTS = ["3 may 1979", "10/07/2007", "tue 10 jul 2007"]
ISOS = ["1979-05-03", "2007-10-07", "2007-07-10"]


def _tiny(dtype=np.float64, seed=1, n_layers=2):
    return DateTransformer(d_model=4, n_heads=2, d_ff=6, n_layers=n_layers, seed=seed, dtype=dtype)


def _data(T_x=16):
    Y = encode_outputs(ISOS)
    return (encode_inputs(TEXTS, T_x=T_x), shift_right(Y, 11)), Y


def test_shift_right_puts_the_start_token_first():
    Y = np.array([[1, 2, 3], [4, 5, 6]])
    np.testing.assert_array_equal(shift_right(Y, 9), [[9, 1, 2], [9, 4, 5]])
    with pytest.raises(ValueError, match="integer ids"):
        shift_right(Y.astype(float), 9)


def test_outputs_are_distributions_in_the_input_dtype():
    X, _ = _data()
    for dtype in (np.float32, np.float64):
        P = _tiny(dtype).predict_proba(X)
        assert P.shape == (11, 3, 10) and P.dtype == dtype
        np.testing.assert_allclose(P.sum(axis=0), 1.0, rtol=1e-5)


def test_gradient_check_of_the_transformer_in_float64():
    X, Y = _data()
    result = gradcheck(_tiny(), X, Y, max_checks_per_param=20)
    assert result.passed, result
    assert result.difference < 1e-7
    assert {"source.E", "target.E", "encoder0.attention.Wq", "encoder1.norm2.gamma",
            "decoder0.cross_attention.Wk", "decoder1.self_attention.Wv", "output.inner.W"} <= set(result.per_parameter)


def test_a_lost_memory_gradient_fails_the_check(monkeypatch):
    real = TransformerDecoderLayer.backward

    def broken(self, dA):
        dx, dmemory = real(self, dA)
        return dx, 0.5 * dmemory                           # half the gradient to the encoder
    monkeypatch.setattr(TransformerDecoderLayer, "backward", broken)
    X, Y = _data()
    assert not gradcheck(_tiny(), X, Y, max_checks_per_param=20).passed


def test_decoder_is_causal_and_source_padding_changes_nothing():
    model = _tiny()
    (X, Y_in), _ = _data()
    P = model.predict_proba((X, Y_in))
    changed = Y_in.copy()
    changed[:, 6:] = 3                                     # other characters from step 6 on
    Q = model.predict_proba((X, changed))
    np.testing.assert_allclose(Q[:, :, :6], P[:, :, :6], rtol=1e-12)
    assert not np.allclose(Q[:, :, 6:], P[:, :, 6:])
    longer = _tiny()                                       # same weights, 8 more padding positions
    longer.build((24,), (10,))
    longer.set_weights(model.get_weights())
    (X24, _), _ = _data(T_x=24)
    np.testing.assert_allclose(longer.predict_proba((X24, Y_in)), P, rtol=1e-10)


def test_greedy_translation_is_the_argmax_of_its_own_prefix_and_beams_score_at_least_as_well():
    model = DateTransformer(d_model=8, n_heads=2, d_ff=16, n_layers=1, seed=4, dtype=np.float64)
    X = encode_inputs(TEXTS)
    Y = model.decode_ids(X)
    P = model.predict_proba((X, shift_right(Y, model.start)))
    np.testing.assert_array_equal(P.argmax(axis=0), Y)

    def log_likelihood(ids):
        Q = model.predict_proba((X, shift_right(ids, model.start)))
        return np.log(np.take_along_axis(Q, ids[None], axis=0)[0]).sum(axis=1)
    beams = model.decode_ids(X, beam_width=4)
    assert (log_likelihood(beams) >= log_likelihood(Y) - 1e-12).all()
    translations = model.translate(TEXTS)
    assert translations == ["".join("-0123456789"[k] for k in row) for row in Y]
    assert model.exact_match(TEXTS, translations) == (1.0, 1.0)
    wrong = [("0" if s[0] != "0" else "1") + s[1:] for s in translations]
    assert model.exact_match(TEXTS, wrong) == (0.0, 0.9)
    with pytest.raises(ValueError, match="beam_width"):
        model.decode_ids(X, beam_width=0)


def test_training_lowers_the_cost_and_save_load_keeps_every_translation(tmp_path):
    from nndl.datasets.text import load_text_dataset
    data = load_text_dataset("dates", n=300, seed=0)
    texts, isos = [h for h, _ in data.train], [iso for _, iso in data.train]
    Y = encode_outputs(isos)
    X = (encode_inputs(texts), shift_right(Y, 11))
    model = DateTransformer(d_model=16, n_heads=2, d_ff=32, n_layers=1, seed=0)
    before = model.evaluate(X, Y)["cost"]
    model.fit(X, Y, epochs=1, batch_size=16, optimizer="adam", learning_rate=0.003, verbose=0)
    assert model.evaluate(X, Y)["cost"] < 0.8 * before
    model.save(tmp_path / "m.safetensors")
    again = load(tmp_path / "m.safetensors")
    assert type(again) is DateTransformer and again.get_model_config() == model.get_model_config()
    np.testing.assert_array_equal(again.predict_proba(X), model.predict_proba(X))
    assert again.translate(texts[:50]) == model.translate(texts[:50])
    np.testing.assert_array_equal(again.attention_weights(texts[0]), model.attention_weights(texts[0]))


def test_cross_attention_weights_are_distributions_over_the_characters():
    alphas = _tiny().attention_weights("3 may 1979")
    assert alphas.shape == (10, 30)
    np.testing.assert_allclose(alphas.sum(axis=1), 1.0)
    assert (alphas[:, len("3 may 1979"):] == 0).all()      # padding gets no attention


def test_bad_inputs_are_named():
    with pytest.raises(ValueError, match="divisible"):
        DateTransformer(d_model=6, n_heads=4).predict_proba(_data()[0])
    with pytest.raises(ValueError, match="positive integer"):
        DateTransformer(n_layers=0)
    with pytest.raises(ValueError, match="integers"):
        _tiny().predict_proba((np.zeros((3, 16)), _data()[0][1]))
    with pytest.raises(ValueError, match="shapes"):
        _tiny().build((16, 2), (10,))
    with pytest.raises(ValueError, match="T_y = 10"):
        _tiny().predict_proba((_data()[0][0], np.zeros((3, 7), np.int64)))
    with pytest.raises(ValueError, match="T_x = 30"):
        _tiny().translate(["3 may 1979" * 4])


def test_train_date_transformer_then_translate_through_the_cli(tmp_path, capsys):
    run = tmp_path / "run"
    train_date_run(capsys, run, "date-transformer", "8,1,2,16")
    config = json.loads((run / "config.json").read_text())
    assert (config["d_model"], config["n_layers"], config["n_heads"], config["d_ff"]) == (8, 1, 2, 16)
    png = tmp_path / "a.png"
    for extra in ([], ["--beam-width", "3", "--plot", str(png)]):
        assert main(["translate", str(run), "3 may 1979", "10/07/2007", *extra]) == 0
        assert_two_iso_dates_printed(capsys)
    assert png.read_bytes()[:4] == b"\x89PNG"
    assert main(["translate", str(run), "3 may 1979", "--beam-width", "0"]) == 2
    assert "--beam-width" in capsys.readouterr().err


def test_cli_refuses_bad_options(tmp_path, capsys):
    assert main(["train", "--model", "date-transformer", "--dataset", "names", "--out", str(tmp_path / "a")]) == 2
    assert "dates" in capsys.readouterr().err
    for layers, message in (("8,x", "d_model,n_layers"), ("6,1,4,8", "divisible"), ("8,0", "positive")):
        assert main(["train", "--model", "date-transformer", "--dataset", "dates", "--layers", layers,
                     "--out", str(tmp_path / "b")]) == 2
        assert message in capsys.readouterr().err
    assert main(["train", "--model", "date-transformer", "--dataset", "dates", "--n-examples", "200",
                 "--lr-schedule", "nope", "--out", str(tmp_path / "c")]) == 2
    assert "--lr-schedule" in capsys.readouterr().err
    assert not (tmp_path / "b").exists() and not (tmp_path / "c").exists()


def test_the_whole_translator_matches_pytorch(torch):
    """Probabilities, cost and gradients against nn.TransformerEncoderLayer / DecoderLayer
    (post-norm, ReLU, no dropout) with the same weights, masks and positional encoding."""
    from nndl.functional.positional import positional_encoding
    d, h, f, L = 8, 2, 12, 2
    model = DateTransformer(d_model=d, n_heads=h, d_ff=f, n_layers=L, seed=0, dtype=np.float64)
    (X, Y_in), Y = _data()
    model.build((16,), (10,))
    rng = np.random.default_rng(0)
    model.set_weights({k: 0.5 * rng.standard_normal(v.shape) for k, v in model.params.items()})
    P = model.predict_proba((X, Y_in))
    J = model.compute_cost_and_grads(*model.prepare((X, Y_in), Y))[0]

    p = {k: torch.tensor(v) for k, v in model.params.items()}
    nn = torch.nn
    enc = [nn.TransformerEncoderLayer(d, h, f, dropout=0.0, batch_first=True, dtype=torch.float64) for _ in range(L)]
    dec = [nn.TransformerDecoderLayer(d, h, f, dropout=0.0, batch_first=True, dtype=torch.float64) for _ in range(L)]

    def mha(net, pre):
        net.in_proj_weight.copy_(torch.cat([p[pre + ".Wq"], p[pre + ".Wk"], p[pre + ".Wv"]]))
        net.in_proj_bias.copy_(torch.cat([p[pre + ".bq"], p[pre + ".bk"], p[pre + ".bv"]])[:, 0])
        net.out_proj.weight.copy_(p[pre + ".Wo"]), net.out_proj.bias.copy_(p[pre + ".bo"][:, 0])

    with torch.no_grad():
        for layers, kind, attentions in ((enc, "encoder", {"self_attn": "attention"}),
                                         (dec, "decoder", {"self_attn": "self_attention",
                                                           "multihead_attn": "cross_attention"})):
            for i, layer in enumerate(layers):
                pre = f"{kind}{i}"
                for theirs, ours in attentions.items():
                    mha(getattr(layer, theirs), f"{pre}.{ours}")
                for j in (1, 2):
                    getattr(layer, f"linear{j}").weight.copy_(p[f"{pre}.ffn{j}.inner.W"])
                    getattr(layer, f"linear{j}").bias.copy_(p[f"{pre}.ffn{j}.inner.b"][:, 0])
                for j in range(1, 4 if kind == "decoder" else 3):
                    getattr(layer, f"norm{j}").weight.copy_(p[f"{pre}.norm{j}.gamma"][:, 0])
                    getattr(layer, f"norm{j}").bias.copy_(p[f"{pre}.norm{j}.beta"][:, 0])
    Es, Et, Wy, by = (p[k].clone().requires_grad_() for k in ("source.E", "target.E", "output.inner.W", "output.inner.b"))
    pad = torch.tensor(X == 0)                                   # True = not attended
    causal = torch.triu(torch.ones(10, 10, dtype=torch.bool), 1)
    memory = Es.T[torch.tensor(X)] + torch.tensor(positional_encoding(16, d, np.float64))
    for layer in enc:
        memory = layer(memory, src_key_padding_mask=pad)
    y = Et.T[torch.tensor(Y_in)] + torch.tensor(positional_encoding(10, d, np.float64))
    for layer in dec:
        y = layer(y, memory, tgt_mask=causal, memory_key_padding_mask=pad)
    logp = torch.log_softmax(y @ Wy.T + by[:, 0], dim=-1)      # (m, T_y, V_y)
    Jt = -logp.gather(-1, torch.tensor(Y)[..., None]).sum() / len(X)
    Jt.backward()
    np.testing.assert_allclose(P, logp.exp().permute(2, 0, 1).detach().numpy(), rtol=1e-9, atol=1e-12)
    assert J == pytest.approx(Jt.item(), rel=1e-10)
    g = model.grads
    for ours, theirs in (("source.E", Es.grad), ("target.E", Et.grad), ("output.inner.W", Wy.grad),
                         ("encoder0.attention.Wq", enc[0].self_attn.in_proj_weight.grad[:d]),
                         ("encoder1.ffn1.inner.W", enc[1].linear1.weight.grad),
                         ("decoder0.cross_attention.Wk", dec[0].multihead_attn.in_proj_weight.grad[d:2 * d]),
                         ("decoder1.self_attention.Wv", dec[1].self_attn.in_proj_weight.grad[2 * d:]),
                         ("decoder0.norm3.gamma", dec[0].norm3.weight.grad[:, None])):
        np.testing.assert_allclose(g["d" + ours], theirs.numpy(), rtol=1e-8, atol=1e-11, err_msg=ours)
