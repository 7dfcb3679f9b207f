"""``flask backup`` and ``flask restore``: what is restored is what was backed up, row for row and
file for file, and the service goes on from it; an archive that is not what its manifest says,
or a database that is not new and empty, is refused with nothing changed."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import shutil
import tarfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_migrate import upgrade

from app.campaign import counts
from app.complaint_service import photo_store
from app.extensions import db, limiter, registry_cache
from complaints.accounts import Role, User
from complaints.models import Complaint, Evidence, StagedPhoto
from complaints.storage import new_key
from surveys.design import Design, create_survey
from surveys.models import SurveyResponse
from tests.conftest import Database, make_test_app
from tests.support.database import ROOT
from tests.support.labels import render_label, to_jpeg_bytes

NOW = dt.datetime(2026, 11, 27, 3, 0, tzinfo=dt.UTC)
VINAMILK = "8934673000017"  # a sample-registry product
TH_PRODUCT = "8936024000127"

MakeApp = Callable[..., Flask]


def photo(seed: int) -> bytes:
    return to_jpeg_bytes(render_label(TH_PRODUCT, seed=seed, size=(640, 480)), quality=80)


@pytest.fixture(scope="module")
def make_app(database: Database, tmp_path_factory: pytest.TempPathFactory) -> Iterator[MakeApp]:
    """Apps on databases of their own (a new SQLite file, or a new schema on the session's
    PostgreSQL), made by the migrations (to ``revision``), each with its own upload folder."""
    made: list[tuple[Flask, Database]] = []

    def make(*, url: str | None = None, revision: str = "head") -> Flask:
        folder = tmp_path_factory.mktemp("app")
        if url is None:
            url = database.url if database.schema else f"sqlite:///{folder / 'db.sqlite3'}"
        fresh = Database(url)
        fresh.create_schema()
        app = make_test_app(fresh, folder, UPLOAD_FOLDER=str(folder / "uploads"))
        made.append((app, fresh))
        with app.app_context():
            upgrade(directory=str(ROOT / "migrations"), revision=revision)
            db.session.remove()
        return app

    yield make
    for app, fresh in made:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        fresh.drop_schema()
    registry_cache.clear()
    limiter.reset()


def file_complaint(app: Flask, *, code: str | None, photos: list[bytes]) -> dict[str, Any]:
    data: dict[str, Any] = {
        "category": "counterfeit",
        "province_code": "79",
        "description": "Hộp sữa in mờ, nắp không có tem.",
        "photos": [(io.BytesIO(p), f"anh-{n}.jpg") for n, p in enumerate(photos)],
    }
    if code:
        data["code"] = code
    response = app.test_client().post(
        "/api/v1/complaints?lang=en",
        data=data,
        headers={"Idempotency-Key": uuid.uuid4().hex},
        content_type="multipart/form-data",
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()


def fill(app: Flask) -> None:
    """What a service in use holds: the registry, staff, complaints with photos (one merged into
    a later one; JSON null and SQL NULL verdict snapshots), a photo kept for a report form,
    signals and campaign counts, surveys (one comparing with a later one) and answers."""
    limiter.reset()
    registry_cache.clear()
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["registry", "load-sample"])
        assert result.exit_code == 0, result.output
        admin = User(username="admin1", name="Nguyễn Quản Trị", role=Role.ADMIN, commune_codes=[])
        admin.set_password("correct horse battery")
        db.session.add(admin)
        db.session.commit()
    first = file_complaint(app, code=VINAMILK, photos=[photo(1), photo(2)])
    file_complaint(app, code=TH_PRODUCT, photos=[photo(3)])
    file_complaint(app, code=None, photos=[])  # no code: its verdict snapshot is JSON null
    last = file_complaint(app, code=VINAMILK, photos=[photo(4)])
    client = app.test_client()
    for code in (VINAMILK, "8930000000019", "1234"):  # trusted, unknown, invalid
        assert client.get(f"/api/v1/verify?code={code}").status_code == 200
    with app.app_context():
        assert counts(app).flush()
        merged = db.session.scalar(
            sa.select(Complaint).where(Complaint.tracking_code == first["tracking_code"])
        )
        later = db.session.scalar(
            sa.select(Complaint.id).where(Complaint.tracking_code == last["tracking_code"])
        )
        assert merged is not None
        merged.merged_into_id = later  # a row pointing to a later row of its table
        # SQL NULL in a JSON column (a row older than the column), beside another's JSON null.
        db.session.execute(
            sa.update(Complaint).where(Complaint.id == merged.id).values(verdict_snapshot=sa.null())
        )
        key = new_key(NOW.date())
        data = photo(5)
        photo_store().put(key, data)
        db.session.add(
            StagedPhoto(
                storage_key=key,
                sha256_original=hashlib.sha256(data).hexdigest(),
                sha256_stored=hashlib.sha256(data).hexdigest(),
                original_format="JPEG",
                original_bytes=len(data),
                width=640,
                height=480,
                form_key="k" * 40,
                filename="ảnh nhãn.jpg",
                staged_at=NOW,
            )
        )
        period = {"opens_on": dt.date(2026, 10, 1), "closes_on": dt.date(2026, 12, 31)}
        older = create_survey(db.session, Design(title="Quý 4", **period), actor="a", now=NOW)
        newer = create_survey(db.session, Design(title="Quý 1", **period), actor="a", now=NOW)
        db.session.flush()
        older.previous_id = newer.id
        for n in range(3):
            db.session.add(
                SurveyResponse(
                    survey_id=newer.id,
                    source="web",
                    created_at=NOW,
                    device_hash=f"{n:064x}",
                    overall=n + 2,
                    choose_again=n % 2 == 0,
                    satisfaction_index=100 / 3 * n,
                    comment="Hàng tốt, giá hợp lý.",
                )
            )
        db.session.commit()


def contents(app: Flask) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, as the app reads it; for JSON columns whether they are SQL
    NULL (JSON null reads as None too)."""
    with app.app_context(), db.engine.connect() as conn:
        found = {}
        for table in db.metadata.sorted_tables:
            flags = [c.is_(None) for c in table.columns if isinstance(c.type, sa.JSON)]
            statement = sa.select(*table.columns, *flags).order_by(*table.primary_key.columns)
            width = len(table.columns)
            found[table.name] = [
                (*row[:width], *(bool(flag) for flag in row[width:]))
                for row in conn.execute(statement)
            ]
        return found


def stored_files(app: Flask) -> dict[str, str]:
    """The files of the app's upload folder by key, with their SHA-256."""
    root = Path(app.config["UPLOAD_FOLDER"])
    if not root.exists():
        return {}
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in root.rglob("*")
        if p.is_file()
    }


def run(app: Flask, *args: str) -> Any:
    with app.app_context():
        result = app.test_cli_runner().invoke(args=list(args))
        db.session.remove()
        return result


@pytest.fixture(scope="module")
def source(make_app: MakeApp) -> Flask:
    app = make_app()
    fill(app)
    return app


@pytest.fixture(scope="module")
def archive(source: Flask, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("backup") / "hangviet.tar.gz"
    result = run(source, "backup", str(path))
    assert result.exit_code == 0, result.output
    assert "Backed up" in result.output
    return path


def test_what_is_restored_is_what_was_backed_up(
    source: Flask, archive: Path, make_app: MakeApp
) -> None:
    assert os.stat(archive).st_mode & 0o077 == 0  # the reporters' contacts: the owner's only
    expected = contents(source)
    # The data is what a service in use holds, every kind of row the backup must carry.
    for table, at_least in {
        "complaint": 4,
        "evidence": 4,
        "staged_photo": 1,
        "user_account": 1,
        "company": 1,
        "signal": 1,
        "verification_day": 1,
        "survey": 2,
        "survey_response": 3,
    }.items():
        assert len(expected[table]) >= at_least, table
    files = stored_files(source)
    assert len(files) == 5

    target = make_app()
    # One file is in the new store already (copied back first): the same bytes are kept.
    kept = next(iter(files))
    (Path(target.config["UPLOAD_FOLDER"]) / kept).parent.mkdir(parents=True)
    shutil.copy(
        Path(source.config["UPLOAD_FOLDER"]) / kept, Path(target.config["UPLOAD_FOLDER"]) / kept
    )
    result = run(target, "restore", str(archive))
    assert result.exit_code == 0, result.output
    assert f"complaint: {len(expected['complaint'])}" in result.output
    assert "Files: 4 written, 1 already in the store" in result.output

    assert contents(target) == expected
    assert stored_files(target) == files
    with target.app_context():
        evidence = db.session.scalars(sa.select(Evidence)).all()
        assert {e.storage_key: e.sha256_stored for e in evidence}.items() <= files.items()
        newest = db.session.scalar(sa.select(sa.func.max(Complaint.id)))

    # The service goes on from it: new rows get new ids (PostgreSQL: the sequences were moved).
    filed = file_complaint(target, code=VINAMILK, photos=[photo(6)])
    with target.app_context():
        complaint = db.session.scalar(
            sa.select(Complaint).where(Complaint.tracking_code == filed["tracking_code"])
        )
        assert complaint is not None and complaint.id == newest + 1
        assert len(complaint.evidence) == 1
        db.session.remove()
    assert len(stored_files(target)) == 6


@pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL"),
    reason="moving from SQLite to PostgreSQL needs TEST_DATABASE_URL (a PostgreSQL server)",
)
def test_a_sqlite_backup_restores_into_postgresql(
    database: Database, make_app: MakeApp, tmp_path: Path
) -> None:
    sqlite = make_app(url=f"sqlite:///{tmp_path / 'small.sqlite3'}")
    fill(sqlite)
    path = tmp_path / "small.tar.gz"
    assert run(sqlite, "backup", str(path)).exit_code == 0
    target = make_app(url=database.url)
    assert target.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")
    result = run(target, "restore", str(path))
    assert result.exit_code == 0, result.output
    assert contents(target) == contents(sqlite)
    assert stored_files(target) == stored_files(sqlite)
    file_complaint(target, code=VINAMILK, photos=[photo(7)])  # the sequences follow


def test_restoring_into_a_database_with_rows_is_refused_and_changes_nothing(
    archive: Path, make_app: MakeApp
) -> None:
    target = make_app()
    with target.app_context():
        early = User(username="early", name="Someone", role=Role.VIEWER, commune_codes=[])
        early.set_password("correct horse battery")
        db.session.add(early)
        db.session.commit()
    before = contents(target)
    result = run(target, "restore", str(archive))
    assert result.exit_code == 1
    assert "The database is not empty (rows in user_account)" in result.output
    assert contents(target) == before
    assert stored_files(target) == {}


def test_a_database_at_another_revision_is_refused(archive: Path, make_app: MakeApp) -> None:
    target = make_app(revision="0001")
    result = run(target, "restore", str(archive))
    assert result.exit_code == 1
    assert "the database is at 0001" in result.output
    assert "flask db upgrade" in result.output
    with target.app_context(), db.engine.connect() as conn:
        assert conn.scalar(sa.text("SELECT count(*) FROM company")) == 0
    assert stored_files(target) == {}


def tamper(original: Path, changed: Path, member: Callable[[str], bool]) -> str:
    """A copy of the archive with one byte changed in the first member ``member`` accepts (same
    size, manifest untouched); that member's name."""
    name = ""
    with tarfile.open(original) as source, tarfile.open(changed, "w:gz") as copy:
        for info in source.getmembers():
            reader = source.extractfile(info)
            assert reader is not None
            data = bytearray(reader.read())
            if not name and member(info.name) and data:
                name = info.name
                data[len(data) // 2] ^= 0x01
            copy.addfile(info, io.BytesIO(bytes(data)))
    assert name
    return name


@pytest.mark.parametrize(
    "member",
    [
        lambda name: name.startswith("files/"),  # a photo
        lambda name: name == "database/complaint.jsonl",  # the rows of a table
    ],
    ids=["photo", "rows"],
)
def test_a_tampered_archive_is_refused_and_changes_nothing(
    archive: Path, make_app: MakeApp, tmp_path: Path, member: Callable[[str], bool]
) -> None:
    changed = tmp_path / "changed.tar.gz"
    name = tamper(archive, changed, member)
    target = make_app()
    result = run(target, "restore", str(changed))
    assert result.exit_code == 1
    assert f"{name} does not match the manifest" in result.output
    assert all(rows == [] for rows in contents(target).values())
    assert stored_files(target) == {}


def test_a_file_of_another_content_in_the_store_is_refused(
    source: Flask, archive: Path, make_app: MakeApp
) -> None:
    target = make_app()
    key = next(iter(stored_files(source)))
    (Path(target.config["UPLOAD_FOLDER"]) / key).parent.mkdir(parents=True)
    (Path(target.config["UPLOAD_FOLDER"]) / key).write_bytes(b"another photo")
    result = run(target, "restore", str(archive))
    assert result.exit_code == 1
    assert f"already holds another file under {key}" in result.output
    assert all(rows == [] for rows in contents(target).values())
    assert stored_files(target) == {key: hashlib.sha256(b"another photo").hexdigest()}


def test_what_is_not_a_backup_is_refused(make_app: MakeApp, tmp_path: Path) -> None:
    target = make_app()
    plain = tmp_path / "notes.tar.gz"
    with tarfile.open(plain, "w:gz") as tar:
        tar.addfile(tarfile.TarInfo("notes.txt"), io.BytesIO(b""))
    garbage = tmp_path / "garbage.tar.gz"
    garbage.write_bytes(b"not even gzip")
    for path, says in ((plain, "Not a Hàng Việt backup"), (garbage, "Not a readable backup")):
        result = run(target, "restore", str(path))
        assert result.exit_code == 1
        assert says in result.output


def test_backup_does_not_overwrite_unless_asked(source: Flask, tmp_path: Path) -> None:
    path = tmp_path / "there.tar.gz"
    path.write_bytes(b"keep me")
    result = run(source, "backup", str(path))
    assert result.exit_code == 1 and "exists already" in result.output
    assert path.read_bytes() == b"keep me"
    assert run(source, "backup", str(path), "--overwrite").exit_code == 0
    with tarfile.open(path) as tar:
        assert "manifest.json" in tar.getnames()
    assert [p.name for p in tmp_path.iterdir()] == ["there.tar.gz"]  # no partial file left
