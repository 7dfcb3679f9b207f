"""Campaign figures: what a check is counted under, the upsert that adds counts, and the figures
of a hand-counted quarter against the one before (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from barcode_db.gtin import parse_code
from barcode_db.prefixes import default_table
from barcode_db.registry import CompanyFact, ProductFact, RegistrySnapshot
from barcode_db.verdict import Level, verdict_for
from complaints.campaign import (
    NONE,
    Channel,
    CountKey,
    Tally,
    VerificationDay,
    add_counts,
    campaign_figures,
    count_key,
)
from complaints.reports import build_report, parse_period
from tests.support.factories import with_check_digit

Q3, Q2 = (dt.date(2026, 7, 1), dt.date(2026, 9, 30)), (dt.date(2026, 4, 1), dt.date(2026, 6, 30))
HCM, HANOI = "79", "01"
T, V, F, U, BAD, M = "TRUSTED", "VIETNAMESE", "FOREIGN", "UNKNOWN", "INVALID", "MISMATCH"
VN, OTHER, NO_NUMBER = "vietnam", "other", "none"


def test_nothing_personal_is_stored() -> None:
    # No IP address, no GTIN, no time of day, no session: these columns and no others.
    assert set(VerificationDay.__table__.columns.keys()) == {
        "day",
        "level",
        "gs1",
        "category",
        "province_code",
        "channel",
        "count",
    }
    assert str(VerificationDay.__table__.c.day.type) == "DATE"


def _verdict(code: str, registry: RegistrySnapshot | None = None):
    return verdict_for(
        parse_code(code),
        prefixes=default_table(),
        registry=registry or RegistrySnapshot(),
        today=dt.date(2026, 8, 15),
    )


@pytest.mark.parametrize(
    ("code", "level", "gs1"),
    [
        ("8934673000017", Level.VIETNAMESE, VN),  # 893, owner not in this (empty) registry
        (with_check_digit("300000000001"), Level.FOREIGN, OTHER),  # licensed by GS1 France
        (with_check_digit("950000000001"), Level.NO_COUNTRY, OTHER),  # GS1 Global Office
        (with_check_digit("200000000001"), Level.NOT_A_PRODUCT_ID, NO_NUMBER),  # a shop's own
        ("8934673000014", Level.INVALID, NO_NUMBER),  # wrong check digit: no product number
        ("9780306406157", Level.NOT_A_PRODUCT_ID, NO_NUMBER),  # a book (ISBN)
        ("", Level.UNKNOWN, NO_NUMBER),  # nothing read
    ],
)
def test_what_a_check_is_counted_under(code: str, level: Level, gs1: str) -> None:
    verdict = _verdict(code)
    assert verdict.level is level
    key = count_key(verdict, day=dt.date(2026, 8, 15), channel=Channel.TYPED, province_code=None)
    assert key == CountKey(dt.date(2026, 8, 15), level.value, gs1, NONE, NONE, "typed")


def test_the_category_is_the_registry_products() -> None:
    owner = CompanyFact(1, "VNM", "Công ty Sữa", None, "", "79", ("8934673",), (), (), False)
    registry = RegistrySnapshot(
        companies={1: owner},
        prefix_owner={"8934673": 1},
        products={"08934673000017": ProductFact("08934673000017", "Sữa", None, 1, "dairy")},
    )
    verdict = _verdict("8934673000017", registry)
    assert verdict.level is Level.TRUSTED
    key = count_key(verdict, day=dt.date(2026, 8, 15), channel=Channel.CAMERA, province_code="79")
    assert (key.category, key.province_code, key.channel) == ("dairy", "79", "camera")


def _stored(session) -> dict[CountKey, int]:
    return {
        CountKey(r.day, r.level, r.gs1, r.category, r.province_code, r.channel): r.count
        for r in session.scalars(sa.select(VerificationDay))
    }


def test_two_writes_of_the_same_key_add_up(db_session) -> None:
    key = CountKey(dt.date(2026, 8, 15), T, VN, "dairy", HCM, "typed")
    other = CountKey(dt.date(2026, 8, 15), F, OTHER, NONE, NONE, "photo")
    add_counts(db_session, {key: 2})
    add_counts(db_session, {key: 3, other: 1})
    db_session.flush()
    assert _stored(db_session) == {key: 5, other: 1}


def test_a_database_without_upsert_adds_up_the_same(db_session, monkeypatch) -> None:
    # A dialect the statement builders do not know takes the row-by-row path.
    monkeypatch.setattr(db_session.get_bind().dialect, "name", "otherdb")
    key = CountKey(dt.date(2026, 8, 15), T, VN, "dairy", HCM, "typed")
    other = CountKey(dt.date(2026, 8, 15), F, OTHER, NONE, NONE, "photo")
    add_counts(db_session, {key: 2})
    add_counts(db_session, {key: 3, other: 1})
    db_session.flush()
    assert _stored(db_session) == {key: 5, other: 1}


# ---- a hand-counted quarter --------------------------------------------------------------------

#: Q3 2026 and Q2 2026, and a day on each side that neither counts.
ROWS = [
    # Q3, Hồ Chí Minh City (79): 28 checks, 25 of a product number, 19 licensed by GS1
    # Vietnam, 15 trusted.
    (dt.date(2026, 7, 1), T, VN, "dairy", HCM, "typed", 10),  # the quarter's first day
    (dt.date(2026, 8, 15), T, VN, "dairy", HCM, "camera", 5),
    (dt.date(2026, 9, 30), V, VN, NONE, HCM, "photo", 4),  # its last day
    (dt.date(2026, 8, 1), F, OTHER, "beverages", HCM, "typed", 6),
    (dt.date(2026, 8, 1), BAD, NO_NUMBER, NONE, HCM, "typed", 3),
    # Q3 elsewhere: Hà Nội 7, no province given 24.
    (dt.date(2026, 8, 2), T, VN, "beverages", HANOI, "typed", 7),
    (dt.date(2026, 8, 2), F, OTHER, NONE, NONE, "camera", 20),
    (dt.date(2026, 8, 3), U, NO_NUMBER, NONE, NONE, "photo", 2),
    (dt.date(2026, 8, 3), M, VN, "dairy", NONE, "typed", 2),
    # Q2: 79 has 12 checks (8 trusted, 4 foreign); no province 8.
    (dt.date(2026, 6, 30), T, VN, "dairy", HCM, "typed", 8),  # Q2's last day
    (dt.date(2026, 4, 1), F, OTHER, "beverages", HCM, "typed", 4),
    (dt.date(2026, 5, 10), T, VN, "dairy", NONE, "typed", 6),
    (dt.date(2026, 5, 10), BAD, NO_NUMBER, NONE, NONE, "typed", 2),
    # Neither quarter.
    (dt.date(2026, 10, 1), T, VN, "dairy", HCM, "typed", 100),
    (dt.date(2026, 3, 31), T, VN, "dairy", HCM, "typed", 50),
]


def seed_counts(session) -> None:
    add_counts(session, {CountKey(*row[:6]): row[6] for row in ROWS})
    session.flush()


def test_quarter_in_the_province_and_the_country(db_session) -> None:
    seed_counts(db_session)
    figures = campaign_figures(db_session, HCM, Q3, Q2)
    # Tally(checks, of a product number, licensed by GS1 Vietnam, trusted)
    assert figures.province.current == Tally(28, 25, 19, 15)
    assert figures.province.previous == Tally(12, 12, 8, 8)
    assert figures.province.current.vietnamese_share == pytest.approx(0.76)
    assert figures.province.current.trusted_share == pytest.approx(0.60)
    assert figures.province.difference == 16
    assert figures.country.current == Tally(59, 54, 28, 22)
    assert figures.country.previous == Tally(20, 18, 14, 14)


def test_quarter_by_level_category_and_province(db_session) -> None:
    seed_counts(db_session)
    figures = campaign_figures(db_session, HCM, Q3, Q2)
    # Levels good to bad; categories and provinces by most checks, "none" last.
    assert [(x.key, x.current.checks, x.previous.checks) for x in figures.by_level] == [
        (T, 22, 14),
        (V, 4, 0),
        (F, 26, 4),
        (U, 2, 0),
        (BAD, 3, 2),
        (M, 2, 0),
    ]
    assert [(x.key, x.current.checks, x.previous.checks) for x in figures.by_category] == [
        ("dairy", 17, 14),
        ("beverages", 13, 4),
        (NONE, 29, 2),
    ]
    dairy = figures.by_category[0].current
    assert (dairy.product_numbers, dairy.vietnamese, dairy.trusted) == (17, 17, 15)
    assert [(x.key, x.current.checks, x.previous.checks) for x in figures.by_province] == [
        (HCM, 28, 12),
        (HANOI, 7, 0),
        (NONE, 24, 8),
    ]
    unknown = figures.by_province[2].current
    assert (unknown.product_numbers, unknown.vietnamese, unknown.trusted) == (22, 2, 0)


def test_no_checks_no_shares(db_session) -> None:
    figures = campaign_figures(db_session, HCM, Q3, Q2)
    assert figures.country.current == Tally()
    assert figures.country.current.vietnamese_share is None
    assert figures.by_level == figures.by_category == figures.by_province == []


def test_the_report_carries_the_figures_of_its_period_and_the_one_before(db_session) -> None:
    seed_counts(db_session)
    now = dt.datetime(2026, 10, 5, 3, tzinfo=dt.UTC)
    report = build_report(db_session, parse_period("2026-Q3"), HCM, now=now)
    assert report.campaign.province.current.checks == 28
    assert report.campaign.province.previous.checks == 12
    half = build_report(db_session, parse_period("2026-H2"), HANOI, now=now)
    # H2 against H1: Q1's last day (50) and Q2 fall in H1; Q4's first day (100) in H2.
    assert half.campaign.province.current.checks == 7
    assert half.campaign.country.current.checks == 159
    assert half.campaign.country.previous.checks == 70
