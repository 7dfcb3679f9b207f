"""``flask backup PATH`` and ``flask restore PATH``: the database and the stored files in one
``.tar.gz``, and back.

The archive holds, in this order:

- ``database/<table>.jsonl``: every table of the models (``db.metadata``), one JSON object a row,
  column by column: datetimes, dates and times in ISO 8601, ``Decimal`` as a string, bytes in
  base64, enums by the value the database stores, JSON columns as they are. A JSON column that is SQL NULL (not JSON
  ``null``) is left out of its row: a column missing from a row is SQL NULL.
- ``files/<key>``: every file a column named ``storage_key`` points to (evidence, photos kept
  for report forms, the background jobs' files), read through the photo store, one at a time.
- ``manifest.json``: the Alembic revision, each table's columns, row count and SHA-256, each
  file's size and SHA-256, and the keys whose file was missing.

The tables are read in one transaction (a snapshot: REPEATABLE READ on PostgreSQL), so rows that
point to each other are consistent. The archive is written beside ``PATH`` and renamed into place
when complete, readable by its owner only (it holds the reporters' contact details).

Restoring needs a database migrated to the backup's revision (``flask db upgrade <revision>``:
the command does not migrate) and empty: anything else is refused and nothing is changed. The
whole archive is checked against its manifest before anything is written, and read again while
restoring; a file that already is in the store must be the same file. Rows go in table by table
(parents first) in batches, in one transaction; PostgreSQL's id sequences are moved past the
largest id; then the files are written through the photo store, and the transaction commits.
Files written are removed again if anything fails.
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import enum
import hashlib
import io
import json
import os
import tarfile
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Final

import click
import sqlalchemy as sa

from app.clock import utc_now
from complaints.storage import PhotoStore, StagedWrites, validate_key

FORMAT: Final = "hangviet-backup"
FORMAT_VERSION: Final = 1
MANIFEST: Final = "manifest.json"
STORAGE_KEY: Final = "storage_key"
#: Rows inserted per statement while restoring.
BATCH: Final = 1000
_CHUNK: Final = 1024 * 1024


class BackupError(click.ClickException):
    """A backup or restore that cannot go on; nothing was changed."""


# --- values ---------------------------------------------------------------------------------------


def _encode(value: Any) -> Any:
    """A column value as JSON can hold it (JSON columns are not passed here)."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    return value


def _is_json(column: sa.Column[Any]) -> bool:
    return isinstance(_base_type(column.type), sa.JSON)


def _base_type(type_: sa.types.TypeEngine[Any]) -> sa.types.TypeEngine[Any]:
    if isinstance(type_, sa.Interval):
        return type_
    while isinstance(type_, sa.TypeDecorator):
        type_ = type_.impl_instance
    return type_


def _decoder(column: sa.Column[Any]) -> Callable[[Any], Any]:
    """Turns what :func:`_encode` wrote for ``column`` back into the value it was."""
    kind = _base_type(column.type)
    if isinstance(kind, sa.Interval):
        return lambda v: dt.timedelta(seconds=v)
    if isinstance(kind, sa.DateTime):
        return dt.datetime.fromisoformat
    if isinstance(kind, sa.Date):
        return dt.date.fromisoformat
    if isinstance(kind, sa.Time):
        return dt.time.fromisoformat
    if isinstance(kind, sa.Numeric) and not isinstance(kind, sa.Float) and kind.asdecimal:
        return decimal.Decimal
    if isinstance(kind, sa.LargeBinary):
        return base64.b64decode
    if isinstance(kind, sa.Uuid) and kind.as_uuid:
        return uuid.UUID
    return lambda v: v


def _decode_row(
    row: dict[str, Any], columns: list[sa.Column[Any]], decoders: list[Callable[[Any], Any]]
) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for column, decode in zip(columns, decoders, strict=True):
        if column.name not in row:
            # SQL NULL; sa.null() makes a JSON column store NULL rather than JSON null.
            values[column.name] = sa.null() if _is_json(column) else None
        else:
            value = row[column.name]
            values[column.name] = None if value is None else decode(value)
    return values


# --- the archive ---------------------------------------------------------------------------------


def table_member(name: str) -> str:
    return f"database/{name}.jsonl"


def file_member(key: str) -> str:
    return f"files/{key}"


@dataclass
class BackupReport:
    rows: dict[str, int] = field(default_factory=dict)
    files: int = 0
    file_bytes: int = 0
    missing: list[str] = field(default_factory=list)


def _add(tar: tarfile.TarFile, name: str, fileobj: IO[bytes], size: int) -> None:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mtime = int(time.time())
    info.mode = 0o600
    tar.addfile(info, fileobj)


@contextmanager
def _snapshot(engine: sa.Engine) -> Iterator[sa.Connection]:
    """A connection in a read-only transaction that sees one moment of the database."""
    if engine.dialect.name == "sqlite":
        # pysqlite begins no transaction before a SELECT: begin one, or each table would be
        # read at its own moment.
        with engine.connect() as conn:
            conn = conn.execution_options(isolation_level="AUTOCOMMIT")
            conn.exec_driver_sql("BEGIN")
            try:
                yield conn
            finally:
                conn.exec_driver_sql("ROLLBACK")
        return
    options: dict[str, Any] = {"isolation_level": "REPEATABLE READ"}
    if engine.dialect.name == "postgresql":
        options["postgresql_readonly"] = True
    with engine.connect() as conn, conn.execution_options(**options).begin():
        yield conn


def _revisions(conn: sa.Connection) -> list[str] | None:
    """The Alembic revision(s) the database is at; None if it was never migrated."""
    if not sa.inspect(conn).has_table("alembic_version"):
        return None
    return sorted(conn.scalars(sa.text("SELECT version_num FROM alembic_version")))


def _dump_table(
    conn: sa.Connection, table: sa.Table, out: IO[bytes], keys: dict[str, None]
) -> tuple[int, str]:
    """Write ``table``'s rows to ``out`` as JSON lines; its storage keys go into ``keys``.
    Returns the row count and the SHA-256 of what was written."""
    columns = list(table.columns)
    json_columns = [c for c in columns if _is_json(c)]
    # Enums as the database holds them: a value no longer in the enum is backed up too.
    read = [
        sa.type_coerce(c, sa.String()) if isinstance(_base_type(c.type), sa.Enum) else c
        for c in columns
    ]
    null_flags = [c.is_(None) for c in json_columns]
    statement = sa.select(*read, *null_flags).order_by(*table.primary_key.columns)
    width = len(columns)
    digest = hashlib.sha256()
    count = 0
    for record in conn.execution_options(yield_per=BATCH).execute(statement):
        row: dict[str, Any] = {
            column.name: value if _is_json(column) else _encode(value)
            for column, value in zip(columns, record[:width], strict=True)
        }
        for column, is_null in zip(json_columns, record[width:], strict=True):
            if is_null:
                del row[column.name]
        if STORAGE_KEY in table.columns and row.get(STORAGE_KEY):
            keys[row[STORAGE_KEY]] = None
        line = (json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n").encode()
        digest.update(line)
        out.write(line)
        count += 1
    return count, digest.hexdigest()


def write_backup(
    path: Path, *, engine: sa.Engine, metadata: sa.MetaData, store: PhotoStore
) -> BackupReport:
    """Write the database and the files its rows point to into the archive ``path``."""
    report = BackupReport()
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "created_at": utc_now().isoformat(),
        "dialect": engine.dialect.name,
        "tables": [],
        "files": [],
        "missing_files": report.missing,
    }
    fd, partial = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    os.close(fd)
    os.chmod(partial, 0o600)
    try:
        with tarfile.open(partial, "w:gz") as tar:
            keys: dict[str, None] = {}  # in order, once each (a staged photo becomes evidence)
            with _snapshot(engine) as conn:
                revisions = _revisions(conn)
                if revisions is None:
                    raise BackupError("The database has no tables: run `flask db upgrade` first.")
                manifest["alembic_revisions"] = revisions
                for table in metadata.sorted_tables:
                    with tempfile.TemporaryFile(dir=path.parent) as rows:
                        count, sha256 = _dump_table(conn, table, rows, keys)
                        size = rows.tell()
                        rows.seek(0)
                        _add(tar, table_member(table.name), rows, size)
                    report.rows[table.name] = count
                    manifest["tables"].append(
                        {
                            "name": table.name,
                            "member": table_member(table.name),
                            "columns": [c.name for c in table.columns],
                            "rows": count,
                            "bytes": size,
                            "sha256": sha256,
                        }
                    )
            for key in keys:
                try:
                    data = store.get(key)
                except FileNotFoundError:
                    report.missing.append(key)
                    continue
                except OSError as error:  # the store is down: no half backup
                    raise BackupError(
                        f"Could not read {key} from the photo store: {error}"
                    ) from error
                _add(tar, file_member(key), io.BytesIO(data), len(data))
                manifest["files"].append(
                    {
                        "key": key,
                        "member": file_member(key),
                        "bytes": len(data),
                        "sha256": hashlib.sha256(data).hexdigest(),
                    }
                )
                report.files += 1
                report.file_bytes += len(data)
            body = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
            _add(tar, MANIFEST, io.BytesIO(body), len(body))
        os.replace(partial, path)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise
    return report


# --- restoring -----------------------------------------------------------------------------------


@dataclass
class RestoreReport:
    rows: dict[str, int] = field(default_factory=dict)
    files: int = 0
    already_stored: int = 0
    missing: list[str] = field(default_factory=list)


def _read(tar: tarfile.TarFile, member: tarfile.TarInfo) -> Iterator[bytes]:
    source = tar.extractfile(member)
    if source is None:
        raise BackupError(f"{member.name} in the archive is not a file.")
    while chunk := source.read(_CHUNK):
        yield chunk


def _lines(chunks: Iterator[bytes], digest: Any) -> Iterator[bytes]:
    """The lines of a member read in chunks, hashing every byte on the way."""
    rest = b""
    for chunk in chunks:
        digest.update(chunk)
        lines = (rest + chunk).split(b"\n")
        rest = lines.pop()
        yield from lines
    if rest:
        yield rest


class _Archive:
    """A backup archive opened for restoring: its manifest, and its members checked against it."""

    def __init__(self, tar: tarfile.TarFile) -> None:
        self.tar = tar
        try:
            self.members = {m.name: m for m in tar.getmembers()}
            found = self.members.get(MANIFEST)
            source = tar.extractfile(found) if found else None
            manifest = json.loads(source.read()) if source else None
        except (tarfile.TarError, OSError, EOFError, ValueError) as error:
            raise BackupError(f"Not a readable backup archive: {error}") from error
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise BackupError("Not a Hàng Việt backup (no manifest.json of ours in it).")
        if manifest.get("version") != FORMAT_VERSION:
            raise BackupError(f"Backup format version {manifest.get('version')} is not known.")
        self.manifest = manifest
        try:
            self.tables: dict[str, dict[str, Any]] = {t["name"]: t for t in manifest["tables"]}
            self.files: list[dict[str, Any]] = list(manifest["files"])
            expected = {MANIFEST} | {t["member"] for t in self.tables.values()}
            expected |= {f["member"] for f in self.files}
            # Every entry has what restoring reads, of the right kind.
            for entry in [*self.tables.values(), *self.files]:
                str(entry["sha256"]), int(entry["bytes"])
            for entry in self.tables.values():
                list(entry["columns"]), int(entry["rows"])
            [str(revision) for revision in manifest["alembic_revisions"]]
        except (KeyError, TypeError, ValueError) as error:
            raise BackupError(f"The archive's manifest is incomplete ({error!r}).") from error
        unexpected = sorted(set(self.members) - expected)
        if unexpected:
            raise BackupError(f"The archive holds what its manifest does not list: {unexpected}.")
        for entry in self.files:
            try:
                validate_key(entry["key"])
            except ValueError as error:
                raise BackupError(
                    f"The archive names a file {entry['key']!r}: not a key."
                ) from error
            if entry["member"] != file_member(entry["key"]):
                raise BackupError(f"The manifest's entry for {entry['key']} is not ours.")
        for name in expected:
            member = self.members.get(name)
            if member is None:
                raise BackupError(f"The archive lacks {name}, which its manifest lists.")
            if not member.isfile():
                raise BackupError(f"{name} in the archive is not a plain file.")

    def check(self, entry: dict[str, Any], digest: str, size: int) -> None:
        if digest != entry["sha256"] or size != entry["bytes"]:
            raise BackupError(
                f"{entry['member']} does not match the manifest (SHA-256 or size): the archive "
                "was changed or damaged; nothing was restored."
            )

    def verify(self) -> None:
        """Every member's SHA-256 and size against the manifest (reads the whole archive)."""
        for entry in [*self.tables.values(), *self.files]:
            member = self.members[entry["member"]]
            digest = hashlib.sha256()
            for chunk in _read(self.tar, member):
                digest.update(chunk)
            self.check(entry, digest.hexdigest(), member.size)

    def rows(self, table: sa.Table) -> Iterator[dict[str, Any]]:
        """``table``'s rows as written, checked against the manifest once all are read."""
        entry = self.tables[table.name]
        member = self.members[entry["member"]]
        digest = hashlib.sha256()
        count = 0
        for line in _lines(_read(self.tar, member), digest):
            if line.strip():
                count += 1
                yield json.loads(line)
        self.check(entry, digest.hexdigest(), member.size)
        if count != entry["rows"]:
            raise BackupError(f"{entry['member']} has {count} rows, its manifest {entry['rows']}.")

    def file(self, entry: dict[str, Any]) -> bytes:
        member = self.members[entry["member"]]
        data = b"".join(_read(self.tar, member))
        self.check(entry, hashlib.sha256(data).hexdigest(), len(data))
        return data


def _refuse_unless_ready(conn: sa.Connection, metadata: sa.MetaData, archive: _Archive) -> None:
    """The database must be at the backup's revision, hold the same tables, and be empty."""
    wanted = archive.manifest["alembic_revisions"]
    revisions = _revisions(conn)
    if revisions is None:
        raise BackupError(
            "The database has no tables yet. Migrate it to the backup's revision first: "
            f"`flask db upgrade {' '.join(wanted)}`."
        )
    if revisions != wanted:
        raise BackupError(
            f"The backup was made at database revision {', '.join(wanted)}, the database is at "
            f"{', '.join(revisions) or 'none'}. Restore into a new, empty database migrated to "
            f"that revision (`flask db upgrade {' '.join(wanted)}`), then migrate it further."
        )
    ours = {t.name: [c.name for c in t.columns] for t in metadata.sorted_tables}
    theirs = {name: entry["columns"] for name, entry in archive.tables.items()}
    if ours.keys() != theirs.keys() or any(
        sorted(ours[name]) != sorted(theirs[name]) for name in ours
    ):
        raise BackupError(
            "The backup's tables are not this version's, though the revision is the same: "
            "restore it with the version of the app that made it."
        )
    full = [
        t.name
        for t in metadata.sorted_tables
        if conn.execute(sa.select(sa.literal(1)).select_from(t).limit(1)).first()
    ]
    if full:
        raise BackupError(
            f"The database is not empty (rows in {', '.join(full)}): restore only into a new, "
            "empty database. Nothing was changed."
        )


def _self_references(table: sa.Table) -> list[sa.Column[Any]]:
    """Columns pointing to the same table (a merged complaint, the survey before): filled in
    after all the table's rows are in, since a row may point to a later one."""
    return [
        c
        for c in table.columns
        if c.nullable and any(fk.column.table is table for fk in c.foreign_keys)
    ]


def _insert_table(conn: sa.Connection, table: sa.Table, rows: Iterator[dict[str, Any]]) -> int:
    columns = list(table.columns)
    decoders = [_decoder(c) for c in columns]
    later = _self_references(table)
    # Columns an UPDATE would change by itself (updated_at): given their restored values.
    kept = [c for c in columns if c.onupdate is not None or c.server_onupdate is not None]
    pk = list(table.primary_key.columns)
    updates: list[dict[str, Any]] = []
    batch: list[dict[str, Any]] = []
    count = 0
    for row in rows:
        values = _decode_row(row, columns, decoders)
        if later and any(values[c.name] is not None for c in later):
            updates.append({f"_{c.name}": values[c.name] for c in [*pk, *later, *kept]})
            for column in later:
                values[column.name] = None
        batch.append(values)
        count += 1
        if len(batch) >= BATCH:
            conn.execute(table.insert(), batch)
            batch = []
    if batch:
        conn.execute(table.insert(), batch)
    if updates:
        statement = (
            table.update()
            .where(*(c == sa.bindparam(f"_{c.name}") for c in pk))
            .values({c.name: sa.bindparam(f"_{c.name}") for c in [*later, *kept]})
        )
        conn.execute(statement, updates)
    return count


def _reset_sequence(conn: sa.Connection, table: sa.Table) -> None:
    """PostgreSQL: the next id of ``table`` follows the largest restored one."""
    column = table.autoincrement_column
    if conn.dialect.name != "postgresql" or column is None:
        return
    name = conn.dialect.identifier_preparer.format_table(table)
    sequence = sa.func.pg_get_serial_sequence(name, column.name)
    largest = sa.select(sa.func.max(column)).scalar_subquery()
    # No rows: the next id is 1 (is_called false); else the one after the largest.
    conn.execute(
        sa.select(sa.func.setval(sequence, sa.func.coalesce(largest, 1), largest.is_not(None)))
    )


@contextmanager
def _opened(path: Path) -> Iterator[tarfile.TarFile]:
    try:
        tar = tarfile.open(path, "r:gz")  # noqa: SIM115 - closed by the with below
    except (tarfile.TarError, OSError) as error:
        raise BackupError(f"Not a readable backup archive: {error}") from error
    with tar:
        yield tar


def restore_backup(
    path: Path, *, engine: sa.Engine, metadata: sa.MetaData, store: PhotoStore
) -> RestoreReport:
    """Restore the archive ``path`` into the empty database of ``engine`` and into ``store``."""
    report = RestoreReport()
    with _opened(path) as tar:
        archive = _Archive(tar)
        with engine.connect() as conn:
            _refuse_unless_ready(conn, metadata, archive)
        try:
            archive.verify()
        except (tarfile.TarError, OSError, EOFError) as error:
            raise BackupError(f"The archive is damaged: {error}") from error
        existing = _already_stored(store, archive.files)
        report.missing = list(archive.manifest.get("missing_files", []))
        with StagedWrites(store) as staged, engine.begin() as conn:
            _refuse_unless_ready(conn, metadata, archive)
            for table in metadata.sorted_tables:
                report.rows[table.name] = _insert_table(conn, table, archive.rows(table))
                _reset_sequence(conn, table)
            for entry in archive.files:
                if entry["key"] in existing:
                    report.already_stored += 1
                    continue
                staged.put(entry["key"], archive.file(entry))
                report.files += 1
    return report


def _already_stored(store: PhotoStore, files: list[dict[str, Any]]) -> set[str]:
    """The archive's files the store holds already: the same bytes, or a refusal."""
    found: set[str] = set()
    for entry in files:
        if not store.exists(entry["key"]):
            continue
        if hashlib.sha256(store.get(entry["key"])).hexdigest() != entry["sha256"]:
            raise BackupError(
                f"The photo store already holds another file under {entry['key']}: restore into "
                "an empty store. Nothing was changed."
            )
        found.add(entry["key"])
    return found


# --- commands ------------------------------------------------------------------------------------


def _megabytes(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB"


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--overwrite", is_flag=True, help="Replace PATH if it exists.")
def backup_command(path: Path, overwrite: bool) -> None:
    """Back up the database and the stored files into one .tar.gz at PATH."""
    from app.complaint_service import photo_store
    from app.extensions import db

    if path.exists() and not overwrite:
        raise BackupError(f"{path} exists already (--overwrite replaces it).")
    if not path.parent.is_dir():
        raise BackupError(f"There is no folder {path.parent}.")
    report = write_backup(path, engine=db.engine, metadata=db.metadata, store=photo_store())
    rows = sum(report.rows.values())
    click.echo(
        f"Backed up {rows} row(s) of {len(report.rows)} table(s) and {report.files} file(s) "
        f"({_megabytes(report.file_bytes)}) to {path}."
    )
    for name, count in report.rows.items():
        click.echo(f"  {name}: {count}")
    if report.missing:
        click.echo(
            f"Warning: {len(report.missing)} file(s) that rows point to were not in the store "
            f"and are not in the backup: {', '.join(report.missing[:10])}"
            + (" …" if len(report.missing) > 10 else ""),
            err=True,
        )


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def restore_command(path: Path) -> None:
    """Restore a backup made by `flask backup` into a new, empty database (migrated to the
    backup's revision with `flask db upgrade`) and its photo store."""
    from app.complaint_service import photo_store
    from app.extensions import db

    report = restore_backup(path, engine=db.engine, metadata=db.metadata, store=photo_store())
    rows = sum(report.rows.values())
    click.echo(f"Restored {rows} row(s) of {len(report.rows)} table(s) from {path}:")
    for name, count in report.rows.items():
        click.echo(f"  {name}: {count}")
    click.echo(
        f"Files: {report.files} written, {report.already_stored} already in the store (the same)."
    )
    if report.missing:
        click.echo(
            f"Warning: {len(report.missing)} file(s) were already missing when the backup was "
            "made.",
            err=True,
        )
