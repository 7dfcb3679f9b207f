"""Shopper forms. Labels are msgids translated when the form is built (lazy_gettext)."""

from __future__ import annotations

from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, StringField
from wtforms.validators import Length, Optional


class LabelClaimsMixin:
    brand = StringField(
        lazy_gettext("Brand name on the label (optional)"), validators=[Optional(), Length(max=120)]
    )
    made_in_vietnam = BooleanField(lazy_gettext("The label says “Made in Vietnam”"))


class PhotoForm(LabelClaimsMixin, FlaskForm):
    photo = FileField(
        lazy_gettext("Photo of the barcode"),
        validators=[FileRequired(lazy_gettext("Choose or take a photo first."))],
    )


class CodeForm(LabelClaimsMixin, FlaskForm):
    """Typed digits; submitted with GET so a verdict has a shareable address (no CSRF needed:
    it changes nothing)."""

    class Meta:
        csrf = False

    code = StringField(lazy_gettext("Barcode number"), validators=[Length(max=512)])
