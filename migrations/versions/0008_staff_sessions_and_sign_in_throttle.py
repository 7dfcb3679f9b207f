"""staff_session and sign_in_throttle: sign-outs end sessions, failures counted per username

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 09:00:00

Each sign-in becomes a ``staff_session`` row; the cookie carries its random key (the table only
its SHA-256), and signing out deletes the row, so a copied cookie no longer works after it.
Cookies made before this revision held ``<user id>:<session_token>`` and match no row: everyone
signs in once more after the upgrade.

Failed sign-ins move from ``user_account.failed_logins`` / ``locked_until`` to
``sign_in_throttle``, one row per username typed, known or not, counted before the password is
checked. The upgrade carries current counts and locks over (a lock as five failures with its end
time); the downgrade carries them back to the accounts whose names they are.
"""

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

MAX_FAILED_LOGINS = 5
LOCKOUT = dt.timedelta(minutes=15)

user_account = sa.table(
    "user_account",
    sa.column("username", sa.String),
    sa.column("failed_logins", sa.Integer),
    sa.column("locked_until", sa.DateTime(timezone=True)),
)
sign_in_throttle = sa.table(
    "sign_in_throttle",
    sa.column("username", sa.String),
    sa.column("failures", sa.Integer),
    sa.column("locked_until", sa.DateTime(timezone=True)),
    sa.column("last_attempt_at", sa.DateTime(timezone=True)),
)


def _utc(value):
    if value is None:
        return None
    # SQLite gives naive values (stored as UTC); PostgreSQL gives them in the session's zone.
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def upgrade():
    op.create_table(
        "sign_in_throttle",
        sa.Column("username", sa.String(length=60), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("username", name=op.f("pk_sign_in_throttle")),
    )
    with op.batch_alter_table("sign_in_throttle", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sign_in_throttle_last_attempt_at"), ["last_attempt_at"], unique=False
        )

    op.create_table(
        "staff_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("account_token", sa.String(length=43), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_staff_session_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_session")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_staff_session_key_hash")),
    )
    with op.batch_alter_table("staff_session", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_staff_session_expires_at"), ["expires_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_staff_session_user_id"), ["user_id"], unique=False)

    bind = op.get_bind()
    now = dt.datetime.now(dt.UTC)
    rows = []
    for account in bind.execute(
        sa.select(
            user_account.c.username, user_account.c.failed_logins, user_account.c.locked_until
        ).where(
            sa.or_(user_account.c.failed_logins > 0, user_account.c.locked_until.is_not(None))
        )
    ):
        locked_until = _utc(account.locked_until)
        if locked_until is not None and locked_until > now:
            rows.append(
                {
                    "username": account.username,
                    "failures": MAX_FAILED_LOGINS,
                    "locked_until": locked_until,
                    "last_attempt_at": locked_until - LOCKOUT,
                }
            )
        elif account.failed_logins:
            rows.append(
                {
                    "username": account.username,
                    "failures": min(account.failed_logins, MAX_FAILED_LOGINS - 1),
                    "locked_until": None,
                    "last_attempt_at": now,
                }
            )
    if rows:
        bind.execute(sign_in_throttle.insert(), rows)

    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_column("locked_until")
        batch_op.drop_column("failed_logins")


def downgrade():
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("failed_logins", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True))
    # The model of 0007 has no server default: existing rows only needed one to be added.
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.alter_column("failed_logins", server_default=None)

    bind = op.get_bind()
    now = dt.datetime.now(dt.UTC)
    for throttle in bind.execute(sa.select(sign_in_throttle)):
        locked_until = _utc(throttle.locked_until)
        locked = locked_until is not None and locked_until > now
        bind.execute(
            user_account.update()
            .where(user_account.c.username == throttle.username)
            .values(
                failed_logins=0 if locked else min(throttle.failures, MAX_FAILED_LOGINS - 1),
                locked_until=locked_until if locked else None,
            )
        )

    with op.batch_alter_table("staff_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staff_session_user_id"))
        batch_op.drop_index(batch_op.f("ix_staff_session_expires_at"))
    op.drop_table("staff_session")

    with op.batch_alter_table("sign_in_throttle", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sign_in_throttle_last_attempt_at"))
    op.drop_table("sign_in_throttle")
