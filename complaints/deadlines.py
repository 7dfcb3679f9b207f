"""Response deadlines: the association takes up a complaint within 7 working days.

The Law on Protection of Consumer Rights 2023 counts the time in working days. A working day is
Monday to Friday, not a Vietnamese public holiday (the ``holidays`` package: Tết, substituted days
off, and the Saturdays the Government declares working days in exchange), adjusted by the
administrator's own lists. Pure rules: the caller passes ``now``; nothing here reads the clock.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import holidays

#: Working days the association has to take up a complaint.
RESPONSE_WORKING_DAYS = 7

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class WorkingCalendar:
    """Vietnamese working days: Monday–Friday minus public holidays, plus make-up days.

    Precedence: ``extra_working_days`` make a day a working day, whatever it is; otherwise
    ``extra_holidays`` make it a day off; otherwise the public calendar decides (with
    ``use_public_holidays=False``, plain Monday–Friday).
    """

    def __init__(
        self,
        *,
        extra_holidays: Iterable[dt.date] = (),
        extra_working_days: Iterable[dt.date] = (),
        use_public_holidays: bool = True,
    ) -> None:
        self.extra_holidays = frozenset(extra_holidays)
        self.extra_working_days = frozenset(extra_working_days)
        both = self.extra_holidays & self.extra_working_days
        if both:
            listed = ", ".join(d.isoformat() for d in sorted(both))
            raise ValueError(f"dates both holidays and working days: {listed}")
        self.use_public_holidays = use_public_holidays
        # The public calendar, filled a year at a time. A swap can cross a year boundary
        # (the day off on 2 Jan 2015 was worked on Sat 27 Dec 2014), so reading a year loads
        # its neighbours too.
        self._lock = threading.Lock()
        self._loaded_years: set[int] = set()
        self._ready_years: set[int] = set()  # loaded with both neighbours
        self._public_days_off: set[dt.date] = set()
        self._public_weekend_workdays: set[dt.date] = set()

    def _load(self, year: int) -> None:
        with self._lock:
            for y in (year - 1, year, year + 1):
                if y in self._loaded_years:
                    continue
                public = holidays.country_holidays("VN", years=y)
                self._public_days_off.update(public.keys())
                self._public_weekend_workdays.update(public.weekend_workdays)
                self._loaded_years.add(y)
            self._ready_years.add(year)

    def is_working_day(self, d: dt.date) -> bool:
        """True if staff work on ``d``."""
        if d in self.extra_working_days:
            return True
        if d in self.extra_holidays:
            return False
        weekend = d.weekday() >= 5
        if not self.use_public_holidays:
            return not weekend
        if d.year not in self._ready_years:
            self._load(d.year)
        if weekend:
            return d in self._public_weekend_workdays
        return d not in self._public_days_off

    def add_working_days(self, start: dt.date, n: int) -> dt.date:
        """The ``n``-th working day after ``start`` (before it if ``n`` < 0); ``start`` never counts."""
        step = dt.timedelta(days=1 if n >= 0 else -1)
        d = start
        for _ in range(abs(n)):
            d += step
            while not self.is_working_day(d):
                d += step
        return d

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days after ``start`` up to and including ``end``; negative if ``end`` < ``start``.

        Backwards, the count is minus the working days from ``end`` (included) up to ``start``
        (excluded), so that ``working_days_between(s, add_working_days(s, n)) == n`` for every
        ``n``, and a day after a deadline is always negative, even a weekend.
        """
        if end >= start:
            first, last, sign = start + dt.timedelta(days=1), end, 1
        else:
            first, last, sign = end, start - dt.timedelta(days=1), -1
        count = 0
        d = first
        while d <= last:
            count += self.is_working_day(d)
            d += dt.timedelta(days=1)
        return sign * count


def _require_aware(name: str, value: dt.datetime) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, got {value!r}")


def deadline_for(
    filed_at: dt.datetime, calendar: WorkingCalendar, tz: ZoneInfo = VIETNAM
) -> dt.datetime:
    """End of the 7th working day after the local date of ``filed_at``, as an aware UTC datetime."""
    _require_aware("filed_at", filed_at)
    filed_on = filed_at.astimezone(tz).date()
    last_day = calendar.add_working_days(filed_on, RESPONSE_WORKING_DAYS)
    return dt.datetime.combine(last_day, dt.time.max, tzinfo=tz).astimezone(dt.UTC)


@dataclass(frozen=True)
class DeadlineState:
    """Where a complaint stands against its deadline at one moment."""

    deadline: dt.datetime  # aware, UTC
    working_days_left: int  # after today, local; 0 on the last day, negative once overdue
    overdue: bool


def deadline_state(
    filed_at: dt.datetime,
    now: dt.datetime,
    calendar: WorkingCalendar,
    tz: ZoneInfo = VIETNAM,
) -> DeadlineState:
    """The deadline of a complaint filed at ``filed_at`` and how much of it is left at ``now``."""
    _require_aware("now", now)
    deadline = deadline_for(filed_at, calendar, tz)
    left = calendar.working_days_between(now.astimezone(tz).date(), deadline.astimezone(tz).date())
    return DeadlineState(deadline=deadline, working_days_left=left, overdue=now > deadline)


def parse_holiday_list(text: str) -> list[dt.date]:
    """Dates from text with one ISO date (YYYY-MM-DD) a line; blank lines and ``#`` comments skipped."""
    dates: list[dt.date] = []
    for number, line in enumerate(text.removeprefix("\ufeff").splitlines(), start=1):
        value = line.split("#", 1)[0].strip()
        if not value:
            continue
        try:
            if not _ISO_DATE.fullmatch(value):
                raise ValueError
            dates.append(dt.date.fromisoformat(value))
        except ValueError:
            raise ValueError(
                f"line {number}: {line.strip()!r} is not a date written YYYY-MM-DD"
            ) from None
    return dates
