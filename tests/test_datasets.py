"""nndl.datasets: generators, the IDX reader, MNIST search/download, splits, the Standardizer."""

from __future__ import annotations

import gzip
import hashlib
import os
import struct
import sys
from pathlib import Path

import numpy as np
import pytest

from nndl.datasets import (DATASETS, Dataset, IDXError, Standardizer, breast_cancer, circles, digits,
                           load_dataset, load_mnist, moons, planar, read_idx, spirals,
                           train_dev_test_split, xor)
from nndl.datasets import mnist as mnist_module
from nndl.datasets.idx import write_idx
from nndl.datasets.registry import GENERATED, streams
from nndl.datasets.synthetic import football

FASHION_DIR = Path("/usr/share/datasets/fashion-mnist")


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Tests never download: only file:// URLs may be opened; the user's cache and env are not used."""
    real_urlopen = mnist_module.urllib.request.urlopen

    def local_only(url, *args, **kwargs):
        if not str(url).startswith("file://"):
            raise AssertionError(f"a test tried to open {url}")
        return real_urlopen(url, *args, **kwargs)

    monkeypatch.setattr(mnist_module.urllib.request, "urlopen", local_only)
    monkeypatch.delenv("NNDL_DATA", raising=False)
    monkeypatch.delenv("NNDL_CACHE", raising=False)


# ---------------------------------------------------------------- 2-D generators

GENERATORS = [(planar, {}, 2, 400), (moons, {}, 2, 400), (circles, {}, 2, 400),
              (spirals, {}, 3, 600), (spirals, {"n_classes": 5, "m": 250}, 5, 250), (xor, {}, 2, 400)]


@pytest.mark.parametrize("gen, kwargs, K, m", GENERATORS)
def test_generator_shapes_dtypes_labels(gen, kwargs, K, m):
    X, Y = gen(**kwargs)
    assert X.shape == (2, m) and X.dtype == np.float32
    assert Y.shape == (1, m) and Y.dtype == np.int64
    assert np.isfinite(X).all()
    assert set(np.unique(Y)) == set(range(K))


@pytest.mark.parametrize("gen, kwargs, K, m", GENERATORS)
def test_generator_seeding(gen, kwargs, K, m):
    X1, Y1 = gen(**kwargs, seed=3)
    X2, Y2 = gen(**kwargs, seed=3)
    X3, _ = gen(**kwargs, seed=4)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(Y1, Y2)
    assert not np.array_equal(X1, X3)
    X4, _ = gen(**kwargs, seed=np.random.default_rng(3))    # a Generator works as well as a seed
    np.testing.assert_array_equal(X1, X4)


@pytest.mark.parametrize("gen", [planar, moons, circles, spirals])
def test_generator_class_balance_with_odd_m(gen):
    X, Y = gen(m=301)
    K = len(np.unique(Y))
    counts = np.bincount(Y[0])
    assert X.shape == (2, 301) and counts.sum() == 301
    assert counts.max() - counts.min() <= 1 and counts.min() == 301 // K


def test_planar_matches_the_course_construction():
    """Course 1 week 3 load_planar_dataset, with the Generator in place of np.random.seed(1)."""
    m, noise = 400, 0.2
    rng = np.random.default_rng(7)
    N, a = m // 2, 4
    X = np.zeros((m, 2))
    Y = np.zeros((m, 1), dtype=np.int64)
    for j in range(2):
        ix = range(N * j, N * (j + 1))
        t = np.linspace(j * 3.12, (j + 1) * 3.12, N) + rng.standard_normal(N) * noise
        r = a * np.sin(4 * t) + rng.standard_normal(N) * noise
        X[ix] = np.c_[r * np.sin(t), r * np.cos(t)]
        Y[ix] = j
    got_X, got_Y = planar(m, noise, seed=7)
    np.testing.assert_array_equal(got_X, X.T.astype(np.float32))
    np.testing.assert_array_equal(got_Y, Y.T)
    assert np.bincount(got_Y[0]).tolist() == [200, 200]


def test_planar_radius_bounds_without_noise():
    X, Y = planar(400, noise=0.0)
    radius = np.linalg.norm(X.astype(np.float64), axis=0)
    assert radius.max() <= 4 + 1e-5 and radius.max() > 3.99      # petals reach r = a = 4
    # Class j spans the angle t in [3.12 j, 3.12 (j+1)]: x = r (sin t, cos t) with r = 4 sin 4t.
    t = np.linspace(0, 3.12, 200)
    r = 4 * np.sin(4 * t)
    np.testing.assert_allclose(X[:, :200], np.stack([r * np.sin(t), r * np.cos(t)]), atol=1e-6)


def test_moons_and_circles_geometry_without_noise():
    X, Y = moons(200, noise=0.0)
    upper, lower = X[:, Y[0] == 0].astype(np.float64), X[:, Y[0] == 1].astype(np.float64)
    np.testing.assert_allclose(np.hypot(*upper), 1.0, atol=1e-6)
    np.testing.assert_allclose(np.hypot(lower[0] - 1, lower[1] - 0.5), 1.0, atol=1e-6)
    assert upper[1].min() >= -1e-6 and lower[1].max() <= 0.5 + 1e-6

    X, Y = circles(200, noise=0.0, factor=0.3)
    radius = np.hypot(*X.astype(np.float64))
    np.testing.assert_allclose(radius[Y[0] == 0], 1.0, atol=1e-6)
    np.testing.assert_allclose(radius[Y[0] == 1], 0.3, atol=1e-6)


def test_xor_and_spirals_without_noise():
    X, Y = xor(500, noise=0.0, seed=2)
    np.testing.assert_array_equal(Y[0], (X[0] * X[1] < 0).astype(np.int64))
    assert np.abs(X).max() <= 1
    X, Y = spirals(300, n_classes=3, noise=0.0)
    radius = np.hypot(*X[:, Y[0] == 1].astype(np.float64))
    np.testing.assert_allclose(radius, np.linspace(0, 1, 100), atol=1e-6)


@pytest.mark.parametrize("call, match", [
    (lambda: planar(1), "m"), (lambda: moons(10, noise=-1), "noise"),
    (lambda: circles(10, factor=1.5), "factor"), (lambda: spirals(10, n_classes=1), "n_classes"),
    (lambda: xor(2.5), "m"),
])
def test_generator_bad_arguments(call, match):
    with pytest.raises(ValueError, match=match):
        call()


# ---------------------------------------------------------------- scikit-learn sets

def test_digits_are_embedded_and_equal_the_uci_set(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn", None)                # needs nothing installed
    X, Y = digits()
    assert X.shape == (64, 1797) and X.dtype == np.float32 and Y.shape == (1, 1797) and Y.dtype == np.int64
    assert X.min() == 0 and X.max() == 1 and X.T.flags.c_contiguous
    assert set(np.unique(X * 16)) <= set(range(17))                 # pixel / 16
    assert np.bincount(Y[0]).tolist() == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]


def test_embedded_digits_match_scikit_learns_copy():
    sklearn_datasets = pytest.importorskip("sklearn.datasets", reason="scikit-learn (optional extra) is not installed")
    X, Y = digits()
    bunch = sklearn_datasets.load_digits()
    np.testing.assert_array_equal(X.T * 16, bunch.data)
    np.testing.assert_array_equal(Y[0], bunch.target)


def test_breast_cancer():
    pytest.importorskip("sklearn", reason="scikit-learn (optional extra) is not installed")
    X, Y = breast_cancer()
    assert X.shape == (30, 569) and X.dtype == np.float32 and Y.shape == (1, 569)
    assert np.bincount(Y[0]).tolist() == [212, 357]                  # 0 malignant, 1 benign
    assert X.max() > 100                                             # raw, not scaled


def test_missing_scikit_learn_gives_a_clear_import_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn", None)
    with pytest.raises(ImportError, match="pip install scikit-learn"):
        breast_cancer()


# ---------------------------------------------------------------- IDX files

def idx_bytes(code: int, dims: tuple[int, ...], payload: bytes) -> bytes:
    return bytes([0, 0, code, len(dims)]) + struct.pack(f">{len(dims)}I", *dims) + payload


def test_read_idx_hand_written_raw_and_gzip(tmp_path):
    images = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    data = idx_bytes(0x08, (2, 3, 4), images.tobytes())
    (tmp_path / "raw").write_bytes(data)
    (tmp_path / "gz").write_bytes(gzip.compress(data))
    for name in ("raw", "gz"):
        got = read_idx(tmp_path / name)
        assert got.dtype == np.uint8 and got.shape == (2, 3, 4)
        np.testing.assert_array_equal(got, images)
        got[0, 0, 0] = 1                                             # a writable array
    # Multi-byte types are big-endian on disk: 0x0102 = 258, -2 as int16.
    (tmp_path / "i2").write_bytes(idx_bytes(0x0B, (2,), b"\x01\x02\xff\xfe"))
    np.testing.assert_array_equal(read_idx(tmp_path / "i2"), [258, -2])
    assert read_idx(tmp_path / "i2").dtype == np.int16
    (tmp_path / "f4").write_bytes(idx_bytes(0x0D, (1, 1), struct.pack(">f", 1.5)))
    np.testing.assert_array_equal(read_idx(tmp_path / "f4"), [[1.5]])


@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64])
@pytest.mark.parametrize("name", ["a.idx", "a.idx.gz"])
def test_idx_round_trip(tmp_path, dtype, name):
    a = (np.arange(60).reshape(3, 4, 5) - 7).astype(dtype)
    path = write_idx(tmp_path / name, a)
    assert (path.read_bytes()[:2] == b"\x1f\x8b") == name.endswith(".gz")
    b = read_idx(path)
    assert b.dtype == np.dtype(dtype) and b.dtype.isnative
    np.testing.assert_array_equal(b, a)


@pytest.mark.parametrize("data, match", [
    (idx_bytes(0x08, (3,), b"\x01\x02\x03")[:2], "shorter than the 4-byte magic"),
    (b"\x01\x00\x08\x01" + struct.pack(">I", 1) + b"\x00", "magic number 01000801"),
    (b"\x00\x00\x0a\x01" + struct.pack(">I", 1) + b"\x00", "magic number 00000a01"),
    (b"PK\x03\x04 not idx", "magic number"),
    (b"\x00\x00\x08\x00", "0 dimensions"),
    (b"\x00\x00\x08\x03" + struct.pack(">I", 5), "truncated header"),
    (idx_bytes(0x08, (2, 3), b"\x00" * 5), "truncated payload.*6 bytes, found 5"),
    (idx_bytes(0x0C, (2,), b"\x00" * 7), "truncated payload.*8 bytes, found 7"),
    (idx_bytes(0x08, (2,), b"\x00" * 3), "payload longer"),
    (idx_bytes(0x08, (1 << 20, 1 << 20, 1 << 20), b""), "header is corrupt"),
])
@pytest.mark.parametrize("compress", [False, True])
def test_read_idx_rejects_malformed_files(tmp_path, data, match, compress):
    path = tmp_path / "bad-file-idx3-ubyte"
    path.write_bytes(gzip.compress(data) if compress else data)
    with pytest.raises(IDXError, match=match) as info:
        read_idx(path)
    assert str(path) in str(info.value)
    assert isinstance(info.value, ValueError)


def test_read_idx_corrupt_gzip_stream(tmp_path):
    data = gzip.compress(idx_bytes(0x08, (100,), bytes(range(100))))
    path = tmp_path / "cut.gz"
    path.write_bytes(data[: len(data) // 2])                          # cut mid-stream
    with pytest.raises(IDXError, match="cut.gz"):
        read_idx(path)
    path.write_bytes(b"\x1f\x8b" + b"garbage" * 5)
    with pytest.raises(IDXError, match="corrupt gzip"):
        read_idx(path)
    with pytest.raises(FileNotFoundError):
        read_idx(tmp_path / "missing")


# ---------------------------------------------------------------- MNIST files

def write_fake_mnist(folder: Path, seed: int = 0, m_train: int = 12, m_test: int = 5,
                     gz: tuple[bool, ...] = (True, False, True, False)) -> dict[str, np.ndarray]:
    """The four IDX files with random 28×28 images, some gzipped, some raw; returns the arrays."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    arrays = {"train-images-idx3-ubyte": rng.integers(0, 256, (m_train, 28, 28), dtype=np.uint8),
              "train-labels-idx1-ubyte": rng.integers(0, 10, m_train, dtype=np.uint8),
              "t10k-images-idx3-ubyte": rng.integers(0, 256, (m_test, 28, 28), dtype=np.uint8),
              "t10k-labels-idx1-ubyte": rng.integers(0, 10, m_test, dtype=np.uint8)}
    for (base, a), compress in zip(arrays.items(), gz):
        write_idx(folder / (base + (".gz" if compress else "")), a)
    return arrays


def check_fake(out, arrays):
    X_train, Y_train, X_test, Y_test = out
    images, labels = arrays["train-images-idx3-ubyte"], arrays["train-labels-idx1-ubyte"]
    assert X_train.shape == (784, images.shape[0]) and X_train.dtype == np.float32
    assert Y_train.shape == (1, images.shape[0]) and Y_train.dtype == np.int64
    assert X_train.T.flags.c_contiguous                               # examples-contiguous, no copy
    np.testing.assert_array_equal(X_train, (images.reshape(-1, 784).astype(np.float32) / 255).T)
    np.testing.assert_array_equal(Y_train[0], labels)
    np.testing.assert_array_equal(X_test.T * 255, arrays["t10k-images-idx3-ubyte"].reshape(-1, 784))
    np.testing.assert_array_equal(Y_test[0], arrays["t10k-labels-idx1-ubyte"])


def test_load_mnist_from_data_dir(tmp_path):
    arrays = write_fake_mnist(tmp_path / "data")
    check_fake(load_mnist("mnist", data_dir=tmp_path / "data", download=False, cache_dir=tmp_path / "c"), arrays)


def test_load_mnist_via_nndl_data_and_its_subfolder(tmp_path, monkeypatch):
    arrays = write_fake_mnist(tmp_path / "root" / "fashion-mnist", seed=1)
    monkeypatch.setenv("NNDL_DATA", str(tmp_path / "root"))
    monkeypatch.setattr(mnist_module, "SYSTEM_DIRS", {"mnist": (), "fashion-mnist": ()})
    check_fake(load_mnist("fashion-mnist", download=False, cache_dir=tmp_path / "c"), arrays)


def test_data_dir_comes_before_nndl_data_and_the_cache(tmp_path, monkeypatch):
    first = write_fake_mnist(tmp_path / "arg", seed=1)
    write_fake_mnist(tmp_path / "env", seed=2)
    write_fake_mnist(tmp_path / "cache" / "mnist", seed=3)
    monkeypatch.setenv("NNDL_DATA", str(tmp_path / "env"))
    check_fake(load_mnist(data_dir=tmp_path / "arg", download=False, cache_dir=tmp_path / "cache"), first)
    monkeypatch.setenv("NNDL_CACHE", str(tmp_path / "cache"))
    cached = write_fake_mnist(tmp_path / "cache" / "mnist", seed=3)
    monkeypatch.delenv("NNDL_DATA")
    check_fake(load_mnist(download=False), cached)                    # $NNDL_CACHE/<name>


def test_load_mnist_rejects_inconsistent_files(tmp_path):
    write_fake_mnist(tmp_path)
    write_idx(tmp_path / "train-labels-idx1-ubyte", np.zeros(11, np.uint8))   # 12 images, 11 labels
    with pytest.raises(IDXError, match="expected 12 labels"):
        load_mnist(data_dir=tmp_path, download=False, cache_dir=tmp_path / "c")
    write_idx(tmp_path / "train-labels-idx1-ubyte", np.full(12, 10, np.uint8))
    with pytest.raises(IDXError, match="labels must be 0..9"):
        load_mnist(data_dir=tmp_path, download=False, cache_dir=tmp_path / "c")


def test_not_found_lists_every_place_searched(tmp_path, monkeypatch):
    monkeypatch.setenv("NNDL_DATA", str(tmp_path / "env"))
    monkeypatch.setattr(mnist_module, "SYSTEM_DIRS", {"mnist": (), "fashion-mnist": (str(tmp_path / "sys"),)})
    with pytest.raises(FileNotFoundError) as info:
        load_mnist("fashion-mnist", download=False, cache_dir=tmp_path / "cache")
    message = str(info.value)
    for place in ("env", "env/fashion-mnist", "sys", "cache/fashion-mnist"):
        assert str(tmp_path / place) in message
    assert "download=False" in message and "train-images-idx3-ubyte" in message
    assert mnist_module.MIRRORS["fashion-mnist"][0] in message          # how to get the files
    with pytest.raises(ValueError, match="unknown IDX dataset"):
        load_mnist("cifar10")


def gz_mirror(tmp_path: Path, seed: int = 0) -> tuple[str, dict[str, str], dict[str, np.ndarray]]:
    """A file:// mirror holding the four .gz files, and their SHA-256 digests."""
    folder = tmp_path / f"mirror{seed}"
    arrays = write_fake_mnist(folder, seed=seed, gz=(True,) * 4)
    digests = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}
    return folder.as_uri() + "/", digests, arrays


def test_download_from_a_mirror_with_fallback_and_cache(tmp_path, monkeypatch):
    url, digests, arrays = gz_mirror(tmp_path)
    missing = (tmp_path / "nowhere").as_uri() + "/"
    monkeypatch.setitem(mnist_module.MIRRORS, "mnist", (missing, url))   # the first mirror fails
    monkeypatch.setitem(mnist_module.SHA256, "mnist", digests)
    cache = tmp_path / "cache"
    check_fake(load_mnist("mnist", cache_dir=cache), arrays)
    assert sorted(p.name for p in (cache / "mnist").iterdir()) == sorted(digests)   # no .part files left
    monkeypatch.setitem(mnist_module.MIRRORS, "mnist", ())           # second time: from the cache
    check_fake(load_mnist("mnist", cache_dir=cache), arrays)


def test_download_digest_mismatch_keeps_nothing(tmp_path, monkeypatch):
    url, digests, _ = gz_mirror(tmp_path)
    _, other_digests, _ = gz_mirror(tmp_path, seed=1)                 # digests of different files
    monkeypatch.setitem(mnist_module.MIRRORS, "mnist", (url,))
    monkeypatch.setitem(mnist_module.SHA256, "mnist", other_digests)
    cache = tmp_path / "cache"
    with pytest.raises(FileNotFoundError, match="SHA-256 mismatch") as info:
        load_mnist("mnist", cache_dir=cache)
    assert other_digests["train-images-idx3-ubyte.gz"] in str(info.value)
    assert list((cache / "mnist").iterdir()) == []                    # the bad file was deleted


def test_download_off_does_not_touch_mirrors(tmp_path, monkeypatch):
    url, digests, _ = gz_mirror(tmp_path)
    monkeypatch.setitem(mnist_module.MIRRORS, "mnist", (url,))
    monkeypatch.setitem(mnist_module.SHA256, "mnist", digests)
    with pytest.raises(FileNotFoundError, match="download=False"):
        load_mnist("mnist", download=False, cache_dir=tmp_path / "cache")
    assert not (tmp_path / "cache" / "mnist").exists()


def test_published_digests_are_recorded():
    for name in ("mnist", "fashion-mnist"):
        table = mnist_module.SHA256[name]
        assert sorted(table) == sorted(f"{f}.gz" for f in mnist_module.FILES)
        assert all(len(d) == 64 and int(d, 16) >= 0 for d in table.values())
        assert len(set(table.values())) == 4


# ---------------------------------------------------------------- split

def labelled(m_per_class=(50, 30, 20), n_x=3, dtype=np.float32):
    """X whose first row is the example id (to track examples), Y the class."""
    Y = np.repeat(np.arange(len(m_per_class)), m_per_class).reshape(1, -1)
    m = Y.shape[1]
    X = np.vstack([np.arange(m), np.random.default_rng(0).standard_normal((n_x - 1, m))]).astype(dtype)
    return X, Y


def test_split_sizes_stratification_and_no_overlap():
    X, Y = labelled()
    X_tr, Y_tr, X_dv, Y_dv, X_te, Y_te = train_dev_test_split(X, Y, dev_size=0.2, test_size=0.2, seed=1)
    assert [A.shape[1] for A in (X_tr, X_dv, X_te)] == [60, 20, 20]
    for Y_part in (Y_dv, Y_te):
        assert np.bincount(Y_part[0]).tolist() == [10, 6, 4]
    assert np.bincount(Y_tr[0]).tolist() == [30, 18, 12]
    ids = [A[0].astype(int) for A in (X_tr, X_dv, X_te)]
    assert sorted(np.concatenate(ids).tolist()) == list(range(100))    # a partition: no overlap, none lost
    for A, B in ((X_tr, Y_tr), (X_dv, Y_dv), (X_te, Y_te)):
        np.testing.assert_array_equal(Y[0, A[0].astype(int)], B[0])   # labels travel with their examples
        np.testing.assert_array_equal(X[:, A[0].astype(int)], A)
        assert A.T.flags.c_contiguous and A.dtype == np.float32
    assert not np.all(np.diff(ids[0]) > 0)                             # shuffled


def test_split_counts_exact_totals_and_seeding():
    X, Y = labelled((7, 5, 3))
    parts = train_dev_test_split(X, Y, dev_size=4, test_size=3, seed=0)
    assert [parts[i].shape[1] for i in (0, 2, 4)] == [8, 4, 3]
    again = train_dev_test_split(X, Y, dev_size=4, test_size=3, seed=0)
    other = train_dev_test_split(X, Y, dev_size=4, test_size=3, seed=1)
    for a, b in zip(parts, again):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(parts[4], other[4])
    # Largest remainder: test quotas 1.4, 1.0, 0.6 → 1, 1, 1.
    assert np.bincount(parts[5][0], minlength=3).tolist() == [1, 1, 1]


def test_split_unstratified_one_hot_and_float64():
    X, Y = labelled(dtype=np.float64)
    parts = train_dev_test_split(X, Y, seed=0, stratify=False)
    assert [parts[i].shape[1] for i in (0, 2, 4)] == [60, 20, 20] and parts[0].dtype == np.float64
    one_hot = np.eye(3, dtype=np.float32)[:, Y[0]]
    parts = train_dev_test_split(X, one_hot, dev_size=0.1, test_size=0.1, seed=0)
    assert parts[3].shape == (3, 10) and parts[3].sum(axis=1).tolist() == [5, 3, 2]
    parts = train_dev_test_split(X, Y[0], dev_size=0, test_size=0.5)  # labels (m,) accepted
    assert parts[1].shape == (1, 50) and parts[2].shape == (3, 0)


@pytest.mark.parametrize("kwargs, match", [
    ({"dev_size": 0.5, "test_size": 0.5}, "no training examples"),
    ({"dev_size": 1.5}, "dev_size"), ({"test_size": -1}, "test_size"), ({"dev_size": "a"}, "dev_size"),
    ({"test_size": True}, "test_size"),
])
def test_split_bad_sizes(kwargs, match):
    X, Y = labelled()
    with pytest.raises(ValueError, match=match):
        train_dev_test_split(X, Y, **kwargs)


def test_split_shape_errors():
    X, Y = labelled()
    with pytest.raises(ValueError, match="pass Y.T"):
        train_dev_test_split(X, Y.T)
    with pytest.raises(ValueError, match=r"expected \(n_x, m\)"):
        train_dev_test_split(X[0], Y)


# ---------------------------------------------------------------- Standardizer

def test_standardizer_uses_training_statistics_only():
    rng = np.random.default_rng(0)
    X_train = (rng.standard_normal((3, 200)) * [[1], [5], [0]] + [[2], [-3], [7]]).astype(np.float64)
    X_dev = rng.standard_normal((3, 50)) * 4 + 10
    s = Standardizer().fit(X_train)
    assert s.mean.shape == (3, 1) and s.std.shape == (3, 1)
    np.testing.assert_allclose(s.mean[:, 0], X_train.mean(axis=1), rtol=1e-12)
    np.testing.assert_array_equal(s.std[2], [1.0])                   # constant feature: σ = 0 → 1
    Z = s.transform(X_train)
    np.testing.assert_allclose(Z[:2].mean(axis=1), 0, atol=1e-12)
    np.testing.assert_allclose(Z[:2].std(axis=1), 1, rtol=1e-12)
    np.testing.assert_array_equal(Z[2], 0)
    Zd = s.transform(X_dev)
    np.testing.assert_allclose(Zd, (X_dev - X_train.mean(axis=1, keepdims=True)) / s.std, rtol=1e-12)
    assert abs(Zd[0].mean()) > 1                                        # not re-centred on dev
    np.testing.assert_allclose(s.inverse_transform(Zd), X_dev, rtol=1e-12)


def test_standardizer_keeps_dtype_and_layout_and_round_trips():
    rows = np.random.default_rng(1).standard_normal((40, 4)).astype(np.float32)
    X = rows.T                                                          # examples-contiguous view
    s = Standardizer()
    Z = s.fit_transform(X)
    assert Z.dtype == np.float32 and Z.T.flags.c_contiguous and s.mean.dtype == np.float32
    assert s.transform(X.astype(np.float64)).dtype == np.float64
    mean, std = s.to_arrays()
    t = Standardizer.from_arrays(mean, std)
    np.testing.assert_array_equal(t.transform(X), Z)
    np.testing.assert_array_equal(Standardizer.from_arrays(**s.to_arrays()._asdict()).std, std)
    mean[0, 0] = 99                                                     # to_arrays returns copies
    assert s.mean[0, 0] != 99


def test_standardizer_errors():
    s = Standardizer()
    with pytest.raises(ValueError, match="not fitted"):
        s.transform(np.zeros((2, 3)))
    s.fit(np.random.default_rng(0).standard_normal((2, 10)))
    with pytest.raises(ValueError, match="pass X.T"):
        s.transform(np.zeros((10, 2)))
    with pytest.raises(ValueError, match="NaN"):
        Standardizer().fit(np.array([[1.0, np.nan]]))
    with pytest.raises(ValueError, match=r"\(n_x, 1\)"):
        Standardizer.from_arrays(np.zeros((2, 1)), np.ones((3, 1)))
    with pytest.raises(ValueError, match="> 0, got 0 non-finite mean.* and 2 std"):
        Standardizer.from_arrays(np.zeros((2, 1)), np.zeros((2, 1)))
    with pytest.raises(ValueError, match="got 1 non-finite mean.* and 1 std"):
        Standardizer.from_arrays(np.array([[0.0], [np.inf]]), np.array([[np.nan], [1.0]]))


# ---------------------------------------------------------------- load_dataset

def test_dataset_registry_names():
    assert list(DATASETS) == ["digits", "breast-cancer", "flower", "moons", "circles", "spirals", "xor",
                              "football", "mnist", "fashion-mnist", "fashion-mnist-shifted"]
    assert all(isinstance(d, str) and "\n" not in d for d in DATASETS.values())
    assert "embedded" in DATASETS["digits"] and "scikit-learn" not in DATASETS["digits"]   # needs nothing
    with pytest.raises(ValueError, match="known datasets: digits, breast-cancer"):
        load_dataset("imagenet")


def test_load_dataset_digits():
    d = load_dataset("digits", seed=0)
    assert isinstance(d, Dataset) and d.name == "digits"
    assert (d.n_x, d.n_classes, d.image_shape, d.normalizer) == (64, 10, (8, 8), None)
    assert d.classes == [str(k) for k in range(10)]
    sizes = [d.X_train.shape[1], d.X_dev.shape[1], d.X_test.shape[1]]
    assert sizes == [1079, 359, 359]
    for X, Y in ((d.X_train, d.Y_train), (d.X_dev, d.Y_dev), (d.X_test, d.Y_test)):
        assert X.dtype == np.float32 and Y.dtype == np.int64 and X.T.flags.c_contiguous
        assert X.min() >= 0 and X.max() <= 1 and Y.shape == (1, X.shape[1])
    counts = np.bincount(digits()[1][0])                                # stratified: every class ≈ 20 %
    assert np.all(np.abs(np.bincount(d.Y_test[0]) - counts * 0.2) <= 1)
    assert "digits" in d.summary() and "1079" in d.summary() and "digits" in repr(d)


def test_load_dataset_breast_cancer_standardized_on_train():
    pytest.importorskip("sklearn", reason="scikit-learn (optional extra) is not installed")
    d = load_dataset("breast-cancer", seed=3)
    assert d.classes == ["malignant", "benign"] and d.n_x == 30 and d.image_shape is None
    X, Y = breast_cancer()
    raw_train = train_dev_test_split(X, Y, seed=3)[0]
    np.testing.assert_allclose(d.normalizer.mean[:, 0], raw_train.astype(np.float64).mean(axis=1), rtol=1e-5)
    np.testing.assert_allclose(d.X_train.mean(axis=1), 0, atol=1e-5)
    np.testing.assert_allclose(d.X_train.std(axis=1), 1, rtol=1e-4)
    np.testing.assert_allclose(d.normalizer.inverse_transform(d.X_train), raw_train, rtol=1e-5, atol=1e-6)
    assert d.X_dev.dtype == np.float32 and np.abs(d.X_dev.mean(axis=1)).max() > 1e-3


def test_load_dataset_flower_and_2d_sets():
    d = load_dataset("flower", seed=0)
    assert d.classes == ["red", "blue"] and d.n_x == 2 and isinstance(d.normalizer, Standardizer)
    assert [d.X_train.shape[1], d.X_dev.shape[1], d.X_test.shape[1]] == [240, 80, 80]
    assert np.bincount(d.Y_dev[0]).tolist() == [40, 40]
    data_rng, split_rng = streams(0)                                    # independent streams of seed 0
    X, Y = planar(seed=data_rng)
    raw = train_dev_test_split(X, Y, seed=split_rng)
    np.testing.assert_allclose(d.X_dev, d.normalizer.transform(raw[2]), rtol=1e-6)
    again = load_dataset("planar", seed=0)                              # alias; same seed, same data
    np.testing.assert_array_equal(again.X_train, d.X_train)
    s = load_dataset("spirals", dev_size=0.1, test_size=30)
    assert s.n_classes == 3 and [s.X_dev.shape[1], s.X_test.shape[1]] == [60, 30]


def test_load_dataset_mnist_from_a_data_dir(tmp_path):
    arrays = write_fake_mnist(tmp_path, m_train=12)
    d = load_dataset("mnist", data_dir=tmp_path, dev_size=3, download=False)
    assert (d.n_x, d.n_classes, d.image_shape, d.normalizer) == (784, 10, (28, 28), None)
    assert [d.X_train.shape[1], d.X_dev.shape[1], d.X_test.shape[1]] == [9, 3, 5]
    np.testing.assert_array_equal(d.Y_dev[0], arrays["train-labels-idx1-ubyte"][-3:])   # the last ones
    assert d.X_train.T.flags.c_contiguous and d.X_dev.T.flags.c_contiguous
    with pytest.raises(ValueError, match="official test set"):
        load_dataset("mnist", data_dir=tmp_path, test_size=0.1, download=False)
    d = load_dataset("mnist", data_dir=tmp_path, dev_size=0.25, download=False)   # a fraction of 12
    assert [d.X_train.shape[1], d.X_dev.shape[1]] == [9, 3]
    for bad in (12, 1.0, -1, True):
        with pytest.raises(ValueError, match="dev_size"):
            load_dataset("mnist", data_dir=tmp_path, dev_size=bad, download=False)


@pytest.mark.skipif(not (FASHION_DIR / "train-images-idx3-ubyte.gz").is_file(),
                    reason=f"the Debian Fashion-MNIST files are not installed in {FASHION_DIR}")
def test_real_fashion_mnist():
    d = load_dataset("fashion-mnist", download=False)
    assert d.classes[0] == "T-shirt/top" and d.classes[9] == "Ankle boot"
    assert d.X_train.shape == (784, 55000) and d.X_dev.shape == (784, 5000) and d.X_test.shape == (784, 10000)
    assert d.X_train.dtype == np.float32 and d.X_train.T.flags.c_contiguous
    assert d.X_train.min() == 0 and d.X_train.max() == 1
    train_counts = np.bincount(d.Y_train[0], minlength=10) + np.bincount(d.Y_dev[0], minlength=10)
    assert train_counts.tolist() == [6000] * 10
    assert np.bincount(d.Y_test[0], minlength=10).tolist() == [1000] * 10
    assert np.bincount(d.Y_dev[0], minlength=10).min() > 400             # the last 5,000 are mixed


@pytest.mark.parametrize("name", GENERATED)
def test_generated_splits_are_exchangeable(name):
    """Train, dev and test of every generated set are draws from one distribution: for each
    coordinate and class, the split means differ by less than 4 standard errors and the ranges
    overlap (sharing one stream made xor's split key its first coordinate: train x₁ ∈ [−0.52, 1.17],
    test x₁ ∈ [−1.2, −0.46])."""
    for seed in (0, 1, 2):
        d = load_dataset(name, seed=seed)
        parts = [(d.X_train, d.Y_train), (d.X_dev, d.Y_dev), (d.X_test, d.Y_test)]
        X_all = np.concatenate([X for X, _ in parts], axis=1)
        sd = X_all.std(axis=1)
        for X, Y in parts[1:]:
            m1, m2 = d.X_train.shape[1], X.shape[1]
            se = sd * np.sqrt(1 / m1 + 1 / m2)
            z = np.abs(d.X_train.mean(axis=1) - X.mean(axis=1)) / se
            assert (z < 4).all(), (name, seed, z)
            assert (X.min(axis=1) < np.quantile(d.X_train, 0.1, axis=1)).all()
            assert (X.max(axis=1) > np.quantile(d.X_train, 0.9, axis=1)).all()
            p1, p2 = d.Y_train.mean(), Y.mean()
            assert abs(p1 - p2) < 4 * np.sqrt(p1 * (1 - p1) / m2 + 1e-12) + 0.05


def test_a_shared_stream_would_split_xor_by_its_first_coordinate():
    """The test above can fail: the old way (one generator for data and split) is caught."""
    X, Y = xor(seed=1)
    X_train, _, _, _, X_test, _ = train_dev_test_split(X, Y, seed=1)
    assert X_train[0].min() > X_test[0].max() - 0.1  # train and test cover different x₁ ranges


def test_football_is_a_noisy_two_team_field():
    X, Y = football(m=411, seed=0)
    assert X.shape == (2, 411) and X.dtype == np.float32 and Y.shape == (1, 411) and Y.dtype == np.int64
    assert X[0].min() >= -0.75 and X[0].max() <= 0.4 and X[1].min() >= -0.75 and X[1].max() <= 0.65
    assert 0.35 < Y.mean() < 0.65                                      # both teams present
    border = -0.05 - 0.3 * X[0] + 0.12 * np.sin(6 * X[0])
    agree = ((X[1] > border) == (Y[0] == 1)).mean()
    assert 0.8 < agree < 0.97                                          # mostly the border, some noise
    np.testing.assert_array_equal(football(seed=0)[0], X)
    with pytest.raises(ValueError, match="flip probability"):
        football(noise=1.5)


@pytest.mark.skipif(not Path("/usr/share/datasets/fashion-mnist").is_dir(),
                    reason="Debian's dataset-fashion-mnist is not installed")
def test_fashion_mnist_shifted_has_a_clean_train_dev_and_a_shifted_dev_and_test():
    d = load_dataset("fashion-mnist-shifted", seed=1, download=False)
    assert [d.X_train.shape[1], d.X_train_dev.shape[1], d.X_dev.shape[1], d.X_test.shape[1]] == [55000, 5000,
                                                                                                5000, 5000]
    assert "train-dev 5000" in d.summary() and d.image_shape == (28, 28)
    X, Y, X_test, Y_test = load_mnist("fashion-mnist", download=False)
    np.testing.assert_array_equal(d.X_train_dev, X[:, 55000:])               # the training distribution
    np.testing.assert_array_equal(d.Y_dev, Y_test[:, :5000])
    assert not np.array_equal(d.X_dev, X_test[:, :5000])                     # shifted ...
    assert np.abs(d.X_dev - X_test[:, :5000]).mean() > 0.1                   # ... by rotation and noise
    assert d.X_dev.dtype == np.float32 and d.X_dev.T.flags.c_contiguous
