"""One registry write path, as staff and shoppers see it.

The admin form, the import page and the command line refuse the same values with the same
message; an import never brings back what an administrator retired (only the admin's restore
does, audited); a retired certification is current nowhere a shopper looks; and what the
database cannot store is a message on the page, never a 500.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import re
import sqlite3

import pytest
import sqlalchemy as sa

from app.clock import LOCAL_TZ
from barcode_db import registry_rules
from barcode_db.models import Certification, Company, Programme, RegistryEvent
from barcode_db.registry_files import COLUMNS
from tests.app.test_registry_admin import (
    BASE,
    GOOD_CSV,
    GTIN,
    confirm,
    create_company,
    make_user,
    post,
    sign_in,
    upload,
    verdict_title,
)
from tests.support.factories import with_check_digit
from tests.support.pages import check_page, text_of

OTHER_GTIN = with_check_digit("893000200001")
WRONG_GTIN = GTIN[:-1] + str((int(GTIN[-1]) + 1) % 10)
HVNCLC = "High-quality Vietnamese goods (HVNCLC)"


@pytest.fixture
def staff(client, db_session):
    sign_in(client, make_user(db_session))
    return client


@pytest.fixture
def acme(registry) -> Company:
    """ACME, with a brand; OTHER holds a tax code and a product of its own."""
    company = registry.company("Công ty ACME", code="ACME", brands=("Sao Mai",))
    other = registry.company("Công ty Khác", code="OTHER")
    other.tax_code = "0312345678"
    registry.product(other, OTHER_GTIN, name="Sản phẩm khác")
    return company


def csv_line(**values: str) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow([values.get(c, "") for c in COLUMNS])
    return out.getvalue()


def import_problems(client, record: dict[str, str]) -> list[str]:
    """The problems the import page shows for a one-record list, as "column: message"."""
    content = (",".join(COLUMNS) + "\n" + csv_line(**record)).encode("utf-8")
    response = upload(client, content, "list.csv")
    assert response.status_code == 400, text_of(response)
    check_page(response, public=False)
    rows = re.findall(r"<tr><td>(\d+)</td><td>([^<]*)</td></tr>", response.get_data(as_text=True))
    return [html.unescape(problem) for line, problem in rows if line == "2"]


def form_problems(client, path: str, data: dict[str, str], field_id: str) -> list[str]:
    """The problems the admin page shows under one field of the form."""
    response = post(client, f"{path}?lang=en", data)
    assert response.status_code == 400, text_of(response)
    check_page(response, public=False)
    page = response.get_data(as_text=True)
    field = re.search(rf'<label for="{field_id}">.*?</div>', page, flags=re.S)
    assert field, f"no field {field_id}"
    return [html.unescape(p) for p in re.findall(r'role="alert">([^<]*)</p>', field.group(0))]


def company_form(**values: str) -> tuple[str, dict[str, str]]:
    data = {"code": "NEW", "name": "Công ty Mới", "tax_code": "", "province_code": ""}
    return f"{BASE}/companies/new", {**data, **values}


# Each row: a fault, the list's record with it, the admin form with it (path, data; ACME's page
# as {acme}), the form field and the list column it is about, and the message both show.
CASES = [
    pytest.param(
        {"record": "company", "company_code": "NEW", "name": "C" * 400},
        company_form(name="C" * 400),
        "name",
        "name",
        f"“{'C' * 30}…” is too long: at most 300 characters.",
        id="company name of 400 characters",
    ),
    pytest.param(
        {"record": "company", "company_code": "NEW", "name": ""},
        company_form(name=""),
        "name",
        "name",
        "The company name is empty.",
        id="empty company name",
    ),
    pytest.param(
        {"record": "company", "company_code": "NEW", "name": "Công ty", "province_code": "99"},
        company_form(province_code="99"),
        "province_code",
        "province_code",
        "Province code “99” is not one of the 34 provinces (2025 list).",
        id="bad province code",
    ),
    pytest.param(
        {"record": "company", "company_code": "NEW", "name": "Công ty", "tax_code": "12345"},
        company_form(tax_code="12345"),
        "tax_code",
        "tax_code",
        "Tax code “12345” should be 10 digits, or 10 digits, a dash and 3 digits.",
        id="bad tax code",
    ),
    pytest.param(
        {"record": "company", "company_code": "NEW", "name": "Công ty", "tax_code": "0312345678"},
        company_form(tax_code="0312345678"),
        "tax_code",
        "tax_code",
        "Tax code 0312345678 already belongs to company OTHER.",
        id="another company's tax code",
    ),
    pytest.param(
        {"record": "company", "company_code": "NEW", "name": "Công ty", "website": "w" * 301},
        company_form(website="w" * 301),
        "website",
        "website",
        f"“{'w' * 30}…” is too long: at most 300 characters.",
        id="website too long",
    ),
    pytest.param(
        {"record": "prefix", "company_code": "ACME", "prefix": "8940001"},
        ("{acme}/prefixes", {"prefix-prefix": "8940001"}),
        "prefix-prefix",
        "prefix",
        "“8940001” is not a GS1 Vietnam company prefix (893 and 4 to 7 more digits).",
        id="prefix not of GS1 Vietnam",
    ),
    pytest.param(
        {"record": "brand", "company_code": "ACME", "brand": "'’"},
        ("{acme}/brands", {"brand-name": "'’"}),
        "brand-name",
        "brand",
        "A brand name needs letters or digits.",
        id="brand without letters",
    ),
    pytest.param(
        {"record": "brand", "company_code": "ACME", "brand": "B" * 201},
        ("{acme}/brands", {"brand-name": "B" * 201}),
        "brand-name",
        "brand",
        f"“{'B' * 30}…” is too long: at most 200 characters.",
        id="brand name too long",
    ),
    pytest.param(
        {"record": "product", "company_code": "ACME", "name": "Nước mắm", "gtin": WRONG_GTIN},
        ("{acme}/products", {"product-gtin": WRONG_GTIN, "product-name": "Nước mắm"}),
        "product-gtin",
        "gtin",
        f"GTIN “{WRONG_GTIN}” is not valid: The last digit (the check digit) should be "
        f"{GTIN[-1]}, not {WRONG_GTIN[-1]}.",
        id="bad check digit",
    ),
    pytest.param(
        {"record": "product", "company_code": "ACME", "name": "", "gtin": GTIN},
        ("{acme}/products", {"product-gtin": GTIN, "product-name": ""}),
        "product-name",
        "name",
        "The product name is empty.",
        id="empty product name",
    ),
    pytest.param(
        {"record": "product", "company_code": "ACME", "name": "Của tôi", "gtin": OTHER_GTIN},
        ("{acme}/products", {"product-gtin": OTHER_GTIN, "product-name": "Của tôi"}),
        "product-gtin",
        "gtin",
        f"GTIN {OTHER_GTIN} is already listed: “Sản phẩm khác” of company OTHER.",
        id="another company's product",
    ),
    pytest.param(
        {"record": "certification", "company_code": "ACME", "programme": "gold", "year": "2025"},
        (
            "{acme}/certifications",
            {"certification-programme": "gold", "certification-year": "2025"},
        ),
        "certification-programme",
        "programme",
        "Unknown programme “gold”; expected one of hvnclc, national_brand, trusted_goods, ocop, "
        "other.",
        id="unknown certification programme",
    ),
    pytest.param(
        {"record": "certification", "company_code": "ACME", "programme": "ocop", "year": "20x5"},
        (
            "{acme}/certifications",
            {"certification-programme": "ocop", "certification-year": "20x5"},
        ),
        "certification-year",
        "year",
        "Year “20x5” is not a year.",
        id="not a year",
    ),
    pytest.param(
        {
            "record": "certification",
            "company_code": "ACME",
            "programme": "hvnclc",
            "year": "2025",
            "stars": "4",
        },
        (
            "{acme}/certifications",
            {
                "certification-programme": "hvnclc",
                "certification-year": "2025",
                "certification-stars": "4",
            },
        ),
        "certification-stars",
        "stars",
        "Stars are given for OCOP only, from 3 to 5.",
        id="stars outside OCOP",
    ),
    pytest.param(
        {
            "record": "certification",
            "company_code": "ACME",
            "programme": "ocop",
            "year": "2025",
            "valid_until": "31/12/2027",
        },
        (
            "{acme}/certifications",
            {
                "certification-programme": "ocop",
                "certification-year": "2025",
                "certification-valid_until": "31/12/2027",
            },
        ),
        "certification-valid_until",
        "valid_until",
        "Date “31/12/2027” should be written YYYY-MM-DD.",
        id="date not written YYYY-MM-DD",
    ),
    pytest.param(
        {
            "record": "certification",
            "company_code": "ACME",
            "programme": "ocop",
            "year": "2025",
            "evidence_ref": "e" * 301,
        },
        (
            "{acme}/certifications",
            {
                "certification-programme": "ocop",
                "certification-year": "2025",
                "certification-evidence_ref": "e" * 301,
            },
        ),
        "certification-evidence_ref",
        "evidence_ref",
        f"“{'e' * 30}…” is too long: at most 300 characters.",
        id="evidence reference too long",
    ),
]


@pytest.mark.parametrize(("record", "form", "field_id", "column", "message"), CASES)
def test_the_import_and_the_admin_form_refuse_alike(
    staff, runner, acme, db_session, tmp_path, record, form, field_id, column, message
) -> None:
    path, data = form
    path = path.replace("{acme}", f"{BASE}/companies/{acme.id}")
    assert form_problems(staff, path, data, field_id) == [message]
    assert import_problems(staff, record) == [f"{column}: {message}"]
    # The command line reads the same list the same way.
    listed = tmp_path / "list.csv"
    listed.write_text(",".join(COLUMNS) + "\n" + csv_line(**record), encoding="utf-8")
    result = runner.invoke(args=["registry", "import", str(listed), "--lang", "en"])
    assert result.exit_code == 1
    assert f"line 2: {message}" in result.output
    db_session.rollback()
    assert db_session.scalar(sa.select(sa.func.count()).select_from(RegistryEvent)) == 0


def test_the_admin_form_shows_every_problem_under_its_field(staff, db_session) -> None:
    path, data = company_form(code="", name="", tax_code="1", province_code="99")
    response = post(staff, f"{path}?lang=en", data)
    assert response.status_code == 400
    assert form_problems(staff, path, data, "code") == ["The company_code is empty."]
    page = text_of(response)
    for expected in ("The company name is empty.", "Tax code “1” should be", "Province code “99”"):
        assert expected in page


# --- retired records and imports ------------------------------------------------------------------


def test_an_import_reports_a_retired_company_and_leaves_it_retired(staff, db_session) -> None:
    company_id = create_company(staff, code="ACME", name="Công ty TNHH Thử Nghiệm")
    post(staff, f"{BASE}/companies/{company_id}/prefixes", {"prefix-prefix": "8930001"})
    assert verdict_title(staff, GTIN) == "Trusted Vietnamese goods"
    assert post(staff, f"{BASE}/companies/{company_id}/retire").status_code == 303
    assert verdict_title(staff, GTIN) == "Vietnamese barcode"

    preview = upload(staff, GOOD_CSV.encode("utf-8"), "list.csv")
    assert preview.status_code == 200, text_of(preview)
    check_page(preview, public=False)
    today = dt.datetime.now(LOCAL_TZ).strftime("%d/%m/%Y")
    assert f"Company ACME was retired by an administrator on {today}; not restored" in text_of(
        preview
    )
    assert confirm(staff, preview.get_data(as_text=True)).status_code == 303
    assert "1 retired record in the list was left retired." in text_of(
        staff.get(f"{BASE}/?lang=en")
    )

    db_session.rollback()
    assert db_session.scalar(sa.select(Company.retired_at)) is not None
    actions = db_session.scalars(sa.select(RegistryEvent.action).order_by(RegistryEvent.id)).all()
    assert actions == ["create", "create", "retire", "import"]  # no restore
    import_event = db_session.scalar(
        sa.select(RegistryEvent).where(RegistryEvent.action == "import")
    )
    assert import_event.changes["not_restored"] == 1
    assert verdict_title(staff, GTIN) == "Vietnamese barcode"


def test_restoring_through_the_admin_is_audited_and_counts_at_once(staff, db_session) -> None:
    company_id = create_company(staff, code="ACME")
    post(staff, f"{BASE}/companies/{company_id}/prefixes", {"prefix-prefix": "8930001"})
    post(staff, f"{BASE}/companies/{company_id}/retire")
    assert verdict_title(staff, GTIN) == "Vietnamese barcode"
    assert post(staff, f"{BASE}/companies/{company_id}/restore").status_code == 303
    assert verdict_title(staff, GTIN) == "Trusted Vietnamese goods"
    db_session.rollback()
    restore = db_session.scalar(sa.select(RegistryEvent).order_by(RegistryEvent.id.desc()))
    assert (restore.action, restore.entity, restore.entity_id, restore.actor) == (
        "restore",
        "company",
        company_id,
        "staff1",
    )
    assert restore.changes["retired_at"][1] is None
    history = text_of(staff.get(f"{BASE}/companies/{company_id}?lang=en"))
    assert "restored" in history


# --- retired certifications -----------------------------------------------------------------------


def shopper_sees(client, company: Company) -> dict[str, str]:
    verdict = client.get(f"/verify?code={GTIN}&lang=en")
    api = client.get(f"/api/v1/verify?code={GTIN}&lang=en").get_json()
    return {
        "verdict": text_of(verdict),
        "api": " ".join(c["name"] for c in api["certifications"]),
        "directory": text_of(client.get("/brands?lang=en")),
        "company page": text_of(client.get(f"/brands/{company.code}?lang=en")),
    }


def test_a_retired_certification_is_current_nowhere_a_shopper_looks(
    staff, registry, db_session
) -> None:
    company = registry.company("Công ty Sao Mai", prefix="8930001", code="SM")
    cert = registry.certification(company, Programme.HVNCLC, valid_until=dt.date(2099, 12, 31))
    registry.certification(company, Programme.OCOP, stars=4)
    before = shopper_sees(staff, company)
    assert all(HVNCLC in text for text in before.values()), before

    assert post(staff, f"{BASE}/certifications/{cert.id}/retire").status_code == 303
    after = shopper_sees(staff, company)
    for place, text in after.items():
        assert HVNCLC not in text, place
        assert "OCOP" in text, place  # the other certification still shows
    assert "Expired certifications" not in after["verdict"]

    admin_page = staff.get(f"{BASE}/companies/{company.id}?lang=en")
    row = re.search(
        rf'<tr data-id="{cert.id}" data-status="(\w+)">', admin_page.get_data(as_text=True)
    )
    assert row and row.group(1) == "retired"
    db_session.rollback()
    assert db_session.scalar(
        sa.select(Certification.valid_until).where(Certification.id == cert.id)
    ) == dt.date(2099, 12, 31)

    assert post(staff, f"{BASE}/certifications/{cert.id}/restore").status_code == 303
    assert all(HVNCLC in text for text in shopper_sees(staff, company).values())


# --- what the database cannot store ---------------------------------------------------------------


def test_a_400_character_name_is_a_message_on_every_database(staff, db_session) -> None:
    """On PostgreSQL a name longer than its column is a DataError; the rules say so first."""
    path, data = company_form(name="Đ" * 400)
    assert form_problems(staff, path, data, "name") == [
        f"“{'Đ' * 30}…” is too long: at most 300 characters."
    ]
    content = (
        ",".join(COLUMNS) + "\n" + csv_line(record="company", company_code="N", name="Đ" * 400)
    )
    preview = upload(staff, content.encode("utf-8"), "list.csv")
    assert preview.status_code == 400
    assert "is too long: at most 300 characters." in text_of(preview)
    db_session.rollback()
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Company)) == 0


def test_what_the_database_refuses_at_the_end_is_a_message_not_a_500(
    staff, db_session, database, monkeypatch
) -> None:
    """Were a rule ever looser than a column, the unit of work turns the DataError into a page.

    PostgreSQL refuses a name longer than its column; SQLite stores text of any length, so there
    the connection's longest value is lowered (SQLITE_LIMIT_LENGTH) and SQLite refuses it the
    same way (a DataError, "string or blob too big")."""
    if database.url.startswith("sqlite"):
        raw = db_session.connection().connection.driver_connection
        previous = raw.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, 350)
    else:
        raw = previous = None
    try:
        _refused_at_the_end(staff, db_session, monkeypatch)
    finally:
        if raw is not None:
            raw.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, previous)


def _refused_at_the_end(staff, db_session, monkeypatch) -> None:
    monkeypatch.setitem(registry_rules.LIMITS["company"], "name", 1000)
    monkeypatch.setitem(registry_rules.LIMITS["company"], "name_key", 1000)
    response = post(staff, f"{BASE}/companies/new?lang=en", company_form(name="C" * 400)[1])
    assert response.status_code == 400
    check_page(response, public=False)
    assert "cannot be stored" in text_of(response)

    content = (
        ",".join(COLUMNS) + "\n" + csv_line(record="company", company_code="N", name="C" * 400)
    )
    preview = upload(staff, content.encode("utf-8"), "list.csv")
    assert preview.status_code == 400
    assert "cannot be stored" in text_of(preview)
    db_session.rollback()
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Company)) == 0
