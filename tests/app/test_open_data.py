"""The registry as open data (issue 14): ``GET /api/v1/catalogue`` (JSON pages) and
``/api/v1/catalogue.csv`` (the import format), licence stated, sample records marked, both in the
OpenAPI document, rate limited; and what is published loads into another association's registry
with ``flask registry import``, record for record."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import jsonschema
import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from app.extensions import db
from barcode_db import admin
from barcode_db.models import Brand, Certification, Company, CompanyPrefix, Product
from barcode_db.registry_files import COLUMNS, SAMPLE_COMPANIES
from tests.conftest import Database, make_test_app
from tests.support.database import ROOT
from tests.support.factories import with_check_digit

NOW = dt.datetime(2026, 11, 20, 3, 0, tzinfo=dt.UTC)
SAO_MAI = with_check_digit("893000300001")
SAO_MAI_SAUCE = with_check_digit("893000300002")
SAO_MAI_OLD = with_check_digit("893000300003")
LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/"


def add_real_company(session) -> Company:
    """A company that is not sample data, with every catalogue fact and a record of each kind,
    and retired records that are not published; written by the one write path."""
    company = admin.create_company(
        session,
        admin.CompanyFields(
            code="SMX",
            name="Công ty TNHH Thực phẩm Sao Mai",
            tax_code="0312345678",
            address="Số 1 đường A, phường Bến Thành",
            province_code="79",
            website="https://saomai.example.vn",
            made_in="Long An; Bình Dương",
            owner_group="Tập đoàn Sao Mai",
            owner_country="TH",
            source="Cổng thông tin quốc gia về đăng ký doanh nghiệp",
            checked_on="2026-10-01",
        ),
        actor="staff1",
        now=NOW,
    )
    admin.add_prefix(session, company, "8930003", actor="staff1", now=NOW)
    brand = admin.add_brand(
        session, company, "Sao Mai", category="seasonings", actor="staff1", now=NOW
    )
    old_brand = admin.add_brand(session, company, "Sao Cũ", actor="staff1", now=NOW)
    for fields in (
        admin.ProductFields(SAO_MAI, "Nước mắm Sao Mai 500 ml", brand.id),
        admin.ProductFields(SAO_MAI_SAUCE, "Tương ớt Sao Mai", brand.id, category="instant_food"),
        admin.ProductFields(f"0{SAO_MAI_OLD}", "Gói quà Tết (không nhãn hiệu)", None, "bakery"),
    ):
        admin.add_product(session, company, fields, actor="staff1", now=NOW)
    admin.add_certification(
        session,
        company,
        admin.CertificationFields("ocop", 2025, 4, "2028-06-30", "QĐ 123/QĐ-UBND", brand.id),
        actor="staff1",
        now=NOW,
    )
    admin.add_certification(
        session,
        company,
        admin.CertificationFields("hvnclc", 2026, None, None, "Giấy chứng nhận 2026"),
        actor="staff1",
        now=NOW,
    )
    # Not published: a withdrawn certification, a retired brand with its certification.
    withdrawn = admin.add_certification(
        session,
        company,
        admin.CertificationFields("national_brand", 2024, None, None, "rút lại"),
        actor="staff1",
        now=NOW,
    )
    admin.retire(session, withdrawn, actor="staff1", now=NOW)
    admin.add_certification(
        session,
        company,
        admin.CertificationFields("ocop", 2023, 3, None, "của nhãn cũ", old_brand.id),
        actor="staff1",
        now=NOW,
    )
    admin.retire(session, old_brand, actor="staff1", now=NOW)
    gone = admin.create_company(
        session, admin.CompanyFields(code="GONE", name="Công ty Đã Nghỉ"), actor="s", now=NOW
    )
    admin.retire(session, gone, actor="staff1", now=NOW)
    session.commit()
    return company


@pytest.fixture
def catalogue(db_session, sample_registry):
    """The bundled sample registry and a real company with every new fact."""
    return add_real_company(db_session)


def all_pages(client, limit: int = 5) -> list[dict]:
    pages, after = [], None
    while True:
        query = f"limit={limit}" + (f"&after={after}" if after else "")
        response = client.get(f"/api/v1/catalogue?{query}")
        assert response.status_code == 200, response.get_data(as_text=True)
        pages.append(response.get_json())
        after = pages[-1]["next"]
        if after is None:
            return pages


def registry_as_stored(session) -> dict[str, set[tuple]]:
    """The active registry read from the tables (not through the publishing code), by kind."""
    active = Company.retired_at.is_(None)
    return {
        "company": set(
            session.execute(
                sa.select(
                    Company.code,
                    Company.name,
                    Company.tax_code,
                    Company.address,
                    Company.province_code,
                    Company.website,
                    Company.made_in,
                    Company.owner_group,
                    Company.owner_country,
                    Company.source,
                    Company.checked_on,
                    Company.is_sample,
                ).where(active)
            ).tuples()
        ),
        "prefix": set(
            session.execute(
                sa.select(Company.code, CompanyPrefix.prefix)
                .join(CompanyPrefix.company)
                .where(active, CompanyPrefix.retired_at.is_(None))
            ).tuples()
        ),
        "brand": set(
            session.execute(
                sa.select(Company.code, Brand.name, Brand.category)
                .join(Brand.company)
                .where(active, Brand.retired_at.is_(None))
            ).tuples()
        ),
        "product": set(
            session.execute(
                sa.select(Company.code, Product.gtin, Product.name, Brand.name, Product.category)
                .join(Product.company)
                .outerjoin(Brand, Brand.id == Product.brand_id)
                .where(active, Product.retired_at.is_(None))
            ).tuples()
        ),
        "certification": set(
            session.execute(
                sa.select(
                    Company.code,
                    Brand.name,
                    Certification.programme,
                    Certification.year,
                    Certification.stars,
                    Certification.valid_until,
                    Certification.evidence_ref,
                )
                .join(Certification.company)
                .outerjoin(Brand, Brand.id == Certification.brand_id)
                .where(
                    active,
                    Certification.retired_at.is_(None),
                    sa.or_(Certification.brand_id.is_(None), Brand.retired_at.is_(None)),
                )
            ).tuples()
        ),
    }


# --- the JSON pages -------------------------------------------------------------------------------


def test_the_json_pages_hold_every_active_company_once_in_the_documented_shape(
    client, catalogue
) -> None:
    doc = client.get("/api/openapi.json").get_json()
    schema = {**doc["components"]["schemas"]["CataloguePage"], "components": doc["components"]}
    pages = all_pages(client, limit=5)
    for page in pages:
        jsonschema.validate(page, schema)
    codes = [c["code"] for page in pages for c in page["companies"]]
    assert len(pages) == 3  # 12 sample companies and one real one, 5 a page
    assert len(codes) == len(set(codes)) == 13
    assert "GONE" not in codes  # retired

    first = pages[0]
    assert first["licence"]["id"] == "CC-BY-4.0"
    assert first["licence"]["url"] == LICENCE_URL
    assert first["csv_url"].endswith("/api/v1/catalogue.csv")
    assert {"code": "seasonings", "gpc_segment": "50000000"}.items() <= {
        **next(c for c in first["categories"] if c["code"] == "seasonings")
    }.items()


def test_a_company_record_gives_its_facts_and_its_active_records(client, catalogue) -> None:
    companies = {c["code"]: c for page in all_pages(client, 50) for c in page["companies"]}
    smx = companies["SMX"]
    assert smx["is_sample"] is False
    assert companies["VNM"]["is_sample"] is True
    assert {k: smx[k] for k in ("made_in", "owner_group", "owner_country", "checked_on")} == {
        "made_in": "Long An; Bình Dương",
        "owner_group": "Tập đoàn Sao Mai",
        "owner_country": "TH",
        "checked_on": "2026-10-01",
    }
    assert smx["prefixes"] == ["8930003"]
    assert smx["brands"] == [{"name": "Sao Mai", "category": "seasonings"}]  # not the retired one
    assert smx["products"] == [
        # As printed: a GTIN-13 typed with a leading zero is still a GTIN-13.
        {"gtin": SAO_MAI, "name": "Nước mắm Sao Mai 500 ml", "brand": "Sao Mai", "category": None},
        {"gtin": SAO_MAI_SAUCE, "name": "Tương ớt Sao Mai", "brand": "Sao Mai", "category": "instant_food"},
        {"gtin": SAO_MAI_OLD, "name": "Gói quà Tết (không nhãn hiệu)", "brand": None, "category": "bakery"},
    ]  # fmt: skip
    assert smx["certifications"] == [
        {
            "programme": "hvnclc",
            "year": 2026,
            "stars": None,
            "valid_until": None,
            "evidence_ref": "Giấy chứng nhận 2026",
            "brand": None,
        },
        {
            "programme": "ocop",
            "year": 2025,
            "stars": 4,
            "valid_until": "2028-06-30",
            "evidence_ref": "QĐ 123/QĐ-UBND",
            "brand": "Sao Mai",
        },
    ]  # neither the withdrawn one nor the retired brand's


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("after=abc", "after", "Not a valid whole number."),
        ("after=0", "after", "Must be a whole number from 1 to 2147483647."),
        ("after=99999999999", "after", "Must be a whole number from 1 to 2147483647."),
        ("limit=0", "limit", "Must be a whole number from 1 to 500."),
        ("limit=501", "limit", "Must be a whole number from 1 to 500."),  # 500 companies a page
    ],
)
def test_bad_paging_is_refused_naming_the_parameter(
    client, db_session, query, field, message
) -> None:
    response = client.get(f"/api/v1/catalogue?{query}&lang=en")
    assert response.status_code == 400
    assert response.get_json()["error"]["fields"] == {field: [message]}


def test_the_catalogue_says_in_vietnamese_what_is_wrong(client, db_session) -> None:
    response = client.get("/api/v1/catalogue?limit=abc")
    assert response.status_code == 400
    assert response.get_json()["error"]["fields"]["limit"] == ["Không phải số nguyên hợp lệ."]


# --- the CSV --------------------------------------------------------------------------------------


def test_the_csv_is_the_import_format_with_its_licence_and_the_sample_companies(
    client, catalogue
) -> None:
    response = client.get("/api/v1/catalogue.csv?lang=en")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    lines = response.get_data(as_text=True).splitlines()
    assert lines[0].startswith("# ") and LICENCE_URL in lines[0] and "Attribution 4.0" in lines[0]
    sample_line = next(line for line in lines if line.startswith(SAMPLE_COMPANIES))
    marked = [c.strip() for c in next(csv.reader([sample_line[len(SAMPLE_COMPANIES) :]]))]
    assert "VNM" in marked and "SMX" not in marked and len(marked) == 12
    header = next(line for line in lines if not line.startswith("#"))
    assert header == ",".join(COLUMNS)
    rows = list(csv.DictReader(io.StringIO("\n".join(lines[lines.index(header) :]))))
    assert {r["record"] for r in rows} == {"company", "prefix", "brand", "product", "certification"}
    smx = next(r for r in rows if r["record"] == "company" and r["company_code"] == "SMX")
    assert (smx["owner_country"], smx["checked_on"], smx["made_in"]) == (
        "TH",
        "2026-10-01",
        "Long An; Bình Dương",
    )


def test_the_csv_of_a_registry_without_sample_data_has_no_sample_line(client, registry) -> None:
    registry.company("Công ty Thật", code="REAL", prefix="8930009")
    text = client.get("/api/v1/catalogue.csv").get_data(as_text=True)
    assert SAMPLE_COMPANIES not in text
    assert LICENCE_URL in text.splitlines()[0]


# --- the OpenAPI document and the rate limits -------------------------------------------------


def test_the_openapi_document_lists_both_with_their_licence(client) -> None:
    doc = client.get("/api/openapi.json").get_json()
    json_op = doc["paths"]["/api/v1/catalogue"]["get"]
    csv_op = doc["paths"]["/api/v1/catalogue.csv"]["get"]
    for operation in (json_op, csv_op):
        assert "CC-BY-4.0" in operation["description"]
        assert LICENCE_URL in operation["description"]
        assert "429" in operation["responses"] and "400" in operation["responses"]
    assert "text/csv" in csv_op["responses"]["200"]["content"]
    assert {p["name"] for p in json_op["parameters"]} == {"lang", "after", "limit"}
    assert "CC BY 4.0" in doc["info"]["description"]
    assert "/api/v1/catalogue" in doc["info"]["description"]
    company = doc["components"]["schemas"]["CatalogueCompany"]
    assert {"is_sample", "made_in", "owner_group", "owner_country", "checked_on"} <= set(
        company["required"]
    )


def test_both_are_rate_limited_per_client(app, client, db_session, monkeypatch) -> None:
    monkeypatch.setitem(app.config, "CATALOGUE_RATE_LIMIT", "2 per minute")
    monkeypatch.setitem(app.config, "CATALOGUE_CSV_RATE_LIMIT", "1 per hour")
    first = client.get("/api/v1/catalogue")
    assert first.status_code == 200
    assert first.headers["X-RateLimit-Limit"] == "2"
    assert client.get("/api/v1/catalogue").status_code == 200
    refused = client.get("/api/v1/catalogue?lang=en")
    assert refused.status_code == 429
    assert refused.get_json()["error"]["status"] == 429
    assert int(refused.headers["Retry-After"]) > 0

    download = client.get("/api/v1/catalogue.csv")
    assert download.status_code == 200 and download.headers["X-RateLimit-Limit"] == "1"
    assert client.get("/api/v1/catalogue.csv").status_code == 429


# --- what is published loads into another registry -----------------------------------------------


@pytest.fixture
def other_association(database, tmp_path):
    """Another association's app on a database of its own, empty, made by the migrations."""
    fresh = Database(database.url if database.schema else f"sqlite:///{tmp_path / 'other.db'}")
    fresh.create_schema()
    other = make_test_app(fresh, tmp_path / "instance")
    try:
        with other.app_context():
            upgrade(directory=str(ROOT / "migrations"))
            db.session.remove()
        yield other
    finally:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()
        fresh.drop_schema()


def load_into(other, path) -> dict[str, set[tuple]]:
    """``flask registry import PATH`` in the other association's app; its registry as stored."""
    # In the other app's context: the command runs in the app of the context it finds.
    with other.app_context():
        try:
            result = other.test_cli_runner().invoke(
                args=["registry", "import", str(path), "--lang", "en"]
            )
            assert result.exit_code == 0, result.output
            assert "Created:" in result.output and "Updated: none" in result.output
            db.session.remove()
            return registry_as_stored(db.session)
        finally:
            db.session.remove()


@pytest.mark.parametrize("published", ["csv", "json"])
def test_what_is_published_loads_into_another_registry_record_for_record(
    client, db_session, catalogue, other_association, tmp_path, published
) -> None:
    expected = registry_as_stored(db_session)
    assert ("SMX", "Sao Mai", "seasonings") in expected["brand"]
    if published == "csv":
        path = tmp_path / "catalogue.csv"
        path.write_bytes(client.get("/api/v1/catalogue.csv").get_data())
    else:
        path = tmp_path / "catalogue.json"  # every page, fetched one after the other
        path.write_text(json.dumps(all_pages(client, limit=4)), encoding="utf-8")
    loaded = load_into(other_association, path)
    assert loaded == expected
    # The sample companies are sample data there too; the real one is not.
    sample = {code for code, *_, is_sample in loaded["company"] if is_sample}
    assert len(sample) == 12 and "SMX" not in sample


def test_one_json_page_loads_too(client, catalogue, other_association, tmp_path) -> None:
    path = tmp_path / "page.json"
    path.write_text(client.get("/api/v1/catalogue?limit=2").get_data(as_text=True), "utf-8")
    loaded = load_into(other_association, path)
    assert {row[0] for row in loaded["company"]} == {"VNM", "THM"}


def test_a_json_file_that_is_not_a_catalogue_is_refused_whole(other_association, tmp_path) -> None:
    path = tmp_path / "other.json"
    path.write_text('{"cases": []}', encoding="utf-8")
    with other_association.app_context():
        result = other_association.test_cli_runner().invoke(
            args=["registry", "import", str(path), "--lang", "en"]
        )
    assert result.exit_code == 1
    assert "not a catalogue of this registry" in result.output
    assert "nothing was imported" in result.output


def test_the_brand_list_links_to_the_open_data(client, sample_registry) -> None:
    page = client.get("/brands?lang=en").get_data(as_text=True)
    assert "open data (CC-BY 4.0)" in page
    assert 'href="/api/v1/catalogue.csv" download' in page
    assert client.get("/api/v1/catalogue.csv").status_code == 200
