"""Reports to the province: periods in local time, and every figure of a hand-counted quarter."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from complaints.models import Complaint, ComplaintEvent, EventKind, Signal
from complaints.reports import (
    LOCAL_TZ,
    Change,
    Headline,
    Outcome,
    Period,
    PeriodKind,
    TimeStats,
    TopItem,
    build_report,
    parse_period,
    time_stats,
)
from complaints.tracking import new_tracking_code
from complaints.workflow import Category, Status

HCM, HANOI = "79", "01"
AN_NHON, RACH_DUA = "26887", "26536"  # two communes (phường) of Hồ Chí Minh City
G1, G2, G3 = "08930000000011", "08930000000028", "08930000000035"


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


def local(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=LOCAL_TZ)


# ---- periods ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "label", "start", "end"),
    [
        ("2026", "2026", utc(2025, 12, 31, 17), utc(2026, 12, 31, 17)),
        ("2026-Q1", "2026-Q1", utc(2025, 12, 31, 17), utc(2026, 3, 31, 17)),
        ("2026-Q2", "2026-Q2", utc(2026, 3, 31, 17), utc(2026, 6, 30, 17)),
        ("2026-Q3", "2026-Q3", utc(2026, 6, 30, 17), utc(2026, 9, 30, 17)),
        ("2026-Q4", "2026-Q4", utc(2026, 9, 30, 17), utc(2026, 12, 31, 17)),
        ("2026-H1", "2026-H1", utc(2025, 12, 31, 17), utc(2026, 6, 30, 17)),
        ("2026-H2", "2026-H2", utc(2026, 6, 30, 17), utc(2026, 12, 31, 17)),
        (" 2026-q3 ", "2026-Q3", utc(2026, 6, 30, 17), utc(2026, 9, 30, 17)),  # as typed
        ("2026-h2", "2026-H2", utc(2026, 6, 30, 17), utc(2026, 12, 31, 17)),
    ],
)
def test_parse_period(text: str, label: str, start: dt.datetime, end: dt.datetime) -> None:
    period = parse_period(text)
    assert period.label == label == str(period)
    assert (period.start, period.end) == (start, end)
    assert period.start.tzinfo is not None and period.start.utcoffset() == dt.timedelta(0)


def test_half_years_start_and_end_at_local_midnight() -> None:
    h1, h2 = parse_period("2026-H1"), parse_period("2026-H2")
    assert h1.end == h2.start == local(2026, 7, 1) == utc(2026, 6, 30, 17)
    assert h1.start == local(2026, 1, 1)
    assert h2.end == local(2027, 1, 1)
    assert (h1.first_day, h1.last_day) == (dt.date(2026, 1, 1), dt.date(2026, 6, 30))
    assert (h2.first_day, h2.last_day) == (dt.date(2026, 7, 1), dt.date(2026, 12, 31))
    q1 = parse_period("2026-Q1")
    assert (q1.first_day, q1.last_day) == (dt.date(2026, 1, 1), dt.date(2026, 3, 31))


@pytest.mark.parametrize(
    "text",
    [
        "",
        "26",
        "2026-",
        "2026-Q0",
        "2026-Q5",
        "2026-H0",
        "2026-H3",
        "2026-M1",
        "2026Q1",
        "2026-Q1-01",
        "2026-W01",
        "Q3-2026",
        "1999",
        "3000",
        "２０２６",  # full-width digits
    ],
)
def test_bad_periods_are_refused_with_a_clear_message(text: str) -> None:
    with pytest.raises(ValueError, match=r"period|out of range"):
        parse_period(text)


@pytest.mark.parametrize(
    ("text", "previous"),
    [
        ("2026-Q3", "2026-Q2"),
        ("2026-Q1", "2025-Q4"),
        ("2026-H2", "2026-H1"),
        ("2026-H1", "2025-H2"),
        ("2026", "2025"),
    ],
)
def test_previous_period_is_of_the_same_kind(text: str, previous: str) -> None:
    before = parse_period(text).previous()
    assert before.label == previous
    assert before.kind is parse_period(text).kind
    assert before.end == parse_period(text).start


def test_periods_cannot_be_built_out_of_range() -> None:
    with pytest.raises(ValueError):
        Period(PeriodKind.QUARTER, 2026, 5)
    with pytest.raises(ValueError):
        Period(PeriodKind.HALF, 2026, 3)


def test_time_stats_without_data_and_with_one_value() -> None:
    assert time_stats([]) == TimeStats(0, None, None)
    assert time_stats([2.5]) == TimeStats(1, 2.5, 2.5)
    assert time_stats([1, 2, 3, 4]) == TimeStats(4, 2.5, 3.7)


# ---- a hand-counted quarter ------------------------------------------------------------------

#: "As of now" for the figures that depend on it (open and overdue).
NOW = local(2026, 10, 5, 10)


@dataclass
class Seeded:
    complaints: dict[str, Complaint]


def _complaint(
    session,
    *,
    created: dt.datetime,
    category: str,
    status: str,
    province: str = HCM,
    commune: str | None = None,
    gtin: str | None = None,
    product: str = "",
    brand: str = "",
    store: str = "",
    taken_up: float | None = None,
    closed: float | None = None,
    deadline: float = 9,
    rating: int | None = None,
    rated: dt.datetime | None = None,
) -> Complaint:
    """A complaint created at ``created``; ``taken_up``/``closed``/``deadline`` in days after."""
    from barcode_db.textkey import search_key

    complaint = Complaint(
        tracking_code=new_tracking_code(),
        status=Status(status),
        category=Category(category),
        province_code=province,
        commune_code=commune,
        gtin=gtin,
        code_seen=gtin or "",
        product_name=product,
        brand_seen=brand,
        store_name=store,
        store_name_key=search_key(store),
        description="Hàng có dấu hiệu làm giả.",
        created_at=created,
        deadline_at=created + dt.timedelta(days=deadline),
        closed_at=created + dt.timedelta(days=closed) if closed is not None else None,
        rating=rating,
        rated_at=rated,
    )
    session.add(complaint)
    session.flush()

    def event(kind: EventKind, days: float, old: Status | None, new: Status | None) -> None:
        session.add(
            ComplaintEvent(
                complaint_id=complaint.id,
                kind=kind,
                from_status=old,
                to_status=new,
                created_at=created + dt.timedelta(days=days),
            )
        )

    event(EventKind.FILED, 0, None, Status.NEW)  # filing is not taking up
    if taken_up is not None:
        event(EventKind.NOTE, taken_up / 2, None, None)  # nor is a note
        first = Status.DUPLICATE if complaint.status is Status.DUPLICATE else Status.TRIAGED
        event(EventKind.STATUS, taken_up, Status.NEW, first)
        if closed is not None and first is not complaint.status:
            event(EventKind.STATUS, closed, Status.REFERRED, complaint.status)
        elif complaint.status not in (Status.TRIAGED, first):
            event(EventKind.STATUS, taken_up + 0.25, Status.TRIAGED, complaint.status)
    return complaint


def seed(session) -> Seeded:
    """Ten complaints in Hồ Chí Minh City in 2026-Q3, three in Q2, two in Hà Nội, signals."""
    c = {}
    # -- Q3 2026, Hồ Chí Minh City (79) --
    c["C1"] = _complaint(  # 00:30 local on 1 July is still 30 June in UTC: in Q3 all the same
        session,
        created=local(2026, 7, 1, 0, 30),
        category="counterfeit",
        status="CONFIRMED",
        commune=AN_NHON,
        gtin=G1,
        product="Sữa tươi TH",
        brand="Vinamilk",
        store="Tạp hóa Minh Anh",
        taken_up=1,
        closed=10,
        rating=5,
        rated=local(2026, 7, 20, 8),
    )
    c["C2"] = _complaint(
        session,
        created=local(2026, 7, 5, 9),
        category="counterfeit",
        status="CONFIRMED",
        commune=AN_NHON,
        gtin=G1,
        product="Sữa tươi TH",
        brand="VINAMILK",
        store="TẠP HÓA MINH ANH",
        taken_up=2,
        closed=20,
        rating=4,
        rated=local(2026, 8, 1, 8),
    )
    c["C3"] = _complaint(
        session,
        created=local(2026, 7, 10, 9),
        category="imitation",
        status="CONFIRMED",
        gtin=G2,
        product="Nước mắm",
        brand="vinamilk ",
        store="Siêu thị Xanh",
        taken_up=3,
        closed=30,
        rating=3,
        rated=local(2026, 10, 1, 0, 30),  # rated in Q4: not in Q3's satisfaction
    )
    c["C4"] = _complaint(  # taken up after its (short) deadline: overdue though closed
        session,
        created=local(2026, 7, 15, 9),
        category="poor_quality",
        status="CONFIRMED",
        gtin=G2,
        product="Nước mắm Phú Quốc",
        brand="Biti's",
        store="Cửa hàng Bình Minh",
        taken_up=4,
        closed=15,
        deadline=3,
    )
    c["C5"] = _complaint(
        session,
        created=local(2026, 7, 20, 9),
        category="counterfeit",
        status="DISMISSED",
        commune=RACH_DUA,
        gtin=G1,
        brand="BITI'S",
        store="Tạp hóa  Minh Anh",
        taken_up=1,
        closed=5,
        rating=2,
        rated=local(2026, 9, 1, 8),
    )
    c["C6"] = _complaint(  # merged half a day after filing
        session,
        created=local(2026, 8, 1, 9),
        category="expired",
        status="DUPLICATE",
        gtin=G3,
        brand="trung nguyen",
        store="Cửa hàng Bình Minh",
        taken_up=0.5,
        closed=0.5,
    )
    c["C7"] = _complaint(  # never taken up, deadline passed: overdue
        session,
        created=local(2026, 8, 10, 9),
        category="counterfeit",
        status="NEW",
        gtin=G3,
        store="Cửa hàng Bình Minh",
    )
    c["C8"] = _complaint(  # taken up late, still open: overdue (once)
        session,
        created=local(2026, 9, 1, 9),
        category="unknown_origin",
        status="TRIAGED",
        brand="Vinamilk",
        taken_up=12,
    )
    c["C9"] = _complaint(  # the last evening of Q3, local time
        session,
        created=local(2026, 9, 30, 20),
        category="other",
        status="NEEDS_INFO",
        brand="Biti's",
        taken_up=1,
        deadline=14,
    )
    c["C10"] = _complaint(
        session,
        created=local(2026, 9, 28, 9),
        category="counterfeit",
        status="REFERRED",
        brand="Trung Nguyên",
        taken_up=1.5,
        deadline=11,
    )
    # -- Q2 2026, Hồ Chí Minh City --
    c["Q1"] = _complaint(
        session,
        created=local(2026, 4, 10, 9),
        category="counterfeit",
        status="CONFIRMED",
        gtin=G1,
        taken_up=2,
        closed=8,
        rating=5,
        rated=local(2026, 7, 2, 9),  # a Q2 complaint rated in Q3: Q3's satisfaction
    )
    c["Q2"] = _complaint(
        session,
        created=local(2026, 5, 10, 9),
        category="counterfeit",
        status="DISMISSED",
        taken_up=4,
        closed=6,
        rating=3,
        rated=local(2026, 5, 20, 9),
    )
    c["Q3"] = _complaint(  # 23:30 local on 30 June: Q2, and overdue
        session,
        created=local(2026, 6, 30, 23, 30),
        category="other",
        status="NEW",
    )
    # -- Q3 2026, Hà Nội (01): never in Hồ Chí Minh City's figures --
    c["H1"] = _complaint(
        session,
        created=local(2026, 7, 3, 9),
        category="counterfeit",
        status="CONFIRMED",
        province=HANOI,
        gtin=G1,
        brand="Vinamilk",
        store="Tạp hóa Minh Anh",
        taken_up=1,
        closed=3,
        rating=1,
        rated=local(2026, 8, 5, 9),
    )
    c["H2"] = _complaint(
        session, created=local(2026, 8, 1, 9), category="counterfeit", status="NEW", province=HANOI
    )
    # Anonymous suspect scans: mostly without a province.
    for level, province, when in [
        ("MISMATCH", None, local(2026, 7, 1, 0, 10)),
        ("MISMATCH", None, local(2026, 9, 30, 23, 59)),
        ("INVALID", None, local(2026, 8, 15, 12)),
        ("LOOKALIKE", HCM, local(2026, 8, 16, 12)),
        ("REPORTED", HANOI, local(2026, 8, 17, 12)),  # another province
        ("MISMATCH", None, local(2026, 6, 30, 23)),  # Q2
        ("INVALID", None, local(2026, 10, 1, 0, 0)),  # Q4
    ]:
        session.add(Signal(level=level, province_code=province, created_at=when, code_seen=""))
    session.commit()
    return Seeded(c)


@pytest.fixture
def seeded(db_session) -> Seeded:
    return seed(db_session)


def test_quarter_counts_by_category_status_and_outcome(db_session, seeded) -> None:
    report = build_report(db_session, parse_period("2026-Q3"), HCM, now=NOW)
    assert report.total == 10
    assert report.by_category == {
        Category.COUNTERFEIT: 5,
        Category.IMITATION: 1,
        Category.UNKNOWN_ORIGIN: 1,
        Category.UNLABELLED: 0,
        Category.POOR_QUALITY: 1,
        Category.EXPIRED: 1,
        Category.OTHER: 1,
    }
    assert report.by_status == {
        Status.NEW: 1,
        Status.TRIAGED: 1,
        Status.NEEDS_INFO: 1,
        Status.REFERRED: 1,
        Status.CONFIRMED: 4,
        Status.DISMISSED: 1,
        Status.DUPLICATE: 1,
    }
    assert report.by_outcome == {
        Outcome.CONFIRMED: 4,
        Outcome.DISMISSED: 1,
        Outcome.DUPLICATE: 1,
        Outcome.OPEN: 4,
    }
    assert list(report.by_category) == list(Category)  # every category, in the usual order


def test_quarter_response_times_and_overdue(db_session, seeded) -> None:
    report = build_report(db_session, parse_period("2026-Q3"), HCM, now=NOW)
    # Taken up after 0.5, 1, 1, 1, 1.5, 2, 3, 4 and 12 days (C7 never was): p90 = 4 + 0.2 × 8.
    assert report.take_up == TimeStats(count=9, median_days=1.5, p90_days=5.6)
    # Closed after 0.5, 5, 10, 15, 20 and 30 days: p90 = 20 + 0.5 × 10.
    assert report.close == TimeStats(count=6, median_days=12.5, p90_days=25.0)
    # C4 taken up late (closed since), C7 open past its deadline, C8 both.
    assert report.overdue == 3


def test_overdue_depends_on_now(db_session, seeded) -> None:
    period = parse_period("2026-Q3")
    early = build_report(db_session, period, HCM, now=local(2026, 8, 11, 9))
    # C7's deadline (19 August) had not passed yet; C4 and C8 were taken up late all the same.
    assert early.overdue == 2
    late = build_report(db_session, period, HCM, now=local(2026, 12, 1))
    assert late.overdue == 5  # C9 and C10 are open past their deadlines too


def test_top_gtins_brands_and_stores(db_session, seeded) -> None:
    report = build_report(db_session, parse_period("2026-Q3"), HCM, now=NOW)
    assert report.top_gtins == [
        TopItem(G1, "Sữa tươi TH", 3),
        TopItem(G2, "Nước mắm", 2),  # a tie between two names: the first in order
        TopItem(G3, "", 2),  # no name given
    ]
    assert report.top_brands == [
        TopItem("vinamilk", "Vinamilk", 4),  # Vinamilk ×2, VINAMILK, "vinamilk "
        TopItem("biti's", "Biti's", 3),  # Biti's ×2, BITI'S
        TopItem("trung nguyen", "Trung Nguyên", 2),  # one spelling each: the first in order
    ]
    assert report.top_stores == [
        TopItem("cua hang binh minh", "Cửa hàng Bình Minh", 3),
        TopItem("tap hoa minh anh", "Tạp hóa Minh Anh", 3),  # spaces folded
        TopItem("sieu thi xanh", "Siêu thị Xanh", 1),
    ]


def test_confirmed_counterfeit_cases_are_listed(db_session, seeded) -> None:
    report = build_report(db_session, parse_period("2026-Q3"), HCM, now=NOW)
    c = seeded.complaints
    assert [case.case_number for case in report.confirmed_counterfeit] == [
        c["C1"].id,
        c["C2"].id,
        c["C3"].id,  # imitation counts; C4 (poor quality) does not
    ]
    first = report.confirmed_counterfeit[0]
    assert first.product == f"Sữa tươi TH · Vinamilk · {G1[1:]}"  # the GTIN-13 of the pack
    assert first.store_name == "Tạp hóa Minh Anh"
    assert first.created_at == utc(2026, 6, 30, 17, 30)
    assert first.closed_at == utc(2026, 7, 10, 17, 30)
    assert first.category is Category.COUNTERFEIT


def test_satisfaction_counts_ratings_given_in_the_period(db_session, seeded) -> None:
    report = build_report(db_session, parse_period("2026-Q3"), HCM, now=NOW)
    # C1 5, C2 4, C5 2 and Q2's first complaint 5 (rated in July); C3 was rated in October.
    assert report.satisfaction.count == 4
    assert report.satisfaction.average == 4.0
    assert report.satisfaction.distribution == {1: 0, 2: 1, 3: 0, 4: 1, 5: 2}


def test_suspect_scans_by_level(db_session, seeded) -> None:
    scans = build_report(db_session, parse_period("2026-Q3"), HCM, now=NOW).suspect_scans
    assert scans.in_province == {"LOOKALIKE": 1}
    assert scans.unknown_province == {"MISMATCH": 2, "INVALID": 1}  # most serious first
    assert list(scans.unknown_province) == ["MISMATCH", "INVALID"]
    assert scans.levels == ["MISMATCH", "LOOKALIKE", "INVALID"]
    assert (scans.total_in_province, scans.total_unknown_province) == (1, 3)


def test_comparison_with_the_previous_quarter(db_session, seeded) -> None:
    report = build_report(db_session, parse_period("2026-Q3"), HCM, now=NOW)
    assert report.headline == Headline(
        complaints=10,
        still_open=4,
        confirmed=4,
        dismissed=1,
        duplicate=1,
        confirmed_counterfeit=3,
        overdue=3,
        take_up_median_days=1.5,
        close_median_days=12.5,
        ratings=4,
        average_rating=4.0,
        suspect_scans_in_province=1,
        suspect_scans_unknown_province=3,
    )
    assert report.previous_headline == Headline(
        complaints=3,
        still_open=1,
        confirmed=1,
        dismissed=1,
        duplicate=0,
        confirmed_counterfeit=1,
        overdue=1,  # the last-evening complaint of Q2, never taken up
        take_up_median_days=3.0,
        close_median_days=7.0,
        ratings=1,
        average_rating=3.0,
        suspect_scans_in_province=0,
        suspect_scans_unknown_province=1,
    )
    changes = {change.key: change for change in report.comparison}
    assert changes["complaints"] == Change("complaints", 10, 3, 7)
    assert changes["take_up_median_days"] == Change("take_up_median_days", 1.5, 3.0, -1.5)
    assert changes["close_median_days"] == Change("close_median_days", 12.5, 7.0, 5.5)
    assert changes["average_rating"] == Change("average_rating", 4.0, 3.0, 1.0)
    assert [c.difference for c in report.comparison] == [
        7,
        3,
        3,
        0,
        1,
        2,
        2,
        -1.5,
        5.5,
        3,
        1.0,
        1,
        2,
    ]


def test_previous_quarter_on_its_own(db_session, seeded) -> None:
    report = build_report(db_session, parse_period("2026-Q2"), HCM, now=NOW)
    assert report.total == 3
    assert report.take_up == TimeStats(2, 3.0, 3.8)
    assert report.close == TimeStats(2, 7.0, 7.8)
    assert report.top_gtins == [TopItem(G1, "", 1)]
    assert report.previous_headline.complaints == 0
    missing = {c.key: c for c in report.comparison}["take_up_median_days"]
    assert missing == Change("take_up_median_days", 3.0, None, None)


def test_commune_report(db_session, seeded) -> None:
    report = build_report(db_session, parse_period("2026-Q3"), HCM, commune_code=AN_NHON, now=NOW)
    assert report.total == 2
    assert report.by_outcome[Outcome.CONFIRMED] == 2
    assert report.top_brands == [TopItem("vinamilk", "VINAMILK", 2)]
    assert (report.satisfaction.count, report.satisfaction.average) == (2, 4.5)
    assert report.suspect_scans.total_unknown_province == 3  # signals have no commune


def test_other_province_and_half_year_and_year(db_session, seeded) -> None:
    hanoi = build_report(db_session, parse_period("2026-Q3"), HANOI, now=NOW)
    assert hanoi.total == 2
    assert hanoi.suspect_scans.in_province == {"REPORTED": 1}
    assert (hanoi.satisfaction.count, hanoi.satisfaction.average) == (1, 1.0)
    h2 = build_report(db_session, parse_period("2026-H2"), HCM, now=NOW)
    assert (h2.total, h2.previous_headline.complaints) == (10, 3)
    assert h2.satisfaction.count == 5  # C3's October rating is in H2
    year = build_report(db_session, parse_period("2026"), HCM, now=NOW)
    assert (year.total, year.previous_headline.complaints) == (13, 0)
    assert year.suspect_scans.total_unknown_province == 5


def test_empty_report(db_session) -> None:
    report = build_report(db_session, parse_period("2026-Q3"), HCM, now=NOW)
    assert report.total == 0
    assert report.take_up == report.close == TimeStats(0, None, None)
    assert report.satisfaction.average is None
    assert report.top_gtins == report.top_brands == report.top_stores == []
    assert all(change.difference in (0, None) for change in report.comparison)


def test_naive_now_is_refused(db_session) -> None:
    with pytest.raises(ValueError, match="naive"):
        build_report(db_session, parse_period("2026-Q3"), HCM, now=dt.datetime(2026, 10, 5))
