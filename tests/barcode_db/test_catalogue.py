"""Vietnamese alternatives (barcode_db.catalogue), over a plain snapshot: what is offered, in
which order, and after which verdicts."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from barcode_db.catalogue import (
    MAX_ALTERNATIVES,
    alternatives,
    alternatives_after,
    scan_category,
)
from barcode_db.gtin import parse_code
from barcode_db.matching import BrandEntry
from barcode_db.models import Programme
from barcode_db.prefixes import default_table
from barcode_db.registry import CertificationFact, CompanyFact, ProductFact, build_snapshot
from barcode_db.verdict import ConfirmedCase, History, LabelClaims, Level, verdict_for
from tests.support.factories import with_check_digit

TODAY = dt.date(2026, 11, 26)
NEXT_YEAR = dt.date(2027, 12, 31)


def cert(
    programme: Programme = Programme.HVNCLC,
    *,
    valid_until: dt.date | None = NEXT_YEAR,
    brand: str | None = None,
    retired: bool = False,
) -> CertificationFact:
    return CertificationFact(programme, 2025, None, valid_until, "test", brand, retired)


def company(company_id: int, prefix: str, *certifications: CertificationFact) -> CompanyFact:
    return CompanyFact(
        id=company_id,
        code=f"C{company_id}",
        name=f"Công ty {company_id}",
        tax_code=None,
        address="",
        province_code="79",
        prefixes=(prefix,) if prefix else (),
        brands=(),
        certifications=certifications,
        is_sample=False,
    )


def gtin14(payload12: str) -> str:
    return with_check_digit(payload12).zfill(14)


COMPANIES = [
    # Two current certifications, one of them the national brand.
    company(1, "8930001", cert(), cert(Programme.NATIONAL_BRAND)),
    # One current certification.
    company(2, "8930002", cert()),
    # One current certification, the national brand: ranked before company 2's.
    company(3, "8930003", cert(Programme.NATIONAL_BRAND)),
    # Certifications that do not count: withdrawn, and ended.
    company(
        4,
        "8930004",
        cert(retired=True),
        cert(Programme.NATIONAL_BRAND, valid_until=dt.date(2025, 12, 31)),
    ),
    # Holds no prefix: what it lists under another company's prefix is not its own.
    company(5, ""),
    # Its OCOP certification covers one of its brands only.
    company(6, "8930006", cert(Programme.OCOP, brand="Chè Xanh")),
]

TWO_CERTS = gtin14("893000100001")
ONE_CERT = gtin14("893000200001")
ONE_CERT_NATIONAL = gtin14("893000300001")
ONLY_ENDED_CERTS = gtin14("893000400001")
NOT_ITS_PREFIX = gtin14("893000100099")  # company 1's prefix, listed by company 5
FOREIGN_NUMBER = gtin14("300000000001")  # GS1 France, listed by company 2
UNOWNED_893 = gtin14("893999900001")  # 893, no company holds the prefix
OTHER_CATEGORY = gtin14("893000100002")  # company 1, but a drink
BRAND_CERTIFIED = gtin14("893000600001")  # company 6, brand Chè Xanh: its OCOP counts
OTHER_BRAND = gtin14("893000600002")  # company 6, another brand: the OCOP does not count

PRODUCTS = [
    ProductFact(TWO_CERTS, "Sữa A", "A", 1, "dairy"),
    ProductFact(ONE_CERT, "sữa B", "B", 2, "dairy"),
    ProductFact(ONE_CERT_NATIONAL, "Sữa C", "C", 3, "dairy"),
    ProductFact(ONLY_ENDED_CERTS, "Sữa D", "D", 4, "dairy"),
    ProductFact(NOT_ITS_PREFIX, "Sữa E", "E", 5, "dairy"),
    ProductFact(FOREIGN_NUMBER, "Sữa F", "F", 2, "dairy"),
    ProductFact(UNOWNED_893, "Sữa G", "G", 2, "dairy"),
    ProductFact(OTHER_CATEGORY, "Nước A", "A", 1, "beverages"),
    ProductFact(BRAND_CERTIFIED, "Sữa chè xanh", "Chè Xanh", 6, "dairy"),
    ProductFact(OTHER_BRAND, "Sữa hạt", "Hạt", 6, "dairy"),
]
SNAPSHOT = build_snapshot(
    1,
    COMPANIES,
    PRODUCTS,
    [BrandEntry(1, "A", 1), BrandEntry(2, "B", 2), BrandEntry(3, "Vinamilk", 3)],
)


def offered(category: str | None = "dairy", **kwargs) -> list[str]:
    return [a.gtin for a in alternatives(SNAPSHOT, category, today=TODAY, **kwargs)]


def test_ranked_by_current_certifications_then_national_brand_then_name() -> None:
    assert offered(limit=10) == [
        TWO_CERTS,  # two current certifications
        ONE_CERT_NATIONAL,  # one, the national brand
        ONE_CERT,  # one: then by name, whatever the case ("sữa B" before "Sữa chè xanh")
        BRAND_CERTIFIED,  # one, its brand's OCOP
        ONLY_ENDED_CERTS,  # none current: by name, "Sữa D" before "Sữa hạt"
        OTHER_BRAND,
    ]


def test_at_most_five_are_offered() -> None:
    assert MAX_ALTERNATIVES == 5
    assert len(offered()) == 5
    assert offered(limit=2) == [TWO_CERTS, ONE_CERT_NATIONAL]


def test_the_scanned_number_is_never_offered() -> None:
    assert TWO_CERTS in offered()
    assert TWO_CERTS not in offered(exclude=TWO_CERTS, limit=10)
    assert offered(exclude=TWO_CERTS)[0] == ONE_CERT_NATIONAL


@pytest.mark.parametrize(
    "gtin",
    [
        NOT_ITS_PREFIX,  # an 893 number under a prefix another company holds
        FOREIGN_NUMBER,  # licensed abroad: a scan of it would not be TRUSTED
        UNOWNED_893,  # 893, but no registry company holds its prefix
        OTHER_CATEGORY,  # a trusted product of another category
    ],
)
def test_only_trusted_vietnamese_products_of_the_category_are_offered(gtin: str) -> None:
    assert gtin not in offered(limit=100)


def test_ended_and_withdrawn_certifications_are_not_counted() -> None:
    found = {a.gtin: a for a in alternatives(SNAPSHOT, "dairy", today=TODAY, limit=10)}
    assert found[ONLY_ENDED_CERTS].certifications == ()
    # Another brand's certification does not cover it; its own brand's does.
    assert found[OTHER_BRAND].certifications == ()
    assert [c.programme for c in found[BRAND_CERTIFIED].certifications] == [Programme.OCOP]
    assert len(found[TWO_CERTS].certifications) == 2


def test_a_certification_ending_today_still_counts_tomorrow_it_does_not() -> None:
    ends_today = dataclasses.replace(COMPANIES[1], certifications=(cert(valid_until=TODAY),))
    snapshot = build_snapshot(1, [ends_today], [PRODUCTS[1]], [])
    today = alternatives(snapshot, "dairy", today=TODAY)
    tomorrow = alternatives(snapshot, "dairy", today=TODAY + dt.timedelta(days=1))
    assert len(today[0].certifications) == 1
    assert tomorrow[0].certifications == ()


@pytest.mark.parametrize(
    "category",
    [
        None,  # nobody said what the product is
        "",  # an empty choice
        "toys",  # a code the taxonomy does not have
        "DAIRY",  # codes are exact
        "footwear",  # a known category with no product in it
    ],
)
def test_no_category_no_alternatives(category: str | None) -> None:
    assert offered(category) == []


def verdict(code: str, **kwargs):
    return verdict_for(
        parse_code(code), prefixes=default_table(), registry=SNAPSHOT, today=TODAY, **kwargs
    )


CONFIRMED = History(
    confirmed_cases=1,
    confirmed=(ConfirmedCase("Sữa Giả", "79", dt.date(2026, 10, 1)),),
)


@pytest.mark.parametrize(
    ("code", "kwargs", "level", "offered_after"),
    [
        # A trusted Vietnamese product: nothing to replace.
        (TWO_CERTS[1:], {}, Level.TRUSTED, False),
        # Licensed abroad.
        (with_check_digit("400000000001"), {}, Level.FOREIGN, True),
        # GS1 Global Office: no country.
        (with_check_digit("950000000001"), {}, Level.NO_COUNTRY, True),
        # 893, owner unknown.
        (with_check_digit("893888800001"), {}, Level.VIETNAMESE, True),
        # A wrong check digit.
        ("8930001000010", {}, Level.INVALID, True),
        # The brand on the label belongs to another company.
        (TWO_CERTS[1:], {"claims": LabelClaims(brand="B")}, Level.MISMATCH, True),
        # A name imitating a trusted brand.
        (
            with_check_digit("893888800001"),
            {"claims": LabelClaims(brand="Vinamllk")},
            Level.LOOKALIKE,
            True,
        ),
        # Confirmed counterfeits on record.
        (TWO_CERTS[1:], {"history": CONFIRMED}, Level.REPORTED, True),
        # A book number: no product.
        ("9780306406157", {}, Level.NOT_A_PRODUCT_ID, False),
        # Nothing typed.
        ("", {}, Level.UNKNOWN, False),
    ],
)
def test_alternatives_follow_foreign_unknown_owner_and_suspect_verdicts(
    code: str, kwargs: dict, level: Level, offered_after: bool
) -> None:
    found = verdict(code, **kwargs)
    assert found.level is level
    result = alternatives_after(SNAPSHOT, found, "dairy", today=TODAY)
    assert bool(result) is offered_after
    assert all(a.gtin != found.facts.parsed.gtin14 for a in result)


def test_the_registry_category_comes_before_what_the_shopper_says() -> None:
    listed = verdict(OTHER_CATEGORY[1:], history=CONFIRMED)  # a drink, reported
    assert scan_category(listed, "dairy") == "beverages"
    unlisted = verdict(with_check_digit("400000000001"))
    assert scan_category(unlisted, "dairy") == "dairy"
    assert scan_category(unlisted, "toys") is None
    assert scan_category(unlisted, None) is None
