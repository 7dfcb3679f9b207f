"""The verdict rules of DESIGN.md, table-driven, over plain values (no database, no clock)."""

from __future__ import annotations

import datetime as dt

import pytest

from barcode_db.gtin import parse_code
from barcode_db.matching import BrandEntry
from barcode_db.models import Programme
from barcode_db.prefixes import default_table
from barcode_db.registry import CertificationFact, CompanyFact, ProductFact, build_snapshot
from barcode_db.verdict import (
    ConfirmedCase,
    History,
    LabelClaims,
    Level,
    ReportHint,
    Source,
    verdict_for,
)
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
        # a lookalike of the owner's own brand on the owner's number: imitations copy barcodes
        (MILK_GTIN, LabelClaims(brand="Vinamiik"), Level.LOOKALIKE, {"brand_lookalike"}),
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


# --- what imitators change (issue 9): the label against the number -----------------------------

VNM = CompanyFact(
    id=11,
    code="VNM",
    name="Công ty Cổ phần Sữa Việt Nam",
    tax_code=None,
    address="",
    province_code="79",
    prefixes=("8934673",),
    brands=("Vinamilk",),
    certifications=(),
    is_sample=False,
)
ACV = CompanyFact(
    id=12,
    code="ACV",
    name="Công ty Cổ phần Acecook Việt Nam",
    tax_code=None,
    address="",
    province_code="79",
    prefixes=("8934563",),
    brands=("Hảo Hảo",),
    certifications=(),
    is_sample=False,
)
THM = CompanyFact(
    id=13,
    code="THM",
    name="Công ty Cổ phần Sữa TH",
    tax_code=None,
    address="",
    province_code="40",
    prefixes=("8936024",),
    brands=("TH true MILK",),
    certifications=(),
    is_sample=False,
)
HAB = CompanyFact(
    id=14,
    code="HAB",
    name="Tổng Công ty Cổ phần Bia - Rượu - Nước giải khát Hà Nội",
    tax_code=None,
    address="",
    province_code="01",
    prefixes=("8934588",),
    brands=("Bia Hà Nội",),
    certifications=(),
    is_sample=False,
)
SAMPLE_LIKE = build_snapshot(
    version=1,
    companies=[VNM, ACV, THM, HAB],
    products=[
        ProductFact("08934673000017", "Sữa tươi Vinamilk 180 ml", "Vinamilk", 11),
        ProductFact("08934563138165", "Mì Hảo Hảo tôm chua cay", "Hảo Hảo", 12),
        ProductFact("08936024000127", "Sữa tươi TH true MILK 180 ml", "TH true MILK", 13),
    ],
    brand_entries=[
        BrandEntry(1, "Vinamilk", 11),
        BrandEntry(2, "Hảo Hảo", 12),
        BrandEntry(3, "TH true MILK", 13),
        BrandEntry(4, "Bia Hà Nội", 14),
    ],
)
VINAMILK_GTIN = "8934673000017"
HAO_HAO_GTIN = "8934563138165"
TH_GTIN = "8936024000127"
HABECO_GTIN = with_check_digit("893458800012")
SWISS = with_check_digit("761000000001")  # GS1 Switzerland
LABEL = Source.LABEL


def sample_verdict(code: str, claims: LabelClaims | None = None, history: History | None = None):
    return verdict_for(
        parse_code(code),
        prefixes=default_table(),
        registry=SAMPLE_LIKE,
        today=TODAY,
        claims=claims,
        history=history,
    )


def said(result) -> str:
    return "\n".join(r.message.render() for r in result.reasons)


@pytest.mark.parametrize(
    ("code", "claims", "level", "must_say", "quoted"),
    [
        # One letter off on the owner's own number: a lookalike, quoted as written.
        (
            VINAMILK_GTIN,
            LabelClaims(brand="Vinamllk"),
            Level.LOOKALIKE,
            "brand_lookalike",
            "Vinamllk",
        ),
        (
            VINAMILK_GTIN,
            LabelClaims(brand="Vinamiik"),
            Level.LOOKALIKE,
            "brand_lookalike",
            "Vinamiik",
        ),
        # A word split in two is not the brand either.
        (
            VINAMILK_GTIN,
            LabelClaims(brand="Vina milk"),
            Level.LOOKALIKE,
            "brand_lookalike",
            "Vina milk",
        ),
        # One tone mark off: the label is quoted with its own marks, never corrected.
        (HAO_HAO_GTIN, LabelClaims(brand="Hảo Hạo"), Level.LOOKALIKE, "brand_lookalike", "Hảo Hạo"),
        # Typed without any diacritics: a phone's way of typing, the genuine brand.
        (
            HAO_HAO_GTIN,
            LabelClaims(brand="hao hao"),
            Level.TRUSTED,
            "brand_matches_owner",
            "Hảo Hảo",
        ),
        # Another brand on a product the registry lists under Vinamilk.
        (
            VINAMILK_GTIN,
            LabelClaims(brand="Dutch Lady"),
            Level.MISMATCH,
            "product_brand_differs",
            "Dutch Lady",
        ),
        # A lookalike on another company's number: the imitated brand is named, its owner is not.
        (
            HABECO_GTIN,
            LabelClaims(brand="Vinamllk"),
            Level.LOOKALIKE,
            "brand_lookalike",
            "Vinamllk",
        ),
        # A trusted brand on another owner's number: both names side by side.
        (
            TH_GTIN,
            LabelClaims(brand="Vinamilk"),
            Level.MISMATCH,
            "brand_mismatch",
            "Công ty Cổ phần Sữa TH",
        ),
        # A lookalike read on the label (OCR) says it was read and asks to check.
        (
            VINAMILK_GTIN,
            LabelClaims(brand="Vinamllk", brand_source=LABEL, label_read=True, label_has_text=True),
            Level.LOOKALIKE,
            "brand_lookalike",
            "letter by letter",
        ),
    ],
)
def test_label_brand_against_the_number(code, claims, level, must_say, quoted) -> None:
    result = sample_verdict(code, claims)
    assert result.level is level, codes(result)
    assert must_say in codes(result)
    assert quoted in said(result)
    assert "was read as" not in said(result)


def test_a_lookalike_never_names_the_real_company_as_its_owner() -> None:
    result = sample_verdict(HABECO_GTIN, LabelClaims(brand="Vinamllk"))
    assert result.facts.claimed_company is None
    assert result.facts.lookalike_of is not None and result.facts.lookalike_of.name == "Vinamilk"
    assert "Sữa Việt Nam" not in said(result)


def test_a_lookalike_reason_offers_an_imitation_report_and_keeps_its_source() -> None:
    typed = sample_verdict(VINAMILK_GTIN, LabelClaims(brand="Vinamllk"))
    read = sample_verdict(VINAMILK_GTIN, LabelClaims(brand="Vinamllk", brand_source=LABEL))
    for result, source in ((typed, Source.TYPED), (read, LABEL)):
        reason = next(r for r in result.reasons if r.code == "brand_lookalike")
        assert (reason.source, reason.report) == (source, ReportHint.IMITATION)
    registry_reason = next(r for r in typed.reasons if r.code == "registry_owner")
    assert registry_reason.source is Source.REGISTRY


CONFIRMED_FAKE = ConfirmedCase(
    brand_seen="Vinamilk", province_code="01", confirmed_on=dt.date(2026, 10, 3)
)


def test_a_confirmed_counterfeit_says_what_was_confirmed_and_how_to_tell() -> None:
    history = History(confirmed_cases=1, confirmed=(CONFIRMED_FAKE,))
    result = sample_verdict(TH_GTIN, history=history)
    assert result.level is Level.REPORTED
    text = said(result)
    assert "“Vinamilk”" in text and "Hà Nội" in text and "10/2026" in text
    assert "TH true MILK" in text  # how the genuine product differs
    assert "not use" not in text


def test_the_genuine_brand_on_the_label_is_not_the_confirmed_counterfeit() -> None:
    history = History(confirmed_cases=1, confirmed=(CONFIRMED_FAKE,))
    result = sample_verdict(TH_GTIN, LabelClaims(brand="TH true MILK"), history)
    assert result.level is Level.TRUSTED
    assert "confirmed_other_label" in codes(result)


def test_a_confirmed_problem_of_the_genuine_product_itself_is_reported_as_such() -> None:
    case = ConfirmedCase("TH true MILK", "40", dt.date(2026, 9, 1), about_genuine=True)
    result = sample_verdict(TH_GTIN, LabelClaims(brand="TH true MILK"), History(1, 0, (case,)))
    assert result.level is Level.REPORTED
    assert "confirmed_genuine_problem" in codes(result)
    assert "Nghệ An" in said(result)


READ = {"label_read": True, "label_has_text": True}


@pytest.mark.parametrize(
    ("code", "claims", "level", "present", "absent"),
    [
        # The maker named on the label owns the number.
        (
            VINAMILK_GTIN,
            LabelClaims(maker="CÔNG TY CP SỮA VIỆT NAM", maker_source=LABEL, **READ),
            Level.TRUSTED,
            {"maker_matches_owner"},
            {"no_maker_no_origin", "maker_mismatch"},
        ),
        # A registry company named as maker on another company's number.
        (
            TH_GTIN,
            LabelClaims(maker="Công ty Cổ phần Sữa Việt Nam", maker_source=LABEL, **READ),
            Level.MISMATCH,
            {"maker_mismatch"},
            set(),
        ),
        # A maker the registry does not know: shown, not judged.
        (
            VINAMILK_GTIN,
            LabelClaims(maker="Công ty TNHH Thực phẩm Lạ", maker_source=LABEL, **READ),
            Level.TRUSTED,
            {"maker_named"},
            {"maker_mismatch"},
        ),
        # Neither maker nor origin on a photo with text: said as what the photo showed.
        (VINAMILK_GTIN, LabelClaims(**READ), Level.TRUSTED, {"no_maker_no_origin"}, set()),
        # A photo of only the barcode says so instead.
        (
            VINAMILK_GTIN,
            LabelClaims(label_read=True),
            Level.TRUSTED,
            {"photo_only_barcode"},
            {"no_maker_no_origin"},
        ),
        # Typed claims say nothing about what is absent.
        (
            VINAMILK_GTIN,
            LabelClaims(brand="Vinamilk"),
            Level.TRUSTED,
            set(),
            {"no_maker_no_origin"},
        ),
        # Imported goods with no Vietnamese text read: the sub-label warning.
        (
            SWISS,
            LabelClaims(origin="Switzerland", origin_country="CH", vietnamese_text=False, **READ),
            Level.FOREIGN,
            {"no_vietnamese_sublabel", "origin_read"},
            {"no_maker_no_origin"},
        ),
        (
            SWISS,
            LabelClaims(origin="Thụy Sĩ", origin_country="CH", vietnamese_text=True, **READ),
            Level.FOREIGN,
            {"origin_read"},
            {"no_vietnamese_sublabel"},
        ),
        # "Xuất xứ: Việt Nam" read on a foreign-licensed number: shown, not a fault.
        (
            SWISS,
            LabelClaims(origin="Việt Nam", origin_country="VN", vietnamese_text=True, **READ),
            Level.FOREIGN,
            {"made_in_vn_foreign_number"},
            set(),
        ),
        # An expiry date in the past, and one in the future.
        (
            VINAMILK_GTIN,
            LabelClaims(expires=dt.date(2026, 3, 12), expires_text="HSD: 12/03/2026"),
            Level.TRUSTED,
            {"expired"},
            set(),
        ),
        (VINAMILK_GTIN, LabelClaims(expires=TODAY), Level.TRUSTED, set(), {"expired"}),
        # Expired is said even when the number is unusable.
        (
            "8934673000014",
            LabelClaims(expires=dt.date(2020, 1, 1)),
            Level.INVALID,
            {"expired"},
            set(),
        ),
    ],
)
def test_what_the_label_shows_and_does_not_show(code, claims, level, present, absent) -> None:
    result = sample_verdict(code, claims)
    assert result.level is level, codes(result)
    assert present <= set(codes(result)), codes(result)
    assert not absent & set(codes(result)), codes(result)


def test_absence_and_expiry_reasons_offer_the_right_report() -> None:
    hints = {
        r.code: r.report
        for claims in (
            LabelClaims(**READ),
            LabelClaims(vietnamese_text=False, **READ),
            LabelClaims(expires=dt.date(2025, 1, 1), expires_source=LABEL),
        )
        for r in sample_verdict(SWISS, claims).reasons
    }
    assert hints["no_maker_no_origin"] is ReportHint.UNKNOWN_ORIGIN
    assert hints["no_vietnamese_sublabel"] is ReportHint.NO_VIETNAMESE_LABEL
    assert hints["expired"] is ReportHint.EXPIRED


def test_a_brand_read_unsure_is_a_warning_to_compare_never_a_green_brand_match() -> None:
    claims = LabelClaims(unsure_brand="Vinamilk", label_read=True, label_has_text=True)
    result = sample_verdict(VINAMILK_GTIN, claims)
    assert "brand_unsure" in codes(result)
    assert "brand_matches_owner" not in codes(result)
    # What the shopper types settles it.
    typed = claims.corrected_by(LabelClaims(brand="Vinamilk"))
    assert "brand_unsure" not in codes(sample_verdict(VINAMILK_GTIN, typed))


@pytest.mark.parametrize("code", ["893467300017", "893 4673 00017", "893467300018"])
def test_twelve_digits_starting_893_say_a_digit_may_be_lost(code) -> None:
    """893467300017 is a valid UPC-A (GS1 US); it is far more likely a Vietnamese 13-digit number
    typed without a digit, and the shopper is told so (whether the check digit fits or not)."""
    result = verdict(code)
    assert "maybe_lost_a_digit" in codes(result)
    reason = next(r for r in result.reasons if r.code == "maybe_lost_a_digit")
    assert "13" in reason.message.render() and reason.tone.value == "warning"


@pytest.mark.parametrize("code", [MILK_GTIN, "036000291452", "89346730001", "08934673000175"])
def test_other_numbers_get_no_such_hint(code) -> None:
    assert "maybe_lost_a_digit" not in codes(verdict(code))
