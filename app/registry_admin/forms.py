"""Registry admin forms. Labels are msgids translated when the form is built (lazy_gettext).

The app's CSRFProtect checks the token of every POST before any view runs, and the company page
holds many small forms; so these forms do not check it again, and templates write the token as a
plain hidden input (``csrf_token()``) without an id.
"""

from __future__ import annotations

from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, HiddenField, IntegerField, SelectChoice, SelectField, StringField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from barcode_db.models import PROGRAMME_NAMES, Programme


class _Form(FlaskForm):
    class Meta:
        csrf = False  # checked by CSRFProtect for every POST


class CompanyForm(_Form):
    code = StringField(
        lazy_gettext("Company code (the association’s own key)"),
        validators=[InputRequired(), Length(max=40)],
    )
    name = StringField(lazy_gettext("Company name"), validators=[InputRequired(), Length(max=300)])
    tax_code = StringField(lazy_gettext("Tax code"), validators=[Optional(), Length(max=14)])
    address = StringField(lazy_gettext("Address"), validators=[Optional(), Length(max=500)])
    province_code = SelectField(lazy_gettext("Province"), validate_choice=False)
    website = StringField(lazy_gettext("Website"), validators=[Optional(), Length(max=300)])


class PrefixForm(_Form):
    prefix = StringField(
        lazy_gettext("GS1 company prefix (893 and 4 to 7 more digits)"),
        validators=[InputRequired(), Length(max=20)],
    )


class BrandForm(_Form):
    name = StringField(lazy_gettext("Brand name"), validators=[InputRequired(), Length(max=200)])


class ProductForm(_Form):
    gtin = StringField(
        lazy_gettext("Barcode number (GTIN)"), validators=[InputRequired(), Length(max=64)]
    )
    name = StringField(lazy_gettext("Product name"), validators=[InputRequired(), Length(max=300)])
    brand_id = SelectField(lazy_gettext("Brand"), validate_choice=False)


def _programme_choices() -> list[SelectChoice]:
    return [SelectChoice(p.value, lazy_gettext(PROGRAMME_NAMES[p])) for p in Programme]


class CertificationForm(_Form):
    programme = SelectField(
        lazy_gettext("Programme"), choices=_programme_choices, validators=[InputRequired()]
    )
    year = IntegerField(
        lazy_gettext("Year"), validators=[InputRequired(), NumberRange(min=1990, max=2100)]
    )
    stars = SelectField(
        lazy_gettext("OCOP stars"),
        choices=[SelectChoice("", "—")] + [SelectChoice(s, s) for s in ("3", "4", "5")],
    )
    valid_until = DateField(lazy_gettext("Valid until"), validators=[Optional()])
    evidence_ref = StringField(
        lazy_gettext("Evidence (decision number, document)"),
        validators=[Optional(), Length(max=300)],
    )
    brand_id = SelectField(lazy_gettext("Brand (empty: the whole company)"), validate_choice=False)


class ActionForm(_Form):
    """Retire and restore buttons: nothing but the (app-checked) CSRF token."""


class ImportForm(_Form):
    file = FileField(
        lazy_gettext("Registry list (CSV in UTF-8, or Excel .xlsx)"),
        validators=[FileRequired(lazy_gettext("Choose a file first."))],
    )


class ConfirmImportForm(_Form):
    """The previewed file, sent back as it was: base64 content, its SHA-256, its name."""

    content = HiddenField(validators=[InputRequired()])
    sha256 = HiddenField(validators=[InputRequired(), Length(min=64, max=64)])
    filename = HiddenField(validators=[Optional(), Length(max=200)])
