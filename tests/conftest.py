"""Shared fixtures: the app from the factory, a clean database per test, a client, a runner.

The database is SQLite in a temporary file unless ``TEST_DATABASE_URL`` names another one. On
PostgreSQL each test session works in a schema of its own, made at the start and dropped at the
end, so runs never see each other's tables on a shared server.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.globals import _cv_app
from flask.testing import FlaskClient

from app import create_app
from app.config import normalise_database_url
from app.extensions import db, limiter, registry_cache

pytest_plugins = ["tests.support.factories"]


def _database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return normalise_database_url(url)
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


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
    with app.app_context():
        db.create_all()  # tests only; the migration test proves the migrations build the same
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _empty_all_tables() -> None:
    db.session.rollback()
    with db.engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            conn.execute(table.delete())
    registry_cache.clear()
    limiter.reset()


@pytest.fixture
def db_session(app: Flask) -> Iterator[sa.orm.scoped_session]:
    """The app's session inside an app context; every table is emptied after the test."""
    with app.app_context():
        yield db.session
        _empty_all_tables()
        db.session.remove()


class IsolatedClient(FlaskClient):
    """Runs each request in an application context of its own, as a real server does.

    Tests hold one app context open for their database session; without this, requests would
    share its ``g`` (the chosen language, the CSP nonce) and its database session, and could see
    rows the test never committed.
    """

    def open(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        # Streamed bodies are read here too, inside the request's own context.
        kwargs.setdefault("buffered", True)
        token = _cv_app.set(None)
        try:
            return super().open(*args, **kwargs)
        finally:
            _cv_app.reset(token)


@pytest.fixture
def client(app: Flask, db_session):
    app.test_client_class = IsolatedClient
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
