"""The cores' rules (functions returning a :class:`~barcode_db.messages.Message` or None) as
validators of the web forms (WTForms) and of the API schemas (marshmallow): one rule, one message,
in the reader's language, wherever the input comes in."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import marshmallow as ma
from wtforms import Field, Form, ValidationError

from app.i18n import render_message
from barcode_db.messages import Message

Rule = Callable[[Any], Message | None]


class CoreRule:
    """A WTForms validator running a core rule on the field's data (skipped when empty)."""

    def __init__(self, rule: Rule) -> None:
        self.rule = rule
        #: HTML attributes WTForms renders from this validator (e.g. maxlength).
        self.field_flags: dict[str, object] = {}

    def __call__(self, form: Form, field: Field) -> None:
        if field.data is None or field.data == "":
            return
        problem = self.rule(field.data)
        if problem is not None:
            raise ValidationError(render_message(problem))


def ma_rule(rule: Rule) -> Callable[[Any], None]:
    """A marshmallow validator running a core rule."""

    def validate(value: Any) -> None:
        problem = rule(value)
        if problem is not None:
            raise ma.ValidationError(render_message(problem))

    return validate
