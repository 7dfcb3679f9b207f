"""The registry admin over HTTP: staff change the registry and verdicts follow at once; imports
are previewed, then confirmed; other roles are refused; every form carries its CSRF token."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
import sqlalchemy as sa
from openpyxl import Workbook

from barcode_db.models import (
    Brand,
    Certification,
    Company,
    CompanyPrefix,
    Product,
    RegistryEvent,
)
from barcode_db.registry_files import COLUMNS, MAX_UPLOAD_BYTES
from complaints.accounts import Role, User
from tests.support.factories import with_check_digit
from tests.support.forms import REFERER, hidden_value, multipart
from tests.support.pages import check_page, text_of

PASSWORD = "correct horse battery"
BASE = "/staff/registry"
GTIN = with_check_digit("893000100001")  # under the prefix 8930001
HEADER = ",".join(COLUMNS) + "\n"
GOOD_CSV = HEADER + (
    "company,ACME,Công ty TNHH Thử Nghiệm,0312345678,Số 1 đường A,79,,,,,,,,,\n"
    "prefix,ACME,,,,,,8930001,,,,,,,\n"
    "brand,ACME,,,,,,,Sao Mai,,,,,,\n"
    f"product,ACME,Nước mắm Sao Mai 500 ml,,,,,,Sao Mai,{GTIN},,,,,\n"
    "certification,ACME,,,,,,,Sao Mai,,ocop,2024,4,,\n"
)


def make_user(db_session, role: Role = Role.STAFF, username: str = "staff1") -> User:
    user = User(username=username, name="Cán bộ", role=role, province_code="79")
    user.set_password(PASSWORD)
    db_session.add(user)
    db_session.commit()
    return user


def sign_in(client, user: User) -> None:
    page = client.get("/staff/login").get_data(as_text=True)
    response = client.post(
        "/staff/login",
        data={
            "csrf_token": hidden_value(page, "csrf_token"),
            "username": user.username,
            "password": PASSWORD,
        },
        headers=REFERER,
    )
    assert response.status_code == 302


def token(client) -> str:
    return hidden_value(client.get(f"{BASE}/").get_data(as_text=True), "csrf_token")


def post(client, path: str, data: dict[str, str] | None = None, **kwargs):
    return client.post(
        path, data={"csrf_token": token(client), **(data or {})}, headers=REFERER, **kwargs
    )


def count(db_session, model) -> int:
    db_session.rollback()  # read what the requests committed
    return db_session.scalar(sa.select(sa.func.count()).select_from(model))


def certification_state(db_session, cert_id: int) -> tuple[object, object]:
    """(retired_at, valid_until) as stored, read afresh."""
    return tuple(
        db_session.execute(
            sa.select(Certification.retired_at, Certification.valid_until).where(
                Certification.id == cert_id
            )
        ).one()
    )


def verdict_title(client, gtin: str) -> str:
    response = client.get(f"/verify?code={gtin}&lang=en")
    assert response.status_code == 200
    return re.search(r'id="verdict-title"[^>]*>([^<]*)<', response.get_data(as_text=True)).group(1)


@pytest.fixture
def staff(client, db_session):
    sign_in(client, make_user(db_session))
    return client


def create_company(client, code: str = "SM", name: str = "Công ty Sao Mai") -> int:
    response = post(
        client,
        f"{BASE}/companies/new",
        {"code": code, "name": name, "tax_code": "", "province_code": "79", "address": ""},
    )
    assert response.status_code == 303, text_of(response)
    return int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])


# --- changes count at once ------------------------------------------------------------------------


def test_a_new_company_prefix_and_brand_make_the_verdict_trusted_at_once(staff, db_session) -> None:
    assert verdict_title(staff, GTIN) != "Trusted Vietnamese goods"
    company_id = create_company(staff)
    page = staff.get(f"{BASE}/companies/{company_id}?lang=en")
    assert page.status_code == 200
    check_page(page, public=False)
    assert "The company was added." in text_of(page)

    added = post(staff, f"{BASE}/companies/{company_id}/prefixes", {"prefix-prefix": "8930001"})
    assert added.status_code == 303
    assert added.headers["Location"].endswith(f"/companies/{company_id}#prefix")
    assert (
        post(staff, f"{BASE}/companies/{company_id}/brands", {"brand-name": "Sao Mai"}).status_code
        == 303
    )

    assert verdict_title(staff, GTIN) == "Trusted Vietnamese goods"

    prefix_id = db_session.scalar(sa.select(CompanyPrefix.id))
    retired = post(staff, f"{BASE}/prefixes/{prefix_id}/retire")
    assert retired.status_code == 303
    assert verdict_title(staff, GTIN) == "Vietnamese barcode"

    assert post(staff, f"{BASE}/prefixes/{prefix_id}/restore").status_code == 303
    assert verdict_title(staff, GTIN) == "Trusted Vietnamese goods"

    page = staff.get(f"{BASE}/companies/{company_id}?lang=en").get_data(as_text=True)
    history = text_of(staff.get(f"{BASE}/companies/{company_id}?lang=en"))
    # Who, by name (the username on hover).
    assert '<span class="person" title="staff1">Cán bộ</span>' in page
    assert "Prefix" in history and "retired" in history
    assert count(db_session, RegistryEvent) == 5


def test_retiring_the_company_takes_it_out_of_verdicts(staff, db_session) -> None:
    company_id = create_company(staff)
    post(staff, f"{BASE}/companies/{company_id}/prefixes", {"prefix-prefix": "8930001"})
    assert verdict_title(staff, GTIN) == "Trusted Vietnamese goods"
    assert post(staff, f"{BASE}/companies/{company_id}/retire").status_code == 303
    assert verdict_title(staff, GTIN) == "Vietnamese barcode"
    assert count(db_session, Company) == 1


def test_editing_everything_on_the_company_page(staff, db_session) -> None:
    company_id = create_company(staff)
    base = f"{BASE}/companies/{company_id}"
    post(staff, f"{base}/brands", {"brand-name": "Sao Mai"})
    brand_id = db_session.scalar(sa.select(Brand.id))
    response = post(
        staff,
        f"{base}/products",
        {"product-gtin": GTIN, "product-name": "Nước mắm", "product-brand_id": str(brand_id)},
    )
    assert response.status_code == 303
    response = post(
        staff,
        f"{base}/certifications",
        {
            "certification-programme": "ocop",
            "certification-year": "2025",
            "certification-stars": "4",
            "certification-valid_until": "2027-12-31",
            "certification-evidence_ref": "QĐ 12",
            "certification-brand_id": str(brand_id),
        },
    )
    assert response.status_code == 303
    product_id = db_session.scalar(sa.select(Product.id))
    cert_id = db_session.scalar(sa.select(Certification.id))

    for path in (
        f"{base}/edit",
        f"{BASE}/brands/{brand_id}/edit",
        f"{BASE}/products/{product_id}/edit",
        f"{BASE}/certifications/{cert_id}/edit",
        base,
    ):
        page = staff.get(path)
        assert page.status_code == 200, path
        check_page(page, public=False)
    assert GTIN in staff.get(f"{BASE}/products/{product_id}/edit").get_data(as_text=True)

    edited = post(
        staff,
        f"{base}/edit",
        {
            "code": "SM",
            "name": "Công ty Sao Mai Mới",
            "tax_code": "0312345678",
            "province_code": "01",
        },
    )
    assert edited.status_code == 303
    assert (
        post(staff, f"{BASE}/brands/{brand_id}/edit", {"name": "Sao Mai Vàng"}).status_code == 303
    )
    assert (
        post(
            staff,
            f"{BASE}/products/{product_id}/edit",
            {"gtin": GTIN, "name": "Nước mắm 1 lít", "brand_id": ""},
        ).status_code
        == 303
    )
    assert (
        post(
            staff,
            f"{BASE}/certifications/{cert_id}/edit",
            {"programme": "ocop", "year": "2025", "stars": "5", "brand_id": str(brand_id)},
        ).status_code
        == 303
    )
    db_session.rollback()
    company = db_session.get(Company, company_id)
    assert (company.name_key, company.province_code) == ("cong ty sao mai moi", "01")
    cert = db_session.get(Certification, cert_id)
    assert (cert.stars, cert.subject_key, cert.valid_until) == (5, "sao mai vang", None)
    assert db_session.get(Product, product_id).brand_id is None

    assert post(staff, f"{BASE}/certifications/{cert_id}/retire").status_code == 303
    db_session.rollback()
    retired_at, valid_until = certification_state(db_session, cert_id)
    assert retired_at is not None and valid_until is None  # its dates stay as they were
    page = staff.get(base).get_data(as_text=True)
    assert f"/certifications/{cert_id}/restore" in page
    assert post(staff, f"{BASE}/certifications/{cert_id}/restore").status_code == 303
    db_session.rollback()
    assert certification_state(db_session, cert_id) == (None, None)

    actions = db_session.scalars(sa.select(RegistryEvent.action).order_by(RegistryEvent.id)).all()
    assert actions == [
        "create", "create", "create", "create",
        "update", "update", "update", "update",
        "retire", "restore",
    ]  # fmt: skip


def test_bad_input_is_refused_with_the_reason_and_status_400(staff, db_session) -> None:
    company_id = create_company(staff)
    response = post(
        staff, f"{BASE}/companies/{company_id}/prefixes?lang=en", {"prefix-prefix": "8940001"}
    )
    assert response.status_code == 400
    check_page(response, public=False)
    assert "is not a GS1 Vietnam company prefix" in text_of(response)
    assert 'value="8940001"' in response.get_data(as_text=True)  # what was typed stays

    again = post(staff, f"{BASE}/companies/new?lang=en", {"code": "SM", "name": "Trùng mã"})
    assert again.status_code == 400
    assert "Company code SM is already used by Công ty Sao Mai" in text_of(again)

    bad_gtin = post(
        staff,
        f"{BASE}/companies/{company_id}/products?lang=en",
        {"product-gtin": GTIN[:-1] + str((int(GTIN[-1]) + 1) % 10), "product-name": "X"},
    )
    assert bad_gtin.status_code == 400
    assert "is not valid" in text_of(bad_gtin)

    stars = post(
        staff,
        f"{BASE}/companies/{company_id}/certifications?lang=en",
        {
            "certification-programme": "hvnclc",
            "certification-year": "2025",
            "certification-stars": "4",
        },
    )
    assert stars.status_code == 400
    assert "Stars are given for OCOP only" in text_of(stars)

    assert count(db_session, CompanyPrefix) == 0
    assert count(db_session, Company) == 1


def test_search_ignores_diacritics_and_finds_numbers(staff, registry) -> None:
    registry.company("Công ty Đồng Xanh", prefix="8930001", brands=("Lúa Vàng",), code="DX")
    registry.company("Công ty Khác", code="KH")

    def found(query: str) -> str:
        page = staff.get(f"{BASE}/?q={query}")
        assert page.status_code == 200
        check_page(page, public=False)
        return text_of(page)

    assert "Công ty Đồng Xanh" in found("dong+xanh")
    assert "Công ty Khác" not in found("ĐỒNG")
    assert "Công ty Đồng Xanh" in found("lua+vang")
    assert "Công ty Đồng Xanh" in found(GTIN)
    assert "Công ty Đồng Xanh" not in found("100%25_")


# --- import ---------------------------------------------------------------------------------------


def upload(client, content: bytes, filename: str, *, lang: str = "en"):
    body, content_type = multipart({"csrf_token": token(client)}, [("file", content, filename)])
    return client.post(
        f"{BASE}/import?lang={lang}", data=body, content_type=content_type, headers=REFERER
    )


def confirm(client, preview_html: str):
    return post(
        client,
        f"{BASE}/import/confirm",
        {
            "content": hidden_value(preview_html, "content"),
            "sha256": hidden_value(preview_html, "sha256"),
            "filename": hidden_value(preview_html, "filename"),
        },
    )


def counts_row(html: str, kind: str) -> tuple[int, int]:
    match = re.search(rf'data-kind="{kind}"><td>[^<]*</td><td>(\d+)</td><td>(\d+)</td>', html)
    assert match, kind
    return int(match.group(1)), int(match.group(2))


def test_csv_preview_writes_nothing_then_confirm_imports_everything(staff, db_session) -> None:
    assert staff.get(f"{BASE}/import").status_code == 200
    preview = upload(staff, ("\ufeff" + GOOD_CSV).encode("utf-8"), "danh sach.csv")
    assert preview.status_code == 200, text_of(preview)
    check_page(preview, public=False)
    html = preview.get_data(as_text=True)
    assert counts_row(html, "company") == (1, 0)
    assert counts_row(html, "certification") == (1, 0)
    assert count(db_session, Company) == 0
    assert count(db_session, RegistryEvent) == 0

    done = confirm(staff, html)
    assert done.status_code == 303
    assert count(db_session, Product) == 1
    event = db_session.scalar(sa.select(RegistryEvent))
    assert (event.action, event.entity, event.actor) == ("import", "registry", "staff1")
    assert event.changes["rows"] == 5
    assert event.changes["created"]["company"] == 1
    assert verdict_title(staff, GTIN) == "Trusted Vietnamese goods"

    # The same file again updates nothing and creates nothing.
    again = upload(staff, GOOD_CSV.encode("utf-8"), "danh sach.csv")
    assert counts_row(again.get_data(as_text=True), "company") == (0, 0)
    listed = staff.get(f"{BASE}/import").get_data(as_text=True)
    assert '<span class="person" title="staff1">Cán bộ</span>' in listed  # the import is listed


def workbook_bytes() -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append([])  # the header is the first row that is not empty
    sheet.append(["record", "company_code", "name", "tax_code", "province_code", "prefix",
                  "brand", "gtin", "programme", "year", "valid_until"])  # fmt: skip
    sheet.append(["company", "ACME", "Công ty Thử", 312345678, 79])
    sheet.append(["prefix", "ACME", None, None, None, 8930001])
    sheet.append(["product", "ACME", "Nước mắm", None, None, None, None, int(GTIN)])
    sheet.append(["certification", "ACME", None, None, None, None, None, None, "hvnclc", 2025,
                  dt.date(2027, 12, 31)])  # fmt: skip
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_xlsx_preview_then_confirm(staff, db_session) -> None:
    preview = upload(staff, workbook_bytes(), "list.xlsx")
    assert preview.status_code == 200, text_of(preview)
    html = preview.get_data(as_text=True)
    assert counts_row(html, "product") == (1, 0)
    assert count(db_session, Company) == 0
    assert confirm(staff, html).status_code == 303
    db_session.rollback()
    company = db_session.scalar(sa.select(Company))
    assert (company.tax_code, company.province_code) == ("0312345678", "79")
    assert db_session.scalar(sa.select(Certification.valid_until)) == dt.date(2027, 12, 31)
    assert verdict_title(staff, GTIN) == "Trusted Vietnamese goods"


def test_a_bad_file_shows_every_bad_line_and_writes_nothing(staff, db_session) -> None:
    bad = (
        GOOD_CSV
        + (
            "prefix,ACME,,,,,,8940001,,,,,,,\n"  # line 7
            f"product,ACME,Chai lỗi,,,,,,,{GTIN[:-1]}0,,,,,\n"  # line 8
            "brand,NOBODY,,,,,,,X,,,,,,\n"  # line 9
        )
    )
    response = upload(staff, bad.encode("utf-8"), "bad.csv")
    assert response.status_code == 400
    check_page(response, public=False)
    html = response.get_data(as_text=True)
    assert "confirm-form" not in html
    rows = re.findall(r"<tr><td>(\d+)</td><td>([^<]*)</td></tr>", html)
    assert [line for line, _ in rows] == ["7", "8", "9"]
    assert "not a GS1 Vietnam company prefix" in rows[0][1]
    assert "NOBODY" in rows[2][1]
    assert count(db_session, Company) == 0
    assert count(db_session, RegistryEvent) == 0


def test_a_broken_workbook_and_a_non_utf8_csv_are_explained(staff, db_session) -> None:
    broken = upload(staff, b"PK\x03\x04 broken", "list.xlsx")
    assert broken.status_code == 400
    assert "could not be read as an Excel workbook" in text_of(broken)
    latin = upload(staff, (HEADER + "company,A,Café,,,,,,,,,,,,\n").encode("latin-1"), "a.csv")
    assert latin.status_code == 400
    assert "not UTF-8" in text_of(latin)


def test_a_tampered_confirmation_is_refused(staff, db_session) -> None:
    html = upload(staff, GOOD_CSV.encode("utf-8"), "a.csv").get_data(as_text=True)
    response = post(
        staff,
        f"{BASE}/import/confirm",
        {"content": hidden_value(html, "content"), "sha256": "0" * 64, "filename": "a.csv"},
    )
    assert response.status_code == 400
    broken = post(
        staff, f"{BASE}/import/confirm", {"content": "***", "sha256": "0" * 64, "filename": ""}
    )
    assert broken.status_code == 400
    assert count(db_session, Company) == 0


def test_too_large_uploads_get_413_with_a_message(staff) -> None:
    just_over = upload(staff, b"x" * (MAX_UPLOAD_BYTES + 1), "big.csv")
    assert just_over.status_code == 413
    assert "up to 5 MB" in text_of(just_over)
    far_over = upload(staff, b"x" * (MAX_UPLOAD_BYTES + 200_000), "big.csv")
    assert far_over.status_code == 413
    assert "up to 5 MB" in text_of(far_over)


# --- who may ----------------------------------------------------------------------------------------


def registry_urls(app) -> list[tuple[str, str]]:
    urls = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("registry_admin."):
            continue
        url = re.sub(r"<(?:\w+:)?\w+>", "1", rule.rule)
        urls += [(method, url) for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    return urls


def test_every_registry_view_is_for_admin_and_staff_only(app) -> None:
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("registry_admin."):
            assert set(app.view_functions[rule.endpoint].allowed_roles) == {Role.ADMIN, Role.STAFF}


@pytest.mark.parametrize("role", [Role.VIEWER, Role.INSPECTOR])
def test_viewers_and_inspectors_get_403_everywhere(app, client, db_session, role) -> None:
    sign_in(client, make_user(db_session, role, username=f"u-{role.value}"))
    page = client.get("/staff/").get_data(as_text=True)
    csrf = hidden_value(page, "csrf_token")
    urls = registry_urls(app)
    assert len(urls) > 20
    for method, url in urls:
        if method == "GET":
            response = client.get(url)
        else:
            response = client.post(url, data={"csrf_token": csrf}, headers=REFERER)
        assert response.status_code == 403, f"{method} {url}"


def test_anonymous_users_are_sent_to_sign_in(app, client, db_session) -> None:
    csrf = hidden_value(client.get("/staff/login").get_data(as_text=True), "csrf_token")
    for method, url in registry_urls(app):
        if method == "GET":
            response = client.get(url)
        else:
            response = client.post(url, data={"csrf_token": csrf}, headers=REFERER)
        assert response.status_code == 302, f"{method} {url}"
        assert "/staff/login" in response.headers["Location"]


def test_admins_may_use_the_registry_admin(client, db_session) -> None:
    sign_in(client, make_user(db_session, Role.ADMIN, username="admin1"))
    assert client.get(f"{BASE}/").status_code == 200
    assert create_company(client) > 0


def test_posts_without_the_csrf_token_are_refused(staff, db_session) -> None:
    response = staff.post(
        f"{BASE}/companies/new", data={"code": "X", "name": "Công ty X"}, headers=REFERER
    )
    assert response.status_code == 400
    company_id = create_company(staff)
    response = staff.post(f"{BASE}/companies/{company_id}/retire", headers=REFERER)
    assert response.status_code == 400
    assert count(db_session, Company) == 1
    db_session.rollback()
    assert db_session.get(Company, company_id).retired_at is None


def test_every_page_passes_the_page_checks(staff, db_session) -> None:
    company_id = create_company(staff)
    for path in (f"{BASE}/", f"{BASE}/companies/new", f"{BASE}/companies/{company_id}",
                 f"{BASE}/import"):  # fmt: skip
        response = staff.get(path)
        assert response.status_code == 200, path
        page = check_page(response, public=False)
        assert page.forms, path
        assert response.headers["Cache-Control"] == "no-store"
