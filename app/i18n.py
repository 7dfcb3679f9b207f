"""Language choice and the rendering of the cores' messages in the reader's language."""

from __future__ import annotations

import datetime as dt

from flask import Flask, Response, current_app, request
from flask_babel import get_locale, get_translations, gettext

from app.clock import LOCAL_TZ
from barcode_db.gtin import printed_gtin
from barcode_db.messages import Message, format_moment
from barcode_db.messages import format_date as day_first
from barcode_db.models import PROGRAMME_NAMES
from barcode_db.verdict import LEVEL_TITLES, Level
from complaints.tracking import format_tracking_code

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


def moment(value: dt.datetime | None) -> str:
    """A moment as people read it here, in either language: ``27/11/2026 10:18``, local time."""
    return "" if value is None else format_moment(value, LOCAL_TZ)


def day(value: dt.date | None) -> str:
    """A day (a deadline, a date seen): ``08/12/2026``; a moment's local date."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = (value if value.tzinfo else value.replace(tzinfo=dt.UTC)).astimezone(LOCAL_TZ)
        return day_first(value.date())
    return day_first(value)


def level_words(level: str | None) -> str:
    """A verdict level (stored as its code) in the words shoppers read on the verdict."""
    if not level:
        return ""
    try:
        return gettext(LEVEL_TITLES[Level(level)])
    except ValueError:  # a level no longer known: its code is all there is
        return level


def gtin(code: str | None) -> str:
    """A barcode number as printed on the pack (``8936024000127``, not ``08936024000127``)."""
    return printed_gtin(code) if code else ""


def tracking_code(code: str | None) -> str:
    """A tracking code as the reporter was given it: ``D7ATM-VADJB``."""
    return format_tracking_code(code) if code else ""


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
    # Every date and time a person reads goes through these two (issue 13, item 14).
    app.jinja_env.filters["moment"] = moment
    app.jinja_env.filters["day"] = day
    app.jinja_env.filters["gtin"] = gtin
    app.jinja_env.filters["tracking_code"] = tracking_code
    app.jinja_env.filters["level"] = level_words
    app.jinja_env.globals["current_language"] = current_language
    app.jinja_env.globals["programme_names"] = PROGRAMME_NAMES
