"""Suspect verifications leave anonymous signals; confirmed cases raise the verdict to REPORTED."""

from __future__ import annotations

import datetime as dt
import io

import sqlalchemy as sa

from app.verification import SIGNAL_CAP
from complaints.models import Complaint, Signal
from complaints.workflow import Category, Status
from tests.support.labels import to_jpeg_bytes
from tests.support.pages import text_of

TH_PRODUCT = "8936024000127"
VINAMILK_PRODUCT = "8934673000017"


def signals(db_session) -> list[Signal]:
    db_session.expire_all()
    return list(db_session.scalars(sa.select(Signal).order_by(Signal.id)))


def test_suspect_verdicts_leave_a_signal_without_personal_data(
    client, db_session, sample_registry
) -> None:
    client.get(f"/verify?code={TH_PRODUCT}&brand=Vinamilk")  # MISMATCH
    client.get("/api/v1/verify?code=8934673000014")  # INVALID
    client.get(f"/verify?code={VINAMILK_PRODUCT}")  # TRUSTED: no signal
    [mismatch, invalid] = signals(db_session)
    assert (mismatch.level, mismatch.gtin, mismatch.brand_seen) == (
        "MISMATCH",
        "0" + TH_PRODUCT,
        "Vinamilk",
    )
    assert (invalid.level, invalid.gtin, invalid.code_seen) == ("INVALID", None, "8934673000014")
    columns = set(Signal.__table__.columns.keys())
    assert not columns & {"ip", "client", "contact_name", "contact_phone", "user_agent"}


def test_a_photo_with_no_code_is_a_signal_a_typed_empty_code_is_not(client, db_session) -> None:
    from PIL import Image

    blank = to_jpeg_bytes(Image.new("RGB", (600, 400), (200, 200, 200)))
    client.post(
        "/api/v1/verify",
        data={"photo": (io.BytesIO(blank), "p.jpg")},
        content_type="multipart/form-data",
    )
    client.get("/verify?code=")
    [signal] = signals(db_session)
    assert (signal.level, signal.from_photo) == ("UNKNOWN", True)


def test_a_flood_from_one_client_is_capped(client, db_session) -> None:
    for _ in range(SIGNAL_CAP.amount + 5):
        assert client.get("/api/v1/verify?code=8934673000014").status_code == 200
    assert len(signals(db_session)) == SIGNAL_CAP.amount


def add_complaint(db_session, status: Status, gtin: str, n: int) -> None:
    db_session.add(
        Complaint(
            tracking_code=f"TEST{n:06d}",
            status=status,
            category=Category.COUNTERFEIT,
            gtin=gtin.zfill(14),
            province_code="79",
            description="Hàng giả đã được xác nhận.",
            closed_at=dt.datetime(2026, 11, 1, tzinfo=dt.UTC) if status.is_closed else None,
        )
    )
    db_session.commit()


def test_confirmed_case_makes_the_verdict_reported(client, db_session, sample_registry) -> None:
    add_complaint(db_session, Status.CONFIRMED, VINAMILK_PRODUCT, 1)
    response = client.get(f"/verify?code={VINAMILK_PRODUCT}&lang=en")
    assert 'data-level="REPORTED"' in response.get_data(as_text=True)
    # What was confirmed, where and when, so that buyers of the genuine product can compare.
    said = text_of(response)
    assert "11/2026 the association confirmed a counterfeit carrying this barcode" in said
    assert "found in Thành phố Hồ Chí Minh" in said
    assert "Do not use the product" not in said
    body = client.get(f"/api/v1/verify?code={VINAMILK_PRODUCT}").get_json()
    assert body["level"] == "REPORTED"


def test_open_complaints_are_mentioned_then_reported_when_many(
    client, db_session, sample_registry
) -> None:
    add_complaint(db_session, Status.NEW, VINAMILK_PRODUCT, 1)
    body = client.get(f"/api/v1/verify?code={VINAMILK_PRODUCT}&lang=en").get_json()
    assert body["level"] == "TRUSTED"
    assert "open_complaints" in [r["code"] for r in body["reasons"]]
    for n in range(2, 6):
        add_complaint(db_session, Status.TRIAGED, VINAMILK_PRODUCT, n)
    add_complaint(db_session, Status.DISMISSED, VINAMILK_PRODUCT, 9)  # closed: not counted
    body = client.get(f"/api/v1/verify?code={VINAMILK_PRODUCT}&lang=en").get_json()
    assert body["level"] == "REPORTED"
    assert any("5 shoppers have reported" in r["message"] for r in body["reasons"])


def test_a_confirmed_counterfeit_under_another_label_is_described_to_buyers_of_the_genuine(
    client, db_session, sample_registry
) -> None:
    # The case: TH true MILK's barcode was found on a pack labelled Vinamilk in Hà Nội.
    th_product = "8936024000127"
    db_session.add(
        Complaint(
            tracking_code="TEST000077",
            status=Status.CONFIRMED,
            category=Category.COUNTERFEIT,
            gtin=th_product.zfill(14),
            brand_seen="Vinamilk",
            province_code="01",
            description="Hàng giả đã được xác nhận.",
            closed_at=dt.datetime(2026, 10, 20, 20, 0, tzinfo=dt.UTC),  # 21/10 in Vietnam
        )
    )
    db_session.commit()
    said = text_of(client.get(f"/verify?code={th_product}&lang=en"))
    assert "In 10/2026 the association confirmed a counterfeit carrying this barcode" in said
    assert "labelled “Vinamilk”, found in Thành phố Hà Nội" in said
    assert "carries the brand TH true MILK" in said
    assert "Do not use the product" not in said
    # A pack that shows the genuine brand is not that counterfeit: warned, not red.
    genuine = client.get(f"/api/v1/verify?code={th_product}&brand=TH+true+MILK").get_json()
    assert genuine["level"] == "TRUSTED"
    assert "confirmed_other_label" in [r["code"] for r in genuine["reasons"]]
