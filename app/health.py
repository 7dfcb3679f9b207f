"""Is the service up, and can it serve? ``/healthz`` says the process answers; ``/readyz`` checks
what a request needs (the database, the photo store, Redis when configured) and answers 503
naming what failed. A request that finds the database or the photo store unreachable is answered
503 with ``Retry-After`` — a page, or JSON under ``/api/`` — never the generic "something went
wrong".
"""

from __future__ import annotations

import logging
import os
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Flask, Response, current_app, jsonify, render_template, request
from flask_babel import gettext
from markupsafe import escape
from sqlalchemy.exc import InterfaceError, OperationalError

from app.complaint_service import photo_store
from app.extensions import db, limiter
from complaints.storage import StoreUnavailable

blueprint = Blueprint("health", __name__)
log = logging.getLogger(__name__)

#: Seconds a client is asked to wait before trying again when the database is unreachable.
RETRY_AFTER_SECONDS = 30
#: ... and when the photo store is (an object store's outage tends to last longer).
STORE_RETRY_AFTER_SECONDS = 120


def _database() -> str | None:
    db.session.execute(sa.text("SELECT 1"))  # the session ends with the request
    return None


def _photo_store() -> str | None:
    store = photo_store()
    check = getattr(store, "check", None)
    if check is not None:  # an object store: can the bucket be reached?
        check()
        return None
    root = getattr(store, "root", None)
    if root is not None:
        root.mkdir(parents=True, exist_ok=True)
        if not os.access(root, os.W_OK):
            raise PermissionError(f"{root} is not writable")
    return None


def _redis() -> str | None:
    uri = str(current_app.config.get("RATELIMIT_STORAGE_URI") or "")
    if not uri.startswith(("redis://", "rediss://")):
        return "not configured"
    import redis

    with redis.Redis.from_url(uri, socket_connect_timeout=2, socket_timeout=2) as client:
        client.ping()


CHECKS = {"database": _database, "photo_store": _photo_store, "redis": _redis}


@blueprint.get("/healthz")
@limiter.exempt
def healthz() -> Response:
    response = jsonify({"status": "ok"})
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.get("/readyz")
@limiter.exempt
def readyz() -> tuple[Response, int]:
    results: dict[str, str] = {}
    for name, check in CHECKS.items():
        try:
            results[name] = check() or "ok"
        except Exception as error:  # any failure means "not ready"
            log.warning("readiness check %s failed: %s", name, error)
            results[name] = f"failed: {type(error).__name__}"
    ready = not any(value.startswith("failed") for value in results.values())
    response = jsonify({"status": "ready" if ready else "unavailable", "checks": results})
    response.headers["Cache-Control"] = "no-store"
    if not ready:
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response, 200 if ready else 503


def database_unavailable(error: Exception) -> tuple[Any, int, dict[str, str]]:
    """503 for a request that found the database unreachable (or too busy to answer)."""
    log.error("database unavailable: %s", error)
    # The session is rolled back and closed at the end of the request (Flask-SQLAlchemy).
    message = gettext(
        "The service is briefly unavailable: nothing was saved. Please try again in a minute."
    )
    return _unavailable(message, "unavailable", RETRY_AFTER_SECONDS)


def store_unavailable(error: StoreUnavailable) -> tuple[Any, int, dict[str, str]]:
    """503 for a request that needed the photo store while it cannot be reached. Filing rolls
    the complaint back (complaints.filing), so nothing of the report was saved."""
    log.error("photo store unavailable: %s", error)
    if request.method in ("GET", "HEAD"):
        message = gettext("Photos cannot be shown right now. Please try again in a few minutes.")
    else:
        message = gettext(
            "Photos cannot be stored right now: nothing was saved. "
            "Please try again in a few minutes."
        )
    return _unavailable(message, "store_unavailable", STORE_RETRY_AFTER_SECONDS)


def _unavailable(message: str, code: str, retry_after: int) -> tuple[Any, int, dict[str, str]]:
    """A 503 with Retry-After: JSON under ``/api/``, else the error page."""
    headers = {"Retry-After": str(retry_after)}
    if request.path.startswith("/api/"):
        body = {"error": {"status": 503, "code": code, "message": message}}
        return jsonify(body), 503, headers
    try:
        page = render_template("errors/error.html", status=503, message=message)
    except Exception:  # the page itself needed the database (a signed-in user)
        page = f'<!doctype html><meta charset="utf-8"><title>503</title><p>{escape(message)}</p>'
    return page, 503, headers


def init_app(app: Flask) -> None:
    app.register_blueprint(blueprint)
    app.register_error_handler(OperationalError, database_unavailable)
    app.register_error_handler(InterfaceError, database_unavailable)
    app.register_error_handler(StoreUnavailable, store_unavailable)
