"""certification.retired_at: retiring a certification no longer back-dates valid_until

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28 09:00:00

Until now an administrator's retirement of a certification set ``valid_until`` to the day before,
and the audit event of the retirement kept the former end date, which "restore" read back. The
upgrade turns each such retirement into ``retired_at`` (the time of the retire event) and puts
the former end date back, so that nothing reads state out of the audit log any more. A
certification counts as retired when its latest audit event is a retirement and its end date is
still the one the retirement wrote (an import that changed the date since made it count again,
and it stays so).

The downgrade writes retirements back as an end date the day before ``retired_at`` (where that
is earlier than the end date); a later "restore" under the old code cannot bring the former end
date back, since new retire events do not hold it.
"""

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

certification = sa.table(
    "certification",
    sa.column("id", sa.Integer),
    sa.column("valid_until", sa.Date),
    sa.column("retired_at", sa.DateTime(timezone=True)),
)
registry_event = sa.table(
    "registry_event",
    sa.column("id", sa.Integer),
    sa.column("action", sa.String),
    sa.column("entity", sa.String),
    sa.column("entity_id", sa.Integer),
    sa.column("changes", sa.JSON),
    sa.column("created_at", sa.DateTime(timezone=True)),
)


def _date(value):
    return dt.date.fromisoformat(value) if value else None


def upgrade():
    with op.batch_alter_table("certification", schema=None) as batch_op:
        batch_op.add_column(sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True))

    bind = op.get_bind()
    latest = {}
    for event in bind.execute(
        sa.select(
            registry_event.c.entity_id,
            registry_event.c.action,
            registry_event.c.changes,
            registry_event.c.created_at,
        )
        .where(registry_event.c.entity == "certification")
        .order_by(registry_event.c.id)
    ):
        latest[event.entity_id] = event
    for certification_id, event in latest.items():
        if event.action != "retire":
            continue
        before, after = (event.changes or {}).get("valid_until") or [None, None]
        bind.execute(
            certification.update()
            .where(certification.c.id == certification_id)
            .where(
                certification.c.valid_until == _date(after)
                if after
                else certification.c.valid_until.is_(None)
            )
            .values(retired_at=event.created_at, valid_until=_date(before))
        )


def downgrade():
    bind = op.get_bind()
    for row in bind.execute(
        sa.select(
            certification.c.id, certification.c.valid_until, certification.c.retired_at
        ).where(certification.c.retired_at.is_not(None))
    ):
        retired_at = row.retired_at
        if retired_at.tzinfo is not None:  # PostgreSQL gives it in the session's zone
            retired_at = retired_at.astimezone(dt.UTC)
        ended = retired_at.date() - dt.timedelta(days=1)
        if row.valid_until is None or row.valid_until > ended:
            bind.execute(
                certification.update().where(certification.c.id == row.id).values(valid_until=ended)
            )

    with op.batch_alter_table("certification", schema=None) as batch_op:
        batch_op.drop_column("retired_at")
