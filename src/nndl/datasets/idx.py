"""The IDX file format of MNIST and Fashion-MNIST, read into numpy arrays.

Layout (big-endian): two zero bytes, a type code, the number of dimensions ``ndim``, then
``ndim`` unsigned 32-bit sizes, then the values in C order. Files may be gzip-compressed.
"""

from __future__ import annotations

import gzip
import math
import os
import struct
import zlib
from pathlib import Path

import numpy as np

from ..files import atomic_write

Array = np.ndarray

# IDX type code -> big-endian numpy dtype.
IDX_DTYPES = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
GZIP_MAGIC = b"\x1f\x8b"
MAX_PAYLOAD = 1 << 34          # 16 GiB: any larger header is corrupt, not data


class IDXError(ValueError):
    """An IDX file that is malformed: wrong magic number, bad header, or a payload of the wrong length."""


def read_idx(path: str | os.PathLike) -> Array:
    """Read an IDX file (raw, or gzip when it starts with the gzip magic 1f 8b) into an array.

    Header: magic = 0x00 0x00 <type code> <ndim>, then dims d₁…d_ndim as big-endian uint32;
    the payload must hold exactly d₁·…·d_ndim values. Returns an array of shape
    (d₁, …, d_ndim) in native byte order, e.g. (60000, 28, 28) uint8 for MNIST images.
    Raises IDXError (a ValueError) naming the file and what is wrong.
    """
    path = Path(path)
    with open(path, "rb") as raw:                       # FileNotFoundError passes through as it is
        compressed = raw.read(2) == GZIP_MAGIC
        raw.seek(0)
        try:
            with gzip.GzipFile(fileobj=raw, mode="rb") if compressed else raw as f:
                return _read(f, path, compressed)
        except (OSError, EOFError, zlib.error) as e:
            what = "corrupt gzip stream" if compressed else "unreadable file"
            raise IDXError(f"{path}: {what} ({e})") from None


def write_idx(path: str | os.PathLike, array: Array, compress: bool | None = None) -> Path:
    """Write ``array`` as an IDX file (gzip when ``compress`` or the name ends in .gz); returns the path.

    The inverse of ``read_idx`` for the IDX dtypes: uint8, int8, int16, int32, float32, float64.
    """
    path = Path(path)
    array = np.asarray(array)
    codes = {dt.newbyteorder("="): code for code, dt in IDX_DTYPES.items()}
    code = codes.get(array.dtype.newbyteorder("="))
    if code is None:
        raise ValueError(f"IDX stores uint8, int8, int16, int32, float32 or float64; got dtype {array.dtype}")
    if not 1 <= array.ndim <= 255:
        raise ValueError(f"IDX stores arrays with 1 to 255 dimensions; got shape {array.shape}")
    header = bytes([0, 0, code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    payload = np.ascontiguousarray(array, dtype=IDX_DTYPES[code]).tobytes()
    compress = path.suffix == ".gz" if compress is None else compress
    data = header + payload
    atomic_write(path, gzip.compress(data, mtime=0) if compress else data)
    return path


def _read(f, path: Path, compressed: bool) -> Array:
    kind = "gzip-compressed IDX" if compressed else "IDX"
    magic = f.read(4)
    if len(magic) < 4:
        raise IDXError(f"{path}: not an {kind} file: {len(magic)} byte(s), shorter than the 4-byte magic number")
    zero, code, ndim = magic[:2], magic[2], magic[3]
    if zero != b"\x00\x00" or code not in IDX_DTYPES:
        raise IDXError(f"{path}: not an {kind} file: magic number {magic.hex()} does not start with "
                       "0000 followed by a type code 08, 09, 0b, 0c, 0d or 0e (e.g. 00000803 for images)")
    if ndim == 0:
        raise IDXError(f"{path}: IDX header says 0 dimensions (magic {magic.hex()}); expected at least 1")
    raw_dims = f.read(4 * ndim)
    if len(raw_dims) < 4 * ndim:
        raise IDXError(f"{path}: truncated header: {ndim} dimension(s) need {4 * ndim} bytes "
                       f"after the magic number, found {len(raw_dims)}")
    dims = struct.unpack(f">{ndim}I", raw_dims)
    dtype = IDX_DTYPES[code]
    expected = math.prod(dims) * dtype.itemsize
    if expected > MAX_PAYLOAD:
        raise IDXError(f"{path}: header dims {dims} imply {expected} bytes of data; the header is corrupt")
    array = np.empty(dims, dtype=dtype)
    got = _read_into(f, memoryview(array.reshape(-1)).cast("B"))
    if got < expected:
        raise IDXError(f"{path}: truncated payload: dims {dims} of {dtype.name} need {expected} bytes, "
                       f"found {got}")
    if f.read(1):
        raise IDXError(f"{path}: payload longer than dims {dims} of {dtype.name} imply ({expected} bytes); "
                       "the header or the file is wrong")
    return array if dtype.isnative else array.astype(dtype.newbyteorder("="))


def _read_into(f, buffer: memoryview) -> int:
    """Fill ``buffer`` from ``f``; the number of bytes read (less than its size only at end of file)."""
    filled = 0
    while filled < len(buffer):
        n = f.readinto(buffer[filled:])
        if not n:
            break
        filled += n
    return filled
