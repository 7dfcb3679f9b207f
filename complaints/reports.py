"""Reports to the province: quarterly, half-yearly and yearly figures on complaints.

For the complaints filed in a period in one province (optionally one commune): counts by
category, status and outcome, time to take up and to close, overdue complaints, the products,
brands and stores most complained about, the confirmed counterfeit cases, consumer satisfaction,
the suspect scans recorded, and the headline numbers against the period before; then the
campaign figures: every check shoppers made, in the province and the whole country
(:mod:`complaints.campaign`); and the consumer satisfaction surveys that ran in the period
(:mod:`surveys.reporting`).

Pure Python over a few ``select()`` queries: no Flask, no clock (the caller passes ``now``).
Periods are counted in Vietnamese local time (a quarter starts at local midnight).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import re
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from barcode_db.gtin import printed_gtin
from barcode_db.messages import N_
from barcode_db.models import Brand, Product
from barcode_db.textkey import search_key
from barcode_db.verdict import Level
from complaints.campaign import CampaignFigures, campaign_figures
from complaints.deadlines import VIETNAM
from complaints.models import Complaint, ComplaintEvent, EventKind, Signal
from complaints.workflow import OPEN_STATES, Category, Status
from surveys.reporting import SurveyInReport, surveys_in_period

LOCAL_TZ = VIETNAM
#: How many rows the "most complained about" lists keep.
TOP_N = 10
MIN_YEAR, MAX_YEAR = 2000, 2999
#: Categories whose confirmed cases are listed as counterfeits.
COUNTERFEIT_CATEGORIES = frozenset({Category.COUNTERFEIT, Category.IMITATION})

_DAY = 86400.0
_PERIOD = re.compile(r"([0-9]{4})(?:-([QH])([0-9]))?")


class PeriodKind(enum.StrEnum):
    QUARTER = "Q"
    HALF = "H"
    YEAR = "Y"


_MONTHS = {PeriodKind.QUARTER: 3, PeriodKind.HALF: 6, PeriodKind.YEAR: 12}
_COUNT = {PeriodKind.QUARTER: 4, PeriodKind.HALF: 2, PeriodKind.YEAR: 1}


def _local_midnight_utc(year: int, month: int) -> dt.datetime:
    return dt.datetime(year, month, 1, tzinfo=LOCAL_TZ).astimezone(dt.UTC)


@dataclass(frozen=True)
class Period:
    """A quarter, half-year or year; ``start`` and ``end`` (exclusive) are aware UTC datetimes."""

    kind: PeriodKind
    year: int
    number: int = 1  # the quarter (1-4) or half (1-2); 1 for a year

    def __post_init__(self) -> None:
        if not 1 <= self.number <= _COUNT[self.kind]:
            raise ValueError(f"no period {self.kind.value}{self.number}")

    @property
    def label(self) -> str:
        if self.kind is PeriodKind.YEAR:
            return str(self.year)
        return f"{self.year}-{self.kind.value}{self.number}"

    @property
    def first_month(self) -> int:
        return (self.number - 1) * _MONTHS[self.kind] + 1

    @property
    def first_day(self) -> dt.date:
        return dt.date(self.year, self.first_month, 1)

    @property
    def last_day(self) -> dt.date:
        return self.end.astimezone(LOCAL_TZ).date() - dt.timedelta(days=1)

    @property
    def start(self) -> dt.datetime:
        return _local_midnight_utc(self.year, self.first_month)

    @property
    def end(self) -> dt.datetime:
        month = self.first_month + _MONTHS[self.kind]
        return _local_midnight_utc(self.year + (month - 1) // 12, (month - 1) % 12 + 1)

    def previous(self) -> Period:
        """The period of the same kind just before this one."""
        if self.number > 1:
            return Period(self.kind, self.year, self.number - 1)
        return Period(self.kind, self.year - 1, _COUNT[self.kind])

    def __str__(self) -> str:
        return self.label


def parse_period(text: str) -> Period:
    """``2026``, ``2026-H1``/``H2`` or ``2026-Q1``..``Q4`` as a :class:`Period`; ValueError else."""
    match = _PERIOD.fullmatch(text.strip().upper())
    problem = (
        f"unknown period {text!r}: write a year (2026), a half-year (2026-H1, 2026-H2) "
        "or a quarter (2026-Q1 to 2026-Q4)"
    )
    if match is None:
        raise ValueError(problem)
    year = int(match.group(1))
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(f"year {year} is out of range ({MIN_YEAR}-{MAX_YEAR})")
    if match.group(2) is None:
        return Period(PeriodKind.YEAR, year)
    kind = PeriodKind(match.group(2))
    number = int(match.group(3))
    if not 1 <= number <= _COUNT[kind]:
        raise ValueError(problem)
    return Period(kind, year, number)


class Outcome(enum.StrEnum):
    CONFIRMED = "CONFIRMED"
    DISMISSED = "DISMISSED"
    DUPLICATE = "DUPLICATE"
    OPEN = "open"


OUTCOME_NAMES: dict[Outcome, str] = {
    Outcome.CONFIRMED: N_("Violation confirmed"),
    Outcome.DISMISSED: N_("No violation found"),
    Outcome.DUPLICATE: N_("Merged as duplicate"),
    Outcome.OPEN: N_("Still open"),
}


def outcome_of(status: Status) -> Outcome:
    """The outcome of a complaint in ``status``: its closing state, or still open."""
    return Outcome.OPEN if status in OPEN_STATES else Outcome(status.value)


@dataclass(frozen=True)
class TimeStats:
    """Durations in days: how many, their median and 90th percentile (None without data)."""

    count: int
    median_days: float | None
    p90_days: float | None


@dataclass(frozen=True)
class TopItem:
    """One row of a "most complained about" list: its key, what to show, how many complaints."""

    key: str
    label: str
    count: int


@dataclass(frozen=True)
class ConfirmedCase:
    #: The case's number (its id), never its tracking code: the code is the reporter's key to
    #: their case, and reports go to roles that must not hold it.
    case_number: int
    category: Category
    product_name: str
    brand_seen: str
    gtin: str | None
    code_seen: str
    store_name: str
    store_address: str
    created_at: dt.datetime
    closed_at: dt.datetime | None

    @property
    def product(self) -> str:
        """Product name, brand and code as seen, the empty ones left out."""
        parts = (self.product_name, self.brand_seen, printed_gtin(self.gtin or self.code_seen))
        return " · ".join(_fold_spaces(part) for part in parts if part.strip())


@dataclass(frozen=True)
class Satisfaction:
    """Ratings (1-5) given in the period: how many, their average, how many of each."""

    count: int
    average: float | None
    distribution: dict[int, int]


@dataclass(frozen=True)
class SuspectScans:
    """Anonymous signals of suspect verifications, by verdict level.

    Only suspect verifications leave a signal, so these are not all verifications. Most signals
    carry no province: ``unknown_province`` counts those, from the whole country.
    """

    in_province: dict[str, int]
    unknown_province: dict[str, int]

    @property
    def levels(self) -> list[str]:
        return _by_severity(set(self.in_province) | set(self.unknown_province))

    @property
    def total_in_province(self) -> int:
        return sum(self.in_province.values())

    @property
    def total_unknown_province(self) -> int:
        return sum(self.unknown_province.values())


@dataclass(frozen=True)
class Headline:
    """The numbers compared from one period to the next."""

    complaints: int
    still_open: int
    confirmed: int
    dismissed: int
    duplicate: int
    confirmed_counterfeit: int
    overdue: int
    take_up_median_days: float | None
    close_median_days: float | None
    ratings: int
    average_rating: float | None
    suspect_scans_in_province: int
    suspect_scans_unknown_province: int


HEADLINE_NAMES: dict[str, str] = {
    "complaints": N_("Complaints received"),
    "still_open": N_("Still open"),
    "confirmed": N_("Violation confirmed"),
    "dismissed": N_("No violation found"),
    "duplicate": N_("Merged as duplicate"),
    "confirmed_counterfeit": N_("Confirmed counterfeit or imitation cases"),
    "overdue": N_("Overdue"),
    "take_up_median_days": N_("Median days to take up"),
    "close_median_days": N_("Median days to close"),
    "ratings": N_("Ratings given"),
    "average_rating": N_("Average rating (1-5)"),
    "suspect_scans_in_province": N_("Suspect scans recorded in the province"),
    "suspect_scans_unknown_province": N_("Suspect scans recorded, province unknown"),
}


@dataclass(frozen=True)
class Change:
    """One headline number now, in the period before, and the difference (None if unknown)."""

    key: str
    current: int | float | None
    previous: int | float | None
    difference: int | float | None


@dataclass(frozen=True)
class Report:
    period: Period
    province_code: str
    commune_code: str | None
    generated_at: dt.datetime
    total: int
    by_category: dict[Category, int]
    by_status: dict[Status, int]
    by_outcome: dict[Outcome, int]
    take_up: TimeStats
    close: TimeStats
    overdue: int
    top_gtins: list[TopItem]
    top_brands: list[TopItem]
    top_stores: list[TopItem]
    confirmed_counterfeit: list[ConfirmedCase]
    satisfaction: Satisfaction
    suspect_scans: SuspectScans
    headline: Headline
    previous_headline: Headline
    comparison: list[Change]
    #: Every check shoppers made (complaints/campaign.py), against the period before.
    campaign: CampaignFigures
    #: The satisfaction surveys that ran in the period (issue 15), beside the complaint rating.
    surveys: list[SurveyInReport]


# ---- computing -------------------------------------------------------------------------------


def _days(later: dt.datetime, earlier: dt.datetime) -> float:
    return (later - earlier).total_seconds() / _DAY


def time_stats(days: Sequence[float]) -> TimeStats:
    """Median and 90th percentile (inclusive method), rounded to 2 decimals; None when empty."""
    if not days:
        return TimeStats(0, None, None)
    values = sorted(days)
    p90 = (
        values[0]
        if len(values) == 1
        else statistics.quantiles(values, n=10, method="inclusive")[-1]
    )
    return TimeStats(len(values), round(statistics.median(values), 2), round(p90, 2))


def _top(groups: dict[str, Counter[str]], limit: int = TOP_N) -> list[TopItem]:
    """The keys with the most complaints, each shown by its most common spelling."""
    items = [
        TopItem(key=key, label=_named(spellings), count=sum(spellings.values()))
        for key, spellings in groups.items()
    ]
    items.sort(key=lambda item: (-item.count, item.key))
    return items[:limit]


def named_by_registry(session: Session, items: Sequence[TopItem]) -> list[TopItem]:
    """Barcodes named as the registry knows them (the product's name, else its brand), in one
    lookup; a barcode the registry does not know keeps the name its reporters gave, if any.

    The registry's name comes first: reporters name what the pack says, which for a fake is not
    what the barcode is, and they spell it many ways."""
    rows = session.execute(
        sa.select(Product.gtin, Product.name, Brand.name)
        .outerjoin(Brand, Brand.id == Product.brand_id)
        .where(Product.gtin.in_([item.key for item in items]))
    ).all()
    known = {
        gtin: name
        for gtin, product, brand in rows
        if (name := _fold_spaces(product or brand or ""))
    }
    return [dataclasses.replace(item, label=known.get(item.key, item.label)) for item in items]


def _named(spellings: Counter[str]) -> str:
    """The most common non-empty spelling (ties: the first in order), or empty."""
    named = [(name, n) for name, n in spellings.items() if name]
    return min(named, key=lambda pair: (-pair[1], pair[0]))[0] if named else ""


def _fold_spaces(text: str) -> str:
    return " ".join(text.split())


def _by_severity(levels: Iterable[str]) -> list[str]:
    """Most serious verdict level first; levels the verdict does not know, last, by name."""
    order = {level.value: -level.severity for level in Level}
    return sorted(levels, key=lambda level: (order.get(level, 1), level))


def _area(province_code: str, commune_code: str | None) -> list[sa.ColumnElement[bool]]:
    conditions = [Complaint.province_code == province_code]
    if commune_code:
        conditions.append(Complaint.commune_code == commune_code)
    return conditions


def _in(column: Any, period: Period) -> list[sa.ColumnElement[bool]]:
    return [column >= period.start, column < period.end]


@dataclass(frozen=True)
class _Figures:
    """Everything measured over one period, before it is laid out as a :class:`Report`."""

    rows: list[Any]
    ratings: list[int]
    scans: SuspectScans
    now: dt.datetime

    @classmethod
    def collect(
        cls,
        session: Session,
        period: Period,
        province_code: str,
        commune_code: str | None,
        now: dt.datetime,
    ) -> _Figures:
        taken_up_at = (
            sa.select(sa.func.min(ComplaintEvent.created_at))
            .where(
                ComplaintEvent.complaint_id == Complaint.id,
                ComplaintEvent.kind == EventKind.STATUS,
                ComplaintEvent.to_status != Status.NEW,
            )
            .scalar_subquery()
        )
        rows = list(
            session.execute(
                sa.select(
                    Complaint.id,
                    Complaint.status,
                    Complaint.category,
                    Complaint.gtin,
                    Complaint.code_seen,
                    Complaint.product_name,
                    Complaint.brand_seen,
                    Complaint.store_name,
                    Complaint.store_name_key,
                    Complaint.store_address,
                    Complaint.created_at,
                    Complaint.closed_at,
                    Complaint.deadline_at,
                    taken_up_at.label("taken_up_at"),
                )
                .where(*_area(province_code, commune_code), *_in(Complaint.created_at, period))
                .order_by(Complaint.created_at, Complaint.id)
            )
        )
        ratings = list(
            session.scalars(
                sa.select(Complaint.rating)
                .where(
                    *_area(province_code, commune_code),
                    *_in(Complaint.rated_at, period),
                    Complaint.rating.is_not(None),
                )
                .order_by(Complaint.id)
            )
        )
        in_province: dict[str, int] = {}
        unknown: dict[str, int] = {}
        for level, province, number in session.execute(
            sa.select(Signal.level, Signal.province_code, sa.func.count())
            .where(
                *_in(Signal.created_at, period),
                sa.or_(Signal.province_code == province_code, Signal.province_code.is_(None)),
            )
            .group_by(Signal.level, Signal.province_code)
        ):
            target = unknown if province is None else in_province
            target[level] = target.get(level, 0) + int(number)
        scans = SuspectScans(
            in_province={level: in_province[level] for level in _by_severity(in_province)},
            unknown_province={level: unknown[level] for level in _by_severity(unknown)},
        )
        return cls(
            rows=rows, ratings=[int(r) for r in ratings if r is not None], scans=scans, now=now
        )

    def is_overdue(self, row: Any) -> bool:
        """Open past its deadline, or taken up after it."""
        if row.deadline_at is None:
            return False
        if row.status in OPEN_STATES and row.deadline_at < self.now:
            return True
        return row.taken_up_at is not None and row.taken_up_at > row.deadline_at

    def by_category(self) -> dict[Category, int]:
        counts = Counter(row.category for row in self.rows)
        return {category: counts[category] for category in Category}

    def by_status(self) -> dict[Status, int]:
        counts = Counter(row.status for row in self.rows)
        return {status: counts[status] for status in Status}

    def by_outcome(self) -> dict[Outcome, int]:
        counts = Counter(outcome_of(row.status) for row in self.rows)
        return {outcome: counts[outcome] for outcome in Outcome}

    def take_up(self) -> TimeStats:
        return time_stats(
            [_days(r.taken_up_at, r.created_at) for r in self.rows if r.taken_up_at is not None]
        )

    def close(self) -> TimeStats:
        return time_stats(
            [_days(r.closed_at, r.created_at) for r in self.rows if r.closed_at is not None]
        )

    def overdue(self) -> int:
        return sum(1 for row in self.rows if self.is_overdue(row))

    def confirmed_counterfeit(self) -> list[ConfirmedCase]:
        return [
            ConfirmedCase(
                case_number=r.id,
                category=r.category,
                product_name=r.product_name,
                brand_seen=r.brand_seen,
                gtin=r.gtin,
                code_seen=r.code_seen,
                store_name=r.store_name,
                store_address=r.store_address,
                created_at=r.created_at,
                closed_at=r.closed_at,
            )
            for r in self.rows
            if r.status is Status.CONFIRMED and r.category in COUNTERFEIT_CATEGORIES
        ]

    def top_gtins(self) -> list[TopItem]:
        groups: dict[str, Counter[str]] = defaultdict(Counter)
        for row in self.rows:
            if row.gtin:
                groups[row.gtin][_fold_spaces(row.product_name)] += 1
        return _top(groups)  # shown by the product's most common name, if any

    def top_brands(self) -> list[TopItem]:
        groups: dict[str, Counter[str]] = defaultdict(Counter)
        for row in self.rows:
            key = search_key(row.brand_seen)
            if key:
                groups[key][_fold_spaces(row.brand_seen)] += 1
        return _top(groups)

    def top_stores(self) -> list[TopItem]:
        groups: dict[str, Counter[str]] = defaultdict(Counter)
        for row in self.rows:
            if row.store_name_key:
                groups[row.store_name_key][_fold_spaces(row.store_name)] += 1
        return _top(groups)

    def satisfaction(self) -> Satisfaction:
        counts = Counter(self.ratings)
        average = round(statistics.fmean(self.ratings), 2) if self.ratings else None
        return Satisfaction(
            count=len(self.ratings),
            average=average,
            distribution={stars: counts[stars] for stars in range(1, 6)},
        )

    def headline(self) -> Headline:
        outcomes = self.by_outcome()
        satisfaction = self.satisfaction()
        return Headline(
            complaints=len(self.rows),
            still_open=outcomes[Outcome.OPEN],
            confirmed=outcomes[Outcome.CONFIRMED],
            dismissed=outcomes[Outcome.DISMISSED],
            duplicate=outcomes[Outcome.DUPLICATE],
            confirmed_counterfeit=len(self.confirmed_counterfeit()),
            overdue=self.overdue(),
            take_up_median_days=self.take_up().median_days,
            close_median_days=self.close().median_days,
            ratings=satisfaction.count,
            average_rating=satisfaction.average,
            suspect_scans_in_province=self.scans.total_in_province,
            suspect_scans_unknown_province=self.scans.total_unknown_province,
        )


def compare(current: Headline, previous: Headline) -> list[Change]:
    """Each headline number, the period before's, and the difference (now minus before)."""
    changes = []
    for item in dataclasses.fields(Headline):
        now_value = getattr(current, item.name)
        before = getattr(previous, item.name)
        difference: int | float | None = None
        if now_value is not None and before is not None:
            difference = now_value - before
            if isinstance(difference, float):
                difference = round(difference, 2)
        changes.append(Change(item.name, now_value, before, difference))
    return changes


def build_report(
    session: Session,
    period: Period,
    province_code: str,
    *,
    commune_code: str | None = None,
    now: dt.datetime,
) -> Report:
    """The report on complaints filed in ``period`` in a province (or one of its communes)."""
    if now.tzinfo is None:
        raise ValueError("naive datetime: pass an aware one (UTC)")
    figures = _Figures.collect(session, period, province_code, commune_code, now)
    before = _Figures.collect(session, period.previous(), province_code, commune_code, now)
    headline, previous_headline = figures.headline(), before.headline()
    return Report(
        period=period,
        province_code=province_code,
        commune_code=commune_code,
        generated_at=now,
        total=len(figures.rows),
        by_category=figures.by_category(),
        by_status=figures.by_status(),
        by_outcome=figures.by_outcome(),
        take_up=figures.take_up(),
        close=figures.close(),
        overdue=figures.overdue(),
        top_gtins=named_by_registry(session, figures.top_gtins()),
        top_brands=figures.top_brands(),
        top_stores=figures.top_stores(),
        confirmed_counterfeit=figures.confirmed_counterfeit(),
        satisfaction=figures.satisfaction(),
        suspect_scans=figures.scans,
        headline=headline,
        previous_headline=previous_headline,
        comparison=compare(headline, previous_headline),
        campaign=campaign_figures(
            session,
            province_code,
            (period.first_day, period.last_day),
            (period.previous().first_day, period.previous().last_day),
        ),
        surveys=surveys_in_period(session, period.first_day, period.last_day, province_code),
    )
