"""Error pages for people and JSON errors for the API, in the reader's language."""

from __future__ import annotations

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


def handle_http_error(error: HTTPException) -> tuple[object, int]:
    code = error.code or 500
    message = _explain(error)
    if _wants_json():
        return jsonify({"error": {"status": code, "message": message}}), code
    return render_template("errors/error.html", status=code, message=message), code


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http_error)
