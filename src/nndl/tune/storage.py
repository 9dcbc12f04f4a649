"""Where studies live: an Optuna RDB storage (SQLite in WAL mode, or any database URL)."""

from __future__ import annotations

import sqlite3
import time
import warnings

from .backend import import_optuna


def describe_storage(url: str | None) -> str:
    """The storage URL with any password hidden (safe to print and to save)."""
    if url is None:
        return "in-memory"
    try:
        from sqlalchemy.engine import make_url
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return url.split("@")[-1] if "@" in url else url


class _SQLiteConnection(sqlite3.Connection):
    """A SQLite connection in WAL mode with synchronous=NORMAL: readers do not block the
    writer, and commits (two per epoch of every trial) skip the fsync until a checkpoint;
    an interrupted run may lose its last commits but never corrupts the file."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.execute("PRAGMA journal_mode=WAL")
        self.execute("PRAGMA synchronous=NORMAL")


def open_storage(url: str | None, heartbeat_interval: int | None = None, grace_period: int | None = None):
    """An Optuna RDB storage for ``url`` (None: in memory). SQLite connections wait up to
    30 s for a lock, so several worker processes can share one file (WAL mode; keep the
    file on a local disk, use PostgreSQL or MySQL across machines); workers that start
    together and race to create the tables retry.

    heartbeat_interval: a running trial writes a heartbeat every this many seconds; a trial
    whose last heartbeat is older than ``grace_period`` seconds (default 2 × the interval)
    belongs to a worker that died, and the next worker to start a trial marks it failed, so
    the study goes on without it.
    """
    if url is None:
        return None
    optuna = import_optuna()
    heartbeat = {}
    if heartbeat_interval is not None:
        if int(heartbeat_interval) < 1 or (grace_period is not None and int(grace_period) < 1):
            raise ValueError(f"heartbeat interval and grace period must be whole seconds >= 1, got "
                             f"{heartbeat_interval} and {grace_period}")
        heartbeat = {"heartbeat_interval": int(heartbeat_interval),
                     "grace_period": int(grace_period) if grace_period is not None else 2 * int(heartbeat_interval)}
    elif grace_period is not None:
        raise ValueError("a grace period needs a heartbeat interval")
    if not isinstance(url, str) or "://" not in url:
        raise ValueError(f"storage must be a database URL such as sqlite:///study.db, "
                         f"postgresql://user:password@host/db or mysql+pymysql://user:password@host/db, got {url!r}")
    engine_kwargs = {"connect_args": {"timeout": 30, "factory": _SQLiteConnection}} if url.startswith("sqlite") else None
    for attempt in range(6):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
                return optuna.storages.RDBStorage(url, engine_kwargs=engine_kwargs, **heartbeat)
        except ImportError as e:
            raise ValueError(f"cannot open the storage {describe_storage(url)}: its database driver is missing "
                             f"({e}); install it, e.g. pip install psycopg2-binary (PostgreSQL) or "
                             "pip install pymysql (MySQL)") from None
        except Exception as e:
            racing = type(e).__name__ == "IntegrityError" or "locked" in str(e) or "already exists" in str(e)
            if racing and attempt < 5:
                time.sleep(0.1 * 2 ** attempt)
                continue
            reason = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
            raise ValueError(f"cannot open the storage {describe_storage(url)}: {reason}") from None
