"""Market inspectors: the case list, exports (CSV, XLSX, PDF) without personal data unless
allowed and asked for, the audit of exports, outcomes, and the read-only cases API."""

from __future__ import annotations

import csv
import io
import re

import openpyxl
import pytest
import sqlalchemy as sa

from complaints.models import ApiToken, ExportEvent
from complaints.tracking import format_tracking_code
from complaints.workflow import Status
from tests.support.factories import login
from tests.support.forms import REFERER, hidden_value
from tests.support.pages import check_page


@pytest.fixture
def cases(make_complaint):
    return {
        "referred": make_complaint(
            status="REFERRED",
            product_name="Sữa bột Ông Thọ giả",
            store_name="Tạp hoá Cô Ba",
            contact_phone="0912 345 678",
        ),
        "confirmed": make_complaint(
            status="CONFIRMED",
            product_name="Nước mắm nhái nhãn",
            category="imitation",
            store_name='=HYPERLINK("x")',
        ),
        "new": make_complaint(status="NEW", product_name="Dầu ăn không nhãn"),
        "elsewhere": make_complaint(status="REFERRED", province_code="01"),
    }


def test_case_list_shows_referred_and_confirmed_by_default(client, make_user, cases) -> None:
    login(client, make_user("inspector", province_code="79"))
    page = client.get("/inspect/?lang=en")
    check_page(page, public=False)
    html = page.get_data(as_text=True)
    shown = {name for name, c in cases.items() if f'/staff/complaints/{c.id}"' in html}
    assert shown == {"referred", "confirmed"}  # not the open one, nor another province's
    assert f">#{cases['referred'].id}<" in html  # named by number: inspectors see no codes
    assert not any(
        code in html
        for c in cases.values()
        for code in (c.tracking_code, format_tracking_code(c.tracking_code))
    )
    flagged = client.get("/inspect/?flagged=1").get_data(as_text=True)
    assert f'/staff/complaints/{cases["new"].id}"' in flagged


def test_csv_export_is_excel_friendly_safe_and_without_personal_data(
    client, make_user, cases, db_session
) -> None:
    inspector = make_user("inspector")
    login(client, inspector)
    response = client.get("/inspect/export.csv?lang=en")
    assert response.status_code == 200
    raw = response.get_data()
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert len(rows) == 1 + 2
    text = raw.decode("utf-8-sig")
    assert "Sữa bột Ông Thọ giả" in text
    assert "0912" not in text and "Trần Thị Bình" not in text
    assert "'=HYPERLINK" in text  # neutralised formula
    [event] = db_session.scalars(sa.select(ExportEvent)).all()
    assert (event.actor, event.format, event.rows, event.personal_data) == (
        inspector.username,
        "csv",
        2,
        False,
    )


def test_personal_data_needs_a_role_that_allows_it_and_an_explicit_ask(
    client, make_user, cases, db_session
) -> None:
    login(client, make_user("inspector"))
    assert client.get("/inspect/export.csv?personal=1").status_code == 403
    staff_client = client.application.test_client()
    login(staff_client, make_user("staff"))
    text = staff_client.get("/inspect/export.csv?personal=1").get_data().decode("utf-8-sig")
    assert "0912 345 678" in text
    assert db_session.scalars(sa.select(ExportEvent.personal_data)).all() == [True]


def test_xlsx_export(client, make_user, cases) -> None:
    login(client, make_user("inspector"))
    response = client.get("/inspect/export.xlsx?lang=en")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.get_data()), read_only=False)
    sheet = book.active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert len(values) == 3
    flat = " ".join(str(v) for row in values for v in row if v is not None)
    assert "Nước mắm nhái nhãn" in flat and "0912" not in flat
    assert sheet.auto_filter.ref
    book.close()


def test_pdf_case_file_and_selection(client, make_user, cases, db_session) -> None:
    login(client, make_user("inspector"))
    one = client.get(f"/inspect/cases/{cases['referred'].id}.pdf")
    assert one.status_code == 200 and one.get_data().startswith(b"%PDF")
    selection = client.get(
        f"/inspect/export.pdf?id={cases['referred'].id}&id={cases['confirmed'].id}"
    )
    assert selection.get_data().startswith(b"%PDF")
    assert client.get(f"/inspect/cases/{cases['elsewhere'].id}.pdf").status_code == 404
    assert [
        e.rows for e in db_session.scalars(sa.select(ExportEvent).order_by(ExportEvent.id))
    ] == [1, 2]


def test_inspector_records_the_outcome(client, make_user, cases, db_session) -> None:
    inspector = make_user("inspector")
    login(client, inspector)
    complaint = cases["referred"]
    page = client.get(f"/inspect/cases/{complaint.id}/outcome?lang=en")
    check_page(page, public=False)
    html = page.get_data(as_text=True)
    response = client.post(
        f"/inspect/cases/{complaint.id}/outcome",
        data={
            "csrf_token": hidden_value(html, "csrf_token"),
            "version": re.search(r"<input[^>]*name=\"version\"[^>]*value=\"(\d+)\"", html).group(1),
            "inspected_on": "2026-11-20",
            "violation": "yes",
            "enforcement_ref": "QĐ 123/QĐ-XPHC ngày 20/11/2026",
            "note": "Tạm giữ 40 hộp.",
        },
        headers=REFERER,
    )
    assert response.status_code == 303
    db_session.expire_all()
    assert complaint.status is Status.CONFIRMED and complaint.violation_found is True
    assert complaint.enforcement_ref.startswith("QĐ 123")
    # An inspector cannot move cases that were not referred.
    other = cases["new"]
    html = client.get(f"/inspect/cases/{other.id}/outcome").get_data(as_text=True)
    refused = client.post(
        f"/inspect/cases/{other.id}/outcome",
        data={
            "csrf_token": hidden_value(html, "csrf_token"),
            "version": "1",
            "inspected_on": "2026-11-20",
            "violation": "no",
        },
        headers=REFERER,
    )
    assert refused.status_code == 400


def test_cases_api_with_tokens(client, make_user, cases, db_session) -> None:
    admin = make_user("admin", province_code=None)
    inspector = make_user("inspector")
    login(client, admin)
    html = client.get("/staff/tokens").get_data(as_text=True)
    created = client.post(
        "/staff/tokens",
        data={
            "csrf_token": hidden_value(html, "csrf_token"),
            "action": "create",
            "user_id": str(inspector.id),
            "name": "Hệ thống QLTT tỉnh",
        },
        headers=REFERER,
    )
    token = re.search(r"<code>(hv_[^<]+)</code>", created.get_data(as_text=True)).group(1)
    assert token not in {t.token_hash for t in db_session.scalars(sa.select(ApiToken))}

    api = client.application.test_client()
    assert api.get("/api/v1/cases").status_code == 401
    assert api.get("/api/v1/cases", headers={"Authorization": "Bearer hv_wrong"}).status_code == 401
    body = api.get("/api/v1/cases?limit=1", headers={"Authorization": f"Bearer {token}"}).get_json()
    assert len(body["cases"]) == 1 and body["next"]
    rest = api.get(
        f"/api/v1/cases?limit=10&after={body['next']}", headers={"Authorization": f"Bearer {token}"}
    ).get_json()
    ids = {c["id"] for c in body["cases"] + rest["cases"]}
    assert ids == {cases["referred"].id, cases["confirmed"].id}
    assert "contact_phone" not in str(rest) and "0912" not in str(body)

    html = client.get("/staff/tokens").get_data(as_text=True)
    token_id = db_session.scalar(sa.select(ApiToken.id))
    client.post(
        "/staff/tokens",
        data={
            "csrf_token": hidden_value(html, "csrf_token"),
            "action": "revoke",
            "token_id": str(token_id),
        },
        headers=REFERER,
    )
    assert api.get("/api/v1/cases", headers={"Authorization": f"Bearer {token}"}).status_code == 401
