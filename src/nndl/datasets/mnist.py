"""MNIST and Fashion-MNIST: find the four IDX files locally, or download and verify them.

The files ``train-images-idx3-ubyte``, ``train-labels-idx1-ubyte``, ``t10k-images-idx3-ubyte``
and ``t10k-labels-idx1-ubyte`` (each raw or ``.gz``) are read from the ``data_dir`` argument
(or its subfolder named after the dataset) when it is given, and from nowhere else: a
folder that lacks a file is an error, never a reason to train on another copy. Without
``data_dir``, the search order is:

1. (``data_dir``, when given, as above);
2. ``$NNDL_DATA``, and its subfolder named after the dataset;
3. the system folder (Debian's ``dataset-fashion-mnist`` package: /usr/share/datasets/fashion-mnist);
4. the cache: ``cache_dir``, else ``$NNDL_CACHE``, else ``$XDG_CACHE_HOME/nndl`` or ``~/.cache/nndl``,
   subfolder named after the dataset;
5. with ``download=True``: the public mirrors, into the cache, each file checked against its
   published SHA-256 digest.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import tempfile
import urllib.request
from pathlib import Path

import numpy as np

from .idx import IDXError, read_idx

Array = np.ndarray

FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
NAMES = ("mnist", "fashion-mnist")

MIRRORS = {
    "mnist": ("https://ossci-datasets.s3.amazonaws.com/mnist/",
              "https://storage.googleapis.com/cvdf-datasets/mnist/"),
    "fashion-mnist": ("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",),
}

# SHA-256 of the published .gz files (the same bytes on every mirror). Their MD5s, as
# published alongside: MNIST f68b3c2dcbeaaa9fbdd348bbdeb94873, d53e105ee54ea40749a09fcbcd1e9432,
# 9fb629c4189551a2d022fa330f9573f3, ec29112dd5afa0611ce80d1b7f02629c; Fashion-MNIST
# 8d4fb7e6c68d591d4c3dfef9ec88bf0d, 25c81989df183df01b3e8a0aad5dffbe,
# bef4ecab320f06d8554ea6380940ec79, bb300cfdad3c16e7a12a480ee83cd310 (order of FILES).
SHA256 = {
    "mnist": {
        "train-images-idx3-ubyte.gz": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
        "train-labels-idx1-ubyte.gz": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
        "t10k-images-idx3-ubyte.gz": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
        "t10k-labels-idx1-ubyte.gz": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
    },
    "fashion-mnist": {
        "train-images-idx3-ubyte.gz": "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
        "train-labels-idx1-ubyte.gz": "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
        "t10k-images-idx3-ubyte.gz": "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
        "t10k-labels-idx1-ubyte.gz": "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
    },
}

# Folders where an operating-system package installs the files.
SYSTEM_DIRS = {"mnist": (), "fashion-mnist": ("/usr/share/datasets/fashion-mnist",)}

FASHION_CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                   "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
MNIST_CLASSES = [str(d) for d in range(10)]


def load_mnist(name: str = "mnist", data_dir: str | os.PathLike | None = None, download: bool = True,
               cache_dir: str | os.PathLike | None = None) -> tuple[Array, Array, Array, Array]:
    """Load MNIST or Fashion-MNIST: (X_train, Y_train, X_test, Y_test).

    X: (784, m) float32 pixels / 255 in [0, 1], a transposed view of C-contiguous (m, 784) rows
    (examples-contiguous); Y: (1, m) int64 labels 0..9. m = 60,000 (train) and 10,000 (test)
    for the published files. See the module docstring for where the files are looked for.
    Raises FileNotFoundError listing every place searched when the files are not found.
    """
    paths = locate(name, data_dir=data_dir, download=download, cache_dir=cache_dir)
    X_train, Y_train = _images_and_labels(paths[FILES[0]], paths[FILES[1]])
    X_test, Y_test = _images_and_labels(paths[FILES[2]], paths[FILES[3]])
    return X_train, Y_train, X_test, Y_test


def locate(name: str, data_dir: str | os.PathLike | None = None, download: bool = True,
           cache_dir: str | os.PathLike | None = None) -> dict[str, Path]:
    """The four files of ``name`` (base name -> path), found or downloaded; FileNotFoundError if neither."""
    name = _check_name(name)
    if data_dir is not None:  # the folder asked for, or an error: never another copy of the data
        return _in_data_dir(name, Path(data_dir).expanduser())
    cache = dataset_cache_dir(name, cache_dir)
    searched: list[str] = []
    for label, folder in [*_search_dirs(name, data_dir), ("cache", cache)]:
        if folder is None:
            searched.append(f"  - {label}: not set")
            continue
        found = find_files(folder)
        if found is not None:
            return found
        searched.append(f"  - {label}: {folder}" + ("" if folder.is_dir() else " (no such folder)"))
    if not download:
        problem = "download=False, so nothing was downloaded."
    else:
        try:
            return download_files(name, cache)
        except OSError as e:
            problem = f"downloading failed:\n{e}"
    files = ", ".join(f"{f}[.gz]" for f in FILES)
    raise FileNotFoundError(
        f"{name} not found. Looked for {files} in:\n" + "\n".join(searched) + f"\n{problem}\n"
        f"To get the files, download them from {MIRRORS[name][0]} into one of these folders "
        f"(or any folder named by NNDL_DATA or data_dir), or allow the download with network access.")


def _in_data_dir(name: str, base: Path) -> dict[str, Path]:
    """The four files in ``base`` or ``base/name``; FileNotFoundError naming the missing ones."""
    for folder in (base, base / name):
        found = find_files(folder)
        if found is not None:
            return found
    for folder in (base, base / name):
        if folder.is_dir() and any((folder / f).is_file() or (folder / f"{f}.gz").is_file() for f in FILES):
            missing = [f for f in FILES if not ((folder / f).is_file() or (folder / f"{f}.gz").is_file())]
            raise FileNotFoundError(f"{name}: {folder} lacks {', '.join(missing)} (or .gz); "
                                    "data_dir must hold all four files")
    where = f"{base}" + ("" if base.is_dir() else " (no such folder)")
    raise FileNotFoundError(f"{name} not found in data_dir {where} or {base / name}: expected "
                            f"{', '.join(FILES)} (each raw or .gz). Leave data_dir out to search "
                            "$NNDL_DATA, the system folders and the cache")


def find_files(folder: str | os.PathLike) -> dict[str, Path] | None:
    """The four files in ``folder`` (each raw or .gz; raw preferred), or None if any is missing."""
    folder = Path(folder)
    found = {}
    for base in FILES:
        candidates = [folder / base, folder / f"{base}.gz"]
        path = next((p for p in candidates if p.is_file()), None)
        if path is None:
            return None
        found[base] = path
    return found


def download_files(name: str, folder: str | os.PathLike, timeout: float = 60.0) -> dict[str, Path]:
    """Download the four .gz files of ``name`` into ``folder`` (those not there yet) and verify them.

    Each file is streamed to a temporary file in ``folder``, its SHA-256 compared with ``SHA256``,
    and only then renamed into place; a mismatch deletes it and tries the next mirror.
    Raises OSError listing each mirror's failure when a file cannot be had.
    """
    name = _check_name(name)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for base in FILES:
        gz = f"{base}.gz"
        target = folder / gz
        if not target.is_file():
            errors = []
            for mirror in MIRRORS[name]:
                try:
                    _fetch(mirror + gz, target, SHA256[name][gz], timeout)
                    break
                except OSError as e:
                    errors.append(f"  - {mirror + gz}: {e}")
            else:
                raise OSError("\n".join(errors))
        paths[base] = target
    return paths


def dataset_cache_dir(name: str, cache_dir: str | os.PathLike | None = None) -> Path:
    """``cache_dir``, else $NNDL_CACHE, else $XDG_CACHE_HOME/nndl or ~/.cache/nndl; then /<name>."""
    if cache_dir is None:
        cache_dir = os.environ.get("NNDL_CACHE") or Path(
            os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "nndl"
    return Path(cache_dir).expanduser() / name


def _search_dirs(name: str, data_dir) -> list[tuple[str, Path | None]]:
    """(label, folder) in search order before the cache; folder None for an unset variable."""
    dirs: list[tuple[str, Path | None]] = []
    if data_dir is not None:
        base = Path(data_dir).expanduser()
        dirs += [("data_dir", base), ("data_dir", base / name)]
    env = os.environ.get("NNDL_DATA")
    if env:
        base = Path(env).expanduser()
        dirs += [("$NNDL_DATA", base), ("$NNDL_DATA", base / name)]
    else:
        dirs.append(("$NNDL_DATA", None))
    return dirs + [("system", Path(d)) for d in SYSTEM_DIRS[name]]


def _fetch(url: str, target: Path, sha256: str, timeout: float) -> None:
    """Stream ``url`` into a temporary file next to ``target``; verify SHA-256, then rename."""
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    try:
        digest = hashlib.sha256()
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=timeout) as response:
            while chunk := response.read(1 << 20):
                digest.update(chunk)
                out.write(chunk)
        if digest.hexdigest() != sha256:
            raise OSError(f"SHA-256 mismatch: expected {sha256}, got {digest.hexdigest()} "
                          "(a corrupt or altered file; it was deleted)")
        os.replace(tmp, target)
    except http.client.HTTPException as e:          # e.g. a connection cut mid-file
        Path(tmp).unlink(missing_ok=True)
        raise OSError(f"{type(e).__name__}: {e}") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _images_and_labels(images_path: Path, labels_path: Path) -> tuple[Array, Array]:
    images, labels = read_idx(images_path), read_idx(labels_path)
    if images.ndim != 3 or images.dtype != np.uint8:
        raise IDXError(f"{images_path}: expected uint8 images of shape (m, rows, cols), "
                       f"got {images.dtype} of shape {images.shape}")
    if labels.ndim != 1 or labels.shape[0] != images.shape[0]:
        raise IDXError(f"{labels_path}: expected {images.shape[0]} labels (one per image in "
                       f"{images_path.name}), got shape {labels.shape}")
    if labels.size and labels.max() > 9:
        raise IDXError(f"{labels_path}: labels must be 0..9, found {int(labels.max())}")
    rows = np.divide(images.reshape(images.shape[0], -1), np.float32(255), dtype=np.float32)
    return rows.T, labels.astype(np.int64).reshape(1, -1)


def _check_name(name: str) -> str:
    key = str(name).lower().replace("_", "-")
    if key not in NAMES:
        raise ValueError(f"unknown IDX dataset {name!r}; expected one of: {', '.join(NAMES)}")
    return key
