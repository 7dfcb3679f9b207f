"""Campaign figures without personal data: how many checks shoppers made, day by day.

Every verification a shopper asks for (typed, live camera, photo) adds one to a row of
:class:`VerificationDay`, keyed by what the campaign reports and nothing else: the local day, the
verdict level, who licensed the barcode (GS1 Vietnam, another GS1 organisation, or no product
number at all), the registry category of the product, the province the shopper chose (only when
they chose one), and how the check was made. No IP address, no GTIN, no time finer than the day:
a row says "on 3 March, 41 trusted dairy products checked by camera in Hà Nội", never who or what.

The app counts in memory and adds its counts here in one upsert now and then
(``app/campaign.py``); :func:`add_counts` adds, so two writes of the same key add up. The
periodic reports read :func:`campaign_figures`.

Pure Python over ``select()`` and one dialect upsert: no Flask, no clock.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from barcode_db.base import Base
from barcode_db.verdict import Level, Verdict

#: Stored for "none" in the key columns: a primary key has no NULLs (and NULLs are never equal
#: in a unique key on SQLite or PostgreSQL before 15, so an upsert could not find the row).
NONE = ""


class Channel(enum.StrEnum):
    """How a shopper asked for the check."""

    TYPED = "typed"  # digits typed (the scan page's box, the API's GET)
    CAMERA = "camera"  # read by the scan page's live camera
    PHOTO = "photo"  # a photo sent (the photo form, the API's POST)


class Gs1(enum.StrEnum):
    """Who licensed the barcode: what "share with a Vietnamese-licensed barcode" counts."""

    VIETNAM = "vietnam"  # GS1 Vietnam (prefix 893)
    OTHER = "other"  # another GS1 organisation, GS1 Global Office (950) included
    #: No product number to judge: a mistyped number, a photo with no barcode, a book number, a
    #: shop's in-store code, a QR code's text. Left out of the shares.
    NONE = "none"


class VerificationDay(Base):
    """How many checks of one kind were made on one day. Nothing personal: see the module."""

    __tablename__ = "verification_day"

    #: The day in Vietnam (Asia/Ho_Chi_Minh) the check was made.
    day: Mapped[dt.date] = mapped_column(primary_key=True)
    #: The verdict's level (barcode_db.verdict.Level), as stored text.
    level: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    gs1: Mapped[str] = mapped_column(sa.String(10), primary_key=True)
    #: The product's registry category (barcode_db.categories), or "" when the registry has none.
    category: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    #: The province the shopper chose on the scan page, or "" when they chose none. Never
    #: guessed (not from the IP address, not from the company).
    province_code: Mapped[str] = mapped_column(sa.String(2), primary_key=True)
    channel: Mapped[str] = mapped_column(sa.String(10), primary_key=True)
    count: Mapped[int] = mapped_column(sa.BigInteger)


class CountKey(NamedTuple):
    """One row's key: what a check is counted under."""

    day: dt.date
    level: str
    gs1: str
    category: str
    province_code: str
    channel: str


def count_key(
    verdict: Verdict, *, day: dt.date, channel: Channel, province_code: str | None
) -> CountKey:
    """What ``verdict`` is counted under: its level, the GS1 organisation of its number, its
    registry category, and the chosen province (None: not chosen)."""
    facts = verdict.facts
    prefix = facts.prefix
    if prefix is None or not facts.parsed.valid or not prefix.is_product_id:
        gs1 = Gs1.NONE
    else:
        gs1 = Gs1.VIETNAM if prefix.is_vietnam else Gs1.OTHER
    category = facts.product.category if facts.product is not None else None
    return CountKey(
        day=day,
        level=verdict.level.value,
        gs1=gs1.value,
        category=category or NONE,
        province_code=province_code or NONE,
        channel=channel.value,
    )


_KEY_COLUMNS = list(CountKey._fields)
#: Rows per INSERT: SQLite takes at most 32,766 parameters a statement (7 a row here).
_ROWS_PER_STATEMENT = 1000


def add_counts(session: Session, counts: Mapping[CountKey, int]) -> None:
    """Add ``counts`` to the stored ones: INSERT … ON CONFLICT DO UPDATE count = count + new,
    on SQLite and PostgreSQL alike (one statement per thousand keys). Flushes nothing else;
    the caller commits."""
    rows = [{**key._asdict(), "count": n} for key, n in counts.items() if n]
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    insert: Any = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}.get(dialect)
    if insert is None:
        _add_counts_row_by_row(session, rows)
        return
    table = VerificationDay.__table__
    for start in range(0, len(rows), _ROWS_PER_STATEMENT):
        statement = insert(table).values(rows[start : start + _ROWS_PER_STATEMENT])
        session.execute(
            statement.on_conflict_do_update(
                index_elements=_KEY_COLUMNS,
                set_={"count": table.c.count + statement.excluded.count},
            )
        )


def _add_counts_row_by_row(session: Session, rows: list[dict[str, Any]]) -> None:
    """The same on a database without INSERT … ON CONFLICT: an UPDATE of each key, an INSERT of
    those no row had yet (two writers adding a new key at once: one gets an integrity error and
    its caller keeps the counts for the next write, as for any failed write)."""
    for row in rows:
        match = sa.and_(*(getattr(VerificationDay, name) == row[name] for name in _KEY_COLUMNS))
        updated = session.execute(
            sa.update(VerificationDay)
            .where(match)
            .values(count=VerificationDay.count + row["count"])
            .execution_options(synchronize_session=False)
        )
        if updated.rowcount == 0:  # type: ignore[attr-defined]
            session.execute(sa.insert(VerificationDay).values(**row))


# ---- the reports -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tally:
    """Checks made, and of them: those of a product number, those licensed by GS1 Vietnam,
    those of trusted goods. Shares are of the checks of a product number (a mistyped number or
    a photo with no barcode says nothing of where goods come from)."""

    checks: int = 0
    product_numbers: int = 0
    vietnamese: int = 0
    trusted: int = 0

    def __add__(self, other: Tally) -> Tally:
        return Tally(
            self.checks + other.checks,
            self.product_numbers + other.product_numbers,
            self.vietnamese + other.vietnamese,
            self.trusted + other.trusted,
        )

    @property
    def vietnamese_share(self) -> float | None:
        """Of the product numbers checked, the share licensed by GS1 Vietnam (0-1)."""
        return self.vietnamese / self.product_numbers if self.product_numbers else None

    @property
    def trusted_share(self) -> float | None:
        """Of the product numbers checked, the share of trusted goods (level TRUSTED, 0-1)."""
        return self.trusted / self.product_numbers if self.product_numbers else None


@dataclass(frozen=True)
class Compared:
    """One line of the figures: its key ("" for none), this period's tally and the one before."""

    key: str
    current: Tally
    previous: Tally

    @property
    def difference(self) -> int:
        return self.current.checks - self.previous.checks


@dataclass(frozen=True)
class CampaignFigures:
    """The checks of a period against the period before: in the report's province (checks whose
    shopper chose it), in the whole country, and the country's by level, category, province."""

    province_code: str
    province: Compared
    country: Compared
    by_level: list[Compared]
    by_category: list[Compared]
    by_province: list[Compared]


def _tallies(session: Session, first_day: dt.date, last_day: dt.date) -> list[tuple[Any, Tally]]:
    """The period's counts grouped by (level, category, province), each as a Tally."""
    rows = session.execute(
        sa.select(
            VerificationDay.level,
            VerificationDay.category,
            VerificationDay.province_code,
            VerificationDay.gs1,
            sa.func.sum(VerificationDay.count),
        )
        .where(VerificationDay.day >= first_day, VerificationDay.day <= last_day)
        .group_by(
            VerificationDay.level,
            VerificationDay.category,
            VerificationDay.province_code,
            VerificationDay.gs1,
        )
    )
    out = []
    for level, category, province, gs1, number in rows:
        n = int(number)
        numbered = n if gs1 != Gs1.NONE else 0
        tally = Tally(
            checks=n,
            product_numbers=numbered,
            vietnamese=n if gs1 == Gs1.VIETNAM else 0,
            trusted=numbered if level == Level.TRUSTED else 0,
        )
        out.append(((level, category, province), tally))
    return out


def _grouped(tallies: Iterable[tuple[Any, Tally]], index: int) -> dict[str, Tally]:
    groups: dict[str, Tally] = defaultdict(Tally)
    for key, tally in tallies:
        groups[key[index]] = groups[key[index]] + tally
    return dict(groups)


def _compared(
    now: dict[str, Tally], before: dict[str, Tally], order: Iterable[str] = ()
) -> list[Compared]:
    """A line per key seen in either period: those of ``order`` first in its order, then the
    others by most checks this period; "" (none) last."""
    keys = set(now) | set(before)
    ranked = [key for key in order if key in keys]
    rest = sorted(keys - set(ranked) - {NONE}, key=lambda k: (-now.get(k, Tally()).checks, k))
    tail = [NONE] if NONE in keys else []
    return [Compared(k, now.get(k, Tally()), before.get(k, Tally())) for k in ranked + rest + tail]


def campaign_figures(
    session: Session,
    province_code: str,
    period: tuple[dt.date, dt.date],
    previous: tuple[dt.date, dt.date],
) -> CampaignFigures:
    """The campaign figures of ``period`` (first and last day, local) against ``previous``."""
    now = _tallies(session, *period)
    before = _tallies(session, *previous)

    def total(tallies: list[tuple[Any, Tally]], province: str | None = None) -> Tally:
        return sum((t for key, t in tallies if province is None or key[2] == province), Tally())

    level_order = [level.value for level in Level]
    return CampaignFigures(
        province_code=province_code,
        province=Compared(province_code, total(now, province_code), total(before, province_code)),
        country=Compared("", total(now), total(before)),
        by_level=_compared(_grouped(now, 0), _grouped(before, 0), level_order),
        by_category=_compared(_grouped(now, 1), _grouped(before, 1)),
        by_province=_compared(_grouped(now, 2), _grouped(before, 2)),
    )
