"""Registry administration: every change is audited and bumps the version; the importer's rules
hold; retired rows leave the snapshot; previews write nothing; XLSX lists read like CSV ones."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
import sqlalchemy as sa
from openpyxl import Workbook

from barcode_db import admin, registry_files
from barcode_db.admin import (
    CertificationFields,
    CompanyFields,
    ProductFields,
    RegistryRefused,
    import_preview,
)
from barcode_db.importer import import_registry
from barcode_db.models import (
    Brand,
    Certification,
    Company,
    CompanyPrefix,
    Product,
    Programme,
    RegistryEvent,
)
from barcode_db.registry import fetch_registry_version, load_snapshot
from barcode_db.registry_files import COLUMNS, read_rows, read_upload, read_xlsx_rows
from tests.support.factories import with_check_digit

NOW = dt.datetime(2026, 11, 26, 3, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 11, 26)
WHO = {"actor": "staff1", "now": NOW}


def events(session) -> list[RegistryEvent]:
    return list(session.scalars(sa.select(RegistryEvent).order_by(RegistryEvent.id)))


def count(session, model) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(model))


def refused(call, *args, **kwargs) -> str:
    with pytest.raises(RegistryRefused) as caught:
        call(*args, **kwargs)
    return caught.value.message.code


@pytest.fixture
def acme(db_session) -> Company:
    return admin.create_company(
        db_session,
        CompanyFields(code="ACME", name="Công ty TNHH Đồng Nai", tax_code="0312345678"),
        **WHO,
    )


# --- companies ------------------------------------------------------------------------------------


def test_creating_a_company_is_audited_and_bumps_the_version(db_session) -> None:
    before = fetch_registry_version(db_session)
    company = admin.create_company(
        db_session,
        CompanyFields(code=" ACME ", name="Công ty  TNHH Đồng Nai", province_code="1"),
        **WHO,
    )
    assert company.code == "ACME"
    assert company.name_key == "cong ty tnhh dong nai"
    assert company.province_code == "01"
    assert fetch_registry_version(db_session) == before + 1
    [event] = events(db_session)
    assert (event.actor, event.action, event.entity, event.entity_id) == (
        "staff1",
        "create",
        "company",
        company.id,
    )
    assert event.changes["code"] == [None, "ACME"]
    assert event.created_at == NOW


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        (CompanyFields(code="X", name=""), "no_company_name"),
        (CompanyFields(code="", name="Công ty"), "no_company_code"),
        (CompanyFields(code="X", name="Công ty", tax_code="12345"), "bad_tax_code"),
        (CompanyFields(code="X", name="Công ty", province_code="99"), "bad_province"),
        (CompanyFields(code="ACME", name="Công ty khác"), "company_code_taken"),
        (CompanyFields(code="X", name="Công ty", tax_code="0312345678"), "tax_code_taken"),
        (CompanyFields(code="X", name="C" * 301), "too_long"),
    ],
)
def test_bad_companies_are_refused(db_session, acme, fields, code) -> None:
    version = fetch_registry_version(db_session)
    assert refused(admin.create_company, db_session, fields, **WHO) == code
    assert count(db_session, Company) == 1
    assert fetch_registry_version(db_session) == version


def test_tax_codes_with_a_branch_suffix_are_accepted(db_session) -> None:
    company = admin.create_company(
        db_session, CompanyFields(code="B", name="Chi nhánh", tax_code="0312345678-001"), **WHO
    )
    assert company.tax_code == "0312345678-001"


def test_updating_records_before_and_after_and_keeps_the_key(db_session, acme) -> None:
    version = fetch_registry_version(db_session)
    event = admin.update_company(
        db_session,
        acme,
        CompanyFields(code="ACME", name="Công ty Sao Mai", tax_code="0312345678", address="Số 1"),
        **WHO,
    )
    assert event is not None
    assert event.changes == {
        "name": ["Công ty TNHH Đồng Nai", "Công ty Sao Mai"],
        "address": ["", "Số 1"],
    }
    assert acme.name_key == "cong ty sao mai"
    assert fetch_registry_version(db_session) == version + 1


def test_an_update_that_changes_nothing_writes_nothing(db_session, acme) -> None:
    version = fetch_registry_version(db_session)
    same = CompanyFields(code="ACME", name="Công ty TNHH Đồng Nai", tax_code="0312345678")
    assert admin.update_company(db_session, acme, same, **WHO) is None
    assert len(events(db_session)) == 1
    assert fetch_registry_version(db_session) == version


def test_a_company_keeps_its_own_code_and_tax_code_on_update(db_session, acme) -> None:
    admin.create_company(db_session, CompanyFields(code="OTHER", name="Công ty khác"), **WHO)
    fields = CompanyFields(code="OTHER", name="Công ty TNHH Đồng Nai", tax_code="0312345678")
    assert refused(admin.update_company, db_session, acme, fields, **WHO) == "company_code_taken"


def test_retiring_a_company_hides_it_from_verdicts_and_restoring_brings_it_back(
    db_session, acme
) -> None:
    admin.add_prefix(db_session, acme, "8930001", **WHO)
    assert load_snapshot(db_session).prefix_owner == {"8930001": acme.id}
    version = fetch_registry_version(db_session)
    admin.retire(db_session, acme, **WHO)
    assert acme.retired_at == NOW
    assert fetch_registry_version(db_session) == version + 1
    assert load_snapshot(db_session).prefix_owner == {}
    assert refused(admin.retire, db_session, acme, **WHO) == "already_retired"
    admin.restore(db_session, acme, **WHO)
    assert load_snapshot(db_session).prefix_owner == {"8930001": acme.id}
    assert refused(admin.restore, db_session, acme, **WHO) == "not_retired"
    assert [e.action for e in events(db_session)] == ["create", "create", "retire", "restore"]
    assert count(db_session, Company) == 1  # never deleted


# --- prefixes -------------------------------------------------------------------------------------


def test_adding_a_prefix_makes_the_company_own_its_numbers(db_session, acme) -> None:
    prefix = admin.add_prefix(db_session, acme, " 893 0001 ", **WHO)
    assert prefix.prefix == "8930001"
    snapshot = load_snapshot(db_session)
    owner = snapshot.owner_of(with_check_digit("893000100001").zfill(14))
    assert owner is not None and owner[0].code == "ACME"
    assert events(db_session)[-1].changes == {
        "prefix": [None, "8930001"],
        "company": [None, "ACME"],
    }


@pytest.mark.parametrize("value", ["8940001", "893123", "89312345678", "893000A", ""])
def test_bad_prefixes_are_refused(db_session, acme, value) -> None:
    assert refused(admin.add_prefix, db_session, acme, value, **WHO) == "bad_prefix"


def test_a_prefix_belongs_to_one_company(db_session, acme) -> None:
    other = admin.create_company(db_session, CompanyFields(code="B", name="Công ty B"), **WHO)
    admin.add_prefix(db_session, acme, "8930001", **WHO)
    assert refused(admin.add_prefix, db_session, other, "8930001", **WHO) == "prefix_taken"
    assert refused(admin.add_prefix, db_session, acme, "8930001", **WHO) == "prefix_exists"


def test_retiring_a_prefix_hides_it_and_a_retired_prefix_is_restored_not_added(
    db_session, acme
) -> None:
    prefix = admin.add_prefix(db_session, acme, "8930001", **WHO)
    admin.retire(db_session, prefix, **WHO)
    assert load_snapshot(db_session).prefix_owner == {}
    assert refused(admin.add_prefix, db_session, acme, "8930001", **WHO) == "prefix_retired"
    admin.restore(db_session, prefix, **WHO)
    assert load_snapshot(db_session).prefix_owner == {"8930001": acme.id}
    assert count(db_session, CompanyPrefix) == 1


# --- brands ---------------------------------------------------------------------------------------


def test_brand_names_are_unique_within_a_company_by_match_key(db_session, acme) -> None:
    brand = admin.add_brand(db_session, acme, "Biti's", **WHO)
    assert brand.name_key == "bitis"
    assert refused(admin.add_brand, db_session, acme, "BITIS", **WHO) == "brand_exists"
    assert refused(admin.add_brand, db_session, acme, "  ", **WHO) == "no_brand"
    assert refused(admin.add_brand, db_session, acme, "'’", **WHO) == "brand_no_letters"
    other = admin.create_company(db_session, CompanyFields(code="B", name="Công ty B"), **WHO)
    assert admin.add_brand(db_session, other, "Biti’s", **WHO).name_key == "bitis"


def test_a_retired_brand_leaves_the_snapshot_and_blocks_its_name(db_session, acme) -> None:
    brand = admin.add_brand(db_session, acme, "Sao Mai", **WHO)
    assert load_snapshot(db_session).company(acme.id).brands == ("Sao Mai",)
    admin.retire(db_session, brand, **WHO)
    assert load_snapshot(db_session).company(acme.id).brands == ()
    assert refused(admin.add_brand, db_session, acme, "sao mai", **WHO) == "brand_retired"


def test_renaming_a_brand_keeps_its_certifications_in_step(db_session, acme) -> None:
    brand = admin.add_brand(db_session, acme, "Sao Mai", **WHO)
    admin.add_brand(db_session, acme, "Hồng Hà", **WHO)
    cert = admin.add_certification(
        db_session,
        acme,
        CertificationFields(programme="ocop", year=2025, stars=4, brand_id=brand.id),
        **WHO,
    )
    assert cert.subject_key == "sao mai"
    assert refused(admin.rename_brand, db_session, brand, "Hong Ha", **WHO) == "brand_exists"
    event = admin.rename_brand(db_session, brand, "Sao Mai Gold", **WHO)
    assert event is not None and event.changes == {"name": ["Sao Mai", "Sao Mai Gold"]}
    db_session.refresh(cert)
    assert (brand.name_key, cert.subject_key) == ("sao mai gold", "sao mai gold")
    assert admin.rename_brand(db_session, brand, "Sao Mai Gold", **WHO) is None


# --- products -------------------------------------------------------------------------------------


def test_products_are_stored_as_gtin14_and_audited_with_their_brand(db_session, acme) -> None:
    brand = admin.add_brand(db_session, acme, "Sao Mai", **WHO)
    gtin = with_check_digit("893000100001")
    product = admin.add_product(
        db_session, acme, ProductFields(gtin=gtin, name="Nước mắm", brand_id=brand.id), **WHO
    )
    assert product.gtin == "0" + gtin
    assert events(db_session)[-1].changes["brand"] == [None, "Sao Mai"]
    assert load_snapshot(db_session).product("0" + gtin).brand == "Sao Mai"


def test_bad_products_are_refused(db_session, acme) -> None:
    gtin = with_check_digit("893000100001")
    wrong = gtin[:-1] + str((int(gtin[-1]) + 1) % 10)
    other = admin.create_company(db_session, CompanyFields(code="B", name="Công ty B"), **WHO)
    foreign_brand = admin.add_brand(db_session, other, "Khác", **WHO)
    add = admin.add_product
    assert refused(add, db_session, acme, ProductFields(gtin=wrong, name="X"), **WHO) == "bad_gtin"
    assert refused(add, db_session, acme, ProductFields(gtin="abc", name="X"), **WHO) == "bad_gtin"
    assert refused(add, db_session, acme, ProductFields(gtin=gtin, name=""), **WHO) == (
        "no_product_name"
    )
    assert (
        refused(
            add,
            db_session,
            acme,
            ProductFields(gtin=gtin, name="X", brand_id=foreign_brand.id),
            **WHO,
        )
        == "brand_not_of_company"
    )
    add(db_session, acme, ProductFields(gtin=gtin, name="X"), **WHO)
    assert refused(add, db_session, other, ProductFields(gtin="0" + gtin, name="Y"), **WHO) == (
        "gtin_taken"
    )


def test_a_bad_gtin_explains_itself_in_the_readers_language(db_session, acme) -> None:
    with pytest.raises(RegistryRefused) as caught:
        admin.add_product(db_session, acme, ProductFields(gtin="8930001000019", name="X"), **WHO)
    text = caught.value.message.render()
    assert "8930001000019" in text and "check digit" in text.lower()


def test_retiring_a_product_hides_it_and_update_changes_it(db_session, acme) -> None:
    gtin = with_check_digit("893000100001")
    product = admin.add_product(db_session, acme, ProductFields(gtin=gtin, name="A"), **WHO)
    event = admin.update_product(db_session, product, ProductFields(gtin=gtin, name="B"), **WHO)
    assert event is not None and event.changes == {"name": ["A", "B"]}
    admin.retire(db_session, product, **WHO)
    assert load_snapshot(db_session).product("0" + gtin) is None
    assert count(db_session, Product) == 1


# --- certifications -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        (CertificationFields(programme="gold", year=2025), "bad_programme"),
        (CertificationFields(programme="hvnclc", year=1890), "bad_year"),
        (CertificationFields(programme="hvnclc", year="20x5"), "bad_year"),
        (CertificationFields(programme="hvnclc", year=2025, stars=4), "bad_stars"),
        (CertificationFields(programme="ocop", year=2025, stars=6), "bad_stars"),
        (CertificationFields(programme="ocop", year=2025, stars=2), "bad_stars"),
        (
            CertificationFields(programme="hvnclc", year=2025, brand_id=999999),
            "brand_not_of_company",
        ),
    ],
)
def test_bad_certifications_are_refused(db_session, acme, fields, code) -> None:
    assert refused(admin.add_certification, db_session, acme, fields, **WHO) == code
    assert count(db_session, Certification) == 0


def test_ocop_stars_and_one_certification_per_programme_and_year(db_session, acme) -> None:
    cert = admin.add_certification(
        db_session,
        acme,
        CertificationFields(programme="OCOP", year=2025, stars="5", evidence_ref="QĐ 1"),
        **WHO,
    )
    assert (cert.programme, cert.stars, cert.subject_key) == (Programme.OCOP, 5, "")
    again = CertificationFields(programme="ocop", year=2025)
    assert refused(admin.add_certification, db_session, acme, again, **WHO) == (
        "certification_exists"
    )
    assert events(db_session)[-1].changes["programme"] == [None, "ocop"]


def test_retiring_a_certification_takes_it_out_and_keeps_its_dates(db_session, acme) -> None:
    cert = admin.add_certification(
        db_session,
        acme,
        CertificationFields(programme="hvnclc", year=2025, valid_until=dt.date(2027, 12, 31)),
        **WHO,
    )
    assert load_snapshot(db_session).company(acme.id).certifications[0].is_current(TODAY)
    admin.retire(db_session, cert, **WHO)
    assert (cert.retired_at, cert.valid_until) == (NOW, dt.date(2027, 12, 31))
    [fact] = load_snapshot(db_session).company(acme.id).certifications
    assert not fact.is_current(TODAY)
    assert refused(admin.retire, db_session, cert, **WHO) == "already_retired"
    admin.restore(db_session, cert, **WHO)
    assert (cert.retired_at, cert.valid_until) == (None, dt.date(2027, 12, 31))
    assert load_snapshot(db_session).company(acme.id).certifications[0].is_current(TODAY)
    assert refused(admin.restore, db_session, cert, **WHO) == "not_retired"
    retire_event, restore_event = events(db_session)[-2:]
    assert (retire_event.action, retire_event.entity, retire_event.entity_id) == (
        "retire",
        "certification",
        cert.id,
    )
    assert restore_event.changes == {"retired_at": [NOW.isoformat(), None]}


def test_restoring_a_certification_reads_nothing_from_the_audit_trail(db_session, acme) -> None:
    cert = admin.add_certification(
        db_session, acme, CertificationFields(programme="hvnclc", year=2025), **WHO
    )
    admin.retire(db_session, cert, **WHO)
    db_session.execute(sa.delete(RegistryEvent))  # the audit trail holds no state
    admin.restore(db_session, cert, **WHO)
    assert cert.retired_at is None and cert.is_current(TODAY)


def test_updating_a_certification(db_session, acme) -> None:
    cert = admin.add_certification(
        db_session, acme, CertificationFields(programme="ocop", year=2024, stars=3), **WHO
    )
    event = admin.update_certification(
        db_session, cert, CertificationFields(programme="ocop", year=2024, stars=4), **WHO
    )
    assert event is not None and event.changes == {"stars": [3, 4]}


def test_the_company_history_holds_the_events_of_its_children(db_session, acme) -> None:
    other = admin.create_company(db_session, CompanyFields(code="B", name="Công ty B"), **WHO)
    admin.add_prefix(db_session, acme, "8930001", **WHO)
    admin.add_brand(db_session, acme, "Sao Mai", **WHO)
    admin.add_brand(db_session, other, "Khác", **WHO)
    history = admin.company_history(db_session, acme)
    assert sorted(e.entity for e in history) == ["brand", "company", "prefix"]


# --- import preview and recording -----------------------------------------------------------------

HEADER = ",".join(COLUMNS) + "\n"
GOOD = HEADER + (
    "company,ACME,Công ty TNHH Thử Nghiệm,0312345678,Số 1,79,,,,,,,,,\n"
    "prefix,ACME,,,,,,8930001,,,,,,,\n"
    "brand,ACME,,,,,,,Sao Mai,,,,,,\n"
    "product,ACME,Nước mắm,,,,,,Sao Mai,8930001000018,,,,,\n"
)


def test_a_preview_counts_what_would_change_and_writes_nothing(db_session) -> None:
    rows, errors = read_rows(GOOD)
    assert not errors
    version = fetch_registry_version(db_session)
    report = import_preview(db_session, rows)
    assert report.ok
    assert report.created == {"company": 1, "prefix": 1, "brand": 1, "product": 1}
    for model in (Company, CompanyPrefix, Brand, Product, RegistryEvent):
        assert count(db_session, model) == 0
    assert fetch_registry_version(db_session) == version
    db_session.commit()
    assert count(db_session, Company) == 0


def test_a_preview_of_a_bad_list_reports_every_bad_row(db_session) -> None:
    rows, _ = read_rows(GOOD + "prefix,ACME,,,,,,8940001,,,,,,,\nbrand,NOBODY,,,,,,,X,,,,,,\n")
    report = import_preview(db_session, rows)
    assert [(e.line, e.message.code) for e in report.errors] == [
        (6, "bad_prefix"),
        (7, "unknown_company"),
    ]
    assert count(db_session, Company) == 0


def test_a_preview_leaves_the_session_usable(db_session, acme) -> None:
    rows, _ = read_rows(GOOD.replace("Công ty TNHH Thử Nghiệm", "Tên mới"))
    import_preview(db_session, rows)
    assert acme.name == "Công ty TNHH Đồng Nai"
    db_session.commit()
    assert count(db_session, Company) == 1


def test_an_import_is_recorded_as_one_event(db_session) -> None:
    rows, _ = read_rows(GOOD)
    report = admin.import_rows(db_session, rows, actor="staff1", now=NOW, sha256="ab" * 32)
    assert report.ok
    [event] = events(db_session)
    assert (event.action, event.entity, event.entity_id) == ("import", "registry", None)
    assert event.changes["rows"] == 4
    assert event.changes["created"] == {"company": 1, "prefix": 1, "brand": 1, "product": 1}
    assert event.changes["updated"] == {}


def test_a_failed_import_records_nothing(db_session) -> None:
    rows, _ = read_rows(GOOD + "brand,NOBODY,,,,,,,X,,,,,,\n")
    assert not admin.import_rows(db_session, rows, actor="staff1", now=NOW).ok
    assert events(db_session) == []


# --- reading uploads ------------------------------------------------------------------------------


def xlsx(rows: list[list[object]], *, title_rows: int = 0) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for _ in range(title_rows):
        sheet.append([])
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_an_xlsx_list_reads_like_the_csv(db_session) -> None:
    header = list(COLUMNS)
    empty = [None] * len(COLUMNS)

    def row(**values: object) -> list[object]:
        cells = list(empty)
        for name, value in values.items():
            cells[COLUMNS.index(name)] = value
        return cells

    data = xlsx(
        [
            header,
            row(record="company", company_code="ACME", name="Công ty Thử", tax_code=312345678),
            row(record="prefix", company_code="ACME", prefix=8930001),
            [],
            ["# a comment row"],
            row(record="brand", company_code="ACME", brand="Sao Mai"),
            row(
                record="product",
                company_code="ACME",
                name="Nước mắm",
                gtin=8930001000018,
                brand="Sao Mai",
            ),
            row(
                record="certification",
                company_code="ACME",
                programme="ocop",
                year=2025,
                stars=4.0,
                valid_until=dt.date(2026, 12, 31),
                brand="Sao Mai",
            ),
            row(record="product", company_code="ACME", name="UPC", gtin=12345678905.0),
        ],
        title_rows=2,
    )
    rows, errors = read_xlsx_rows(data)
    assert errors == []
    assert [r["_line"] for r in rows] == ["4", "5", "8", "9", "10", "11"]
    assert rows[0]["tax_code"] == "0312345678"  # the leading zero a number loses, back
    assert rows[1]["prefix"] == "8930001"
    assert rows[3]["gtin"] == "8930001000018"
    assert rows[4]["year"] == "2025"
    assert rows[4]["stars"] == "4"
    assert rows[4]["valid_until"] == "2026-12-31"
    assert rows[5]["gtin"] == "012345678905"
    report = import_registry(db_session, rows)
    assert report.ok, report.errors
    assert db_session.scalar(sa.select(Certification.valid_until)) == dt.date(2026, 12, 31)


def test_xlsx_header_problems_are_reported_with_their_row(db_session) -> None:
    rows, errors = read_xlsx_rows(xlsx([["record", "name"]], title_rows=1))
    assert rows == []
    assert [(e.line, e.message.code) for e in errors] == [(2, "missing_columns")]
    _, errors = read_xlsx_rows(xlsx([["record", "company_code", "colour"]]))
    assert [(e.line, e.message.code) for e in errors] == [(1, "unknown_columns")]
    _, errors = read_xlsx_rows(xlsx([]))
    assert [e.message.code for e in errors] == ["missing_columns"]


def test_xlsx_bad_rows_keep_their_sheet_line_numbers(db_session) -> None:
    rows, _ = read_xlsx_rows(
        xlsx([["record", "company_code", "prefix"], ["prefix", "NOBODY", 8940001]], title_rows=3)
    )
    report = import_registry(db_session, rows)
    assert [(e.line, e.message.code) for e in report.errors] == [(5, "bad_prefix")]


@pytest.mark.parametrize(
    "data", [b"PK\x03\x04 not really a zip", b"PK\x03\x04" + bytes(2000), b"", b"\x00\x01"]
)
def test_a_broken_workbook_gives_an_error_not_an_exception(data) -> None:
    rows, errors = read_xlsx_rows(data)
    assert rows == []
    assert [e.message.code for e in errors] == ["bad_xlsx"]


def test_too_large_files_are_refused_before_reading() -> None:
    big = b"PK\x03\x04" + bytes(registry_files.MAX_UPLOAD_BYTES)
    assert [e.message.code for e in read_xlsx_rows(big)[1]] == ["file_too_large"]
    assert [e.message.code for e in read_upload(big)[1]] == ["file_too_large"]


def test_read_upload_takes_csv_with_or_without_bom_and_xlsx() -> None:
    plain, errors = read_upload(GOOD.encode("utf-8"))
    assert not errors and len(plain) == 4
    with_bom, errors = read_upload(b"\xef\xbb\xbf" + GOOD.encode("utf-8"))
    assert not errors and with_bom == plain
    from_xlsx, errors = read_upload(xlsx(list(csv_rows(GOOD))))
    assert not errors and [r["name"] for r in from_xlsx] == [r["name"] for r in plain]


def csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


@pytest.mark.parametrize(
    ("data", "line", "code"),
    [
        ("record,company_code\nbrand,Ä\n".encode("latin-1"), 2, "not_utf8"),
        (HEADER.encode() + b"company,A,B\x00,,,,,,,,,,,,\n", 2, "nul_character"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), 0, "old_excel"),
        (HEADER.encode(), 0, "no_rows"),
        (b"record,company_code\nbrand," + b"x" * 200_000 + b"\n", 0, "bad_csv"),
    ],
)
def test_unreadable_uploads_give_errors(data, line, code) -> None:
    rows, errors = read_upload(data)
    assert rows == []
    assert [(e.line, e.message.code) for e in errors] == [(line, code)]
