"""The survey's answer form (``/s/<code>``). Labels are msgids translated when the form is built.

Every question of the bank is a field, whichever the survey asks: the page shows only those
asked, and an answer to one it does not ask is refused by the core
(:func:`surveys.answering.record_answer`), not silently dropped. Scales arrive as text and are
read by the view (:func:`answered_score`): the core says when a value is off its scale.
"""

from __future__ import annotations

import re

from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField, ValidationError
from wtforms.validators import Optional

from app.public.forms import max_length, text_field
from surveys.questions import COMMENT_LENGTH, Question

#: What a scale answer may be sent as: a few ASCII digits.
_DIGITS = re.compile(r"[0-9]{1,3}")
#: A scale answer that is not a number: sent on as a value no scale holds, which the core
#: refuses as off its scale (one message for "11" and "eleven" alike).
OFF_SCALE = 0
YES, NO = "yes", "no"
#: Longest barcode text the box takes (a GS1 Digital Link or a pasted number with spaces).
GTIN_LENGTH = 64


def answered_score(text: str | None) -> int | None:
    """A scale answer as sent: None when not answered."""
    text = (text or "").strip()
    if not text:
        return None
    return int(text) if _DIGITS.fullmatch(text) else OFF_SCALE


def answered_yes_no(text: str | None) -> bool | None:
    text = (text or "").strip()
    return True if text == YES else False if text == NO else None


def _scale_field() -> StringField:
    return StringField(validators=[Optional()])


class AnswerForm(FlaskForm):
    """One respondent's answers. Area and list choices are filled by the view."""

    #: What is rated, from the list: "b<brand id>" or "p<product id>" (surveys.answering.Choice).
    item = StringField(lazy_gettext("Choose it from the list"), validators=[Optional()])
    gtin = text_field(lazy_gettext("Or type the barcode number"), GTIN_LENGTH)

    overall = _scale_field()
    expectations = _scale_field()
    ideal = _scale_field()
    quality = _scale_field()
    label_information = _scale_field()
    choice = _scale_field()
    design = _scale_field()
    price = _scale_field()
    customer_care = _scale_field()
    choose_again = StringField(validators=[Optional()])
    comment = TextAreaField(
        validators=[Optional(), max_length(COMMENT_LENGTH)],
    )

    age_group = SelectField(
        lazy_gettext("Your age"), validate_choice=False, validators=[Optional()]
    )
    province = SelectField(
        lazy_gettext("Province or city"), validate_choice=False, validators=[Optional()]
    )
    commune = SelectField(
        lazy_gettext("Commune or ward"), validate_choice=False, validators=[Optional()]
    )
    channel = SelectField(
        lazy_gettext("Where did you buy it?"), validate_choice=False, validators=[Optional()]
    )

    def validate_choose_again(self, field: StringField) -> None:
        if (field.data or "").strip() not in ("", YES, NO):
            raise ValidationError(lazy_gettext("Answer yes or no."))

    def scores(self) -> dict[Question, int | None]:
        """The scale answers sent, by question (None: not answered)."""
        return {
            question: answered_score(self[question.value].data)
            for question in Question
            if question not in (Question.CHOOSE_AGAIN, Question.COMMENT)
        }
