"""Shared fixtures: the app from the factory, a database session isolated per test, a client,
a runner.

The database is SQLite in a temporary file unless ``TEST_DATABASE_URL`` names another one. On
PostgreSQL each test session works in a schema of its own, made at the start and dropped at the
end, so runs never see each other's tables on a shared server. Either way the tables are made
once, by the migrations (``flask db upgrade``), and each test runs in a transaction rolled back
at its end (tests/support/database.py); a test that must commit for real, across connections or
threads, asks for ``real_transactions`` and the tables are emptied after it.
"""

from __future__ import annotations

import contextvars
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask, has_app_context
from flask.testing import FlaskClient
from flask_migrate import upgrade

from app import create_app
from app.config import normalise_database_url
from app.extensions import db, limiter, registry_cache
from app.surveys import results_cache
from tests.support.database import (
    ROOT,
    Database,
    empty_tables,
    end_clean_transaction,
    rolled_back,
    tables_with_rows,
    track_writes,
)

__all__ = ["Database", "IsolatedClient", "make_test_app"]

pytest_plugins = [
    "tests.support.factories",
    "tests.support.surveys",
    "tests.support.s3",
    "tests.support.jobs",
]


def _database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return normalise_database_url(url)
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


def make_test_app(database: Database, instance: Path, **overrides: object) -> Flask:
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database.url,
        "SQLALCHEMY_ENGINE_OPTIONS": database.engine_options,
        "SERVER_NAME": None,
        **overrides,
    }
    app = create_app(config)
    app.instance_path = str(instance)
    app.test_client_class = IsolatedClient
    return app


@pytest.fixture(scope="session")
def database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    database = Database(_database_url(tmp_path_factory))
    database.create_schema()
    yield database
    database.drop_schema()


@pytest.fixture(scope="session")
def app(database: Database, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    app = make_test_app(database, tmp_path_factory.mktemp("instance"))
    # Only matters for a session bound to a connection (as in db_session below): it then works
    # in a savepoint of the connection's transaction, and commit() / rollback() stay inside it.
    # Sessions bound to the engine (real_transactions, other test apps) are unaffected.
    db.session.session_factory.configure(join_transaction_mode="create_savepoint")
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))  # flask db upgrade
        db.session.remove()
    yield app
    with app.app_context():
        db.session.remove()
        left = tables_with_rows(db.engine, db.metadata)
        db.engine.dispose()
    assert left == [], f"tests left rows behind in {left}"


def _wants_real_transactions(request: pytest.FixtureRequest) -> bool:
    return "real_transactions" in request.fixturenames or bool(
        request.node.get_closest_marker("real_transactions")
    )


@pytest.fixture
def real_transactions() -> None:
    """Commits are real, for tests whose work crosses connections or threads (a live server,
    racing requests, what one transaction must not see of another's); the tables are emptied
    after the test. Ask for this fixture or mark the test ``real_transactions``."""


@pytest.fixture
def db_session(app: Flask, request: pytest.FixtureRequest) -> Iterator[sa.orm.scoped_session]:
    """The app's session inside an app context; what the test did is rolled back at its end."""
    with app.app_context():
        if _wants_real_transactions(request):
            try:
                yield db.session
            finally:
                db.session.remove()
                empty_tables(db.engine, db.metadata)
        else:
            with rolled_back(db.engines):  # type: ignore[arg-type]
                try:
                    track_writes(db.session())
                    yield db.session
                finally:
                    db.session.remove()
    registry_cache.clear()
    results_cache.clear()
    limiter.reset()


class IsolatedClient(FlaskClient):
    """Runs each request in an application context of its own, as a real server does.

    Tests hold one app context open for their database session; a request run in a fresh
    ``contextvars.Context`` cannot see it, so it pushes its own: its own ``g`` (the chosen
    language, the CSP nonce) and its own database session. In the test's transaction that
    session sees what the test's session flushed; before each request the test's session ends
    a transaction in which it only read (``end_clean_transaction``), so that the request's
    savepoint does not nest in the test's.
    """

    def open(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        # Streamed bodies are read here too, inside the request's own context.
        kwargs.setdefault("buffered", True)
        if has_app_context() and isinstance(db.engine, sa.Connection) and db.session.registry.has():
            end_clean_transaction(db.session())
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture
def client(app: Flask, db_session):
    return app.test_client()


@pytest.fixture
def runner(app: Flask, db_session):
    return app.test_cli_runner()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests that never reach the ``database`` fixture are marked ``nodb``: the database plays
    no part in them, so CI runs them once (on SQLite), not again on PostgreSQL."""
    for item in items:
        if "database" not in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.nodb)
