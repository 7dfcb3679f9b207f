"""Error pages for people and JSON errors for the API, in the reader's language."""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify, render_template, request
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
    explanations = {
        400: gettext("The request could not be understood."),
        404: gettext("This page does not exist."),
        405: gettext("This address does not accept that kind of request."),
        413: gettext("The file is too large: photos up to 10 MB are accepted."),
        429: gettext("Too many requests from your connection. Please wait a minute and try again."),
        500: gettext(
            "Something went wrong on our side. Your request was not saved; please try again later."
        ),
    }
    return explanations.get(error.code or 500, error.description or "")


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


def handle_http_error(error: HTTPException) -> tuple[object, int]:
    code = error.code or 500
    message = _explain(error)
    if _wants_json():
        body: dict[str, Any] = {"status": code, "message": message}
        problems = field_problems(error)
        if problems:
            body["code"] = "invalid_fields"
            body["fields"] = problems
            body["message"] = " ".join(
                f"“{name}”: {m}" for name, ms in problems.items() for m in ms
            )
        return jsonify({"error": body}), code
    return render_template("errors/error.html", status=code, message=message), code


def init_app(app: Flask) -> None:
    from app import unit_of_work

    app.register_error_handler(HTTPException, handle_http_error)
    unit_of_work.init_app(app)
