"""A shopper reports a suspect product: the form, the photos, the receipt, tracking, rating."""

from __future__ import annotations

import hashlib
import io
import re
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from PIL import Image

from barcode_db.decode import decode_bytes
from complaints.models import Complaint, ComplaintEvent, EventKind, Evidence
from complaints.workflow import Status
from tests.support.forms import REFERER, hidden_value, multipart
from tests.support.labels import render_label, to_jpeg_bytes
from tests.support.pages import check_page, text_of

TH_PRODUCT = "8936024000127"


def photo(seed: int = 0, gps: bool = True) -> bytes:
    return to_jpeg_bytes(render_label(TH_PRODUCT, seed=seed), quality=80, exif_gps=gps)


def report_page(client, query: str = "") -> str:
    response = client.get(f"/report?lang=en{query}", follow_redirects=True)
    assert response.status_code == 200
    check_page(response)
    return response.get_data(as_text=True)


def fields(html: str, **overrides) -> dict:
    data = {
        "csrf_token": hidden_value(html, "csrf_token"),
        "idempotency_key": hidden_value(html, "idempotency_key"),
        "category": "counterfeit",
        "province": "79",
        "commune": "26740",  # Phường Sài Gòn
        "code": TH_PRODUCT,
        "brand": "Vinamilk",
        "store_name": "Tạp hoá Cô Ba",
        "store_address": "12 Lê Lợi",
        "date_seen": "2026-11-20",
        "price": "15000",
        "quantity": "2",
        "description": "Hộp sữa in chữ Vinamilk nhưng mã vạch lạ, vỏ hộp mờ.",
        "contact_name": "Nguyễn Văn An",
        "contact_phone": "0912 345 678",
        "contact_email": "an@example.vn",
        "consent": "y",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def post_report(client, data: dict, photos: list[tuple[bytes, str]] = ()):
    body, content_type = multipart(data, [("photos", content, name) for content, name in photos])
    return client.post("/report?lang=en", data=body, content_type=content_type, headers=REFERER)


def complaints(db_session) -> list[Complaint]:
    db_session.expire_all()
    return list(db_session.scalars(sa.select(Complaint)))


def upload_root(app) -> Path:
    return Path(app.instance_path) / "uploads"


def stored_files(app) -> list[Path]:
    root = upload_root(app)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.fixture(autouse=True)
def clean_uploads(app):
    yield
    for path in stored_files(app):
        path.unlink()


def test_verdict_links_to_a_prefilled_report(client, sample_registry) -> None:
    verdict = client.get(f"/verify?code={TH_PRODUCT}&brand=Vinamilk&lang=en").get_data(as_text=True)
    link = re.search(r'id="report-link" href="([^"]+)"', verdict).group(1).replace("&amp;", "&")
    html = report_page(client, "&" + link.split("?", 1)[1])
    assert f'value="{TH_PRODUCT}"' in html
    assert 'value="Vinamilk"' in html
    assert re.search(r'value="counterfeit"[^>]*checked|checked[^>]*value="counterfeit"', html)


def test_report_with_a_photo_is_saved_and_the_receipt_shows_code_and_qr(
    app, client, db_session, sample_registry
) -> None:
    html = report_page(client)
    response = post_report(client, fields(html, level="TRUSTED"), [(photo(), "hop-sua.jpg")])
    assert response.status_code == 303
    [complaint] = complaints(db_session)
    assert response.headers["Location"].endswith(f"/report/done/{complaint.tracking_code}")
    assert complaint.status is Status.NEW
    assert complaint.gtin == "0" + TH_PRODUCT
    assert complaint.province_code == "79" and complaint.commune_code == "26740"
    assert complaint.price_vnd == 15000 and complaint.quantity == 2
    # The verdict at filing is computed by the server, whatever the browser sent.
    assert complaint.verdict_level == "MISMATCH"
    assert complaint.verdict_snapshot["company"]["code"] == "THM"
    assert complaint.contact_phone == "0912 345 678" and complaint.consent_at is not None
    [evidence] = complaint.evidence
    [path] = stored_files(app)
    with Image.open(path) as stored:
        assert not stored.getexif()  # location and every other EXIF tag removed
    assert evidence.sha256_original == hashlib.sha256(photo()).hexdigest()
    events = db_session.scalars(sa.select(ComplaintEvent)).all()
    assert [(e.kind, e.actor) for e in events] == [(EventKind.FILED, None)]

    receipt = client.get(response.headers["Location"])
    check_page(receipt)
    code = complaint.tracking_code
    assert f"{code[:5]}-{code[5:]}" in text_of(receipt)
    assert receipt.headers["Cache-Control"] == "no-store"
    qr = client.get(f"/track/{code}/qr.png")
    assert qr.mimetype == "image/png"
    [decoded] = decode_bytes(qr.data)
    assert decoded.text.endswith(f"/track/{code}")


def test_tracking_page_and_api_show_status_but_no_personal_data(client, db_session) -> None:
    html = report_page(client)
    post_report(client, fields(html))
    [complaint] = complaints(db_session)
    page = client.get(f"/track/{complaint.tracking_code}?lang=en")
    check_page(page)
    text = text_of(page)
    assert "Received: waiting to be reviewed" in text
    api = client.get(f"/api/v1/complaints/{complaint.tracking_code}?lang=en")
    body = api.get_data(as_text=True)
    assert api.get_json()["status"] == "NEW"
    for private in ("Nguyễn Văn An", "0912", "an@example.vn", "vỏ hộp mờ", "Tạp hoá"):
        assert private not in text, private
        assert private not in body, private


def test_public_notes_show_internal_notes_do_not(client, db_session) -> None:
    post_report(client, fields(report_page(client)))
    [complaint] = complaints(db_session)
    now = complaint.created_at
    db_session.add_all(
        [
            ComplaintEvent(
                complaint_id=complaint.id,
                kind=EventKind.NOTE,
                actor="staff1",
                note="Đã chuyển cho đội QLTT số 3.",
                is_public=True,
                created_at=now,
            ),
            ComplaintEvent(
                complaint_id=complaint.id,
                kind=EventKind.NOTE,
                actor="staff1",
                note="Người báo có vẻ là đối thủ cạnh tranh.",
                is_public=False,
                created_at=now,
            ),
        ]
    )
    db_session.commit()
    text = text_of(client.get(f"/track/{complaint.tracking_code}"))
    assert "Đã chuyển cho đội QLTT số 3." in text
    assert "đối thủ" not in text


def test_anonymous_report_keeps_no_contact(client, db_session) -> None:
    html = report_page(client)
    response = post_report(client, fields(html, anonymous="y", consent=None))
    assert response.status_code == 303
    [complaint] = complaints(db_session)
    assert complaint.anonymous
    assert (complaint.contact_name, complaint.contact_phone, complaint.contact_email) == (
        "",
        "",
        "",
    )


def test_unlabelled_goods_without_barcode(client, db_session) -> None:
    html = report_page(client, "&unlabelled=1")
    assert re.search(r'value="unlabelled"[^>]*checked|checked[^>]*value="unlabelled"', html)
    response = post_report(client, fields(html, category="unlabelled", code="", brand=""))
    assert response.status_code == 303
    [complaint] = complaints(db_session)
    assert complaint.gtin is None and complaint.verdict_snapshot is None


@pytest.mark.parametrize(
    ("overrides", "says"),
    [
        ({"commune": "99999"}, "This commune or ward is not in the chosen province."),
        ({"commune": "00070"}, "This commune or ward is not in the chosen province."),  # Hà Nội
        ({"province": "00", "commune": ""}, "Choose the province or city from the list."),
        ({"description": "hỏng"}, "Between 10 and 4,000 characters"),
        ({"category": "spam"}, "Not a valid choice"),
        ({"consent": None}, "Tick the consent box"),
        ({"contact_phone": "12"}, "A Vietnamese phone number"),
        ({"date_seen": "2099-01-01"}, "The date cannot be in the future."),
    ],
)
def test_bad_fields_are_explained_and_nothing_is_saved(client, db_session, overrides, says) -> None:
    response = post_report(client, fields(report_page(client), **overrides))
    assert response.status_code == 400
    check_page(response)
    assert says in text_of(response)
    assert complaints(db_session) == []


def test_six_photos_are_refused(app, client, db_session) -> None:
    """Nothing is filed; the first five are kept with the form (listed), the sixth is named."""
    photos = [(photo(seed=i, gps=False), f"p{i}.jpg") for i in range(6)]
    response = post_report(client, fields(report_page(client)), photos)
    assert response.status_code == 400
    assert "At most 5 photos can be sent with a report. Not kept: p5.jpg." in text_of(response)
    assert complaints(db_session) == [] and len(stored_files(app)) == 5


@pytest.mark.parametrize(
    ("content", "name", "status", "says"),
    [
        (b"GIF89a not really", "anh.gif", 400, "Photo 1 (anh.gif)"),
        (b"%PDF-1.7 hoa don", "hoa-don.pdf", 400, "Photo 1 (hoa-don.pdf)"),
        (b"\xff\xd8" + b"\x00" * (10 * 1024 * 1024 + 10), "huge.jpg", 413, "larger than 10 MB"),
    ],
)
def test_bad_photos_are_refused(app, client, db_session, content, name, status, says) -> None:
    response = post_report(client, fields(report_page(client)), [(content, name)])
    assert response.status_code == status
    assert says in text_of(response)
    assert complaints(db_session) == [] and stored_files(app) == []


def test_forged_post_without_csrf_is_refused(client, db_session) -> None:
    data = fields(report_page(client))
    del data["csrf_token"]
    response = post_report(client, data)
    assert response.status_code == 400
    assert complaints(db_session) == []


def test_resubmitting_the_same_form_files_one_complaint(client, db_session) -> None:
    data = fields(report_page(client))
    first = post_report(client, data, [(photo(), "a.jpg")])
    second = post_report(client, data, [(photo(), "a.jpg")])  # flaky network, double tap
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert len(complaints(db_session)) == 1


def test_a_reused_key_with_other_content_is_refused(app, client, db_session) -> None:
    """Another browser sending a form key it was not given, with other content: refused (the
    browser the form was given to gets its receipt: tests/app/test_report_form_key.py)."""
    data = fields(report_page(client))
    post_report(client, data)
    other = app.test_client()
    other_data = fields(report_page(other), idempotency_key=data["idempotency_key"])
    response = post_report(other, {**other_data, "description": "Một báo cáo hoàn toàn khác hẳn."})
    assert response.status_code == 409
    assert "already used to send a different report" in text_of(response)
    assert len(complaints(db_session)) == 1


class FailingStore:
    """A store that takes one photo and then fails, like a full disk."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.puts = 0

    def put(self, key: str, data: bytes) -> None:
        self.puts += 1
        if self.puts == 2:
            raise OSError("No space left on device")
        self.inner.put(key, data)

    def get(self, key):
        return self.inner.get(key)

    def delete(self, key):
        self.inner.delete(key)

    def exists(self, key):
        return self.inner.exists(key)


def test_a_storage_failure_midway_leaves_no_complaint_and_no_file(
    app, client, db_session, monkeypatch
) -> None:
    from app import complaint_service

    real = complaint_service.photo_store
    monkeypatch.setattr(complaint_service, "photo_store", lambda: FailingStore(real()))
    app.config["PROPAGATE_EXCEPTIONS"] = False
    try:
        response = post_report(
            client,
            fields(report_page(client)),
            [(photo(seed=1), "a.jpg"), (photo(seed=2), "b.jpg")],
        )
    finally:
        app.config["PROPAGATE_EXCEPTIONS"] = None
    assert response.status_code == 500
    assert "was not saved" in text_of(response)
    assert complaints(db_session) == []
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Evidence)) == 0
    assert stored_files(app) == []


def test_a_database_failure_at_commit_removes_the_written_photos(
    app, client, db_session, monkeypatch
) -> None:
    from app.extensions import db

    def failing_commit():
        raise sa.exc.OperationalError("COMMIT", {}, Exception("connection lost"))

    monkeypatch.setattr(db.session, "commit", failing_commit)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    try:
        response = post_report(client, fields(report_page(client)), [(photo(), "a.jpg")])
    finally:
        app.config["PROPAGATE_EXCEPTIONS"] = None
        monkeypatch.undo()
    # The connection was lost: "briefly unavailable, nothing was saved, try again" (503).
    assert response.status_code == 503
    assert response.headers["Retry-After"]
    assert complaints(db_session) == []
    assert stored_files(app) == []


def test_refresh_area_without_javascript_lists_communes_and_saves_nothing(client, db_session):
    data = fields(report_page(client), province="01", commune="")
    data["refresh_area"] = "1"
    response = post_report(client, data)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Phường Hoàn Kiếm" in html and "Phường Sài Gòn" not in html
    assert complaints(db_session) == []


def test_report_rate_limit(app, client, db_session, monkeypatch) -> None:
    monkeypatch.setitem(app.config, "COMPLAINT_RATE_LIMIT", "2 per hour")
    for n in range(2):
        data = fields(report_page(client), description=f"Báo cáo số {n}: vỏ hộp mờ, chữ in lệch.")
        assert post_report(client, data).status_code == 303
    third = post_report(client, fields(report_page(client)))
    assert third.status_code == 429
    assert "Too many requests" in text_of(third)
    assert len(complaints(db_session)) == 2


def close(db_session, complaint: Complaint, status: Status = Status.CONFIRMED) -> None:
    complaint.status = status
    complaint.closed_at = complaint.created_at
    db_session.commit()


def test_rating_is_asked_once_after_closing(client, db_session) -> None:
    post_report(client, fields(report_page(client)))
    [complaint] = complaints(db_session)
    code = complaint.tracking_code
    open_page = client.get(f"/track/{code}?lang=en").get_data(as_text=True)
    assert 'id="rating-form"' not in open_page
    close(db_session, complaint)
    page = client.get(f"/track/{code}?lang=en")
    html = page.get_data(as_text=True)
    assert 'id="rating-form"' in html
    token = hidden_value(html, "csrf_token")
    rate = {"csrf_token": token, "rating": "4", "comment": "Xử lý nhanh."}
    assert client.post(f"/track/{code}/rating", data=rate, headers=REFERER).status_code == 303
    again = client.post(
        f"/track/{code}/rating",
        data={**rate, "rating": "1"},
        headers=REFERER,
        follow_redirects=True,
    )
    assert "already rated" in text_of(again)
    db_session.expire_all()
    assert (complaint.rating, complaint.rating_comment) == (4, "Xử lý nhanh.")
    assert "Your rating: 4 / 5" in text_of(client.get(f"/track/{code}?lang=en"))


def test_rating_an_open_complaint_is_refused(client, db_session) -> None:
    post_report(client, fields(report_page(client)))
    [complaint] = complaints(db_session)
    html = report_page(client)
    response = client.post(
        f"/track/{complaint.tracking_code}/rating?lang=en",
        data={"csrf_token": hidden_value(html, "csrf_token"), "rating": "5"},
        headers=REFERER,
        follow_redirects=True,
    )
    assert "once the report is closed" in text_of(response)
    db_session.expire_all()
    assert complaint.rating is None


@pytest.mark.parametrize("code", ["ABCDE-12345", "nope", "ZZZZZZZZZZ"])
def test_unknown_tracking_codes_are_404(client, code) -> None:
    assert client.get(f"/track/{code}").status_code == 404
    assert client.get(f"/api/v1/complaints/{code}").status_code == 404


@pytest.mark.parametrize(("code", "shown"), [("ABCDE-12345", "ABCDE-12345"), ("nope", "nope")])
def test_a_mistyped_code_says_so_with_the_box_to_type_it_again(client, db_session, code, shown):
    response = client.get(f"/track/{code}?lang=en")
    assert response.status_code == 404
    check_page(response)
    text = text_of(response)
    assert f"No report has the code {shown}. Check it against your receipt" in text
    html = response.get_data(as_text=True)
    assert 'id="track-form"' in html and f'value="{shown}"' in html
    assert "This page does not exist" not in text


def test_tracking_lookup_form_normalises_what_was_typed(client, db_session) -> None:
    post_report(client, fields(report_page(client)))
    [complaint] = complaints(db_session)
    typed = f"{complaint.tracking_code[:5].lower()} {complaint.tracking_code[5:]}"
    response = client.get("/track", query_string={"code": typed})
    assert response.headers["Location"].endswith(f"/track/{complaint.tracking_code}")
    bad = client.get("/track?code=123&lang=en")
    assert bad.status_code == 400
    assert "10 letters and digits" in text_of(bad)


def test_merged_complaint_follows_the_surviving_case(client, db_session) -> None:
    for n in range(2):
        post_report(
            client, fields(report_page(client), description=f"Lần {n}: vỏ hộp mờ, chữ lệch.")
        )
    first, second = sorted(complaints(db_session), key=lambda c: c.id)
    second.status = Status.DUPLICATE
    second.merged_into_id = first.id
    first.status = Status.REFERRED
    db_session.add(
        ComplaintEvent(
            complaint_id=first.id,
            kind=EventKind.NOTE,
            actor="staff",
            note="Đã chuyển QLTT.",
            is_public=True,
            created_at=first.created_at,
        )
    )
    db_session.commit()
    text = text_of(client.get(f"/track/{second.tracking_code}?lang=en"))
    assert "Merged with another report" in text
    assert "Referred to the market inspectors" in text
    assert "Đã chuyển QLTT." in text
    assert first.tracking_code not in text


def test_api_complaint_with_idempotency_key(client, db_session) -> None:
    key = uuid.uuid4().hex
    data = {
        "category": "imitation",
        "province_code": "01",
        "commune_code": "00070",
        "description": "Nhãn ghi Vinamllk, chữ in nhoè.",
        "code": "8934673000017",
        "brand": "Vinamllk",
        "photos": [(io.BytesIO(photo(gps=False)), "a.jpg")],
    }
    first = client.post(
        "/api/v1/complaints?lang=en",
        data=data,
        headers={"Idempotency-Key": key},
        content_type="multipart/form-data",
    )
    assert first.status_code == 201
    body = first.get_json()
    assert body["created"] is True and body["status"] == "NEW"
    data["photos"] = [(io.BytesIO(photo(gps=False)), "a.jpg")]
    replay = client.post(
        "/api/v1/complaints?lang=en",
        data=data,
        headers={"Idempotency-Key": key},
        content_type="multipart/form-data",
    )
    assert replay.status_code == 200
    assert replay.get_json()["tracking_code"] == body["tracking_code"]
    assert len(complaints(db_session)) == 1
    public = client.get(f"/api/v1/complaints/{body['tracking_code']}").get_json()
    assert public["category"] == "imitation" and public["photo_count"] == 1


@pytest.mark.parametrize(
    ("headers", "data", "status"),
    [
        ({}, {"category": "other"}, 400),  # no Idempotency-Key
        ({"Idempotency-Key": "short"}, {"category": "other"}, 400),
        (
            {"Idempotency-Key": "k" * 20},
            {"category": "nonsense", "province_code": "79", "description": "mười ký tự trở lên"},
            422,
        ),
        (
            {"Idempotency-Key": "k" * 20},
            {
                "category": "other",
                "province_code": "79",
                "commune_code": "00070",
                "description": "mười ký tự trở lên",
            },
            422,
        ),
    ],
)
def test_api_complaint_bad_requests(client, db_session, headers, data, status) -> None:
    response = client.post(
        "/api/v1/complaints?lang=en", data=data, headers=headers, content_type="multipart/form-data"
    )
    assert response.status_code == status
    assert response.get_json()["error"]["status"] == status
    assert complaints(db_session) == []


def test_communes_api(client) -> None:
    body = client.get("/api/v1/areas/01/communes").get_json()
    assert {"code": "00070", "name": "Phường Hoàn Kiếm"} in body["communes"]
    assert client.get("/api/v1/areas/00/communes").status_code == 404


def test_public_complaint_json_matches_its_closed_schema(client, db_session) -> None:
    import jsonschema

    post_report(client, fields(report_page(client)))
    [complaint] = complaints(db_session)
    doc = client.get("/api/openapi.json").get_json()
    schema = doc["components"]["schemas"]["PublicComplaint"]
    assert schema["additionalProperties"] is False  # no field can slip in unnoticed
    body = client.get(f"/api/v1/complaints/{complaint.tracking_code}").get_json()
    jsonschema.validate(body, schema)
    assert set(doc["paths"]) >= {"/api/v1/complaints", "/api/v1/complaints/{tracking_code}"}
