"""queue indexes by province and verdict level; trigram search across words on PostgreSQL

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27 09:00:00

"""

import logging

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")

#: Carried in the index on PostgreSQL (INCLUDE) so that the queue's capped count in a province is
#: an index-only scan whatever the filter; SQLite ignores the option.
FILTERED_COLUMNS = [
    "category",
    "verdict_level",
    "commune_code",
    "assigned_to_id",
    "deadline_at",
    "created_at",
    "photo_count",
]

#: Made in 0004, not in the models (SQLite has no such index); migrations/env.py leaves it out
#: of comparisons by this name.
TRIGRAM_INDEX = "ix_complaint_search_trgm"


def _trigram_index(on: str) -> None:
    """Rebuild the trigram index over ``on``; without pg_trgm the old index stays as it was."""
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    try:
        with bind.begin_nested():
            bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
            bind.execute(sa.text(f"DROP INDEX IF EXISTS {TRIGRAM_INDEX}"))
            bind.execute(
                sa.text(f"CREATE INDEX {TRIGRAM_INDEX} ON complaint USING gin ({on} gin_trgm_ops)")
            )
            # Statistics of an indexed expression are gathered by ANALYZE only.
            bind.execute(sa.text("ANALYZE complaint"))
    except sa.exc.DBAPIError as error:
        log.warning("no trigram index for the complaint search (%s)", error.orig)


def upgrade():
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.create_index(
            "ix_complaint_province_status_priority",
            ["province_code", "status", "priority", "id"],
            unique=False,
            postgresql_include=FILTERED_COLUMNS,
        )
        batch_op.create_index(
            "ix_complaint_province_created", ["province_code", "created_at", "id"], unique=False
        )
        batch_op.create_index(
            "ix_complaint_level_priority", ["verdict_level", "priority", "id"], unique=False
        )
    # The search text without its spaces (complaints.queries._contains): trigrams then span
    # words, so a search of several words finds few candidates to check.
    _trigram_index("(replace(search_text, ' ', ''))")


def downgrade():
    _trigram_index("search_text")
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.drop_index("ix_complaint_level_priority")
        batch_op.drop_index("ix_complaint_province_created")
        batch_op.drop_index("ix_complaint_province_status_priority")
