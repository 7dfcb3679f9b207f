"""The verdict rules of DESIGN.md, table-driven, over plain values (no database, no clock)."""

from __future__ import annotations

import datetime as dt

import pytest

from barcode_db.gtin import parse_code
from barcode_db.matching import BrandEntry
from barcode_db.models import Programme
from barcode_db.prefixes import default_table
from barcode_db.registry import CertificationFact, CompanyFact, ProductFact, build_snapshot
from barcode_db.verdict import History, LabelClaims, Level, verdict_for
from tests.support.factories import with_check_digit

TODAY = dt.date(2026, 11, 26)

MILK = CompanyFact(
    id=1,
    code="MILK",
    name="Công ty Sữa Thử",
    tax_code=None,
    address="",
    province_code="79",
    prefixes=("8934673",),
    brands=("Vinamilk",),
    is_sample=False,
    certifications=(
        CertificationFact(Programme.HVNCLC, 2025, None, dt.date(2026, 12, 31), "", None),
        CertificationFact(Programme.NATIONAL_BRAND, 2020, None, dt.date(2022, 12, 31), "", None),
    ),
)
SHOES = CompanyFact(
    id=2,
    code="SHOE",
    name="Công ty Giày Thử",
    tax_code=None,
    address="",
    province_code="79",
    prefixes=("8935087",),
    brands=("Biti's",),
    certifications=(),
    is_sample=False,
)
REGISTRY = build_snapshot(
    version=1,
    companies=[MILK, SHOES],
    products=[
        ProductFact(gtin="08934673000017", name="Sữa tươi 180 ml", brand="Vinamilk", company_id=1)
    ],
    brand_entries=[BrandEntry(10, "Vinamilk", 1), BrandEntry(20, "Biti's", 2)],
)

MILK_GTIN = "8934673000017"  # registered product of MILK
MILK_OTHER = with_check_digit("893467399999")  # MILK's prefix, product not listed
SHOE_GTIN = with_check_digit("893508700010")
VN_UNLISTED = with_check_digit("893999912345")  # GS1 Vietnam, owner not in the registry
FRANCE = with_check_digit("300000000001")
UPC_A_US = "893869000423"  # 12 digits: looked up as 0893869000423, GS1 US — not Vietnam


def verdict(code: str, symbology: str | None = None, **kwargs):
    return verdict_for(
        parse_code(code, symbology),
        prefixes=default_table(),
        registry=REGISTRY,
        today=TODAY,
        **kwargs,
    )


def codes(v) -> list[str]:
    return [r.code for r in v.reasons]


@pytest.mark.parametrize(
    ("code", "claims", "level", "must_say"),
    [
        # 893, owner in the registry: trusted, with the prefix caveat
        (
            MILK_GTIN,
            None,
            Level.TRUSTED,
            {"gs1_vietnam", "prefix_caveat", "registry_owner", "registry_product"},
        ),
        (MILK_OTHER, None, Level.TRUSTED, {"registry_owner"}),
        # 893, owner not in the registry: not a fault
        (VN_UNLISTED, None, Level.VIETNAMESE, {"gs1_vietnam", "not_in_registry"}),
        # another member organisation: foreign, with the caveat
        (FRANCE, None, Level.FOREIGN, {"gs1_foreign", "prefix_caveat"}),
        # a 12-digit UPC-A starting 893 is GS1 US
        (UPC_A_US, None, Level.FOREIGN, {"gs1_foreign"}),
        # in-store, book, periodical, demo numbers
        (
            with_check_digit("200123456789"),
            None,
            Level.NOT_A_PRODUCT_ID,
            {"not_a_product_restricted"},
        ),
        (with_check_digit("978030640615"), None, Level.NOT_A_PRODUCT_ID, {"not_a_product_isbn"}),
        (with_check_digit("977123456700"), None, Level.NOT_A_PRODUCT_ID, {"not_a_product_issn"}),
        (with_check_digit("952000000001"), None, Level.NOT_A_PRODUCT_ID, {"not_a_product_demo"}),
        # check digit wrong, malformed input
        ("8934673000014", None, Level.INVALID, {"check_digit", "invalid_meaning", "not_proof"}),
        ("89346730000", None, Level.INVALID, {"wrong_length"}),
        ("", None, Level.UNKNOWN, {"empty"}),
        # the label agrees with the owner
        (MILK_GTIN, LabelClaims(brand="VINAMILK"), Level.TRUSTED, {"brand_matches_owner"}),
        (SHOE_GTIN, LabelClaims(brand="Bitis"), Level.TRUSTED, {"brand_matches_owner"}),
        # a trusted brand on a number its owner does not hold
        (SHOE_GTIN, LabelClaims(brand="Vinamilk"), Level.MISMATCH, {"brand_mismatch", "not_proof"}),
        (VN_UNLISTED, LabelClaims(brand="Vinamilk"), Level.MISMATCH, {"brand_mismatch"}),
        (FRANCE, LabelClaims(brand="Biti's"), Level.MISMATCH, {"brand_mismatch"}),
        # a name close to, not equal to, a trusted brand
        (VN_UNLISTED, LabelClaims(brand="Vinamllk"), Level.LOOKALIKE, {"brand_lookalike"}),
        (FRANCE, LabelClaims(brand="Bitis's"), Level.LOOKALIKE, {"brand_lookalike"}),
        # a lookalike name is flagged even when the number itself is unusable
        (
            "8934673000014",
            LabelClaims(brand="Vinamllk"),
            Level.LOOKALIKE,
            {"check_digit", "brand_lookalike"},
        ),
        # a typo of the owner's own brand is not an accusation
        (MILK_GTIN, LabelClaims(brand="Vinamiik"), Level.TRUSTED, {"brand_close_to_owner"}),
        # a brand not in the registry: nothing to compare
        (VN_UNLISTED, LabelClaims(brand="Nhãn Lạ"), Level.VIETNAMESE, {"brand_not_in_registry"}),
        # "Made in Vietnam" on a foreign-licensed number: shown, not a fault
        (FRANCE, LabelClaims(made_in_vietnam=True), Level.FOREIGN, {"made_in_vn_foreign_number"}),
    ],
)
def test_levels_and_reasons(code, claims, level, must_say) -> None:
    result = verdict(code, claims=claims)
    assert result.level is level
    assert must_say <= set(codes(result)), codes(result)


def test_vietnam_gs1_facts_name_the_country_in_both_languages() -> None:
    prefix = verdict(MILK_GTIN).facts.prefix
    assert prefix is not None
    assert prefix.country_code == "VN"
    assert prefix.country_name.get("vi") == "Việt Nam"
    assert prefix.country_name.get("en") == "Vietnam"


def test_certifications_split_by_validity_on_the_given_day() -> None:
    facts = verdict(MILK_GTIN).facts
    assert [c.programme for c in facts.certifications] == [Programme.HVNCLC]
    assert [c.programme for c in facts.expired_certifications] == [Programme.NATIONAL_BRAND]
    later = verdict_for(
        parse_code(MILK_GTIN),
        prefixes=default_table(),
        registry=REGISTRY,
        today=dt.date(2027, 1, 1),
    )
    assert later.facts.certifications == ()


@pytest.mark.parametrize(
    ("history", "level", "code"),
    [
        (History(confirmed_cases=1), Level.REPORTED, "confirmed_cases"),  # confirmed counterfeit
        (History(open_complaints=5), Level.REPORTED, "many_open_complaints"),  # many reports
        (History(open_complaints=2), Level.TRUSTED, "open_complaints"),  # a few: shown only
    ],
)
def test_history_raises_the_level(history, level, code) -> None:
    result = verdict(MILK_GTIN, history=history)
    assert result.level is level
    assert code in codes(result)


def test_suspect_levels_offer_a_complaint_and_good_ones_do_not() -> None:
    assert verdict(SHOE_GTIN, claims=LabelClaims(brand="Vinamilk")).is_suspect
    assert verdict("8934673000014").is_suspect
    assert not verdict(MILK_GTIN).is_suspect
    assert not verdict(FRANCE).is_suspect


def test_qr_text_is_shown_not_followed() -> None:
    result = verdict("https://evil.example/win", "QR")
    assert result.level is Level.UNKNOWN
    assert codes(result) == ["not_a_product_code"]
    assert result.facts.parsed.text == "https://evil.example/win"


def test_no_reason_calls_a_product_fake_outright() -> None:
    for code, claims in [
        (SHOE_GTIN, LabelClaims(brand="Vinamilk")),
        (VN_UNLISTED, LabelClaims(brand="Vinamllk")),
    ]:
        text = " ".join(r.message.render() for r in verdict(code, claims=claims).reasons)
        assert "cannot prove" in text
        assert " is fake" not in text and " is a counterfeit" not in text
