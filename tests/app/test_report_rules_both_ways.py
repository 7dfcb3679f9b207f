"""One table of bad reports, sent through the web form and through the API: both refuse each one,
with the same words, and save nothing (the rules live once, in complaints.report_rules)."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
import sqlalchemy as sa

from app.clock import local_today
from complaints.models import Complaint
from tests.app.test_report import fields, post_report, report_page
from tests.support.pages import text_of

#: Form field → API field, where the names differ.
API_NAMES = {"province": "province_code", "commune": "commune_code", "price": "price_vnd"}


def _years_ago(years: int, days: int = 0) -> str:
    today = local_today()
    return (today.replace(year=today.year - years) - dt.timedelta(days=days)).isoformat()


BAD = [
    ("contact_email", "definitely not an email", "This e-mail address does not look right."),
    ("contact_email", "an@" + "x" * 260 + ".vn", "cannot be longer than 254 characters"),
    ("contact_phone", "12", "A Vietnamese phone number, e.g. 0912 345 678."),
    ("date_seen", "2001-01-01", "Only goods seen in the last three years can be reported."),
    ("date_seen", _years_ago(3, days=1), "Only goods seen in the last three years"),
    ("date_seen", "2099-01-01", "The date cannot be in the future."),
    ("description", "hỏng", "Between 10 and 4,000 characters, please."),
    ("description", "x" * 4001, "Between 10 and 4,000 characters, please."),
    ("store_name", "x" * 201, "Field cannot be longer than 200 characters."),
    ("store_address", "x" * 301, "Field cannot be longer than 300 characters."),
    ("product_name", "x" * 201, "Field cannot be longer than 200 characters."),
    ("brand", "x" * 121, "Field cannot be longer than 120 characters."),
    ("contact_name", "x" * 121, "Field cannot be longer than 120 characters."),
    ("code", "8" * 65, "Field cannot be longer than 64 characters."),
    ("province", "00", "Choose the province or city from the list."),
    ("commune", "00070", "This commune or ward is not in the chosen province."),  # Hà Nội's
    ("commune", "99999", "This commune or ward is not in the chosen province."),
    ("consent", None, "Tick the consent box to give your contact details"),
    ("price", "-5", "Number must be between 0 and 10000000000."),
    ("price", "10000000001", "Number must be between 0 and 10000000000."),
    ("quantity", "0", "Number must be between 1 and 100000."),
]


def _api_fields(form: dict) -> dict:
    data = {API_NAMES.get(k, k): v for k, v in form.items() if k not in ("csrf_token",)}
    data.pop("idempotency_key", None)
    data["anonymous"] = "false"
    if "consent" in data:
        data["consent"] = "true"
    return data


def _count(db_session) -> int:
    db_session.expire_all()
    return db_session.scalar(sa.select(sa.func.count()).select_from(Complaint))


@pytest.mark.parametrize(
    ("field", "value", "says"), BAD, ids=[f"{f}-{i}" for i, (f, _, _) in enumerate(BAD)]
)
def test_the_form_and_the_api_refuse_the_same_input_with_the_same_message(
    client, db_session, field, value, says
) -> None:
    form = fields(report_page(client), **{field: value})
    if field == "province":
        form["commune"] = ""
    page = post_report(client, form)
    assert page.status_code == 400
    assert says in text_of(page)

    api = client.post(
        "/api/v1/complaints?lang=en",
        data=_api_fields(form),
        headers={"Idempotency-Key": uuid.uuid4().hex},
        content_type="multipart/form-data",
    )
    assert api.status_code == 422, api.get_json()
    error = api.get_json()["error"]
    assert error["code"] == "invalid_fields"
    name = API_NAMES.get(field, field)
    assert any(says in message for message in error["fields"][name]), error
    assert says in error["message"]
    assert _count(db_session) == 0


def test_both_accept_the_good_report(client, db_session) -> None:
    """The table's baseline is a report both take (so each row fails for its own field only)."""
    form = fields(report_page(client))
    assert post_report(client, form).status_code == 303
    api = client.post(
        "/api/v1/complaints?lang=en",
        data=_api_fields(fields(report_page(client))),
        headers={"Idempotency-Key": uuid.uuid4().hex},
        content_type="multipart/form-data",
    )
    assert api.status_code == 201, api.get_json()
    assert _count(db_session) == 2
    stored = db_session.scalars(sa.select(Complaint)).all()
    assert {c.contact_email for c in stored} == {"an@example.vn"}


def test_the_api_speaks_vietnamese_by_default(client, db_session) -> None:
    api = client.post(
        "/api/v1/complaints",
        data=_api_fields(fields(report_page(client), contact_email="không phải email")),
        headers={"Idempotency-Key": uuid.uuid4().hex},
        content_type="multipart/form-data",
    )
    assert api.status_code == 422
    [message] = api.get_json()["error"]["fields"]["contact_email"]
    assert message != "This e-mail address does not look right."
    assert "e-mail" in message.lower() or "email" in message.lower()


def test_a_value_outside_a_list_is_refused_in_the_readers_language(client, db_session) -> None:
    english = client.get("/api/v1/verify?code=893&lang=xx")
    assert english.status_code == 400
    [message] = english.get_json()["error"]["fields"]["lang"]
    assert "vi, en" in message
    vietnamese = client.post(
        "/api/v1/complaints",
        data=_api_fields(fields(report_page(client), category="spam")),
        headers={"Idempotency-Key": uuid.uuid4().hex},
        content_type="multipart/form-data",
    )
    assert vietnamese.status_code == 422
    [message] = vietnamese.get_json()["error"]["fields"]["category"]
    assert message == "Vui lòng chọn vấn đề của sản phẩm."
