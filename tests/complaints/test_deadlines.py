"""Response deadlines: 7 working days, Vietnamese holidays, local dates. Table-driven."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from hypothesis import given
from hypothesis import strategies as st

from app.clock import utc_now
from complaints.deadlines import (
    RESPONSE_WORKING_DAYS,
    DeadlineState,
    WorkingCalendar,
    deadline_for,
    deadline_state,
    parse_holiday_list,
)

VN = ZoneInfo("Asia/Ho_Chi_Minh")
UTC = dt.UTC
D = dt.date

PUBLIC = WorkingCalendar()
# What an administrator might put in HOLIDAYS_FILE: 15 March is Vietnamese Consumer Rights Day.
CONFIG_HOLIDAYS = WorkingCalendar(
    extra_holidays=parse_holiday_list("# Ngày Quyền của người tiêu dùng\n2027-03-15\n")
)
# A make-up Saturday the Government might declare, not (yet) known to the holidays package.
MAKE_UP_SATURDAY = WorkingCalendar(extra_working_days=[D(2027, 4, 24)])


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    """A wall-clock time in Vietnam."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=VN)


def end_of(day: dt.date) -> dt.datetime:
    """23:59:59.999999 in Vietnam on ``day``, in UTC."""
    return dt.datetime.combine(day, dt.time.max, tzinfo=VN).astimezone(UTC)


def test_seven_working_days() -> None:
    assert RESPONSE_WORKING_DAYS == 7


@pytest.mark.parametrize(
    ("filed_at", "calendar", "last_day"),
    [
        # Filed on a Monday: Tue..Fri (4), Mon..Wed (3) → next Wednesday.
        (local(2026, 3, 2, 9, 0), PUBLIC, D(2026, 3, 11)),
        # Friday 23:30 local is 16:30 UTC the same Friday: counted from Friday → Tuesday week.
        (local(2026, 3, 6, 23, 30), PUBLIC, D(2026, 3, 17)),
        (dt.datetime(2026, 3, 6, 16, 30, tzinfo=UTC), PUBLIC, D(2026, 3, 17)),
        # Thursday 17:30 UTC is already Friday 00:30 in Vietnam: Friday counts, not Thursday
        # (from Thursday it would be Monday 16 March).
        (dt.datetime(2026, 3, 5, 17, 30, tzinfo=UTC), PUBLIC, D(2026, 3, 17)),
        # Sunday 17:30 UTC is Monday 00:30 in Vietnam: counted from Monday → Wednesday week
        # (from Sunday it would be Tuesday 17 March).
        (dt.datetime(2026, 3, 8, 17, 30, tzinfo=UTC), PUBLIC, D(2026, 3, 18)),
        # Just before Tết 2026 (Friday 13 Feb): Mon 16 – Fri 20 Feb are days off → Tue 3 March.
        (local(2026, 2, 13, 10, 0), PUBLIC, D(2026, 3, 3)),
        # Wednesday before Liberation Day (Thu 30 Apr) and Labour Day (Fri 1 May) → Tue 12 May.
        (local(2026, 4, 29, 10, 0), PUBLIC, D(2026, 5, 12)),
        # The Friday before: Hùng Kings' Day falls on Sun 26 Apr, observed Mon 27 → Fri 8 May.
        (local(2026, 4, 24, 10, 0), PUBLIC, D(2026, 5, 8)),
        # Sat 22 Aug 2026 is a make-up working day (the package knows it), swapped for Mon 31 Aug
        # before National Day (1–2 Sep) → Thu 3 Sep.
        (local(2026, 8, 21, 10, 0), PUBLIC, D(2026, 9, 3)),
        # Without the extra holiday from config: Tue 23 March 2027.
        (local(2027, 3, 12, 10, 0), PUBLIC, D(2027, 3, 23)),
        # With Mon 15 March 2027 configured as a holiday: one day later.
        (local(2027, 3, 12, 10, 0), CONFIG_HOLIDAYS, D(2027, 3, 24)),
        # Fri 23 Apr 2027 → Thu 6 May: 30 Apr and Labour Day (Sat 1 May, observed Mon 3 May) off.
        (local(2027, 4, 23, 10, 0), PUBLIC, D(2027, 5, 6)),
        # With Sat 24 Apr 2027 a declared working day: one day earlier.
        (local(2027, 4, 23, 10, 0), MAKE_UP_SATURDAY, D(2027, 5, 5)),
        # Filed on a Saturday counts from Saturday: Mon..Fri (5), Mon, Tue → Tue 17 March.
        (local(2026, 3, 7, 10, 0), PUBLIC, D(2026, 3, 17)),
    ],
)
def test_deadline_for(filed_at: dt.datetime, calendar: WorkingCalendar, last_day: dt.date) -> None:
    deadline = deadline_for(filed_at, calendar)
    assert deadline == end_of(last_day)
    assert deadline.utcoffset() == dt.timedelta(0)
    assert deadline.astimezone(VN).time() == dt.time.max


def test_deadline_for_other_timezone() -> None:
    # Sunday 23:30 in Vietnam is Monday 01:30 in Tokyo: the local date, hence the deadline,
    # depends on ``tz``.
    filed_at = local(2026, 3, 8, 23, 30)
    assert deadline_for(filed_at, PUBLIC) == end_of(D(2026, 3, 17))
    tokyo = ZoneInfo("Asia/Tokyo")
    in_tokyo = deadline_for(filed_at, PUBLIC, tz=tokyo)
    assert in_tokyo == dt.datetime.combine(D(2026, 3, 18), dt.time.max, tzinfo=tokyo)


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        deadline_for(dt.datetime(2026, 3, 2, 9, 0), PUBLIC)
    with pytest.raises(ValueError, match="timezone-aware"):
        deadline_state(local(2026, 3, 2, 9, 0), dt.datetime(2026, 3, 3), PUBLIC)


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (D(2026, 3, 2), True),  # an ordinary Monday
        (D(2026, 3, 7), False),  # an ordinary Saturday
        (D(2026, 2, 16), False),  # Lunar New Year's Eve (observed: Mon 16 Feb 2026)
        (D(2026, 2, 20), False),  # Fourth day of Tết
        (D(2026, 2, 23), True),  # back to work
        (D(2026, 4, 30), False),  # Liberation Day
        (D(2026, 5, 1), False),  # Labour Day
        (D(2026, 8, 22), True),  # make-up Saturday for Mon 31 Aug
        (D(2026, 8, 31), False),  # the day off it buys
        (D(2026, 11, 24), False),  # Vietnam Cultural Day, a holiday from 2026
        (D(2025, 4, 26), True),  # make-up Saturday for Fri 2 May 2025
        (D(2014, 12, 27), True),  # make-up Saturday in 2014 for Fri 2 Jan 2015: across a year
    ],
)
def test_public_calendar(day: dt.date, working: bool) -> None:
    assert WorkingCalendar().is_working_day(day) is working


@pytest.mark.parametrize(
    ("calendar", "day", "working"),
    [
        # Without public holidays, Monday–Friday only.
        (WorkingCalendar(use_public_holidays=False), D(2026, 4, 30), True),
        (WorkingCalendar(use_public_holidays=False), D(2026, 8, 22), False),
        # Extra working days win over anything, extra holidays over the public calendar.
        (WorkingCalendar(extra_working_days=[D(2026, 4, 30)]), D(2026, 4, 30), True),
        (WorkingCalendar(extra_holidays=[D(2026, 8, 22)]), D(2026, 8, 22), False),
        (MAKE_UP_SATURDAY, D(2027, 4, 24), True),
        (MAKE_UP_SATURDAY, D(2027, 4, 25), False),  # the Sunday after stays off
    ],
)
def test_calendar_overrides(calendar: WorkingCalendar, day: dt.date, working: bool) -> None:
    assert calendar.is_working_day(day) is working


def test_a_day_both_holiday_and_working_day_is_refused() -> None:
    with pytest.raises(ValueError, match="2027-04-24"):
        WorkingCalendar(extra_holidays=[D(2027, 4, 24)], extra_working_days=[D(2027, 4, 24)])


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (D(2026, 3, 2), D(2026, 3, 2), 0),  # same day
        (D(2026, 3, 2), D(2026, 3, 5), 3),  # Mon → Thu: Tue, Wed, Thu
        (D(2026, 3, 5), D(2026, 3, 2), -3),  # backwards: Mon, Tue, Wed
        (D(2026, 3, 6), D(2026, 3, 7), 0),  # Fri → Sat
        (D(2026, 3, 7), D(2026, 3, 6), -1),  # Sat → Fri: Friday itself counts backwards
        (D(2026, 3, 7), D(2026, 3, 9), 1),  # Sat → Mon
        (D(2026, 2, 13), D(2026, 2, 23), 1),  # across Tết 2026: only Mon 23 Feb
        (D(2026, 2, 23), D(2026, 2, 13), -1),  # and back: only Fri 13 Feb
    ],
)
def test_working_days_between(start: dt.date, end: dt.date, expected: int) -> None:
    assert PUBLIC.working_days_between(start, end) == expected


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (D(2026, 3, 4), 0, D(2026, 3, 4)),  # n = 0 is start itself
        (D(2026, 3, 7), 0, D(2026, 3, 7)),  # even on a Saturday
        (D(2026, 3, 7), 1, D(2026, 3, 9)),  # Sat + 1 → Mon
        (D(2026, 3, 9), -1, D(2026, 3, 6)),  # Mon - 1 → Fri
        (D(2026, 2, 23), -1, D(2026, 2, 13)),  # back over Tết
    ],
)
def test_add_working_days(start: dt.date, n: int, expected: dt.date) -> None:
    assert PUBLIC.add_working_days(start, n) == expected


# Filed Monday 2 March 2026, 09:00 in Vietnam; the deadline is Wednesday 11 March, 23:59:59.999999.
FILED = local(2026, 3, 2, 9, 0)
DEADLINE = end_of(D(2026, 3, 11))


@pytest.mark.parametrize(
    ("now", "left", "overdue"),
    [
        # Just filed: Tue..Fri, Mon..Wed.
        (FILED, 7, False),
        # Saturday: Mon, Tue, Wed left.
        (local(2026, 3, 7, 12, 0), 3, False),
        # Tuesday: one working day after today.
        (local(2026, 3, 10, 12, 0), 1, False),
        # The last day, a minute before midnight: 0 left, not yet overdue.
        (local(2026, 3, 11, 23, 59), 0, False),
        # The deadline instant itself is still in time.
        (DEADLINE, 0, False),
        # Overdue by one minute (Thursday 00:00:59.999999 local): one working day late.
        (DEADLINE + dt.timedelta(minutes=1), -1, True),
        # Friday: two working days late.
        (local(2026, 3, 13, 9, 0), -2, True),
        # The Saturday after: still negative, counted as the coming Monday.
        (local(2026, 3, 14, 9, 0), -3, True),
        # 16:59 UTC on the deadline day is 23:59 local, in time; 17:00 UTC is the next day.
        (dt.datetime(2026, 3, 11, 16, 59, tzinfo=UTC), 0, False),
        (dt.datetime(2026, 3, 11, 17, 0, tzinfo=UTC), -1, True),
    ],
)
def test_deadline_state(now: dt.datetime, left: int, overdue: bool) -> None:
    assert deadline_state(FILED, now, PUBLIC) == DeadlineState(
        deadline=DEADLINE, working_days_left=left, overdue=overdue
    )


def test_deadline_state_with_the_clock() -> None:
    # A caller (the web layer) reads the clock and passes ``now``; freeze it one minute late.
    with time_machine.travel(DEADLINE + dt.timedelta(minutes=1), tick=False):
        state = deadline_state(FILED, utc_now(), PUBLIC)
    assert state.overdue
    assert state.working_days_left == -1


dates_2025_2028 = st.dates(min_value=D(2025, 1, 1), max_value=D(2028, 12, 31))


@given(start=dates_2025_2028, n=st.integers(min_value=0, max_value=30))
def test_between_undoes_add(start: dt.date, n: int) -> None:
    assert PUBLIC.working_days_between(start, PUBLIC.add_working_days(start, n)) == n


@given(start=dates_2025_2028, n=st.integers(min_value=-30, max_value=30))
def test_between_undoes_add_backwards_too(start: dt.date, n: int) -> None:
    end = PUBLIC.add_working_days(start, n)
    assert PUBLIC.working_days_between(start, end) == n
    assert n == 0 or PUBLIC.is_working_day(end)


@given(
    filed_at=st.datetimes(
        min_value=dt.datetime(2025, 1, 1),
        max_value=dt.datetime(2028, 6, 30),
        timezones=st.just(UTC),
    ),
    minutes=st.integers(min_value=0, max_value=60 * 24 * 30),
)
def test_overdue_exactly_when_negative(filed_at: dt.datetime, minutes: int) -> None:
    state = deadline_state(filed_at, filed_at + dt.timedelta(minutes=minutes), PUBLIC)
    assert state.overdue is (state.working_days_left < 0)


def test_parse_holiday_list() -> None:
    text = (
        "\ufeff# Extra days off for the association\n"
        "\n"
        "2027-03-15  # Consumer Rights Day\n"
        "   2026-12-31\n"
        "# 2026-01-02 commented out\n"
    )
    assert parse_holiday_list(text) == [D(2027, 3, 15), D(2026, 12, 31)]
    assert parse_holiday_list("") == []


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("2026-01-01\n2026-13-01\n", 2),  # no 13th month
        ("2026-01-01\n\n15/03/2027\n", 3),  # not ISO
        ("20270315\n", 1),  # ISO basic format: fromisoformat takes it, we do not
        ("2027-03-15 2027-03-16\n", 1),  # one date a line
    ],
)
def test_parse_holiday_list_names_the_bad_line(text: str, line: int) -> None:
    with pytest.raises(ValueError, match=f"^line {line}: "):
        parse_holiday_list(text)
