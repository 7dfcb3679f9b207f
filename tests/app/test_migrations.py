"""Migrations build exactly the tables the models describe."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade

from app.extensions import db
from tests.conftest import Database, make_test_app


def include_name(name, type_, parent_names):
    # The trigram search index exists on PostgreSQL only and is made by migration 0004.
    return not (type_ == "index" and name == "ix_complaint_search_trgm")


def test_upgrade_on_an_empty_database_matches_the_models(database, tmp_path) -> None:
    # A database of its own: a fresh SQLite file, or a fresh schema on PostgreSQL.
    fresh = Database(database.url if database.schema else f"sqlite:///{tmp_path / 'm.sqlite3'}")
    fresh.create_schema()
    try:
        app = make_test_app(fresh, tmp_path)
        with app.app_context():
            upgrade()
            with db.engine.connect() as conn:
                context = MigrationContext.configure(
                    conn, opts={"compare_type": True, "include_name": include_name}
                )
                diff = compare_metadata(context, db.metadata)
                tables = set(sa.inspect(conn).get_table_names())
            db.engine.dispose()
        assert diff == []
        assert {"company", "company_prefix", "brand", "product", "certification"} <= tables
    finally:
        fresh.drop_schema()
