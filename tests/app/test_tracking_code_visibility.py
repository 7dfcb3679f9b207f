"""A reporter's tracking code is their key to the case (the tracking page, rating a closed case).
Administrators and the staff of the case's area see it; read-only roles (inspectors, viewers)
see the case's number instead; no export (CSV, XLSX, PDF) and no cases API response carries it,
whoever asks."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import openpyxl
import pytest
from pypdf import PdfReader

from complaints.accounts import Role
from complaints.api_tokens import issue_api_token
from complaints.permissions import Permission, allows, roles_for
from complaints.tracking import format_tracking_code
from complaints.triage import merge
from tests.support.factories import login
from tests.support.openapi import schema_of
from tests.support.pages import check_page

NOW = dt.datetime(2026, 11, 20, 3, 0, tzinfo=dt.UTC)

#: The roles, and whether the staff pages show them the tracking codes of the area's cases.
ROLES = {
    "admin": True,  # the whole country
    "staff": True,  # of the case's province
    "inspector": False,  # read-only: the case number
    "viewer": False,
}


@pytest.fixture
def case(db_session, make_user, make_complaint):
    """A referred case in province 79 that another report was merged into: the merge's note
    is the merged report's tracking code."""
    survivor = make_complaint(
        status="REFERRED", product_name="Sữa bột Ông Thọ giả", contact_phone="0912 345 678"
    )
    duplicate = make_complaint(status="NEW", product_name="Sữa bột Ông Thọ giả")
    merge(db_session, survivor, [duplicate], actor=make_user("staff"), now=NOW)
    db_session.commit()
    return survivor, duplicate


def codes_of(*complaints) -> list[str]:
    return [
        form
        for complaint in complaints
        for form in (complaint.tracking_code, format_tracking_code(complaint.tracking_code))
    ]


def shows_any(text: str, codes: list[str]) -> bool:
    flat = re.sub(r"\s+", "", text)
    return any(code in text or code in flat for code in codes)


def user_for(make_user, role: str):
    return make_user(role, province_code=None if role == "admin" else "79")


def test_only_the_association_holds_the_permission() -> None:
    assert roles_for(Permission.READ_TRACKING_CODE) == (Role.ADMIN, Role.STAFF)


@pytest.mark.parametrize("role", ROLES)
def test_the_staff_pages_show_the_code_to_the_association_only(
    client, make_user, case, role: str
) -> None:
    survivor, duplicate = case
    user = user_for(make_user, role)
    login(client, user)
    sees = ROLES[role]
    pages = {
        "case page": f"/staff/complaints/{survivor.id}?lang=en",
        "queue": "/staff/?lang=en",
    }
    if allows(user, Permission.INSPECT):
        pages["cases for inspection"] = "/inspect/?lang=en&flagged=1"
    if allows(user, Permission.RECORD_OUTCOME):
        pages["outcome form"] = f"/inspect/cases/{survivor.id}/outcome?lang=en"
    for name, url in pages.items():
        page = client.get(url)
        check_page(page, public=False)
        html = page.get_data(as_text=True)
        assert f"/staff/complaints/{survivor.id}" in html or name == "outcome form", name
        assert shows_any(html, codes_of(survivor)) is sees, name
        if not sees:
            assert f"#{survivor.id}" in html, name  # named by its number instead
    # The merge's note on the case page is the merged report's code.
    detail = client.get(f"/staff/complaints/{survivor.id}?lang=en").get_data(as_text=True)
    assert "Merged in" in detail
    assert shows_any(detail, codes_of(duplicate)) is sees


def test_staff_of_another_area_do_not_see_the_case_at_all(client, make_user, case) -> None:
    survivor, _ = case
    login(client, make_user("staff", province_code="01"))
    assert client.get(f"/staff/complaints/{survivor.id}").status_code == 404
    assert not shows_any(client.get("/staff/").get_data(as_text=True), codes_of(survivor))


@pytest.mark.parametrize("role", [r for r in ROLES if Role(r) in roles_for(Permission.INSPECT)])
def test_no_export_carries_a_tracking_code(client, make_user, case, role: str) -> None:
    survivor, duplicate = case
    user = user_for(make_user, role)
    login(client, user)
    codes = codes_of(survivor, duplicate)
    asks = ["lang=en&flagged=1&status=REFERRED&status=DUPLICATE"]
    if allows(user, Permission.EXPORT_PERSONAL):
        asks.append(asks[0] + "&personal=1")
    for query in asks:
        csv_text = client.get(f"/inspect/export.csv?{query}").get_data().decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(csv_text)))
        assert rows[0][0] == "Case number"
        assert {row[0] for row in rows[1:]} == {str(survivor.id), str(duplicate.id)}
        assert not shows_any(csv_text, codes), query

        book = openpyxl.load_workbook(
            io.BytesIO(client.get(f"/inspect/export.xlsx?{query}").get_data())
        )
        cells = " ".join(
            str(cell.value) for row in book.active.iter_rows() for cell in row if cell.value
        )
        book.close()
        assert "Sữa bột Ông Thọ giả" in cells and not shows_any(cells, codes), query

        for url in (f"/inspect/export.pdf?{query}", f"/inspect/cases/{survivor.id}.pdf?{query}"):
            response = client.get(url)
            assert response.status_code == 200, url
            assert str(survivor.tracking_code) not in response.headers["Content-Disposition"]
            reader = PdfReader(io.BytesIO(response.get_data()))
            text = " ".join(page.extract_text() for page in reader.pages)
            assert f"#{survivor.id}" in text and "Merged in" in text, url
            assert not shows_any(text, codes), url


@pytest.mark.parametrize("role", [r for r in ROLES if Role(r) in roles_for(Permission.INSPECT)])
def test_the_cases_api_carries_no_tracking_code(
    client, db_session, make_user, case, role: str
) -> None:
    survivor, duplicate = case
    holder = user_for(make_user, role)
    token = issue_api_token(
        db_session, holder, name="QLTT", actor=make_user("admin", province_code=None), now=NOW
    )
    db_session.commit()
    response = client.get(
        "/api/v1/cases?flagged=1&status=REFERRED&status=DUPLICATE",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200
    body = response.get_json()
    assert {c["id"] for c in body["cases"]} == {survivor.id, duplicate.id}
    assert all("tracking_code" not in c for c in body["cases"])
    assert not shows_any(response.get_data(as_text=True), codes_of(survivor, duplicate))
    assert "tracking_code" not in schema_of(client, "Case")["properties"]


@pytest.mark.parametrize("role", ["viewer", "inspector", "staff"])
def test_reports_name_confirmed_cases_by_number(
    client, db_session, make_user, make_complaint, role
):
    """The committee's report lists confirmed counterfeits by case number, on the page, in the
    PDF and in the workbook, for every role that reads reports."""
    confirmed = make_complaint(status="CONFIRMED", product_name="Nước mắm giả nhãn")
    login(client, make_user(role))
    query = f"period={confirmed.created_at.year}&province=79&lang=en"
    page = client.get(f"/reports/view?{query}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f"#{confirmed.id}" in html and "Nước mắm giả nhãn" in html
    assert not shows_any(html, codes_of(confirmed))
    reader = PdfReader(io.BytesIO(client.get(f"/reports/report.pdf?{query}").get_data()))
    assert not shows_any(" ".join(p.extract_text() for p in reader.pages), codes_of(confirmed))
    book = openpyxl.load_workbook(
        io.BytesIO(client.get(f"/reports/report.xlsx?{query}").get_data())
    )
    cells = " ".join(
        str(c.value) for s in book.worksheets for r in s.iter_rows() for c in r if c.value
    )
    book.close()
    assert "Nước mắm giả nhãn" in cells and not shows_any(cells, codes_of(confirmed))
