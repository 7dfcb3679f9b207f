"""catalogue facts: product and brand categories; where a company makes its goods, the group it
belongs to, and where and when these facts were checked

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-27 17:00:00

Issue 14: the registry becomes a catalogue. Every new column is empty or NULL on existing rows
(nothing is guessed); the downgrade drops them.
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("company") as batch:
        batch.add_column(sa.Column("made_in", sa.String(300), nullable=False, server_default=""))
        batch.add_column(
            sa.Column("owner_group", sa.String(200), nullable=False, server_default="")
        )
        batch.add_column(sa.Column("owner_country", sa.String(2), nullable=True))
        batch.add_column(sa.Column("source", sa.String(300), nullable=False, server_default=""))
        batch.add_column(sa.Column("checked_on", sa.Date(), nullable=True))
    with op.batch_alter_table("brand") as batch:
        batch.add_column(sa.Column("category", sa.String(40), nullable=True))
    with op.batch_alter_table("product") as batch:
        batch.add_column(sa.Column("category", sa.String(40), nullable=True))
        batch.create_index("ix_product_category", ["category"])


def downgrade():
    with op.batch_alter_table("product") as batch:
        batch.drop_index("ix_product_category")
        batch.drop_column("category")
    with op.batch_alter_table("brand") as batch:
        batch.drop_column("category")
    with op.batch_alter_table("company") as batch:
        for name in ("checked_on", "source", "owner_country", "owner_group", "made_in"):
            batch.drop_column(name)
