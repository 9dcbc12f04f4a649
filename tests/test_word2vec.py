"""Skip-gram with negative sampling: gradients (numerical, PyTorch), sampling laws, training,
the word-vector API and its files."""

import shutil

import numpy as np
import pytest

import nndl
from nndl import functional as F
from nndl.course import c5w2
from nndl.word2vec import (Word2Vec, build_vocabulary, skipgram_examples, skipgram_targets,
                           train_word2vec)
from nndl.word_vectors import WordVectors


def _problem(dtype=np.float64, V=7, n_e=4, m=6, K=3, seed=0):
    rng = np.random.default_rng(seed)
    E = rng.normal(0, 0.5, (n_e, V)).astype(dtype)
    theta = rng.normal(0, 0.5, (n_e, V)).astype(dtype)
    centers = rng.integers(0, V, m)
    centers[1] = centers[0]  # repeated ids: the scatter-add must sum
    contexts = rng.integers(0, V, m)
    negatives = rng.integers(0, V, (m, K))
    negatives[0, 0] = contexts[0]
    return centers, contexts, negatives, E, theta


def test_loss_hand_checked_values():
    centers, contexts, negatives, E, _ = _problem()
    theta = np.zeros_like(E)  # Z = 0: every term is log 2
    J, dE, dtheta = F.skipgram_loss(centers, contexts, negatives, E, theta)
    assert J == pytest.approx(4 * np.log(2), rel=1e-12)
    assert not dE.any()  # θ = 0 gives no gradient to E
    # one example, one negative, by hand: z_o = 1·2 = 2, z_n = 1·(−1) = −1
    E1 = np.array([[1.0, 0.0, 0.0]])
    th = np.array([[0.0, 2.0, -1.0]])
    J, dE, dth = F.skipgram_loss(np.array([0]), np.array([1]), np.array([[2]]), E1, th)
    s = lambda z: 1 / (1 + np.exp(-z))
    assert J == pytest.approx(-np.log(s(2)) - np.log(s(1)), rel=1e-12)
    assert dE[0, 0] == pytest.approx((s(2) - 1) * 2 + s(-1) * -1, rel=1e-12)
    assert dth[0].tolist() == pytest.approx([0, s(2) - 1, s(-1)], rel=1e-12)


def test_numerical_gradients_float64():
    centers, contexts, negatives, E, theta = _problem()
    J, dE, dtheta = F.skipgram_loss(centers, contexts, negatives, E, theta)
    for P, dP in ((E, dE), (theta, dtheta)):
        num = np.zeros_like(P)
        for idx in np.ndindex(P.shape):
            old = P[idx]
            P[idx] = old + 1e-6
            Jp = F.skipgram_loss(centers, contexts, negatives, E, theta)[0]
            P[idx] = old - 1e-6
            Jm = F.skipgram_loss(centers, contexts, negatives, E, theta)[0]
            P[idx] = old
            num[idx] = (Jp - Jm) / 2e-6
        rel = np.linalg.norm(num - dP) / (np.linalg.norm(num) + np.linalg.norm(dP))
        assert rel < 1e-7


def test_against_pytorch():
    torch = pytest.importorskip("torch")
    centers, contexts, negatives, E, theta = _problem(V=11, n_e=5, m=9, K=4, seed=3)
    J, dE, dtheta = F.skipgram_loss(centers, contexts, negatives, E, theta)
    tE = torch.tensor(E.T, requires_grad=True)    # nn.Embedding weight = Eᵀ (V, n_e)
    tth = torch.tensor(theta.T, requires_grad=True)
    v = tE[torch.tensor(centers)]
    u_o = tth[torch.tensor(contexts)]
    u_n = tth[torch.tensor(negatives)]
    loss = -(torch.nn.functional.logsigmoid((u_o * v).sum(-1))
             + torch.nn.functional.logsigmoid(-(u_n @ v[:, :, None])[..., 0]).sum(-1)).mean()
    loss.backward()
    assert J == pytest.approx(loss.item(), rel=1e-12)
    np.testing.assert_allclose(dE, tE.grad.numpy().T, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(dtheta, tth.grad.numpy().T, rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_model_gradients_are_the_loss_gradients(dtype):
    centers, contexts, negatives, E, theta = _problem(dtype=dtype)
    model = Word2Vec(E.shape[1], n_e=E.shape[0], n_negative=negatives.shape[1], dtype=dtype)
    X, Y = model.prepare((centers, contexts, negatives), skipgram_targets(centers.size, negatives.shape[1]))
    model.set_weights({"skipgram.E": E, "skipgram.theta": theta})
    J, A = model.compute_cost_and_grads(X, Y)
    J_ref, dE, dtheta = F.skipgram_loss(centers, contexts, negatives, E, theta)
    assert A.shape == (1 + negatives.shape[1], centers.size) and A.dtype == dtype
    assert model.grads["dskipgram.E"].dtype == dtype
    tol = 1e-5 if dtype == np.float32 else 1e-12
    assert J == pytest.approx(J_ref, rel=tol)
    np.testing.assert_allclose(model.grads["dskipgram.E"], dE, rtol=tol, atol=tol)
    np.testing.assert_allclose(model.grads["dskipgram.theta"], dtheta, rtol=tol, atol=tol)


def test_bad_inputs_are_named():
    E = np.zeros((3, 5))
    with pytest.raises(ValueError, match=r"\(m, 1 \+ K\)"):
        F.skipgram_scores(np.array([0, 1]), np.array([1, 2]), E, E)
    with pytest.raises(ValueError, match="lie in"):
        F.skipgram_loss(np.array([0]), np.array([5]), np.array([[1]]), E, E)
    with pytest.raises(ValueError, match="negatives"):
        Word2Vec(5, n_e=3, n_negative=2).fit((np.array([0]), np.array([1]), np.array([[1, 2, 3]])),
                                             skipgram_targets(1, 2), epochs=1, verbose=0)


def test_sampling_laws():
    counts = np.array([0, 1000, 100, 10, 1])
    P = F.negative_sampling_distribution(counts)
    assert P[0] == 0 and P.sum() == pytest.approx(1)
    assert P[1] / P[2] == pytest.approx(10 ** 0.75)
    keep = F.subsampling_keep_probability(counts, t=1e-2)
    f = counts / counts.sum()
    assert keep[1] == pytest.approx(np.sqrt(1e-2 / f[1])) and keep[3] == 1 and keep[4] == 1
    # negatives follow counts^0.75; the dynamic window halves the pairs at distance 2 of window 2
    rng = np.random.default_rng(0)
    sentences = [np.arange(1, 5)] * 2000 + [np.array([4, 1])] * 10
    c, o, neg = skipgram_examples(sentences, counts, window=2, n_negative=4, rng=rng, t=None)
    freq = np.bincount(neg.ravel(), minlength=5) / neg.size
    np.testing.assert_allclose(freq, P, atol=0.01)
    d = np.abs(o - c)  # ids are positions + 1 in the long sentences
    n1, n2 = np.sum(d == 1), np.sum(d == 2)
    assert n1 == 2000 * 6 and abs(n2 / (2000 * 4) - 0.5) < 0.03
    # d = 3 only inside the short sentences [4, 1] (both ways): no pair crosses a sentence end
    assert d.max() == 3 and np.sum(d == 3) == 10 * 2
    # subsampling drops the frequent word more often
    c2, _, _ = skipgram_examples(sentences, np.array([0, 10 ** 6, 10, 10, 10]), window=1, n_negative=1,
                                 rng=rng, t=1e-5)
    assert np.sum(c2 == 1) < 0.1 * np.sum(c2 == 2)


def _planted_corpus(rng, n_sent=1500):
    """Three topics of four words each; a sentence mixes words of one topic only."""
    topics = [["lion", "tiger", "wolf", "bear"], ["bread", "wine", "oil", "corn"],
              ["gold", "silver", "brass", "iron"]]
    return topics, [list(rng.choice(topics[rng.integers(3)], 8)) for _ in range(n_sent)]


def test_training_learns_planted_cooccurrences():
    topics, sentences = _planted_corpus(np.random.default_rng(1))
    model, vocab = train_word2vec(sentences, n_e=16, window=3, n_negative=4, min_count=1, t=None,
                                  epochs=3, batch_size=256, learning_rate=0.02, seed=0)
    cost = model.history.history["cost"]
    assert cost[-1] < cost[0] - 0.2 < 5 * np.log(2)  # falls from (1 + K)·log 2 at θ = 0
    wv = WordVectors(model.E, vocab.itos)
    for topic in topics:
        for w in topic:
            near = [x for x, _ in wv.nearest(w, 3)]
            assert set(near) == set(topic) - {w}  # chance: 3 of 11 words


def test_word_vectors_api_and_course_analogy(tmp_path):
    # planted geometry: b − a = d − c, so a : b :: c : d
    rng = np.random.default_rng(0)
    words = ["<pad>", "man", "woman", "king", "queen", "apple", "stone"]
    E = rng.normal(size=(6, 7))
    E[:, 4] = E[:, 3] + E[:, 2] - E[:, 1]
    wv = WordVectors(E, words)
    assert wv.analogy("man", "woman", "king", 1)[0][0] == "queen"
    assert wv.analogy("man", "woman", "king", 1, method="course")[0][0] == "queen"
    with pytest.raises(ValueError, match="method"):
        wv.analogy("man", "woman", "king", method="3cosmul")
    assert c5w2.complete_analogy("man", "woman", "king", wv) == "queen"
    near = wv.nearest("king", 10)
    assert "<pad>" not in [w for w, _ in near] and len(near) == 5
    assert near[0][1] >= near[-1][1]
    g = wv.direction([("man", "woman")])
    db = wv.debias(g, neutral=["apple"], pairs=[("king", "queen")])
    assert abs(db["apple"] @ g) < 1e-10
    assert db.similarity("apple", "king") != pytest.approx(wv.similarity("apple", "king"))
    ek, eq = db["king"], db["queen"]
    n = db["apple"]
    assert F.cosine_similarity(ek, n) == pytest.approx(F.cosine_similarity(eq, n), abs=1e-10)
    st, txt = wv.save(tmp_path)
    for path in (st, txt):
        back = WordVectors.load(path)
        assert back.words == words
        np.testing.assert_allclose(back.E, E, rtol=1e-5)
    assert txt.read_text().splitlines()[0] == "7 6"
    with pytest.raises(KeyError, match="cherry"):
        wv.nearest("cherry")


def test_model_file_round_trip(tmp_path):
    model = Word2Vec(9, n_e=3, n_negative=2, seed=1)
    model.build((), (), (2,))
    model.save(tmp_path / "w2v.safetensors")
    back = nndl.load(tmp_path / "w2v.safetensors")
    assert isinstance(back, Word2Vec)
    np.testing.assert_array_equal(back.E, model.E)


@pytest.mark.skipif(shutil.which("bible") is None, reason="bible-kjv is not installed")
def test_kjv_slice_trains_in_seconds():
    from nndl.datasets.text.kjv import load_kjv
    ds = load_kjv("Genesis1:1-Genesis10:32")
    vocab, counts, ids = build_vocabulary(ds.train, min_count=2)
    assert vocab.itos[4] == "and" and counts[4] > counts[5] > 0
    model, vocab = train_word2vec(ds.train, n_e=20, epochs=3, min_count=2, batch_size=256,
                                  learning_rate=0.01, seed=0)
    cost = model.history.history["cost"]
    assert np.isfinite(cost).all() and cost[-1] < cost[0] - 0.3
    assert model.E.dtype == np.float32 and model.E.shape == (20, len(vocab))


@pytest.mark.skipif(shutil.which("bible") is None, reason="bible-kjv is not installed")
def test_cli_train_word2vec(tmp_path, capsys):
    import json

    from nndl.cli import main
    out = tmp_path / "run"
    code = main(["train", "--model", "word2vec", "--dataset", "kjv", "--passage", "Genesis1:1-Genesis5:32",
                 "--epochs", "2", "--dim", "16", "--min-count", "2", "--out", str(out), "--json"])
    assert code == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["vocabulary"] > 100 and len(summary["analogies"]) == 10
    wv = WordVectors.load(out / "vectors.txt")
    assert wv.E.shape == (16, summary["vocabulary"])
    np.testing.assert_allclose(WordVectors.load(out / "vectors.safetensors").E, wv.E, rtol=1e-5, atol=1e-7)
    assert isinstance(nndl.load(out / "model.safetensors"), Word2Vec)
    assert main(["train", "--model", "word2vec", "--dataset", "digits", "--out", str(tmp_path / "x")]) != 0


def test_model_gradcheck():
    centers, contexts, negatives, E, theta = _problem(V=9, n_e=5, m=7, K=2, seed=4)
    model = Word2Vec(9, n_e=5, n_negative=2, seed=0)
    model.build((), (), (2,))
    model.set_weights({"skipgram.E": E, "skipgram.theta": theta})
    result = nndl.gradcheck(model, (centers, contexts, negatives), skipgram_targets(7, 2), max_checks_per_param=None)
    assert result.difference < 1e-7


def test_3cosadd_hand_checked():
    E = np.array([[1.0, 0.0, 1.0, 3.0], [0.0, 2.0, 1.0, 0.0]])  # a, b, c, w
    s = F.analogy_scores_3cosadd(E, E[:, 0], E[:, 1], E[:, 2])
    r = 1 / np.sqrt(2)
    target = np.array([r - 1, 1 + r])  # (0, 1) − (1, 0) + (1, 1)/√2
    assert s[3] == pytest.approx((r - 1) / np.linalg.norm(target), rel=1e-12)
    assert s[1] == pytest.approx((1 + r) / np.linalg.norm(target), rel=1e-12)


def test_scatter_add_columns():
    ids = np.array([2, 0, 2, 2, 4])
    rows = np.arange(10, dtype=np.float32).reshape(5, 2)
    out = np.full((2, 6), 7.0, np.float32)  # overwritten, not added to
    dE = F.scatter_add_columns(ids, rows, 6, out=out)
    assert dE is out and dE.dtype == np.float32
    assert dE.tolist() == [[2, 0, 0 + 4 + 6, 0, 8, 0], [3, 0, 1 + 5 + 7, 0, 9, 0]]
    ref = np.zeros((6, 2))
    np.add.at(ref, ids, rows)
    np.testing.assert_array_equal(dE, ref.T)
    with pytest.raises(ValueError, match=r"\(5, n_e\)"):
        F.scatter_add_columns(ids, rows[:4], 6)
