"""The one boundary every text input crosses: query strings, path parts, form fields, uploaded
file names and JSON bodies are checked against :mod:`barcode_db.text_safety` before any view
runs. A refused character is a 400 page (422 with the field named, for the API) in the reader's
language, and nothing is read further, stored or searched for.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from flask_babel import gettext

from app.i18n import render_message
from barcode_db.messages import Message
from barcode_db.text_safety import character_problem


def _texts() -> Iterator[tuple[str, str]]:
    """(field name, text) for every piece of text the request carries."""
    for key, values in request.args.lists():
        yield key, key
        for value in values:
            yield key, value
    for key, value in (request.view_args or {}).items():
        if isinstance(value, str):
            yield key, value
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        if request.mimetype in ("multipart/form-data", "application/x-www-form-urlencoded"):
            for key, values in request.form.lists():
                yield key, key
                for value in values:
                    yield key, value
            for key, upload in request.files.items(multi=True):
                yield key, key
                yield key, upload.filename or ""
        elif request.is_json:
            yield from _json_texts("", request.get_json(silent=True))
    idempotency_key = request.headers.get("Idempotency-Key")
    if idempotency_key is not None:
        yield "Idempotency-Key", idempotency_key


def _json_texts(name: str, value: Any) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield name or "_body", value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key), str(key)
            yield from _json_texts(str(key), item)
    elif isinstance(value, list):
        for item in value:
            yield from _json_texts(name, item)


def first_problem() -> tuple[str, Message] | None:
    """The first field of the request holding a refused character, with the message."""
    for name, text in _texts():
        problem = character_problem(text)
        if problem is not None:
            return name, problem
    return None


def refuse_forbidden_characters() -> Response | tuple[Any, int] | None:
    found = first_problem()
    if found is None:
        return None
    name, problem = found
    message = render_message(problem)
    if request.path.startswith("/api/"):
        body = {
            "status": 422,
            "code": "invalid_fields",
            "message": f"“{name}”: {message}",
            "fields": {name: [message]},
        }
        return jsonify({"error": body}), 422
    return render_template(
        "errors/error.html",
        status=400,
        message=gettext("Your request was not accepted. %(reason)s", reason=message),
    ), 400


def init_app(app: Flask) -> None:
    app.before_request(refuse_forbidden_characters)
