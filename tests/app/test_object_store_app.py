"""The app with its photos in an S3-API object store (moto's server, a bucket per test): reports
store their photos there, staff see them through the app and nobody else, /readyz checks the
store, a store that is down refuses reports with photos (503, nothing saved), and the hourly
housekeeping removes old files that nothing refers to."""

from __future__ import annotations

import datetime as dt
import io
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from complaints.models import Complaint, Evidence
from complaints.object_store import S3PhotoStore
from complaints.storage import LocalPhotoStore, new_key
from tests.app.test_report import complaints, fields, photo, post_report, report_page
from tests.support.factories import login
from tests.support.pages import text_of
from tests.support.s3 import REGION, Bucket

PREFIX = "photos"
NOT_STORED = (
    "Photos cannot be stored right now: nothing was saved. Please try again in a few minutes."
)


@pytest.fixture
def s3_app(app, s3_bucket: Bucket, monkeypatch: pytest.MonkeyPatch):
    """The test app with its photo store in this test's bucket."""
    monkeypatch.setitem(app.config, "PHOTO_STORE_URL", f"s3://{s3_bucket.name}/{PREFIX}")
    monkeypatch.setitem(app.config, "S3_ENDPOINT_URL", s3_bucket.endpoint)
    monkeypatch.setitem(app.config, "S3_REGION", REGION)
    return app


@pytest.fixture
def store_down(app, dead_s3_endpoint: str, monkeypatch: pytest.MonkeyPatch):
    """The test app with its photo store at an address where nothing answers."""
    monkeypatch.setitem(app.config, "PHOTO_STORE_URL", "s3://photos/hangviet")
    monkeypatch.setitem(app.config, "S3_ENDPOINT_URL", dead_s3_endpoint)
    monkeypatch.setitem(app.config, "S3_REGION", REGION)
    return app


def local_store(app) -> LocalPhotoStore:
    return LocalPhotoStore(Path(app.instance_path) / "uploads")


def evidence_count(db_session) -> int:
    return db_session.scalar(sa.select(sa.func.count()).select_from(Evidence))


def file_by_api(client, *photos: bytes):
    data = {
        "category": "imitation",
        "province_code": "79",
        "commune_code": "26740",
        "description": "Nhãn ghi Vinamllk, chữ in nhoè.",
        "code": "8934673000017",
        "photos": [(io.BytesIO(content), f"p{n}.jpg") for n, content in enumerate(photos)],
    }
    return client.post(
        "/api/v1/complaints?lang=en",
        data=data,
        headers={"Idempotency-Key": uuid.uuid4().hex},
        content_type="multipart/form-data",
    )


def test_a_reported_photo_is_stored_in_the_bucket_and_staff_see_it(
    s3_app, s3_bucket: Bucket, client, db_session, make_user
) -> None:
    response = post_report(client, fields(report_page(client)), [(photo(), "hop-sua.jpg")])

    assert response.status_code == 303
    [complaint] = complaints(db_session)
    [evidence] = complaint.evidence
    assert s3_bucket.object_names() == [f"{PREFIX}/{evidence.storage_key}"]
    assert not local_store(s3_app).exists(evidence.storage_key)  # not in the folder
    stored = s3_bucket.client.get_object(
        Bucket=s3_bucket.name, Key=f"{PREFIX}/{evidence.storage_key}"
    )["Body"].read()

    login(client, make_user("staff", province_code="79"))
    seen = client.get(f"/staff/photos/{evidence.id}")

    assert seen.status_code == 200
    assert seen.mimetype == "image/jpeg"
    assert seen.data == stored
    assert seen.headers["Cache-Control"] == "private, no-store"


def test_a_stored_photo_cannot_be_read_from_the_bucket_without_credentials(
    s3_app, s3_bucket: Bucket, client, db_session
) -> None:
    response = file_by_api(client, photo(gps=False))

    assert response.status_code == 201
    [name] = s3_bucket.object_names()
    # moto answers anonymous requests by the object's ACL (a public-read object would be 200).
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{s3_bucket.endpoint}/{s3_bucket.name}/{name}", timeout=10)
    assert refused.value.code == 403
    refused.value.close()
    acl = s3_bucket.client.get_object_acl(Bucket=s3_bucket.name, Key=name)
    assert [grant["Grantee"]["Type"] for grant in acl["Grants"]] == ["CanonicalUser"]


def test_readyz_checks_the_bucket(s3_app, client) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json()["checks"]["photo_store"] == "ok"


def test_readyz_names_the_photo_store_when_it_is_down(store_down, client) -> None:
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.headers["Retry-After"]
    body = response.get_json()
    assert body["status"] == "unavailable"
    assert body["checks"]["photo_store"] == "failed: StoreUnavailable"
    assert body["checks"]["database"] == "ok"


def test_readyz_names_a_missing_bucket(s3_app, client, monkeypatch) -> None:
    monkeypatch.setitem(s3_app.config, "PHOTO_STORE_URL", "s3://no-such-bucket/photos")
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["photo_store"].startswith("failed")


def test_a_report_with_photos_while_the_store_is_down_is_refused_and_nothing_is_saved(
    store_down, client, db_session
) -> None:
    before = {stored.key for stored in local_store(store_down).listing()}
    data = fields(report_page(client))

    response = post_report(client, data, [(photo(seed=1), "a.jpg"), (photo(seed=2), "b.jpg")])

    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) > 0
    assert NOT_STORED in text_of(response)
    assert complaints(db_session) == []
    assert evidence_count(db_session) == 0
    assert {stored.key for stored in local_store(store_down).listing()} == before


def test_the_same_form_sent_again_once_the_store_is_back_files_the_report(
    store_down, s3_bucket: Bucket, client, db_session, monkeypatch
) -> None:
    data = fields(report_page(client))
    assert post_report(client, data, [(photo(), "a.jpg")]).status_code == 503
    monkeypatch.setitem(store_down.config, "PHOTO_STORE_URL", f"s3://{s3_bucket.name}/{PREFIX}")
    monkeypatch.setitem(store_down.config, "S3_ENDPOINT_URL", s3_bucket.endpoint)

    response = post_report(client, data, [(photo(), "a.jpg")])

    assert response.status_code == 303
    [complaint] = complaints(db_session)
    assert s3_bucket.object_names() == [f"{PREFIX}/{complaint.evidence[0].storage_key}"]


def test_an_api_report_with_photos_while_the_store_is_down_is_refused_and_nothing_is_saved(
    store_down, client, db_session
) -> None:
    response = file_by_api(client, photo(gps=False))

    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) > 0
    assert response.get_json() == {
        "error": {"status": 503, "code": "store_unavailable", "message": NOT_STORED}
    }
    assert complaints(db_session) == []
    assert evidence_count(db_session) == 0


def test_a_report_without_photos_is_filed_while_the_store_is_down(
    store_down, client, db_session
) -> None:
    response = post_report(client, fields(report_page(client)))
    assert response.status_code == 303
    assert len(complaints(db_session)) == 1


def test_a_photo_cannot_be_shown_while_the_store_is_down(
    s3_app, dead_s3_endpoint: str, client, db_session, make_user, monkeypatch
) -> None:
    assert post_report(client, fields(report_page(client)), [(photo(), "a.jpg")]).status_code == 303
    [evidence] = complaints(db_session)[0].evidence
    login(client, make_user("staff", province_code="79"))
    monkeypatch.setitem(s3_app.config, "S3_ENDPOINT_URL", dead_s3_endpoint)

    response = client.get(f"/staff/photos/{evidence.id}?lang=en")

    assert response.status_code == 503
    assert "Photos cannot be shown right now" in text_of(response)


def test_housekeeping_removes_old_files_nothing_refers_to(
    s3_app, s3_bucket: Bucket, client, runner, db_session, monkeypatch
) -> None:
    from app import complaint_service

    assert post_report(client, fields(report_page(client)), [(photo(), "a.jpg")]).status_code == 303
    [complaint] = complaints(db_session)
    [evidence] = complaint.evidence
    store = S3PhotoStore(s3_bucket.name, PREFIX, client=s3_bucket.client)
    orphan = new_key(dt.date.today())
    store.put(orphan, b"left by a worker killed before its commit")
    not_ours = ["README.txt", f"{PREFIX}/notes.txt", f"elsewhere/{new_key(dt.date.today())}"]
    for name in not_ours:
        s3_bucket.client.put_object(Bucket=s3_bucket.name, Key=name, Body=b"not a photo key")
    everything = s3_bucket.object_names()

    # Now: every file is younger than the grace period, the orphan too (it may be a report
    # being filed this moment).
    result = runner.invoke(args=["complaints", "refresh"])

    assert result.exit_code == 0, result.output
    assert "Removed 0 stored file(s) that no record refers to." in result.output
    assert s3_bucket.object_names() == everything

    # Two hours later: the orphan is old, and goes; the evidence and what is not a key stay.
    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)
    monkeypatch.setattr(complaint_service, "utc_now", lambda: later)
    result = runner.invoke(args=["complaints", "refresh"])

    assert result.exit_code == 0, result.output
    assert "Removed 1 stored file(s) that no record refers to." in result.output
    assert s3_bucket.object_names() == sorted([f"{PREFIX}/{evidence.storage_key}", *not_ours])
    assert db_session.get(Complaint, complaint.id) is not None


def test_housekeeping_says_so_when_the_store_is_down(store_down, runner) -> None:
    result = runner.invoke(args=["complaints", "refresh"])
    assert result.exit_code != 0
    assert "The photo store cannot be reached" in result.output
