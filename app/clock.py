"""The one place the web layer reads the clock; the cores are given ``now`` and ``today``."""

from __future__ import annotations

import datetime as dt

from complaints.deadlines import VIETNAM

LOCAL_TZ = VIETNAM  # one definition, in the core


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def local_today() -> dt.date:
    """Today's date in Vietnam."""
    return dt.datetime.now(LOCAL_TZ).date()
