from __future__ import annotations

from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional


class OutcomeForm(FlaskForm):
    """The outcome of an inspection, which closes a referred case through the workflow."""

    version = IntegerField(validators=[InputRequired()])
    inspected_on = DateField(lazy_gettext("Inspected on"), validators=[InputRequired()])
    violation = RadioField(
        lazy_gettext("Violation found?"),
        choices=[
            SelectChoice("yes", lazy_gettext("Yes: violation confirmed")),
            SelectChoice("no", lazy_gettext("No violation found")),
        ],
        validators=[InputRequired()],
    )
    enforcement_ref = StringField(
        lazy_gettext("Fine or seizure decision (number and date)"),
        validators=[Optional(), Length(max=200)],
    )
    note = TextAreaField(lazy_gettext("Note"), validators=[Optional(), Length(max=4000)])
