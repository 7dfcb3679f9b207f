"""Staff forms. Every POST form carries a CSRF token and the version it was read at."""

from __future__ import annotations

from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, IntegerField, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional


class VersionedForm(FlaskForm):
    version = IntegerField(validators=[InputRequired()])


class MoveForm(VersionedForm):
    target = SelectField(
        lazy_gettext("Move to"), validate_choice=False, validators=[InputRequired()]
    )
    note = TextAreaField(lazy_gettext("Note"), validators=[Optional(), Length(max=4000)])
    public = BooleanField(lazy_gettext("Show this note to the reporter on the tracking page"))


class NoteForm(FlaskForm):
    note = TextAreaField(lazy_gettext("Note"), validators=[InputRequired(), Length(max=4000)])
    public = BooleanField(lazy_gettext("Show this note to the reporter on the tracking page"))


class AssignForm(VersionedForm):
    assignee = SelectField(lazy_gettext("Assign to"), validate_choice=False)


class MergeForm(FlaskForm):
    others = HiddenField()  # comma-separated ids; checkboxes fill it through the view
    note = TextAreaField(lazy_gettext("Note"), validators=[Optional(), Length(max=2000)])


class TemplateForm(FlaskForm):
    body = TextAreaField(validators=[Optional(), Length(max=4000)])
