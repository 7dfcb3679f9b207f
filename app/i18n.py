"""Language choice and the rendering of the cores' messages in the reader's language."""

from __future__ import annotations

from flask import Flask, Response, current_app, request
from flask_babel import format_date, format_datetime, get_locale, get_translations, gettext

from barcode_db.messages import Message
from barcode_db.messages import format_date as day_first
from barcode_db.models import PROGRAMME_NAMES

LANG_COOKIE = "lang"


def select_locale() -> str:
    """Vietnamese first: ``?lang=``, then the reader's saved choice (not for the API), then
    Vietnamese."""
    languages = current_app.config["LANGUAGES"]
    # The JSON API takes no cookies: its language is the request's ?lang= alone.
    saved = None if request.path.startswith("/api/") else request.cookies.get(LANG_COOKIE)
    for candidate in (request.args.get("lang"), saved):
        if candidate in languages:
            return candidate
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def current_language() -> str:
    locale = get_locale()
    return locale.language if locale else "vi"


def render_message(message: Message) -> str:
    """A core message in the current request's language."""
    # The request's catalogue, looked up once (flask_babel.gettext looks it up on every call).
    return message.render(get_translations().gettext, current_language())


def translate(msgid: str) -> str:
    """Translate a msgid marked with N_ in a core."""
    return gettext(msgid)


def remember_language(response: Response) -> Response:
    """A ``?lang=`` link sets the language for the pages that follow, as the switch does."""
    lang = request.args.get("lang")
    if lang in current_app.config["LANGUAGES"] and request.cookies.get(LANG_COOKIE) != lang:
        set_language_cookie(response, lang)
    return response


def set_language_cookie(response: Response, lang: str) -> None:
    response.set_cookie(LANG_COOKIE, lang, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)


def init_app(app: Flask) -> None:
    app.after_request(remember_language)
    app.jinja_env.filters["msg"] = render_message
    app.jinja_env.filters["t"] = translate
    app.jinja_env.filters["date_vn"] = day_first
    app.jinja_env.globals["current_language"] = current_language
    app.jinja_env.globals["format_date"] = format_date
    app.jinja_env.globals["format_datetime"] = format_datetime
    app.jinja_env.globals["programme_names"] = PROGRAMME_NAMES
