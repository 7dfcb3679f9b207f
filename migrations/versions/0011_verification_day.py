"""verification_day: checks made by shoppers, counted by day, level, GS1 organisation, category,
chosen province and channel (no personal data)

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-28 10:00:00

Issue 14, item 5 (complaints/campaign.py). The key columns hold "" for "none" (a primary key has
no NULLs), so the app's upsert finds the row on SQLite and PostgreSQL alike.
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "verification_day",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("level", sa.String(20), nullable=False),
        sa.Column("gs1", sa.String(10), nullable=False),
        sa.Column("category", sa.String(40), nullable=False),
        sa.Column("province_code", sa.String(2), nullable=False),
        sa.Column("channel", sa.String(10), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "day",
            "level",
            "gs1",
            "category",
            "province_code",
            "channel",
            name="pk_verification_day",
        ),
    )


def downgrade():
    op.drop_table("verification_day")
