"""Registry import: validated as a whole, all rows or none, re-runs update."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from barcode_db.importer import import_registry, read_rows
from barcode_db.models import Brand, Certification, Company, CompanyPrefix, Product
from barcode_db.registry import fetch_registry_version, load_snapshot

HEADER = (
    "record,company_code,name,tax_code,address,province_code,website,prefix,brand,gtin,"
    "programme,year,stars,valid_until,evidence_ref\n"
)
GOOD = HEADER + (
    "company,ACME,Công ty TNHH Thử Nghiệm,0312345678,Số 1 đường A,79,,,,,,,,,\n"
    "prefix,ACME,,,,,,8930001,,,,,,,\n"
    "brand,ACME,,,,,,,Sao Mai,,,,,,\n"
    "product,ACME,Nước mắm Sao Mai 500 ml,,,,,,Sao Mai,8930001000018,,,,,\n"
    "certification,ACME,,,,,,,,,hvnclc,2025,,2026-12-31,QĐ 12/2025\n"
    "certification,ACME,,,,,,,Sao Mai,,ocop,2024,4,,\n"
)


def run_import(session, text: str):
    rows, errors = read_rows(text)
    assert not errors
    return import_registry(session, rows)


def count(session, model) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(model))


def test_a_good_file_creates_everything(db_session) -> None:
    report = run_import(db_session, GOOD)
    assert report.ok
    assert report.created == {
        "company": 1,
        "prefix": 1,
        "brand": 1,
        "product": 1,
        "certification": 2,
    }
    company = db_session.scalar(sa.select(Company))
    assert company.name == "Công ty TNHH Thử Nghiệm"
    assert company.name_key == "cong ty tnhh thu nghiem"
    assert company.province_code == "79"
    product = db_session.scalar(sa.select(Product))
    assert product.gtin == "08930001000018"
    ocop = db_session.scalar(sa.select(Certification).where(Certification.stars == 4))
    assert ocop.brand.name == "Sao Mai"


def test_reimport_updates_instead_of_duplicating(db_session) -> None:
    run_import(db_session, GOOD)
    report = run_import(db_session, GOOD.replace("Nước mắm Sao Mai 500 ml", "Nước mắm 1 lít"))
    assert report.ok
    assert report.created == {}
    assert report.updated == {"product": 1}
    assert count(db_session, Company) == 1
    assert count(db_session, Certification) == 2
    assert db_session.scalar(sa.select(Product.name)) == "Nước mắm 1 lít"


def test_one_bad_row_writes_nothing_and_every_bad_row_is_reported(db_session) -> None:
    text = GOOD + (
        "prefix,ACME,,,,,,8940001,,,,,,,\n"  # line 8: not a GS1 Vietnam prefix
        "product,ACME,Chai lỗi,,,,,,,8930001000015,,,,,\n"  # line 9: check digit
        "certification,ACME,,,,,,,,,gold,2025,,,\n"  # line 10: unknown programme
        "brand,NOBODY,,,,,,,X,,,,,,\n"  # line 11: unknown company
        "company,BAD,Công ty X,12345,,99,,,,,,,,,\n"  # line 12: tax code
    )
    rows, _ = read_rows(text)
    report = import_registry(db_session, rows)
    assert not report.ok
    assert [(e.line, e.message.code) for e in report.errors] == [
        (8, "bad_prefix"),
        (9, "bad_gtin"),
        (10, "bad_programme"),
        (11, "unknown_company"),
        (12, "bad_tax_code"),
    ]
    assert "should be 8, not 5" in report.errors[1].message.render()
    assert count(db_session, Company) == 0
    assert count(db_session, CompanyPrefix) == 0


def test_a_prefix_cannot_move_silently_to_another_company(db_session) -> None:
    run_import(db_session, GOOD)
    other = HEADER + ("company,OTHER,Công ty Khác,,,,,,,,,,,,\nprefix,OTHER,,,,,,8930001,,,,,,,\n")
    rows, _ = read_rows(other)
    report = import_registry(db_session, rows)
    assert [e.message.code for e in report.errors] == ["prefix_taken"]
    assert "ACME" in report.errors[0].message.render()


def test_header_problems_are_reported(db_session) -> None:
    _, errors = read_rows("name,foo\nx,y\n")
    assert errors[0].message.code == "missing_columns"
    _, errors = read_rows(HEADER.strip() + ",colour\n")
    assert errors[0].message.code == "unknown_columns"


def test_comment_lines_keep_line_numbers(db_session) -> None:
    rows, _ = read_rows("# a comment\n" + HEADER + "brand,NOBODY,,,,,,,X,,,,,,\n")
    report = import_registry(db_session, rows)
    assert report.errors[0].line == 3


def test_import_bumps_the_registry_version_and_snapshot_sees_it(db_session) -> None:
    before = fetch_registry_version(db_session)
    run_import(db_session, GOOD)
    assert fetch_registry_version(db_session) == before + 1
    snapshot = load_snapshot(db_session)
    owner = snapshot.owner_of("08930001000018")
    assert owner is not None and owner[0].code == "ACME" and owner[1] == "8930001"
    assert snapshot.matcher.match("SAO MAI").entry.name == "Sao Mai"


def test_retired_rows_leave_the_snapshot(db_session) -> None:
    run_import(db_session, GOOD)
    brand = db_session.scalar(sa.select(Brand))
    brand.retired_at = sa.func.now()
    db_session.flush()
    assert load_snapshot(db_session).matcher.match("Sao Mai").entry is None


# --- the rules the admin pages apply, and retired records ------------------------------------------

NOW = dt.datetime(2026, 11, 26, 20, 30, tzinfo=dt.UTC)  # 27/11/2026 03:30 in Hà Nội
HANOI = ZoneInfo("Asia/Ho_Chi_Minh")


def test_a_name_longer_than_its_column_is_a_bad_row_not_a_database_error(db_session) -> None:
    report = run_import(db_session, HEADER + f"company,ACME,{'C' * 400},,,79,,,,,,,,,\n")
    assert [(e.line, e.column, e.message.code) for e in report.errors] == [(2, "name", "too_long")]
    assert report.errors[0].message.render() == (
        f"“{'C' * 30}…” is too long: at most 300 characters."
    )
    assert count(db_session, Company) == 0


def test_values_another_company_holds_are_refused(db_session) -> None:
    run_import(db_session, GOOD)
    other = HEADER + (
        "company,OTHER,Công ty Khác,0312345678,,,,,,,,,,,\n"  # ACME's tax code
        "company,THIRD,Công ty Ba,0399999999,,,,,,,,,,,\n"  # fine
        "product,OTHER,Tên khác,,,,,,,8930001000018,,,,,\n"  # ACME's product
    )
    rows, _ = read_rows(other)
    report = import_registry(db_session, rows)
    assert [(e.line, e.column, e.message.code) for e in report.errors] == [
        (2, "tax_code", "tax_code_taken"),
        (4, "gtin", "gtin_taken"),
    ]
    assert report.errors[1].message.render() == (
        "GTIN 8930001000018 is already listed: “Nước mắm Sao Mai 500 ml” of company ACME."
    )


def retire_everything(session) -> None:
    for model in (Company, CompanyPrefix, Brand, Product, Certification):
        for row in session.scalars(sa.select(model)):
            row.retired_at = NOW
    session.flush()


def test_an_import_never_brings_back_what_an_administrator_retired(db_session) -> None:
    run_import(db_session, GOOD)
    retire_everything(db_session)
    changed = GOOD.replace("Nước mắm Sao Mai 500 ml", "Nước mắm 1 lít").replace(
        "Số 1 đường A", "Số 2"
    )
    rows, _ = read_rows(changed)
    report = import_registry(db_session, rows, local_tz=HANOI)
    assert report.ok
    assert (report.created, report.updated) == ({}, {})
    for model in (Company, CompanyPrefix, Brand, Product, Certification):
        assert db_session.scalar(sa.select(sa.func.count()).where(model.retired_at.is_(None))) == 0
    assert db_session.scalar(sa.select(Product.name)) == "Nước mắm Sao Mai 500 ml"  # untouched
    snapshot = load_snapshot(db_session)
    assert snapshot.owner_of("08930001000018") is None
    assert [(n.line, n.message.code) for n in report.notices] == [
        (line, "retired_not_restored") for line in range(2, 8)
    ]
    assert report.notices[0].message.render() == (
        "Company ACME was retired by an administrator on 27/11/2026; not restored (an "
        "administrator can restore it on its page)."
    )
    assert "Certification High-quality Vietnamese goods (HVNCLC) 2025 of ACME was retired" in (
        report.notices[4].message.render()
    )


def test_new_rows_under_a_retired_company_are_added_and_it_stays_retired(db_session) -> None:
    run_import(db_session, GOOD)
    company = db_session.scalar(sa.select(Company))
    company.retired_at = NOW
    db_session.flush()
    report = run_import(db_session, GOOD + "brand,ACME,,,,,,,Hồng Hà,,,,,,\n")
    assert report.ok and report.created == {"brand": 1}
    assert [n.line for n in report.notices] == [2]
    assert company.retired_at == NOW


def test_an_invisible_character_in_a_cell_is_a_bad_row(db_session) -> None:
    """A file is not a form: its cells meet the same rule the web boundary applies."""
    text = GOOD.replace("Sao Mai,,,,,,\n", "Sao\u200bMai,,,,,,\n", 1).replace(
        "Công ty TNHH Thử Nghiệm", "Công ty \u202eTNHH"
    )
    report = run_import(db_session, text)
    found = [(e.line, e.column, e.message.code) for e in report.errors]
    assert found[0] == (2, "name", "forbidden_character")
    assert (4, "brand", "forbidden_character") in found
    assert "U+202E RIGHT-TO-LEFT OVERRIDE" in report.errors[0].message.render()
    assert count(db_session, Company) == 0


CATALOGUE = (
    "record,company_code,name,prefix,brand,gtin,category,made_in,owner_group,owner_country,"
    "source,checked_on\n"
    "company,ACME,Công ty TNHH Thử Nghiệm,,,,,Bình Dương,ACME Group,TH,Sở KH&ĐT,2026-10-01\n"
    "brand,ACME,,,Sao Mai,,seasonings,,,,,\n"
    "product,ACME,Nước mắm Sao Mai 500 ml,,Sao Mai,8930001000018,,,,,,\n"
    "product,ACME,Dầu ăn Sao Mai,,Sao Mai,8930001000025,cooking_oil,,,,,\n"
)


def test_catalogue_columns_are_imported_and_products_take_their_brands_category(
    db_session,
) -> None:
    run_import(db_session, GOOD)
    assert run_import(db_session, CATALOGUE).ok
    company = db_session.scalar(sa.select(Company))
    assert (company.made_in, company.owner_group, company.owner_country) == (
        "Bình Dương",
        "ACME Group",
        "TH",
    )
    assert company.checked_on == dt.date(2026, 10, 1)
    snapshot = load_snapshot(db_session)
    assert snapshot.product("08930001000018").category == "seasonings"  # its brand's
    assert snapshot.product("08930001000025").category == "cooking_oil"  # its own
    assert snapshot.company(company.id).source == "Sở KH&ĐT"


def test_a_list_without_the_catalogue_columns_keeps_what_is_stored(db_session) -> None:
    run_import(db_session, GOOD)
    run_import(db_session, CATALOGUE)
    assert run_import(db_session, GOOD.replace("Số 1 đường A", "Số 2 đường B")).ok
    company = db_session.scalar(sa.select(Company))
    assert company.address == "Số 2 đường B"
    assert company.made_in == "Bình Dương" and company.checked_on == dt.date(2026, 10, 1)
    brand = db_session.scalar(sa.select(Brand))
    assert brand.category == "seasonings"


def test_an_unknown_category_is_refused_with_its_line_and_nothing_written(db_session) -> None:
    rows, _ = read_rows(CATALOGUE.replace("cooking_oil", "oil"))
    report = import_registry(db_session, rows)
    assert not report.ok
    [error] = report.errors
    assert (error.line, error.column) == (5, "category")
    assert "“oil” is not one of" in error.message.render()
    assert count(db_session, Company) == 0
