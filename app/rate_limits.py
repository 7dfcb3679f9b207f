"""Rate limits: where the counters live, and a 429 that says how long to wait.

The counters are shared by every worker, so a limit of N lets N requests through, not N per
worker: Redis when configured, else a SQLite file in the instance folder
(:mod:`app.rate_limit_storage`); see :func:`app.config.rate_limit_storage_uri`.

A refused request is told how long to wait, in the reader's language, and the same number of
seconds is its ``Retry-After`` header: :func:`too_many_requests_message` for the page or JSON
body, :func:`pin_retry_after` for the header.
"""

from __future__ import annotations

import time

import flask_limiter
from flask import Flask, Response, current_app, g
from flask_babel import gettext, ngettext

from app import rate_limit_storage  # noqa: F401  (registers the sqlite:// scheme with limits)
from app.config import rate_limit_storage_uri


class Limiter(flask_limiter.Limiter):
    """Flask-Limiter, its storage chosen by :func:`rate_limit_storage_uri`, its 429s pinned to
    the wait they state."""

    def init_app(self, app: Flask) -> None:
        app.config["RATELIMIT_STORAGE_URI"] = rate_limit_storage_uri(app.config, app.instance_path)
        if self not in app.extensions.get("limiter", ()):
            # Flask runs after_request functions last-registered first: registered before
            # Flask-Limiter's own (which writes Retry-After), this one runs after it.
            app.after_request(pin_retry_after)
        super().init_app(app)


def retry_after_seconds() -> int | None:
    """Seconds until the limit that refused this request lets the client in again (at least
    one); None when no rate limit refused it. Worked out once per request."""
    if "retry_after" not in g:
        limiter = next(iter(current_app.extensions.get("limiter", ())), None)
        breached = limiter.current_limit if limiter is not None else None
        if breached is None or not breached.breached:
            g.retry_after = None
        else:
            g.retry_after = max(1, int(breached.reset_at - time.time()))
    seconds: int | None = g.retry_after
    return seconds


def pin_retry_after(response: Response) -> Response:
    """A 429's Retry-After is the wait its message states (Flask-Limiter works it out again,
    a moment later, and may land on the next second)."""
    if response.status_code == 429:
        seconds = retry_after_seconds()
        if seconds is not None:
            response.headers["Retry-After"] = str(seconds)
    return response


def too_many_requests_message() -> str:
    """What a refused client reads: how long to wait, as its Retry-After header says."""
    seconds = retry_after_seconds()
    if seconds is None:
        return gettext(
            "Too many requests from your connection. Please wait a minute and try again."
        )
    return gettext(
        "Too many requests from your connection. Please wait %(wait)s and try again.",
        wait=format_wait(seconds),
    )


def format_wait(seconds: int) -> str:
    """A wait to the second in the reader's language: "2 minutes 5 seconds", "1 giờ 3 giây"."""
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, rest = divmod(rest, 60)
    parts = [
        ngettext("%(num)d day", "%(num)d days", days) if days else "",
        ngettext("%(num)d hour", "%(num)d hours", hours) if hours else "",
        ngettext("%(num)d minute", "%(num)d minutes", minutes) if minutes else "",
        ngettext("%(num)d second", "%(num)d seconds", rest) if rest else "",
    ]
    return " ".join(part for part in parts if part)
