"""Counting checks for the campaign figures (complaints/campaign.py), and the shopper's optional
province.

Every verification a shopper asks for calls :func:`count_verification` once, where its verdict
is made. Counting is in memory: a lock and a dictionary, no database round trip in the request.
Each process writes its counts in one upsert (:func:`complaints.campaign.add_counts`) from a
thread of its own, every ``VERIFICATION_COUNTS_FLUSH_SECONDS`` (10 s), sooner once
``VERIFICATION_COUNTS_FLUSH_AT`` checks wait (10,000), and when the process exits normally
(gunicorn stopping or restarting a worker). A failed write is logged and its counts kept for the
next one: a shopper's request never waits for it nor fails with it. A process killed outright
(SIGKILL, a worker timeout, a crash) loses what it had not written: at most the last 10 seconds
of its checks (more if the database had been refusing the writes: those counts wait in memory).
What waits takes memory by key (a day's levels × categories × provinces × channels), not by
check; each write costs the worker a few milliseconds, which is why they are not more frequent.

``VERIFICATION_COUNTS`` switches this: ``batched`` (the default, above), ``each`` (one upsert
inside every verification request: kept to measure what batching saves, scripts/bench_verify.py)
or ``off`` (nothing counted). Test apps (``TESTING``) start no thread and write only when a test
calls :meth:`VerificationCounts.flush`.

The province is the shopper's choice on the scan page, kept in a cookie of theirs and sent with
every check made on the site's pages; without it the province is "not given". It is never
guessed (not from the IP address). The JSON API takes no cookies: its checks carry no province.
"""

from __future__ import annotations

import atexit
import os
import threading
from collections import Counter

from flask import Flask, Request, current_app, has_request_context, request
from flask.wrappers import Response
from flask_wtf import FlaskForm

from app.clock import local_today
from app.extensions import db
from app.unit_of_work import unit_of_work
from barcode_db.areas import provinces
from barcode_db.verdict import Verdict
from complaints.campaign import Channel, CountKey, add_counts, count_key

#: The cookie holding the province the shopper chose (its two-digit code), and how long it lasts.
PROVINCE_COOKIE = "province"
PROVINCE_COOKIE_SECONDS = 365 * 24 * 3600
#: ``GET /verify?code=…&via=camera``: the scan page's live camera read the number.
VIA_CAMERA = "camera"
MODES = ("batched", "each", "off")


class VerificationCounts:
    """A process's checks not yet written, by key; written in one upsert by :meth:`flush`."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.mode = str(app.config["VERIFICATION_COUNTS"])
        if self.mode not in MODES:
            raise RuntimeError(f"VERIFICATION_COUNTS must be one of {', '.join(MODES)}")
        self.seconds = float(app.config["VERIFICATION_COUNTS_FLUSH_SECONDS"])
        self.flush_at = int(app.config["VERIFICATION_COUNTS_FLUSH_AT"])
        self.background = self.mode == "batched" and not app.testing
        self._pending: Counter[CountKey] = Counter()
        self._waiting = 0
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        if self.background:
            atexit.register(self.flush)
            os.register_at_fork(after_in_child=self._forked)

    def add(self, key: CountKey) -> None:
        if self.mode == "off":
            return
        with self._lock:
            self._pending[key] += 1
            self._waiting += 1
            if self.background and self._thread is None:
                self._start()
            if self._waiting >= self.flush_at:
                self._wake.set()
        if self.mode == "each":
            self.flush()

    def pending(self) -> dict[CountKey, int]:
        """What is counted and not yet written (a copy)."""
        with self._lock:
            return dict(self._pending)

    def discard(self) -> None:
        """Forget what is not yet written (tests start from nothing)."""
        with self._lock:
            self._pending.clear()
            self._waiting = 0

    def flush(self) -> bool:
        """Write what is waiting, in one transaction; False (logged, counts kept) if it failed."""
        with self._lock:
            taken, self._pending = self._pending, Counter()
            self._waiting = 0
        if not taken:
            return True
        try:
            with self.app.app_context(), unit_of_work():
                add_counts(db.session(), taken)
        except Exception:  # whatever it is, the counts wait for the next write
            self.app.logger.exception("could not write %s verification counts", taken.total())
            with self._lock:
                self._pending.update(taken)
            return False
        return True

    def _start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="verification-counts", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            self._wake.wait(self.seconds)
            self._wake.clear()
            self.flush()

    def _forked(self) -> None:
        # A child starts with nothing of its own: the parent writes its pending counts, and
        # the parent's thread does not exist in the child.
        self._lock = threading.Lock()
        self._pending = Counter()
        self._waiting = 0
        self._thread = None


def init_app(app: Flask) -> None:
    app.extensions["verification_counts"] = VerificationCounts(app)
    app.jinja_env.globals["province_choice_form"] = province_choice_form


def counts(app: Flask | None = None) -> VerificationCounts:
    """The app's (default: the current app's) :class:`VerificationCounts`."""
    found: VerificationCounts = (app or current_app).extensions["verification_counts"]
    return found


def chosen_province(from_request: Request | None = None) -> str | None:
    """The province the shopper chose (their cookie), or None: not chosen, or not a province."""
    if from_request is None:
        if not has_request_context():
            return None
        from_request = request
    code = from_request.cookies.get(PROVINCE_COOKIE)
    return code if code in provinces() else None


def remember_province(response: Response, code: str | None) -> None:
    """Keep the shopper's choice in their cookie; None forgets it."""
    if code is None:
        response.delete_cookie(PROVINCE_COOKIE, samesite="Lax", httponly=True)
        return
    response.set_cookie(
        PROVINCE_COOKIE,
        code,
        max_age=PROVINCE_COOKIE_SECONDS,
        samesite="Lax",
        httponly=True,
        secure=bool(current_app.config["SESSION_COOKIE_SECURE"]),
    )


def province_choice_form() -> FlaskForm:
    """The scan page's "your province" form, showing the shopper's choice (a template global)."""
    from app.public.forms import ProvinceChoiceForm  # the public blueprint imports this module

    return ProvinceChoiceForm(formdata=None, province=chosen_province() or "")


def code_channel() -> Channel:
    """How a code check's number came: typed, or read by the live camera (``via=camera``)."""
    return Channel.CAMERA if request.args.get("via") == VIA_CAMERA else Channel.TYPED


def count_verification(
    verdict: Verdict, channel: Channel, *, province_code: str | None = None
) -> None:
    """Count one check a shopper made, in today's campaign figures (nothing written here).
    ``province_code`` is the one the shopper chose (:func:`chosen_province`, on the pages; the
    JSON API takes no cookies, so its checks carry none).

    Never fails the shopper's request: counting is the campaign's business, not theirs.
    """
    try:
        key = count_key(verdict, day=local_today(), channel=channel, province_code=province_code)
        counts().add(key)
    except Exception:
        current_app.logger.exception("could not count a verification")
