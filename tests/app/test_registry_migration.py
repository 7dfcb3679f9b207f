"""Migration 0007: retirements of certifications, once written as a back-dated end date and kept
in the audit trail, become ``retired_at`` with the former end date back; and down again."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from app.extensions import db
from barcode_db.models import Certification
from tests.conftest import Database, make_test_app
from tests.support.database import ROOT

RETIRED_AT = dt.datetime(2026, 11, 26, 3, 0, tzinfo=dt.UTC)
BACK_DATED = dt.date(2026, 11, 25)  # what retiring wrote: the day before
FORMER_END = dt.date(2027, 12, 31)

company = sa.table(
    "company",
    sa.column("id", sa.Integer),
    sa.column("code", sa.String),
    sa.column("name", sa.String),
    sa.column("name_key", sa.String),
    sa.column("address", sa.String),
    sa.column("website", sa.String),
    sa.column("is_sample", sa.Boolean),
)
certification = sa.table(
    "certification",
    sa.column("id", sa.Integer),
    sa.column("company_id", sa.Integer),
    sa.column("subject_key", sa.String),
    sa.column("programme", sa.String),
    sa.column("year", sa.Integer),
    sa.column("valid_until", sa.Date),
    sa.column("evidence_ref", sa.String),
)
registry_event = sa.table(
    "registry_event",
    sa.column("actor", sa.String),
    sa.column("action", sa.String),
    sa.column("entity", sa.String),
    sa.column("entity_id", sa.Integer),
    sa.column("changes", sa.JSON),
    sa.column("created_at", sa.DateTime(timezone=True)),
)


def retire_event(cert_id: int, before: dt.date | None) -> dict[str, object]:
    return {
        "action": "retire",
        "entity_id": cert_id,
        "changes": {
            "valid_until": [before.isoformat() if before else None, BACK_DATED.isoformat()]
        },
        "created_at": RETIRED_AT,
    }


# id: (valid_until as stored before 0007, its events in order, retired_at and valid_until after)
CERTIFICATIONS = {
    # Retired by the old code: retired_at from the event, the former end date back.
    1: (BACK_DATED, [retire_event(1, FORMER_END)], (RETIRED_AT, FORMER_END)),
    # Retired when it had no end date: none again.
    2: (BACK_DATED, [retire_event(2, None)], (RETIRED_AT, None)),
    # Retired, then restored: current.
    3: (
        FORMER_END,
        [
            retire_event(3, FORMER_END),
            {
                "action": "restore",
                "entity_id": 3,
                "changes": {"valid_until": [BACK_DATED.isoformat(), FORMER_END.isoformat()]},
                "created_at": RETIRED_AT + dt.timedelta(hours=1),
            },
        ],
        (None, FORMER_END),
    ),
    # Retired, then an import gave it a new end date (imports wrote no event): it counted again.
    4: (dt.date(2028, 12, 31), [retire_event(4, FORMER_END)], (None, dt.date(2028, 12, 31))),
    # Ended by its own date, never retired: as it was.
    5: (dt.date(2020, 1, 1), [], (None, dt.date(2020, 1, 1))),
}


def stored(session) -> dict[int, tuple[object, object]]:
    return {
        cert_id: (retired_at, valid_until)
        for cert_id, retired_at, valid_until in session.execute(
            sa.select(Certification.id, Certification.retired_at, Certification.valid_until)
        )
    }


def test_retirements_move_out_of_the_audit_trail_and_back(database, tmp_path) -> None:
    fresh = Database(database.url if database.schema else f"sqlite:///{tmp_path / 'm.sqlite3'}")
    fresh.create_schema()
    migrations = str(ROOT / "migrations")
    try:
        app = make_test_app(fresh, tmp_path)
        with app.app_context():
            upgrade(directory=migrations, revision="0006")
            with db.engine.begin() as conn:
                conn.execute(
                    company.insert().values(
                        id=1,
                        code="ACME",
                        name="ACME",
                        name_key="acme",
                        address="",
                        website="",
                        is_sample=False,
                    )
                )
                for cert_id, (valid_until, events, _) in CERTIFICATIONS.items():
                    conn.execute(
                        certification.insert().values(
                            id=cert_id,
                            company_id=1,
                            subject_key="",
                            programme="ocop",
                            year=2020 + cert_id,
                            valid_until=valid_until,
                            evidence_ref="",
                        )
                    )
                    for event in events:
                        conn.execute(
                            registry_event.insert().values(
                                actor="staff1", entity="certification", **event
                            )
                        )

            upgrade(directory=migrations, revision="0007")
            assert stored(db.session) == {
                cert_id: after for cert_id, (_, _, after) in CERTIFICATIONS.items()
            }
            db.session.remove()

            downgrade(directory=migrations, revision="0006")
            with db.engine.connect() as conn:
                ends = dict(
                    conn.execute(sa.select(certification.c.id, certification.c.valid_until))
                    .tuples()
                    .all()
                )
                columns = {c["name"] for c in sa.inspect(conn).get_columns("certification")}
            assert "retired_at" not in columns
            # The retired ones end the day before their retirement again; the others as they were.
            assert ends == {
                1: BACK_DATED,
                2: BACK_DATED,
                3: FORMER_END,
                4: dt.date(2028, 12, 31),
                5: dt.date(2020, 1, 1),
            }
            db.engine.dispose()
    finally:
        fresh.drop_schema()
