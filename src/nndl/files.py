"""Every file nndl writes: atomic replacement, no symlink following, one writer per run directory.

- ``atomic_write(path, data)`` writes to a temporary file in the same folder, flushes it to
  disk and renames it over ``path``. Readers see the old file or the new one, never a part;
  a link at ``path`` is replaced by the new file (the file it pointed to is left alone).
- An interrupted save leaves a temporary file ``.NAME.XXXX.nndl-tmp`` behind at most;
  ``clean_orphans(folder)`` removes those, and taking a run directory's lock does it.
- ``lock_run_dir(folder)`` holds an exclusive ``flock`` on ``folder/.lock`` while a run
  writes there, so a second ``nndl train --out``/``--resume`` or ``nndl tune --out`` on
  the same folder stops with ``RunDirBusy`` instead of mixing two runs' files.
"""

from __future__ import annotations

import errno
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

try:
    import fcntl
except ImportError:  # not POSIX: no advisory locks
    fcntl = None

TMP_SUFFIX = ".nndl-tmp"
LOCK_NAME = ".lock"


class RunDirBusy(OSError):
    """Another process holds the run directory's lock."""


def atomic_write(path: str | os.PathLike, data: bytes | str) -> None:
    """Write ``data`` (str as UTF-8) to ``path`` atomically: a temporary file beside it,
    fsync, then ``os.replace``. A symlink at ``path`` is replaced, never followed; a folder
    at ``path`` is an IsADirectoryError. The file gets the permissions ``open(path, "w")``
    would give (0666 less the umask)."""
    path = Path(path)
    if isinstance(data, str):
        data = data.encode()
    if path.is_dir() and not path.is_symlink():
        raise IsADirectoryError(errno.EISDIR, "is a folder, expected a file", str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=TMP_SUFFIX, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fchmod(f.fileno(), 0o666 & ~_umask())
            os.fsync(f.fileno())
        os.replace(tmp, path)  # rename() replaces a link itself, it does not follow it
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    _fsync_dir(path.parent)


def atomic_append(path: str | os.PathLike, text: str) -> None:
    """``path``'s current contents (none if missing) followed by ``text``, written atomically
    like ``atomic_write``: an interrupted append leaves the file as it was."""
    path = Path(path)
    try:
        old = path.read_bytes() if path.is_file() else b""  # read through a link; the link is replaced
    except FileNotFoundError:
        old = b""
    atomic_write(path, old + text.encode())


def _fsync_dir(folder: Path) -> None:
    """Make the rename itself durable (best effort: not every file system allows it)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def clean_orphans(folder: str | os.PathLike) -> list[Path]:
    """Remove the temporary files an interrupted ``atomic_write`` left in ``folder``; returns
    them. Call it only while no other process writes there (e.g. under ``lock_run_dir``)."""
    folder = Path(folder)
    removed = []
    if not folder.is_dir():
        return removed
    for p in folder.iterdir():
        if p.name.startswith(".") and p.name.endswith(TMP_SUFFIX) and p.is_file() and not p.is_symlink():
            try:
                p.unlink()
                removed.append(p)
            except FileNotFoundError:
                pass
    return removed


def is_empty_run_dir(folder: str | os.PathLike, also: tuple[str, ...] = ()) -> bool:
    """True when ``folder`` is missing or holds nothing but its lock file (and the files named
    in ``also``, e.g. the study file that ``nndl tune`` has just created there)."""
    folder = Path(folder)
    return not folder.exists() or all(p.name in (LOCK_NAME, *also) for p in folder.iterdir())


def make_run_dir(folder: str | os.PathLike) -> Path:
    """Create ``folder`` (and its parents), with a one-line error when it, or a parent, is a file."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise NotADirectoryError(errno.ENOTDIR, "exists and is not a folder", str(folder))
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        parent = next((p for p in folder.parents if p.exists() and not p.is_dir()), folder)
        raise NotADirectoryError(errno.ENOTDIR, "is a file, so no folder can be made under it", str(parent)) from None
    return folder


@contextmanager
def lock_run_dir(folder: str | os.PathLike) -> Iterator[Path]:
    """Hold an exclusive lock on the run directory ``folder`` (created if missing) for the
    block; RunDirBusy at once if another process holds it. Orphaned temporary files of an
    interrupted save are removed once the lock is held."""
    folder = make_run_dir(folder)
    lock_path = folder / LOCK_NAME
    flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(lock_path, flags, 0o666)
    except OSError as e:
        if e.errno == errno.ELOOP:
            raise RunDirBusy(errno.ELOOP, "is a symbolic link, expected nndl's lock file", str(lock_path)) from None
        raise
    try:
        if fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = os.pread(fd, 32, 0).decode(errors="replace").strip()
                who = f" (process {holder})" if holder.isdigit() else ""
                raise RunDirBusy(errno.EBUSY, f"run directory {folder} is in use by another nndl run{who}; "
                                              "wait for it to finish or choose another folder") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        clean_orphans(folder)
        yield folder
    finally:
        os.close(fd)  # closing the descriptor releases the lock
