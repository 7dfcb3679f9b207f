"""The working calendar for deadlines: Vietnam's public holidays plus the configured extras."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from flask import current_app

from complaints.deadlines import WorkingCalendar, parse_holiday_list


@cache
def _calendar_from(path: str | None) -> WorkingCalendar:
    if not path or not Path(path).exists():
        return WorkingCalendar()
    extra_holidays, extra_working = [], []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        # "+YYYY-MM-DD" marks a make-up working day; plain dates are extra days off.
        if line.strip().startswith("+"):
            extra_working.extend(parse_holiday_list(line.strip()[1:]))
        else:
            extra_holidays.extend(parse_holiday_list(line))
    return WorkingCalendar(extra_holidays=extra_holidays, extra_working_days=extra_working)


def working_calendar() -> WorkingCalendar:
    """The calendar of this deployment (HOLIDAYS_FILE, see .env.example)."""
    path = current_app.config.get("HOLIDAYS_FILE") or str(
        Path(current_app.instance_path) / "holidays.txt"
    )
    return _calendar_from(path)
