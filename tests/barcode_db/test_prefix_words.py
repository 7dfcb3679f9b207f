"""What a verdict says about a GS1 prefix, in the reader's words (issue 13, item 6).

GS1's English names of its ranges ("Used to issue GS1 Restricted Circulation Numbers within a
geographic region (MO defined)", "Global Office - GTIN-8") are never shown as they are; a GTIN-8
from GS1 Global Office is not "licensed abroad"; the caveat that a prefix is no origin is said once,
and only where a prefix names a country.
"""

from __future__ import annotations

import datetime as dt

import pytest

from barcode_db.gtin import parse_code
from barcode_db.prefixes import PrefixKind, default_table
from barcode_db.registry import CompanyFact, ProductFact, build_snapshot
from barcode_db.verdict import LEVEL_TITLES, LabelClaims, Level, Verdict, verdict_for
from tests.support.factories import with_check_digit

TODAY = dt.date(2026, 11, 27)
EMPTY = build_snapshot(version=1, companies=[], products=[], brand_entries=[])

GLOBAL_OFFICE_GTIN8 = "96385074"  # 963-969: "Global Office - GTIN-8"
GLOBAL_OFFICE = with_check_digit("950123456789")  # 950: "GS1 Global Office"
VIETNAM = "8934673000017"
GERMANY = "4006381333931"
IN_STORE = with_check_digit("200123456789")
IN_STORE_RCN8 = with_check_digit("2123456")  # an in-store GTIN-8
BOOK = "9780306406157"
PERIODICAL = with_check_digit("977123456700")
EPC = with_check_digit("951123456789")

CAVEAT = "prefix_caveat"


def verdict(code: str, registry=EMPTY, **kwargs) -> Verdict:
    return verdict_for(
        parse_code(code), prefixes=default_table(), registry=registry, today=TODAY, **kwargs
    )


def said(result: Verdict, lang: str = "en") -> str:
    return " ".join(r.message.render(lang=lang) for r in result.reasons)


@pytest.mark.parametrize("code", [GLOBAL_OFFICE_GTIN8, GLOBAL_OFFICE])
def test_a_global_office_number_is_valid_and_names_no_country(code: str) -> None:
    result = verdict(code)
    # Not FOREIGN ("licensed abroad"): GS1 Global Office numbers carry no country.
    assert result.level is Level.NO_COUNTRY
    assert "abroad" not in LEVEL_TITLES[result.level]
    assert not result.is_suspect
    codes = [r.code for r in result.reasons]
    assert codes[0] == "gs1_no_country" and "no_country_meaning" in codes
    assert "gs1_foreign" not in codes and "foreign_meaning" not in codes
    text = said(result)
    assert "does not say in which country" in text
    assert "Global Office - GTIN-8" not in text


def test_a_registered_product_on_a_global_office_number_is_not_licensed_abroad() -> None:
    maker = CompanyFact(
        id=1,
        code="KEO",
        name="Công ty Kẹo Thử",
        tax_code=None,
        address="",
        province_code="79",
        prefixes=(),
        brands=(),
        certifications=(),
        is_sample=False,
    )
    registry = build_snapshot(
        version=1,
        companies=[maker],
        products=[ProductFact(gtin="00000096385074", name="Kẹo thử", brand=None, company_id=1)],
        brand_entries=[],
    )
    result = verdict(GLOBAL_OFFICE_GTIN8, registry=registry)
    assert result.level is Level.NO_COUNTRY
    assert "licensed abroad" not in said(result)


def test_made_in_vietnam_on_a_number_that_names_no_country() -> None:
    result = verdict(GLOBAL_OFFICE_GTIN8, claims=LabelClaims(made_in_vietnam=True))
    assert "made_in_vn_no_country_number" in [r.code for r in result.reasons]
    assert "licensed by" not in said(result)


@pytest.mark.parametrize(
    ("code", "caveats"),
    [
        (VIETNAM, 1),  # GS1 Vietnam: licensed here, made who knows where
        (GERMANY, 1),  # a member organisation abroad
        (with_check_digit("540123456789"), 1),  # one organisation, two countries
        (GLOBAL_OFFICE_GTIN8, 0),  # names no country, so nothing to mistake for an origin
        (GLOBAL_OFFICE, 0),
        (IN_STORE, 0),  # not a product number at all
        (BOOK, 0),
        (PERIODICAL, 0),
        (EPC, 0),
        ("8934673000014", 0),  # a wrong check digit: no prefix looked up
    ],
)
def test_the_prefix_caveat_is_said_once_where_a_prefix_names_a_country(
    code: str, caveats: int
) -> None:
    assert [r.code for r in verdict(code).reasons].count(CAVEAT) == caveats


@pytest.mark.parametrize(
    ("code", "vi", "en"),
    [
        (VIETNAM, "GS1 Việt Nam", "GS1 Vietnam"),
        (GERMANY, "GS1 Đức", "GS1 Germany"),
        (with_check_digit("540123456789"), "GS1 Bỉ và Luxembourg", "GS1 Belgium and Luxembourg"),
    ],
)
def test_a_member_organisation_is_named_by_its_country_in_the_readers_language(
    code: str, vi: str, en: str
) -> None:
    info = verdict(code).facts.prefix
    assert info is not None
    assert info.description.render(lang="vi") == vi
    assert info.description.render(lang="en") == en


def test_no_range_is_described_in_gs1s_raw_english() -> None:
    raw = []
    for info in default_table():
        words = info.description.msgid
        if info.kind is PrefixKind.COUNTRY:
            ok = words == "GS1 %(country)s"  # the country's name comes from CLDR, in each language
        else:  # one of our own msgids, never the CSV's name or note
            ok = words not in (info.organisation, info.note) and "GS1 Restricted" not in words
        if not ok:
            raw.append((info.prefix, words))
    assert raw == []


@pytest.mark.parametrize(
    "code", [IN_STORE, IN_STORE_RCN8, BOOK, PERIODICAL, EPC, with_check_digit("952000000001")]
)
def test_a_number_that_is_no_product_number_is_not_explained_in_gs1s_english(code: str) -> None:
    result = verdict(code)
    assert result.level is Level.NOT_A_PRODUCT_ID
    info = result.facts.prefix
    assert info is not None
    text = said(result)
    assert info.organisation not in text
    assert "Restricted Circulation" not in text and "Global Office" not in text
