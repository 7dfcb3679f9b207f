"""background_job: large exports, PDFs of many case files and report files made by a worker

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-27 22:00:00

A staff member's request for a file too big to make within a web request becomes a row here; a
worker (Huey, ``flask jobs worker``) runs it, recording its progress, and stores the file made in
the photo store until ``expires_at`` (``flask complaints refresh`` removes it then). The table
starts empty; the downgrade drops it (files of jobs still kept are left in the store, where the
next orphan clean-up removes them).
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "background_job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "export_csv",
                "export_xlsx",
                "export_pdf",
                "report_pdf",
                "report_xlsx",
                name="jobkind",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "queued",
                "running",
                "done",
                "failed",
                "expired",
                name="jobstatus",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("storage_key", sa.String(length=120), nullable=True),
        sa.Column("filename", sa.String(length=120), nullable=False),
        sa.Column("mimetype", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("error", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "done >= 0 AND total >= 0", name=op.f("ck_background_job_progress_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_background_job_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_background_job")),
        sa.UniqueConstraint("storage_key", name=op.f("uq_background_job_storage_key")),
    )
    with op.batch_alter_table("background_job", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_background_job_created_at"), ["created_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_background_job_expires_at"), ["expires_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_background_job_user_id"), ["user_id"], unique=False)
        batch_op.create_index(
            "ix_background_job_status_heartbeat", ["status", "heartbeat_at"], unique=False
        )


def downgrade():
    with op.batch_alter_table("background_job", schema=None) as batch_op:
        batch_op.drop_index("ix_background_job_status_heartbeat")
        batch_op.drop_index(batch_op.f("ix_background_job_user_id"))
        batch_op.drop_index(batch_op.f("ix_background_job_expires_at"))
        batch_op.drop_index(batch_op.f("ix_background_job_created_at"))
    op.drop_table("background_job")
