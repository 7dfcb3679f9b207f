"""Registry admin forms. Labels are msgids translated when the form is built (lazy_gettext).

The forms carry text as typed and check nothing of it: the rules are the registry's
(:mod:`barcode_db.registry_rules`, the same for the importer), and a refusal's problems are shown
under the fields they are about. The lengths the inputs allow (``maxlength``) are the model
columns' (``LIMITS``).

The app's CSRFProtect checks the token of every POST before any view runs, and the company page
holds many small forms; so these forms do not check it again, and templates write the token as a
plain hidden input (``csrf_token()``) without an id.
"""

from __future__ import annotations

from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, SelectChoice, SelectField, StringField
from wtforms.validators import InputRequired, Length, Optional
from wtforms.widgets import DateInput

from barcode_db.categories import CATEGORIES
from barcode_db.models import PROGRAMME_NAMES, Programme
from barcode_db.registry_rules import LIMITS


class _Form(FlaskForm):
    class Meta:
        csrf = False  # checked by CSRFProtect for every POST


def _max(record: str, field: str) -> dict[str, int]:
    return {"maxlength": LIMITS[record][field]}


class CompanyForm(_Form):
    code = StringField(
        lazy_gettext("Company code (the association’s own key)"),
        render_kw={**_max("company", "code"), "autocomplete": "off"},
    )
    name = StringField(lazy_gettext("Company name"), render_kw=_max("company", "name"))
    tax_code = StringField(
        lazy_gettext("Tax code"),
        render_kw={**_max("company", "tax_code"), "inputmode": "numeric", "autocomplete": "off"},
    )
    address = StringField(lazy_gettext("Address"), render_kw=_max("company", "address"))
    province_code = SelectField(lazy_gettext("Province"), validate_choice=False)
    website = StringField(lazy_gettext("Website"), render_kw=_max("company", "website"))
    # What the shopper is told about the company, with where and when it was checked.
    made_in = StringField(
        lazy_gettext("Where its goods are made (provinces, countries)"),
        render_kw=_max("company", "made_in"),
    )
    owner_group = StringField(
        lazy_gettext("Group it belongs to (empty: none)"), render_kw=_max("company", "owner_group")
    )
    #: Countries by name in the reader's language (choices set by the view); the rules check
    #: the code, so a value no option offers is refused under the field.
    owner_country = SelectField(lazy_gettext("Country of that group"), validate_choice=False)
    source = StringField(
        lazy_gettext("Where these facts were checked (register, filing, visit)"),
        render_kw=_max("company", "source"),
    )
    checked_on = StringField(lazy_gettext("Checked on"), widget=DateInput())


class PrefixForm(_Form):
    prefix = StringField(lazy_gettext("GS1 company prefix (893 and 4 to 7 more digits)"))


def category_choices(empty: str) -> list[SelectChoice]:
    """The registry's categories (:mod:`barcode_db.categories`, in its order) by their names in
    the reader's language, after an empty choice reading ``empty``."""
    return [SelectChoice("", empty)] + [
        SelectChoice(c.code, lazy_gettext(c.name)) for c in CATEGORIES
    ]


class BrandForm(_Form):
    name = StringField(lazy_gettext("Brand name"), render_kw=_max("brand", "name"))
    category = SelectField(
        lazy_gettext("Category"),
        choices=lambda: category_choices(str(lazy_gettext("— none —"))),
        validate_choice=False,
    )


class ProductForm(_Form):
    gtin = StringField(lazy_gettext("Barcode number (GTIN)"))
    name = StringField(lazy_gettext("Product name"), render_kw=_max("product", "name"))
    brand_id = SelectField(lazy_gettext("Brand"), validate_choice=False)
    #: Empty: the product takes its brand's category.
    category = SelectField(
        lazy_gettext("Category"),
        choices=lambda: category_choices(str(lazy_gettext("— the brand’s —"))),
        validate_choice=False,
    )


def _programme_choices() -> list[SelectChoice]:
    return [SelectChoice(p.value, lazy_gettext(PROGRAMME_NAMES[p])) for p in Programme]


class CertificationForm(_Form):
    programme = SelectField(
        lazy_gettext("Programme"), choices=_programme_choices, validate_choice=False
    )
    year = StringField(lazy_gettext("Year"), render_kw={"inputmode": "numeric"})
    stars = SelectField(
        lazy_gettext("OCOP stars"),
        choices=[SelectChoice("", "—")] + [SelectChoice(s, s) for s in ("3", "4", "5")],
        validate_choice=False,
    )
    #: A date input (YYYY-MM-DD as browsers send it), read by the rules like the list's column.
    valid_until = StringField(lazy_gettext("Valid until"), widget=DateInput())
    evidence_ref = StringField(
        lazy_gettext("Evidence (decision number, document)"),
        render_kw=_max("certification", "evidence_ref"),
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
