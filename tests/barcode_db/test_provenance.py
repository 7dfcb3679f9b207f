""" "How Vietnamese is this?": the facts of a verdict, each with its source and date
(barcode_db.provenance), over plain values."""

from __future__ import annotations

import dataclasses
import datetime as dt
from importlib import resources

import pytest

from barcode_db.gtin import parse_code
from barcode_db.matching import BrandEntry
from barcode_db.models import Programme
from barcode_db.prefixes import TABLE_DATA_DATE, default_table
from barcode_db.provenance import FACT_NAMES, provenance
from barcode_db.registry import CertificationFact, CompanyFact, ProductFact, build_snapshot
from barcode_db.verdict import verdict_for
from tests.support.factories import with_check_digit

TODAY = dt.date(2026, 11, 26)

NOODLES = CompanyFact(
    id=1,
    code="MI",
    name="Công ty Cổ phần Mì Thử",
    tax_code="0301234567",
    address="",
    province_code="79",
    prefixes=("8934563",),
    brands=("Hảo Thử", "Chè Xanh"),
    certifications=(
        CertificationFact(Programme.HVNCLC, 2025, None, dt.date(2026, 12, 31), "QĐ 12/2025", None),
        # Another brand's: it does not cover the product scanned.
        CertificationFact(Programme.OCOP, 2024, 4, None, "OCOP-2024-17", "Chè Xanh"),
        # Withdrawn, and ended: not held now.
        CertificationFact(Programme.TRUSTED_GOODS, 2025, None, None, "x", None, True),
        CertificationFact(Programme.NATIONAL_BRAND, 2020, None, dt.date(2022, 12, 31), "y", None),
    ),
    is_sample=False,
    made_in="Bình Dương; Hưng Yên",
    owner_group="Acecook Co., Ltd.",
    owner_country="JP",
    source="Cổng thông tin quốc gia về đăng ký doanh nghiệp",
    checked_on=dt.date(2026, 10, 1),
)
# What the registry holds when nobody has checked anything.
BARE = CompanyFact(
    id=2,
    code="BARE",
    name="Công ty Chưa Kiểm",
    tax_code=None,
    address="",
    province_code=None,
    prefixes=("8930002",),
    brands=(),
    certifications=(),
    is_sample=True,
)
NOODLE_GTIN = "8934563138165"
TEA_GTIN = with_check_digit("893456300002")
BARE_GTIN = with_check_digit("893000200001")
REGISTRY = build_snapshot(
    1,
    [NOODLES, BARE],
    [
        ProductFact("0" + NOODLE_GTIN, "Mì tôm", "Hảo Thử", 1, "instant_food"),
        ProductFact("0" + TEA_GTIN, "Chè búp", "Chè Xanh", 1, "beverages"),
    ],
    [BrandEntry(1, "Hảo Thử", 1), BrandEntry(2, "Chè Xanh", 1)],
)


def facts_of(
    code: str, registry=REGISTRY, lang: str = "en"
) -> list[tuple[str, str, str, dt.date | None]]:
    verdict = verdict_for(
        parse_code(code), prefixes=default_table(), registry=registry, today=TODAY
    )
    return [
        (f.fact, f.value.render(lang=lang), f.source.render(lang=lang), f.checked_on)
        for f in provenance(verdict.facts)
    ]


LICENSED_IN_VIETNAM = (
    "barcode_licensed_by",
    "Prefix 893: GS1 Vietnam",
    "GS1 prefix table",
    TABLE_DATA_DATE,
)


def test_a_registry_owner_s_facts_each_with_its_source_and_date() -> None:
    checked = ("Cổng thông tin quốc gia về đăng ký doanh nghiệp", dt.date(2026, 10, 1))
    assert facts_of(NOODLE_GTIN) == [
        LICENSED_IN_VIETNAM,
        (
            "brand_owner",
            "Công ty Cổ phần Mì Thử, registered in Vietnam (tax code 0301234567)",
            *checked,
        ),
        ("owner_group", "Part of the group Acecook Co., Ltd. (Japan)", *checked),
        ("made_in", "Bình Dương; Hưng Yên", *checked),
        # Held now and covering this brand: not the other brand's OCOP, not the withdrawn or
        # ended ones. Its source is its evidence; the registry records no date of a check.
        (
            "certification",
            "High-quality Vietnamese goods (HVNCLC) 2025, valid until 31/12/2026",
            "QĐ 12/2025",
            None,
        ),
    ]


def test_the_group_s_country_is_named_in_the_reader_s_language() -> None:
    group = {f[0]: f[1] for f in facts_of(NOODLE_GTIN, lang="vi")}["owner_group"]
    assert group.endswith("(Nhật Bản)")


def test_a_brand_s_own_certification_with_its_stars() -> None:
    certifications = [f for f in facts_of(TEA_GTIN) if f[0] == "certification"]
    assert certifications == [
        (
            "certification",
            "High-quality Vietnamese goods (HVNCLC) 2025, valid until 31/12/2026",
            "QĐ 12/2025",
            None,
        ),
        (
            "certification",
            "OCOP (One Commune One Product) 2024, 4 stars, for the brand Chè Xanh",
            "OCOP-2024-17",
            None,
        ),
    ]


def test_a_number_of_the_owner_not_listed_shows_every_current_certification() -> None:
    # No registry product: which brand it is is not known, so each certification says its own.
    unlisted = with_check_digit("893456399999")
    values = [f[1] for f in facts_of(unlisted) if f[0] == "certification"]
    assert len(values) == 2 and "for the brand Chè Xanh" in values[1]


def test_what_nobody_checked_or_recorded_is_said_so() -> None:
    assert facts_of(BARE_GTIN) == [
        LICENSED_IN_VIETNAM,
        ("brand_owner", "Công ty Chưa Kiểm; no Vietnamese tax code on record", "not checked", None),
        ("owner_group", "none recorded", "not checked", None),
        ("made_in", "not recorded", "not checked", None),
        (
            "certification",
            "none held now",
            "the association’s registry of trusted brands",
            None,
        ),
    ]


def test_a_group_without_its_country() -> None:
    registry = build_snapshot(1, [dataclasses.replace(BARE, owner_group="Tập đoàn Thử")], [], [])
    values = {f[0]: f[1] for f in facts_of(BARE_GTIN, registry)}
    assert values["owner_group"] == "Part of the group Tập đoàn Thử"


@pytest.mark.parametrize(
    ("code", "licensed_by"),
    [
        # Licensed abroad, not in the registry: only the GS1 fact.
        (with_check_digit("690123456789"), "Prefix 690-699: GS1 China"),
        # 893, owner unknown.
        (with_check_digit("893999912345"), "Prefix 893: GS1 Vietnam"),
        # GS1 Global Office: the range says no country.
        (
            with_check_digit("950000000001"),
            "Prefix 950: GS1 Global Office, the head office of GS1 (no country)",
        ),
    ],
)
def test_any_valid_product_number_has_the_gs1_fact(code: str, licensed_by: str) -> None:
    assert facts_of(code) == [
        ("barcode_licensed_by", licensed_by, "GS1 prefix table", TABLE_DATA_DATE)
    ]


@pytest.mark.parametrize(
    "code",
    [
        "8934563138166",  # a wrong check digit
        "9780306406157",  # a book number (ISBN), not a product number
        with_check_digit("200000000001"),  # in-store numbers
        "",  # nothing
        "https://example.com/",  # a QR code's text
    ],
)
def test_no_facts_without_a_valid_product_number(code: str) -> None:
    assert facts_of(code) == []


def test_every_fact_has_a_name() -> None:
    verdict = verdict_for(
        parse_code(NOODLE_GTIN), prefixes=default_table(), registry=REGISTRY, today=TODAY
    )
    assert {f.fact for f in provenance(verdict.facts)} == set(FACT_NAMES)


def test_the_prefix_table_date_is_the_one_its_provenance_note_gives() -> None:
    note = resources.files("barcode_db").joinpath("data/PROVENANCE.md").read_text("utf-8")
    assert f"data of {TABLE_DATA_DATE.isoformat()}" in note
