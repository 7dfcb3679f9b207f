"""Rate limits: where the counters live, and a 429 that says how long to wait.

The counters are shared by every worker, so a limit of N lets N requests through, not N per
worker: Redis when configured, else a SQLite file in the instance folder
(:mod:`app.rate_limit_storage`); see :func:`app.config.rate_limit_storage_uri`.

A Redis that is down never hangs nor fails a request: its connections have short timeouts
(:func:`storage_options`), and Flask-Limiter's in-memory fallback
(``RATELIMIT_IN_MEMORY_FALLBACK_ENABLED``) then counts in each process's memory until Redis
answers again.

A refused request is told how long to wait, in the reader's language, and the same number of
seconds is its ``Retry-After`` header: :func:`too_many_requests_message` for the page or JSON
body, :func:`pin_retry_after` for the header.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import flask_limiter
from flask import Flask, Response, current_app, g
from flask_babel import gettext, ngettext

from app import rate_limit_storage  # noqa: F401  (registers the sqlite:// scheme with limits)
from app.config import rate_limit_storage_uri

#: Seconds a rate-limit check waits for Redis to accept a connection, and then for each answer:
#: a Redis that is down or cut off costs a request at most this, then the in-memory fallback
#: counts (and Flask-Limiter asks Redis again after 1, 2, 4 … 32 s, one request paying the wait).
REDIS_CONNECT_TIMEOUT = 1.0
REDIS_TIMEOUT = 2.0


def storage_options(uri: str, configured: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The storage's connection options: short timeouts for Redis (without them a Redis that
    stops answering holds the request until the operating system gives up, minutes later),
    under ``RATELIMIT_STORAGE_OPTIONS`` when those set them."""
    options: dict[str, Any] = {}
    if uri.startswith(("redis://", "rediss://")):
        options = {
            "socket_connect_timeout": REDIS_CONNECT_TIMEOUT,
            "socket_timeout": REDIS_TIMEOUT,
        }
    return {**options, **(configured or {})}


class Limiter(flask_limiter.Limiter):
    """Flask-Limiter, its storage chosen by :func:`rate_limit_storage_uri` with the options of
    :func:`storage_options`, its 429s pinned to the wait they state."""

    def init_app(self, app: Flask) -> None:
        uri = rate_limit_storage_uri(app.config, app.instance_path)
        app.config["RATELIMIT_STORAGE_URI"] = uri
        app.config["RATELIMIT_STORAGE_OPTIONS"] = storage_options(
            uri, app.config.get("RATELIMIT_STORAGE_OPTIONS")
        )
        # Flask-Limiter adds each app's options to those of the apps before it (one limiter,
        # several apps in the tests): each app's storage gets its own, no more.
        self._storage_options = {}
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
