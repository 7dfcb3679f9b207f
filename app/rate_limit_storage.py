"""Rate-limit counters in a SQLite file: one count for every worker process on the machine.

Flask-Limiter's ``memory://`` storage counts in each process, so gunicorn's N workers let N times
each limit through. Without Redis (``REDIS_URL``), the default storage is this one: a SQLite file
in the instance folder, opened by every worker. A hit is one ``INSERT ... ON CONFLICT DO UPDATE
... RETURNING`` statement, which SQLite runs as a transaction of its own holding the write lock
from its first step (as ``BEGIN IMMEDIATE`` would, one round trip fewer): no two workers read the
same count. The file is in WAL mode, so reads (the rate-limit headers) do not wait for writes,
and counters need no durability (``synchronous=NORMAL``): a hit costs about 30 µs, the headers'
two reads 5 µs each. One machine only: several machines share limits through Redis.

The URI is SQLAlchemy's: ``sqlite:////absolute/path.sqlite3`` or ``sqlite:///relative/path``.
Registered with ``limits`` on import (by its ``STORAGE_SCHEME``); supports the fixed-window
strategy, Flask-Limiter's default and the app's.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, ClassVar

from limits.errors import ConfigurationError
from limits.storage import Storage

SCHEME = "sqlite"

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS rate_limit ("
    " key TEXT PRIMARY KEY, count INTEGER NOT NULL, expires_at REAL NOT NULL"
    ") WITHOUT ROWID",
    "CREATE INDEX IF NOT EXISTS rate_limit_expires_at ON rate_limit (expires_at)",
)
# A key past its expiry starts again at ``amount``, with a new expiry (as limits' own storages).
_INCR = (
    "INSERT INTO rate_limit (key, count, expires_at) VALUES (:key, :amount, :expires_at)"
    " ON CONFLICT (key) DO UPDATE SET"
    " count = CASE WHEN expires_at <= :now THEN excluded.count ELSE count + excluded.count END,"
    " expires_at = CASE WHEN expires_at <= :now THEN excluded.expires_at ELSE expires_at END"
    " RETURNING count"
)


def path_of(uri: str) -> str:
    """The file a ``sqlite:///...`` URI names (one slash after ``//`` separates, as in
    SQLAlchemy: four slashes make an absolute path)."""
    scheme, separator, rest = uri.partition("://")
    path = rest[1:] if rest.startswith("/") else rest
    if scheme != SCHEME or not separator or not path or path == ":memory:":
        raise ConfigurationError(f"a SQLite rate-limit storage needs a file: {uri!r}")
    return path


class SQLiteStorage(Storage):
    """Fixed-window counters shared by the processes of one machine through a SQLite file."""

    STORAGE_SCHEME: ClassVar[list[str]] = [SCHEME]
    #: Each process deletes expired counters at most this often (seconds).
    PURGE_INTERVAL: ClassVar[float] = 60.0

    def __init__(
        self, uri: str, wrap_exceptions: bool = False, **options: float | str | bool
    ) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self.path = path_of(uri)
        #: Seconds a worker waits for another's write lock before the hit fails.
        self.timeout = float(options.get("timeout", 5.0))
        self._local = threading.local()
        # Connections made before a fork (gunicorn --preload) stay with the parent: a child
        # must not use them, nor close them (SQLite's locks are per process).
        self._inherited: list[sqlite3.Connection] = []
        self._next_purge = 0.0

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return sqlite3.Error

    def _connection(self) -> sqlite3.Connection:
        """This thread's connection (one per thread and process), made on first use."""
        local = self._local
        if getattr(local, "pid", None) != os.getpid():
            if getattr(local, "connection", None) is not None:
                self._inherited.append(local.connection)
            local.connection = self._connect()
            local.pid = os.getpid()
        connection: sqlite3.Connection = local.connection
        return connection

    def _connect(self) -> sqlite3.Connection:
        # isolation_level=None: the sqlite3 module opens no transactions; each statement is one.
        connection = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None)
        connection.execute("PRAGMA synchronous=NORMAL")
        # Switching a new file to WAL needs it to itself, and SQLite may say "locked" at once
        # rather than wait when workers start together: then try again, within the timeout.
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                (mode,) = connection.execute("PRAGMA journal_mode").fetchone()
                if mode != "wal":
                    connection.execute("PRAGMA journal_mode=WAL")
                with _immediate(connection):
                    for statement in _SCHEMA:
                        connection.execute(statement)
                return connection
            except sqlite3.OperationalError:
                if time.monotonic() >= deadline:
                    connection.close()
                    raise
                time.sleep(0.01)

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        """Add ``amount`` to the key's count and return the new count, atomically."""
        connection = self._connection()
        now = time.time()
        # fetchall: the statement runs to its end, which commits it.
        ((count,),) = connection.execute(
            _INCR, {"key": key, "amount": amount, "expires_at": now + expiry, "now": now}
        ).fetchall()
        if now >= self._next_purge:
            self._next_purge = now + self.PURGE_INTERVAL
            connection.execute("DELETE FROM rate_limit WHERE expires_at <= ?", (now,))
        return int(count)

    def get(self, key: str) -> int:
        row = (
            self._connection()
            .execute(
                "SELECT count FROM rate_limit WHERE key = ? AND expires_at > ?", (key, time.time())
            )
            .fetchone()
        )
        return int(row[0]) if row else 0

    def get_expiry(self, key: str) -> float:
        now = time.time()
        row = (
            self._connection()
            .execute(
                "SELECT expires_at FROM rate_limit WHERE key = ? AND expires_at > ?", (key, now)
            )
            .fetchone()
        )
        return float(row[0]) if row else now

    def check(self) -> bool:
        try:
            self._connection().execute("SELECT 1").fetchall()
        except sqlite3.Error:
            return False
        return True

    def reset(self) -> int | None:
        return self._connection().execute("DELETE FROM rate_limit").rowcount

    def clear(self, key: str) -> None:
        self._connection().execute("DELETE FROM rate_limit WHERE key = ?", (key,))


@contextmanager
def _immediate(connection: sqlite3.Connection) -> Iterator[Any]:
    """A transaction that holds the write lock from its start: commits, or rolls back on error."""
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield connection
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")
