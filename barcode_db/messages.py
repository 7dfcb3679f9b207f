"""Translatable messages of the cores.

The cores never import Flask or pick a language. A message carries a stable ``code``, an English
msgid (marked with :func:`N_` so ``pybabel extract`` finds it) and its parameters; whoever shows it
renders it with the gettext of the reader's locale. Parameters that are themselves words in a
language (country names, say) are given as :class:`Localized` and resolved at render time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any


def N_(msgid: str) -> str:
    """Mark a string for extraction into the message catalog without translating it."""
    return msgid


@dataclass(frozen=True)
class Localized:
    """A word or name known in several languages, e.g. a country name from CLDR."""

    values: Mapping[str, str]

    def get(self, lang: str) -> str:
        return self.values.get(lang) or self.values.get("en") or next(iter(self.values.values()))

    def __str__(self) -> str:
        return self.get("en")


def _identity(msgid: str) -> str:
    return msgid


def _resolve(value: Any, translate: Callable[[str], str], lang: str) -> Any:
    """Parameters that are words (Localized) or whole messages are put in the reader's language."""
    if isinstance(value, Localized):
        return value.get(lang)
    if isinstance(value, Message):
        return value.render(translate, lang)
    if isinstance(value, dt.date):
        return format_date(value)
    return value


def format_date(value: dt.date) -> str:
    """A date as Vietnamese labels and readers write it, day first: 12/03/2026."""
    return value.strftime("%d/%m/%Y")


def format_moment(value: dt.datetime, tz: dt.tzinfo) -> str:
    """A moment as Vietnamese readers write it, in the time zone ``tz``: 27/11/2026 10:18.

    A naive ``value`` is taken as UTC, the time the database keeps."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    local = value.astimezone(tz)
    return f"{format_date(local.date())} {local:%H:%M}"


@dataclass(frozen=True)
class Message:
    """A code plus an English msgid with ``%(name)s`` placeholders and the values to fill them."""

    code: str
    msgid: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def render(self, translate: Callable[[str], str] = _identity, lang: str = "en") -> str:
        values = {key: _resolve(value, translate, lang) for key, value in self.params.items()}
        return translate(self.msgid) % values if values else translate(self.msgid)

    def __str__(self) -> str:
        return self.render()


class Refusal(Exception):
    """An operation the rules refuse. The one base class of every refusal in the cores.

    ``message`` says why, in the user's terms (rendered in their language by whoever shows it);
    ``status`` is the HTTP status the refusal means to a web client: 400 for input the rules do
    not accept, 409 for a conflict with the stored state (an old version, a used key), 413/422
    for uploads. Views never catch these one by one: ``app.unit_of_work`` turns any of them into
    a page or a JSON body and rolls the transaction back.
    """

    status: int = 400

    def __init__(self, message: Message, status: int | None = None) -> None:
        super().__init__(message.msgid)
        self.message = message
        if status is not None:
            self.status = status

    def __str__(self) -> str:
        return self.message.render()
