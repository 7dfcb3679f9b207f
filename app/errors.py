"""Error pages for people and JSON errors for the API, in the reader's language."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, jsonify, render_template, request
from flask_babel import gettext
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _explain(error: HTTPException) -> str:
    if isinstance(error, CSRFError):
        return gettext(
            "The form expired or did not come from this site. Please go back, reload "
            "the page and try again."
        )
    if error.code == 429:
        from app.rate_limits import too_many_requests_message

        return too_many_requests_message()
    explanations = {
        400: gettext("The request could not be understood."),
        404: gettext("This page does not exist."),
        405: gettext("This address does not accept that kind of request."),
        413: _too_large(),
        429: gettext("Too many requests from your connection. Please wait a minute and try again."),
        500: gettext(
            "Something went wrong on our side. Your request was not saved; please try again later."
        ),
    }
    return explanations.get(error.code or 500, error.description or "")


def _too_large() -> str:
    """What a 413 means, with this address's limits (config's MAX_PHOTO_BYTES, BODY_LIMITS)."""
    mib = 1024 * 1024
    total = request.max_content_length or current_app.config.get("MAX_CONTENT_LENGTH") or 0
    return gettext(
        "What was sent is too large: at most %(total)s MB in all, photos up to %(photo)s MB each.",
        total=round(total / mib),
        photo=round(current_app.config["MAX_PHOTO_BYTES"] / mib),
    )


def field_problems(error: HTTPException) -> dict[str, list[str]]:
    """The fields an API request was refused for (webargs/marshmallow validation), by name."""
    messages = getattr(error, "data", {}).get("messages") or {}
    problems: dict[str, list[str]] = {}

    def collect(name: str, found: Any) -> None:
        if isinstance(found, dict):
            for key, value in found.items():
                collect(key if name in ("", "_schema") else name, value)
        elif isinstance(found, list | tuple):
            for item in found:
                collect(name, item)
        else:
            problems.setdefault(name or "_request", []).append(str(found))

    for by_location in messages.values():  # {"form": {...}, "query": {...}}
        collect("", by_location)
    return problems


def _headers(error: HTTPException) -> dict[str, str]:
    """The headers the error carries (``Allow`` on a 405, ``Retry-After`` on a 429/503)."""
    return {k: v for k, v in error.get_headers() if k.lower() != "content-type"}


def handle_http_error(error: HTTPException) -> tuple[object, int, dict[str, str]]:
    code = error.code or 500
    message = _explain(error)
    headers = _headers(error)
    if _wants_json():
        body: dict[str, Any] = {"status": code, "message": message}
        problems = field_problems(error)
        if problems:
            body["code"] = "invalid_fields"
            body["fields"] = problems
            body["message"] = " ".join(
                f"“{name}”: {m}" for name, ms in problems.items() for m in ms
            )
        return jsonify({"error": body}), code, headers
    problems = field_problems(error)
    if problems:
        # A person reads the name the page's form gives the box, not the parameter's.
        labels = getattr(error, "data", {}).get("labels") or {}
        message = gettext(
            "This address holds a value that cannot be used: %(problems)s",
            problems="; ".join(
                f"“{labels.get(name, name)}”: {m}" for name, ms in problems.items() for m in ms
            ),
        )
    return render_template("errors/error.html", status=code, message=message), code, headers


def init_app(app: Flask) -> None:
    from app import health, unit_of_work

    app.register_error_handler(HTTPException, handle_http_error)
    unit_of_work.init_app(app)
    health.init_app(app)
