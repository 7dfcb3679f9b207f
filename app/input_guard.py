"""The one boundary every text input crosses: query strings, path parts, form fields, uploaded
file names and JSON bodies are checked against :mod:`barcode_db.text_safety` before any view
runs. A refused character is a 400 page (422 with the field named, for the API) in the reader's
language, and nothing is read further, stored or searched for.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Flask,
    Response,
    abort,
    current_app,
    g,
    jsonify,
    make_response,
    render_template,
    request,
)
from flask_babel import gettext

from app.i18n import render_message
from app.redirects import safe_target
from barcode_db.messages import Message
from barcode_db.text_safety import character_problem, without_forbidden


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


log = logging.getLogger(__name__)


def first_problem() -> tuple[str, Message] | None:
    """The first field of the request holding a refused character, with the message."""
    for name, text in _texts():
        problem = character_problem(text)
        if problem is not None:
            return name, problem
    return None


FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")


def shown_in_form(view: Any) -> Any:
    """Marks a view that shows its form again with refused characters taken out and each one
    named under its field (a shopper's pasted text keeps the rest of what was typed). The view
    must call :func:`take_out_refused` on its form before anything else; a request it does not
    (or a refused character outside the form's text fields) is refused as everywhere else."""
    view.shows_refused_characters = True
    return view


def refuse_forbidden_characters() -> Response | tuple[Any, int] | None:
    found = first_problem()
    if found is None:
        return None
    view = current_app.view_functions.get(request.endpoint or "")
    if (
        getattr(view, "shows_refused_characters", False)
        and request.method == "POST"
        and request.mimetype in FORM_TYPES
    ):
        g.refused_characters = True
        return None
    return _refusal(*found)


def take_out_refused(form: Any) -> bool:
    """Put each refused character of the request on its form field, taken out of the value; True
    when there was one (show the form again, save nothing)."""
    if not g.get("refused_characters"):
        return False
    g.refused_characters_shown = True
    for name, text in _texts():
        problem = character_problem(text, taken_out=True)
        if problem is None:
            continue
        field = form._fields.get(name)
        if field is None or not isinstance(field.data, str) or text not in (field.raw_data or ()):
            abort(make_response(_refusal(name, character_problem(text) or problem)))
        field.data = without_forbidden(field.data)
        field.errors = [*field.errors, render_message(problem)]
    return True


def _unshown_refusal(response: Response) -> Response:
    """A marked view that did not show the refusal: refused after all (and logged: a bug)."""
    if g.get("refused_characters") and not g.get("refused_characters_shown"):
        log.error("%s let a refused character through without showing it", request.endpoint)
        found = first_problem()
        if found is not None:
            return make_response(_refusal(*found))
    return response


def _refusal(name: str, problem: Message) -> tuple[Any, int]:
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
        back_url=_page_sent_from(),
    ), 400


def _page_sent_from() -> str | None:
    """The page of this site the request came from (a form), to go back to and correct it."""
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc != request.host or request.method == "GET":
        return None
    path = referrer.path + (f"?{referrer.query}" if referrer.query else "")
    return safe_target(path, "") or None


def init_app(app: Flask) -> None:
    app.before_request(refuse_forbidden_characters)
    app.after_request(_unshown_refusal)
