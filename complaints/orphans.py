"""Stored files no record refers to, removed once they are old enough to be sure.

A file is written before the row that names it is committed (:mod:`complaints.storage`), and
a failure between the two is undone at once, but a process killed in that moment leaves the
file behind. Every column named ``storage_key`` refers to stored files: those of the models in
the metadata and, so that a table whose model was not imported still counts, those the
database itself has. A file younger than the grace period is never touched: its complaint may
be being filed right now.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from typing import Final

import sqlalchemy as sa
from sqlalchemy.orm import Session

from barcode_db.base import Base
from complaints.storage import PhotoStore

__all__ = ["GRACE", "KEY_COLUMN", "referencing_tables", "remove_orphans"]

log = logging.getLogger(__name__)

GRACE: Final = dt.timedelta(hours=1)
"""Files younger than this are kept whatever the database says."""
KEY_COLUMN: Final = "storage_key"
BATCH: Final = 500


def referencing_tables(
    session: Session, metadata: sa.MetaData = Base.metadata
) -> list[sa.TableClause]:
    """Every table with a ``storage_key`` column: in ``metadata``, and in the database."""
    tables: dict[tuple[str | None, str], sa.TableClause] = {
        (table.schema, table.name): table
        for table in metadata.tables.values()
        if KEY_COLUMN in table.c
    }
    inspector = sa.inspect(session.connection())
    for (schema, name), columns in inspector.get_multi_columns().items():
        if (schema, name) not in tables and any(c["name"] == KEY_COLUMN for c in columns):
            tables[schema, name] = sa.table(name, sa.column(KEY_COLUMN), schema=schema)
    return list(tables.values())


def remove_orphans(
    session: Session,
    store: PhotoStore,
    *,
    now: dt.datetime,
    grace: dt.timedelta = GRACE,
    metadata: sa.MetaData = Base.metadata,
) -> int:
    """Delete the stored files modified before ``now - grace`` that no ``storage_key`` column
    names; how many. Reads only: the caller ends the transaction."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    tables = referencing_tables(session, metadata)
    if not tables:  # then nothing would count as referenced: refuse rather than delete all
        raise RuntimeError(f"no table has a {KEY_COLUMN} column: not removing anything")
    cutoff, removed, old = now - grace, 0, []
    for stored in store.listing():
        if stored.modified < cutoff:
            old.append(stored.key)
        if len(old) >= BATCH:
            removed += _remove_unreferenced(session, store, tables, old)
            old = []
    if old:
        removed += _remove_unreferenced(session, store, tables, old)
    return removed


def _remove_unreferenced(
    session: Session, store: PhotoStore, tables: Sequence[sa.TableClause], keys: list[str]
) -> int:
    # One statement over every table: on PostgreSQL (read committed) each statement sees one
    # snapshot, so a key moving from one table to another (a kept photo becoming evidence) is
    # seen in one of them, never in neither.
    selects = [sa.select(t.c[KEY_COLUMN]).where(t.c[KEY_COLUMN].in_(keys)) for t in tables]
    query = selects[0] if len(selects) == 1 else sa.union_all(*selects)
    referenced = set(session.scalars(query))
    removed = 0
    for key in keys:
        if key not in referenced:
            store.delete(key)
            log.info("removed %s: stored file no record refers to", key)
            removed += 1
    return removed
