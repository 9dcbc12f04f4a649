"""nndl.course.c5w2, c5w3 and c5w4 against the notebooks' public tests and hand values."""

from __future__ import annotations

import numpy as np
import pytest

from nndl import functional as F
from nndl.course import c5w2, c5w3, c5w4


# --- c5w2: word vectors --------------------------------------------------------------

def test_cosine_similarity_public_test_properties():
    np.random.seed(0)
    a, b = np.random.uniform(-10, 10, 10), np.random.uniform(-10, 10, 10)
    c = np.random.uniform(-1, 1, 23)
    assert c5w2.cosine_similarity(a, a) == pytest.approx(1)
    assert c5w2.cosine_similarity((c >= 0) * 1, (c < 0) * 1) == pytest.approx(0)
    assert c5w2.cosine_similarity(a, -a) == pytest.approx(-1)
    assert c5w2.cosine_similarity(a, b) == pytest.approx(c5w2.cosine_similarity(a * 2, b * 4))
    assert c5w2.cosine_similarity(np.array([3.0, 4.0]), np.array([4.0, 3.0])) == pytest.approx(24 / 25)


def _analogy_map():
    # the notebook's complete_analogy_test: a controlled 2-D vocabulary
    m = {"a": [3, 3], "synonym_of_a": [3, 3], "a_nw": [2, 4], "a_s": [3, 2], "c": [-2, 1],
         "c_n": [-2, 2], "c_ne": [-1, 2], "c_e": [-1, 1], "c_se": [-1, 0], "c_s": [-2, 0],
         "c_sw": [-3, 0], "c_w": [-3, 1], "c_nw": [-3, 2]}
    return {k: np.array(v) for k, v in m.items()}


@pytest.mark.parametrize("as_matrix", [False, True])
def test_complete_analogy_public_test(as_matrix):
    m = _analogy_map()
    vocab = (np.stack(list(m.values()), axis=1), list(m)) if as_matrix else m
    assert c5w2.complete_analogy("a", "a_nw", "c", vocab) == "c_nw"
    assert c5w2.complete_analogy("a", "a_s", "c", vocab) == "c_s"
    assert c5w2.complete_analogy("a", "synonym_of_a", "c", vocab) != "c"
    assert c5w2.complete_analogy("a", "c", "a", vocab) == "c"
    with pytest.raises(KeyError, match="'zebra' is not in the vocabulary"):
        c5w2.complete_analogy("a", "zebra", "c", vocab)


def test_neutralize_and_equalize_hand_values():
    g = np.array([1.0, 0.0])
    e = c5w2.neutralize("w", np.array([2.0, 0.0]), {"w": np.array([0.6, 0.3])})
    np.testing.assert_allclose(e, [0.0, 0.3])
    # μ = (0.2, 0.3), μ_B = (0.2, 0), μ_⊥ = (0, 0.3); √(1 − 0.09) = √0.91 along ±g
    e1, e2 = c5w2.equalize(("m", "w"), g, {"m": np.array([0.6, 0.3]), "w": np.array([-0.2, 0.3])})
    np.testing.assert_allclose(e1, [np.sqrt(0.91), 0.3])
    np.testing.assert_allclose(e2, [-np.sqrt(0.91), 0.3])
    # both equalized words are equally similar to any neutralized word
    rng = np.random.default_rng(0)
    gg = rng.standard_normal(5)
    words = {"m": rng.standard_normal(5) * 0.3, "w": rng.standard_normal(5) * 0.3, "job": rng.standard_normal(5)}
    e1, e2 = c5w2.equalize(("m", "w"), gg, words)
    job = c5w2.neutralize("job", gg, words)
    assert abs(job @ gg) < 1e-12
    assert c5w2.cosine_similarity(e1, job) == pytest.approx(c5w2.cosine_similarity(e2, job))
    assert c5w2.cosine_similarity(e1, gg) == pytest.approx(-c5w2.cosine_similarity(e2, gg))


# --- c5w3: one_step_attention ------------------------------------------------------

def test_one_step_attention_shapes_weights_and_torch(rng, torch):
    m, T_x, n_a, n_s = 4, 6, 3, 5
    p = c5w3.initialize_attention_parameters(n_a, n_s, seed=2)
    a = rng.uniform(0, 1, (m, T_x, 2 * n_a))
    s_prev = rng.uniform(0, 1, (m, n_s))
    context, alphas = c5w3.one_step_attention(a, s_prev, p, return_alphas=True)
    assert context.shape == (m, 1, 2 * n_a)
    np.testing.assert_allclose(alphas.sum(axis=1), 1.0)
    # the notebook's Keras graph (RepeatVector, Concatenate, Dense tanh, Dense relu,
    # softmax over T_x, Dot) written in PyTorch
    A, S = torch.tensor(a), torch.tensor(s_prev)
    concat = torch.cat([A, S[:, None, :].expand(m, T_x, n_s)], dim=-1)
    e = torch.relu(torch.tanh(concat @ torch.tensor(p["W1"]).T + torch.tensor(p["b1"][:, 0]))
                   @ torch.tensor(p["W2"]).T + torch.tensor(p["b2"][:, 0]))
    alpha = torch.softmax(e, dim=1)
    ref = (alpha.transpose(1, 2) @ A).numpy()
    np.testing.assert_allclose(context, ref, rtol=1e-12, atol=1e-14)


def test_one_step_attention_errors():
    p = c5w3.initialize_attention_parameters(2, 3)
    with pytest.raises(ValueError, match=r"\(m, T_x, 2\*n_a\)"):
        c5w3.one_step_attention(np.zeros((4, 4)), np.zeros((4, 3)), p)


# --- c5w4: Transformer pieces --------------------------------------------------------

def test_get_angles_public_test():
    position, d_model = 4, 16
    result = c5w4.get_angles(np.arange(position)[:, None], np.arange(d_model)[None, :], d_model)
    assert result.shape == (position, d_model)
    assert np.sum(result[0, :]) == 0
    assert np.isclose(np.sum(result[:, 0]), position * (position - 1) / 2)
    assert np.all(result[:, 0::2] == result[:, 1::2])
    assert np.isclose(result[position - 1, d_model - 1], (position - 1) / np.power(10000, 14.0 / 16.0))


def test_positional_encoding_public_test():
    position, d_model = 8, 16
    pe = c5w4.positional_encoding(position, d_model)
    assert pe.shape == (1, position, d_model) and pe.dtype == np.float32
    sin_part, cos_part = pe[:, :, 0::2], pe[:, :, 1::2]
    np.testing.assert_allclose(sin_part ** 2 + cos_part ** 2, 1.0, rtol=1e-6)
    angs = np.arctan(sin_part / cos_part)
    angs[angs < 0] += np.pi
    angs[sin_part < 0] += np.pi
    angs = angs % (2 * np.pi)
    true_angs = c5w4.get_angles(np.arange(position)[:, None], np.arange(d_model)[None, :], d_model)[:, 0::2] % (2 * np.pi)
    assert np.allclose(angs[0], true_angs, atol=1e-5)


def test_masks_current_notebook_convention():
    x = np.array([[7, 6, 0, 0, 1], [1, 2, 3, 0, 0], [0, 0, 0, 4, 5]])
    np.testing.assert_array_equal(c5w4.create_padding_mask(x)[:, 0, :],
                                  [[1, 1, 0, 0, 1], [1, 1, 1, 0, 0], [0, 0, 0, 1, 1]])
    np.testing.assert_array_equal(c5w4.create_look_ahead_mask(3),
                                  [[[1, 0, 0], [1, 1, 0], [1, 1, 1]]])


def test_scaled_dot_product_attention_public_test():
    q = np.array([[1, 0, 1, 1], [0, 1, 1, 1], [1, 0, 0, 1]]).astype(np.float32)
    k = np.array([[1, 1, 0, 1], [1, 0, 1, 1], [0, 1, 1, 0], [0, 0, 0, 1]]).astype(np.float32)
    v = np.array([[0, 0], [1, 0], [1, 0], [1, 1]]).astype(np.float32)
    attention, weights = c5w4.scaled_dot_product_attention(q, k, v, None)
    assert weights.dtype == np.float32 and weights.shape == (3, 4)
    np.testing.assert_allclose(weights, [[0.2589478, 0.42693272, 0.15705977, 0.15705977],
                                         [0.2772748, 0.2772748, 0.2772748, 0.16817567],
                                         [0.33620113, 0.33620113, 0.12368149, 0.2039163]], rtol=1e-5)
    np.testing.assert_allclose(attention, [[0.74105227, 0.15705977], [0.7227253, 0.16817567],
                                           [0.6637989, 0.2039163]], rtol=1e-5)
    mask = np.array([[[1, 1, 0, 1], [1, 1, 0, 1], [1, 1, 0, 1]]])
    attention, weights = c5w4.scaled_dot_product_attention(q, k, v, mask)
    np.testing.assert_allclose(weights[0], [[0.30719590187072754, 0.5064803957939148, 0.0, 0.18632373213768005],
                                            [0.3836517333984375, 0.3836517333984375, 0.0, 0.2326965481042862],
                                            [0.3836517333984375, 0.3836517333984375, 0.0, 0.2326965481042862]],
                               rtol=1e-5)
    np.testing.assert_allclose(attention[0], [[0.6928040981292725, 0.18632373213768005],
                                              [0.6163482666015625, 0.2326965481042862],
                                              [0.6163482666015625, 0.2326965481042862]], rtol=1e-5)


def test_course_wrappers_use_the_library_math(rng):
    ids = rng.integers(0, 4, size=(2, 5))
    np.testing.assert_array_equal(c5w4.create_padding_mask(ids), F.padding_mask(ids))
