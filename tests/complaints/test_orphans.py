"""complaints.orphans: stored files no ``storage_key`` column names are removed once older than
the grace period; referenced files, young files and what is not a key are kept.

On a database of its own (the rule does not depend on the app's tables): one table declared in
the metadata given, one the database has but the metadata does not (as a table whose model was
not imported), one without a ``storage_key`` column.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from complaints import orphans
from complaints.orphans import GRACE, referencing_tables, remove_orphans
from complaints.storage import LocalPhotoStore, new_key

NOW = dt.datetime(2026, 11, 27, 3, 0, tzinfo=dt.UTC)
TODAY = NOW.date()

METADATA = sa.MetaData()
DECLARED = sa.Table(
    "declared_files",
    METADATA,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("storage_key", sa.String(120)),
)
UNRELATED = sa.Table(
    "unrelated",
    METADATA,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("key", sa.String(120)),  # another name: not a stored file
)


@pytest.fixture
def session(tmp_path: Path) -> Iterator[Session]:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'orphans.sqlite3'}")
    METADATA.create_all(engine)
    with engine.begin() as connection:
        connection.execute(
            sa.text("CREATE TABLE undeclared_files (id INTEGER PRIMARY KEY, storage_key TEXT)")
        )
    with Session(engine) as session:
        yield session
    engine.dispose()


@pytest.fixture
def store(tmp_path: Path) -> LocalPhotoStore:
    return LocalPhotoStore(tmp_path / "uploads")


def stored_at(store: LocalPhotoStore, when: dt.datetime, name: str | None = None) -> str:
    """A new stored file last modified at ``when``; its key."""
    key = name or new_key(TODAY)
    store.put(key, b"photo")
    os.utime(store.path(key), (when.timestamp(), when.timestamp()))
    return key


def refer(session: Session, table: str, key: str) -> None:
    session.execute(sa.text(f"INSERT INTO {table} (storage_key) VALUES (:key)"), {"key": key})
    session.commit()


def keys_of(store: LocalPhotoStore) -> set[str]:
    return {stored.key for stored in store.listing()}


def test_every_storage_key_column_counts_declared_or_not(session: Session) -> None:
    names = {table.name for table in referencing_tables(session, METADATA)}
    assert names == {"declared_files", "undeclared_files"}


def test_old_unreferenced_files_go_referenced_and_young_ones_stay(
    session: Session, store: LocalPhotoStore
) -> None:
    old = NOW - GRACE - dt.timedelta(minutes=1)
    orphan = stored_at(store, old)
    in_declared = stored_at(store, old)
    in_undeclared = stored_at(store, old)
    refer(session, "declared_files", in_declared)
    refer(session, "undeclared_files", in_undeclared)
    in_unrelated = stored_at(store, old)  # named in a column not called storage_key: an orphan
    session.execute(sa.insert(UNRELATED).values(key=in_unrelated))
    young = stored_at(store, NOW - dt.timedelta(minutes=5))  # a report being filed right now
    at_the_limit = stored_at(store, NOW - GRACE)  # not older than the grace period: kept
    half_written = store.path(orphan).parent / ".tmp-x1.part"
    half_written.write_bytes(b"a put in progress")
    os.utime(half_written, (old.timestamp(), old.timestamp()))

    removed = remove_orphans(session, store, now=NOW, metadata=METADATA)

    assert removed == 2
    assert keys_of(store) == {in_declared, in_undeclared, young, at_the_limit}
    assert half_written.exists()  # not a key: never the sweep's to remove


def test_batches_see_every_file(
    session: Session, store: LocalPhotoStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(orphans, "BATCH", 2)
    old = NOW - dt.timedelta(days=3)
    kept = [stored_at(store, old) for _ in range(3)]
    for key in kept:
        refer(session, "declared_files", key)
    for _ in range(4):
        stored_at(store, old)

    assert remove_orphans(session, store, now=NOW, metadata=METADATA) == 4
    assert keys_of(store) == set(kept)


def test_a_longer_grace_keeps_more(session: Session, store: LocalPhotoStore) -> None:
    two_hours_old = stored_at(store, NOW - dt.timedelta(hours=2))
    stored_at(store, NOW - dt.timedelta(days=1))

    removed = remove_orphans(
        session, store, now=NOW, grace=dt.timedelta(hours=3), metadata=METADATA
    )

    assert removed == 1
    assert keys_of(store) == {two_hours_old}


def test_without_any_table_to_ask_nothing_is_removed(
    tmp_path: Path, store: LocalPhotoStore
) -> None:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    key = stored_at(store, NOW - dt.timedelta(days=30))
    with Session(engine) as session, pytest.raises(RuntimeError, match="storage_key"):
        remove_orphans(session, store, now=NOW, metadata=sa.MetaData())
    engine.dispose()
    assert keys_of(store) == {key}


def test_now_must_be_aware(session: Session, store: LocalPhotoStore) -> None:
    with pytest.raises(ValueError):
        remove_orphans(session, store, now=NOW.replace(tzinfo=None), metadata=METADATA)
