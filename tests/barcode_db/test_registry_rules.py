"""The registry's record rules, the same for the admin pages and the list importer: values come
back cleaned for their columns, or every problem by field."""

from __future__ import annotations

import datetime as dt

import pytest

from barcode_db.models import Company, Programme
from barcode_db.registry_rules import (
    LIMITS,
    clean_brand,
    clean_certification,
    clean_company,
    clean_prefix,
    clean_product,
)
from tests.support.factories import with_check_digit

GTIN = with_check_digit("893000100001")


def problems(cleaned) -> dict[str, str]:
    return {name: message.code for name, message in cleaned.problems.items()}


def test_limits_are_the_model_columns() -> None:
    assert LIMITS["company"]["name"] == Company.__table__.c.name.type.length == 300
    assert LIMITS["brand"]["name"] == 200
    assert LIMITS["certification"]["evidence_ref"] == 300


def test_a_good_company_is_cleaned_for_its_columns() -> None:
    cleaned = clean_company(
        code=" ACME ",
        name="Công ty  TNHH Đồng Nai",
        tax_code="0312345678-001",
        province_code="1",
    )
    assert cleaned.ok
    assert cleaned.values == {
        "code": "ACME",
        "name": "Công ty  TNHH Đồng Nai",
        "name_key": "cong ty tnhh dong nai",
        "tax_code": "0312345678-001",
        "address": "",
        "province_code": "01",
        "website": "",
        "made_in": "",
        "owner_group": "",
        "owner_country": None,
        "source": "",
        "checked_on": None,
    }


def test_what_a_shopper_is_told_of_a_company_is_cleaned_with_its_source() -> None:
    cleaned = clean_company(
        code="ACME",
        name="Công ty ACME",
        made_in=" Bình Dương; Nghệ An ",
        owner_group="ACME Group",
        owner_country=" th ",
        source="Cổng thông tin đăng ký doanh nghiệp",
        checked_on="2026-10-01",
    )
    assert cleaned.ok, cleaned.problems
    assert {k: cleaned.values[k] for k in ("made_in", "owner_country", "checked_on")} == {
        "made_in": "Bình Dương; Nghệ An",
        "owner_country": "TH",
        "checked_on": dt.date(2026, 10, 1),
    }


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"owner_country": "XX"}, {"owner_country": "bad_country"}),
        ({"owner_country": "Thailand"}, {"owner_country": "bad_country"}),
        ({"owner_country": "001"}, {"owner_country": "bad_country"}),
        # CLDR lists them, but they are groupings or placeholders, not a group's country.
        ({"owner_country": "EU"}, {"owner_country": "bad_country"}),
        ({"owner_country": "ZZ"}, {"owner_country": "bad_country"}),
        ({"checked_on": "1/10/2026"}, {"checked_on": "bad_date"}),
        ({"made_in": "x" * 301}, {"made_in": "too_long"}),
    ],
)
def test_bad_company_facts_are_named(fields, expected) -> None:
    assert problems(clean_company(code="A", name="B", **fields)) == expected


@pytest.mark.parametrize(
    ("typed", "stored", "problem"),
    [
        ("dairy", "dairy", None),
        (" Dairy ", "dairy", None),
        ("", None, None),
        (None, None, None),
        ("milk", "milk", "bad_category"),
    ],
)
def test_a_category_is_one_of_the_table(typed, stored, problem) -> None:
    product = clean_product(gtin=GTIN, name="Sữa", category=typed)
    brand = clean_brand("Vinamilk", typed)
    for cleaned in (product, brand):
        assert problems(cleaned) == ({"category": problem} if problem else {})
        if problem is None:
            assert cleaned.values["category"] == stored


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"code": "", "name": "X"}, {"code": "no_company_code"}),
        ({"code": "X", "name": ""}, {"name": "no_company_name"}),
        ({"code": "X", "name": "C" * 301}, {"name": "too_long"}),  # one over the column
        ({"code": "X" * 41, "name": "X"}, {"code": "too_long"}),
        ({"code": "X", "name": "ß" * 200}, {"name": "too_long"}),  # its key is 400 letters
        ({"code": "X", "name": "X", "tax_code": "12345"}, {"tax_code": "bad_tax_code"}),
        # Digits of another script are digits to a regex without re.ASCII; not to the rules.
        ({"code": "X", "name": "X", "tax_code": "٠٣١٢٣٤٥٦٧٨"}, {"tax_code": "bad_tax_code"}),
        ({"code": "X", "name": "X", "province_code": "99"}, {"province_code": "bad_province"}),
        ({"code": "X", "name": "X", "address": "a" * 501}, {"address": "too_long"}),
        ({"code": "X", "name": "X", "website": "w" * 301}, {"website": "too_long"}),
        # Every field's problem at once, in the order of the fields.
        (
            {"code": "", "name": "", "tax_code": "1", "province_code": "99"},
            {
                "code": "no_company_code",
                "name": "no_company_name",
                "tax_code": "bad_tax_code",
                "province_code": "bad_province",
            },
        ),
    ],
)
def test_bad_companies(fields, expected) -> None:
    cleaned = clean_company(**fields)
    assert problems(cleaned) == expected
    assert list(cleaned.problems) == list(expected)
    assert cleaned.values == {}


def test_the_too_long_message_shows_the_start_of_the_text_and_the_limit() -> None:
    [message] = clean_company(code="X", name="Đ" * 400).problems.values()
    assert message.render() == f"“{'Đ' * 30}…” is too long: at most 300 characters."


@pytest.mark.parametrize(
    ("text", "prefix", "code"),
    [
        (" 893 0001 ", "8930001", None),  # spaces typed in it are dropped
        ("8930001234", "8930001234", None),  # 893 and 7 more digits
        ("8940001", None, "bad_prefix"),  # not GS1 Vietnam's
        ("893123", None, "bad_prefix"),  # too short
        ("89312345678", None, "bad_prefix"),  # too long
        ("893٠٠٠١", None, "bad_prefix"),  # Arabic-Indic digits
        ("", None, "bad_prefix"),
    ],
)
def test_prefixes(text, prefix, code) -> None:
    cleaned = clean_prefix(text)
    assert problems(cleaned) == ({"prefix": code} if code else {})
    assert cleaned.values.get("prefix") == prefix


@pytest.mark.parametrize(
    ("name", "key", "code"),
    [
        ("Biti's", "bitis", None),
        ("  ", None, "no_brand"),
        ("'’", None, "brand_no_letters"),
        ("B" * 201, None, "too_long"),
    ],
)
def test_brands(name, key, code) -> None:
    cleaned = clean_brand(name)
    assert problems(cleaned) == ({"name": code} if code else {})
    assert cleaned.values.get("name_key") == key


def test_products() -> None:
    good = clean_product(gtin=GTIN, name="Nước mắm")
    assert good.values == {"gtin": "0" + GTIN, "name": "Nước mắm", "category": None}
    wrong = GTIN[:-1] + str((int(GTIN[-1]) + 1) % 10)
    bad = clean_product(gtin=wrong, name="")
    assert problems(bad) == {"gtin": "bad_gtin", "name": "no_product_name"}
    assert "check digit" in bad.problems["gtin"].render()
    assert problems(clean_product(gtin=GTIN, name="N" * 301)) == {"name": "too_long"}


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"programme": "gold", "year": 2025}, {"programme": "bad_programme"}),
        ({"programme": "hvnclc", "year": 1890}, {"year": "bad_year"}),
        ({"programme": "hvnclc", "year": "20x5"}, {"year": "bad_year"}),
        ({"programme": "hvnclc", "year": "²⁰²⁵"}, {"year": "bad_year"}),  # digits, not a year
        ({"programme": "hvnclc", "year": "9" * 5000}, {"year": "bad_year"}),  # no overflow
        ({"programme": "hvnclc", "year": 2025, "stars": 4}, {"stars": "bad_stars"}),
        ({"programme": "ocop", "year": 2025, "stars": "6"}, {"stars": "bad_stars"}),
        (
            {"programme": "ocop", "year": 2025, "valid_until": "31/12/2027"},
            {"valid_until": "bad_date"},
        ),
        (
            {"programme": "ocop", "year": 2025, "evidence_ref": "e" * 301},
            {"evidence_ref": "too_long"},
        ),
        # An unknown programme says nothing of stars it cannot judge.
        ({"programme": "gold", "year": 2025, "stars": "x"}, {"programme": "bad_programme"}),
    ],
)
def test_bad_certifications(fields, expected) -> None:
    assert problems(clean_certification(**fields)) == expected


def test_a_certification_is_cleaned_from_text_or_values_alike() -> None:
    as_text = clean_certification(
        programme=" OCOP ", year="2025", stars="4", valid_until="2027-12-31", evidence_ref="QĐ 1"
    )
    as_values = clean_certification(
        programme="ocop", year=2025, stars=4, valid_until=dt.date(2027, 12, 31), evidence_ref="QĐ 1"
    )
    assert (
        as_text.values
        == as_values.values
        == {
            "programme": Programme.OCOP,
            "year": 2025,
            "stars": 4,
            "valid_until": dt.date(2027, 12, 31),
            "evidence_ref": "QĐ 1",
        }
    )
