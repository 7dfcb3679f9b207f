"""staged_photo: photos of a report form that came back with an error are kept for that form

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 09:00:00

A shopper who attached photos and forgot the province got the form back without them. Each such
photo is now prepared as at filing, stored through the photo store, and recorded here under the
form's idempotency key; filing with that key makes it the complaint's evidence (same file), and
``flask complaints refresh`` removes those that expired. The table starts empty; the downgrade
drops it (files of photos still staged then are left in the store).
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "staged_photo",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("form_key", sa.String(length=80), nullable=False),
        sa.Column("filename", sa.String(length=120), nullable=False),
        sa.Column("storage_key", sa.String(length=120), nullable=False),
        sa.Column("sha256_original", sa.String(length=64), nullable=False),
        sa.Column("sha256_stored", sa.String(length=64), nullable=False),
        sa.Column("original_format", sa.String(length=10), nullable=False),
        sa.Column("original_bytes", sa.Integer(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("staged_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staged_photo")),
        sa.UniqueConstraint("storage_key", name=op.f("uq_staged_photo_storage_key")),
    )
    with op.batch_alter_table("staged_photo", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_staged_photo_form_key"), ["form_key"], unique=False)
        batch_op.create_index(batch_op.f("ix_staged_photo_staged_at"), ["staged_at"], unique=False)


def downgrade():
    with op.batch_alter_table("staged_photo", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staged_photo_staged_at"))
        batch_op.drop_index(batch_op.f("ix_staged_photo_form_key"))
    op.drop_table("staged_photo")
