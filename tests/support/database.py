"""The test database: built once per session by the migrations, a savepoint per test.

Most tests run inside one transaction that is rolled back at their end (Warehouse's pattern,
SQLAlchemy's "joining a session into an external transaction"): the app's engine is swapped, for
the length of the test, for one connection with an open transaction, and every session the app
makes (the test's own, each request's) joins it with ``join_transaction_mode="create_savepoint"``.
A ``commit()`` releases a savepoint, a ``rollback()`` returns to one; nothing outlives the test.

Tests whose work must cross connections (a live server's threads, racing requests, what one
transaction must not see of another's) ask for ``real_transactions``: they commit for real, and
the tables are emptied after them.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parents[2]


def is_postgresql(url: str) -> bool:
    return url.startswith("postgresql")


class Database:
    """Where this test session keeps its tables: a URL, and on PostgreSQL a schema of its own."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.schema = f"test_{os.getpid()}_{secrets.token_hex(4)}" if is_postgresql(url) else None

    @property
    def engine_options(self) -> dict[str, object]:
        if self.schema is None:
            return {}
        # public stays on the path for extensions installed there (pg_trgm).
        return {"connect_args": {"options": f"-csearch_path={self.schema},public"}}

    def create_schema(self) -> None:
        if self.schema is None:
            return
        engine = sa.create_engine(self.url)
        try:
            with engine.begin() as conn:
                conn.execute(sa.text(f'CREATE SCHEMA "{self.schema}"'))
        except sa.exc.OperationalError as exc:
            pytest.skip(f"PostgreSQL at {self.url} is not reachable: {exc.orig}")
        finally:
            engine.dispose()

    def drop_schema(self) -> None:
        if self.schema is None:
            return
        engine = sa.create_engine(self.url)
        with engine.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE'))
        engine.dispose()


@contextmanager
def rolled_back(engines: MutableMapping[str | None, object]) -> Iterator[sa.Connection]:
    """One connection in a transaction stands in for the app's engine; rolled back at the end.

    ``engines`` is Flask-SQLAlchemy's ``db.engines`` of the app: its sessions look their bind up
    there, so each one (made with ``join_transaction_mode="create_savepoint"``) works in a
    savepoint of this connection's transaction.
    """
    engine = engines[None]
    assert isinstance(engine, sa.Engine)
    with engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            # pysqlite begins transactions by itself, and not before a SAVEPOINT: the first
            # savepoint released would then commit. SQLAlchemy's recipe for savepoints on
            # SQLite: pysqlite manages nothing (reset when the connection returns to the pool),
            # and the transaction is begun here.
            connection.execution_options(isolation_level="AUTOCOMMIT")
            outer = connection.begin()
            connection.exec_driver_sql("BEGIN")
        else:
            outer = connection.begin()
        engines[None] = connection
        try:
            yield connection
        finally:
            engines[None] = engine
            outer.rollback()


def empty_tables(engine: sa.Engine, metadata: sa.MetaData) -> None:
    """Delete every row of the models' tables (after a test that committed for real)."""
    with engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            conn.execute(table.delete())


def tables_with_rows(engine: sa.Engine, metadata: sa.MetaData) -> list[str]:
    with engine.connect() as conn:
        return [
            table.name
            for table in metadata.sorted_tables
            if conn.scalar(sa.select(sa.func.count()).select_from(table))
        ]


#: ``session.info`` key: the session wrote in its current transaction.
WROTE = "tests.wrote"


def track_writes(session: Session) -> None:
    """Note in ``session.info`` when the session writes in its current transaction."""

    def wrote(session: Session, *args: object) -> None:
        session.info[WROTE] = True

    def on_execute(state: sa.orm.ORMExecuteState) -> None:
        if state.is_insert or state.is_update or state.is_delete:
            state.session.info[WROTE] = True

    def ended(session: Session, transaction: sa.orm.SessionTransaction) -> None:
        if transaction.parent is None:
            session.info.pop(WROTE, None)

    sa.event.listen(session, "after_flush", wrote)
    sa.event.listen(session, "do_orm_execute", on_execute)
    sa.event.listen(session, "after_transaction_end", ended)


def end_clean_transaction(session: Session) -> None:
    """End the session's transaction if it only read, keeping what it loaded as it was.

    The test's session and a request's share one connection, where savepoints nest: a request
    made while the test's session has a savepoint open would write inside it, and the test's
    next ``rollback()`` (to read afresh what the request committed) would undo the request.
    With separate connections, as in production, the test's transaction would not hold the
    request's work; releasing the test's savepoint first gives the same. A transaction that
    wrote, or has changes waiting, is left alone (a request sees flushed rows: a test that needs
    them hidden asks for ``real_transactions``).
    """
    if not session.in_transaction() or session.info.get(WROTE):
        return
    if session.new or session.dirty or session.deleted:
        return
    keep = session.expire_on_commit
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = keep
