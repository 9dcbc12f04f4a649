"""nndl.batches: several arrays shuffled and gathered along each one's own example axis."""

from __future__ import annotations

import numpy as np
import pytest

from nndl.batches import Batches, chunks, gather


def _arrays(rng, m=10):
    X = rng.standard_normal((3, m))            # dense (n_x, m)
    img = rng.standard_normal((m, 2, 2, 1))    # images (m, n_H, n_W, n_C)
    seq = rng.standard_normal((4, m, 5))       # sequences (n_x, m, T_x)
    ids = rng.integers(0, 9, (m, 5))           # token ids (m, T_x)
    return [X, img, seq, ids], [-1, 0, 1, 0]


def test_gather_takes_the_same_examples_from_every_array(rng):
    arrays, axes = _arrays(rng)
    idx = np.array([7, 2, 2, 0])
    X, img, seq, ids = gather(arrays, axes, idx)
    np.testing.assert_array_equal(X, arrays[0][:, idx])
    np.testing.assert_array_equal(img, arrays[1][idx])
    np.testing.assert_array_equal(seq, arrays[2][:, idx, :])
    np.testing.assert_array_equal(ids, arrays[3][idx])


@pytest.mark.parametrize("shuffled", [False, True])
def test_an_epoch_of_batches_covers_every_example_once_in_each_array(shuffled, rng):
    arrays, axes = _arrays(rng)
    batches = Batches(arrays, axes, dtype=np.float32)
    perm = rng.permutation(10) if shuffled else None
    order = perm if shuffled else np.arange(10)
    seen = []
    for lo, batch in zip(range(0, 10, 4), batches.epoch(4, perm)):
        idx = order[lo:lo + 4]
        for got, full, axis in zip(batch, arrays, axes):
            np.testing.assert_array_equal(got, np.take(full, idx, axis=axis).astype(got.dtype))
        assert batch[0].dtype == np.float32 and batch[3].dtype == arrays[3].dtype  # ids stay integers
        assert batch[2].shape[1] == len(idx)
        seen += list(idx)
    assert sorted(seen) == list(range(10))


def test_chunks_and_disagreeing_sizes(rng):
    arrays, axes = _arrays(rng)
    got = [c for _, c in chunks(arrays, axes, 4)]
    np.testing.assert_array_equal(np.concatenate([c[2] for c in got], axis=1), arrays[2])
    with pytest.raises(ValueError, match=r"disagree on the number of examples m: .*has 9 on axis 0"):
        Batches([arrays[0], arrays[1][:9]], [-1, 0])
