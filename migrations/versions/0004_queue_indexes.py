"""queue indexes: priority order for every area; trigram search on PostgreSQL

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 12:30:00

"""

import logging

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")

#: Not in the models (SQLite has no such index); migrations/env.py leaves it out of comparisons.
TRIGRAM_INDEX = "ix_complaint_search_trgm"


def upgrade():
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.create_index("ix_complaint_priority_id", ["priority", "id"], unique=False)

    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    # The search box looks for words anywhere in the text: a trigram index makes that fast.
    # pg_trgm ships with PostgreSQL and is a trusted extension; without the right to create
    # it, the queue still works, only searches are slower.
    try:
        with bind.begin_nested():
            bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
            bind.execute(
                sa.text(
                    f"CREATE INDEX {TRIGRAM_INDEX} ON complaint "
                    "USING gin (search_text gin_trgm_ops)"
                )
            )
    except sa.exc.DBAPIError as error:
        log.warning("no trigram index for the complaint search (%s)", error.orig)


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        bind.execute(sa.text(f"DROP INDEX IF EXISTS {TRIGRAM_INDEX}"))
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.drop_index("ix_complaint_priority_id")
