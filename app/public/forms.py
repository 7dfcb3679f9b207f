"""Shopper forms. Labels are msgids translated when the form is built (lazy_gettext)."""

from __future__ import annotations

from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    Optional,
    Regexp,
    ValidationError,
)

from app.clock import local_today
from app.i18n import render_message
from app.validation import CoreRule
from app.verification import MAX_LABEL_PHOTOS
from barcode_db.areas import province_names
from barcode_db.claims import CLAIM_LENGTHS
from complaints import report_rules as rules
from complaints.workflow import CATEGORY_NAMES, Category


def max_length(limit: int) -> CoreRule:
    """The one length rule (and message) of the forms and the API; the browser is told the limit
    too (``maxlength``, from the validator's field flags)."""
    rule = CoreRule(lambda value: rules.length_problem(value, limit))
    rule.field_flags = {"maxlength": limit}
    return rule


def text_field(label: object, limit: int) -> StringField:
    return StringField(label, validators=[Optional(), max_length(limit)])


class LabelClaimsMixin:
    """What the label says, as the shopper typed or corrected it (all optional)."""

    brand = text_field(lazy_gettext("Brand name on the label (optional)"), CLAIM_LENGTHS["brand"])
    maker = text_field(lazy_gettext("Maker or company named on the label"), CLAIM_LENGTHS["maker"])
    origin = text_field(lazy_gettext("Origin (“Xuất xứ”, “Made in”)"), CLAIM_LENGTHS["origin"])
    expires = DateField(
        lazy_gettext("Expiry date (HSD)"),
        validators=[Optional()],
        render_kw={"placeholder": "YYYY-MM-DD"},
    )
    made_in_vietnam = BooleanField(lazy_gettext("The label says “Made in Vietnam”"))


class PhotoForm(LabelClaimsMixin, FlaskForm):
    """Up to three photos of one product (barcode side, front, back), all under the name photo."""

    photo = MultipleFileField(lazy_gettext("Photos of the product"))
    #: A number the live camera already read (two identical reads), sent with a still of the label.
    code = HiddenField(validators=[Optional(), Length(max=64)])

    def validate_photo(self, field: MultipleFileField) -> None:
        chosen = [f for f in field.data or () if getattr(f, "filename", "")]
        if not chosen:
            raise ValidationError(lazy_gettext("Choose or take a photo first."))
        if len(chosen) > MAX_LABEL_PHOTOS:
            raise ValidationError(
                lazy_gettext(
                    "Up to %(count)s photos of one product, please.", count=MAX_LABEL_PHOTOS
                )
            )
        field.data = chosen


class CodeForm(LabelClaimsMixin, FlaskForm):
    """Typed digits; submitted with GET so a verdict has a shareable address (no CSRF needed:
    it changes nothing)."""

    class Meta:
        csrf = False

    code = StringField(lazy_gettext("Barcode number"), validators=[Length(max=512)])
    #: What the shopper says the product is (a category code of barcode_db.categories), for the
    #: Vietnamese alternatives when the registry does not know it; an unknown code is not used.
    category = StringField(validators=[Optional(), Length(max=40)])


def _category_choices() -> list[SelectChoice]:
    return [SelectChoice(c.value, lazy_gettext(CATEGORY_NAMES[c])) for c in Category]


class ComplaintForm(FlaskForm):
    """The shopper's report. Area choices are filled by the view (province → communes)."""

    idempotency_key = HiddenField(
        validators=[DataRequired(), Regexp(rules.IDEMPOTENCY_KEY_PATTERN)]
    )
    category = RadioField(
        lazy_gettext("What is wrong?"),
        choices=_category_choices,
        validators=[InputRequired(lazy_gettext("Choose what is wrong with the product."))],
    )
    code = text_field(lazy_gettext("Barcode number (if there is one)"), rules.LENGTHS["code"])
    product_name = text_field(lazy_gettext("Product name"), rules.LENGTHS["product_name"])
    brand = text_field(lazy_gettext("Brand on the label"), rules.LENGTHS["brand"])
    store_name = text_field(lazy_gettext("Shop or seller"), rules.LENGTHS["store_name"])
    store_address = text_field(lazy_gettext("Shop address"), rules.LENGTHS["store_address"])
    # Choices come from the official list (barcode_db.areas) and are checked by the view, which
    # knows which communes belong to the chosen province.
    province = SelectField(
        lazy_gettext("Province or city"),
        validate_choice=False,
        validators=[InputRequired(lazy_gettext("Choose the province or city."))],
    )
    commune = SelectField(
        lazy_gettext("Commune or ward"), validate_choice=False, validators=[Optional()]
    )
    date_seen = DateField(lazy_gettext("Date you saw or bought it"), validators=[Optional()])
    price = IntegerField(
        lazy_gettext("Price paid (VND)"), validators=[Optional(), CoreRule(rules.price_problem)]
    )
    quantity = IntegerField(
        lazy_gettext("Quantity"), validators=[Optional(), CoreRule(rules.quantity_problem)]
    )
    description = TextAreaField(
        lazy_gettext("What did you see?"),
        validators=[
            InputRequired(lazy_gettext("Describe what you saw, in a few words.")),
            CoreRule(rules.description_problem),
        ],
    )
    photos = MultipleFileField(lazy_gettext("Photos (up to 5)"))
    anonymous = BooleanField(lazy_gettext("Report anonymously"))
    contact_name = text_field(lazy_gettext("Your name"), rules.LENGTHS["contact_name"])
    contact_phone = StringField(
        lazy_gettext("Phone"), validators=[Optional(), CoreRule(rules.phone_problem)]
    )
    contact_email = EmailField(
        lazy_gettext("E-mail"),
        validators=[
            Optional(),
            max_length(rules.LENGTHS["contact_email"]),
            CoreRule(rules.email_problem),
        ],
    )
    consent = BooleanField(
        lazy_gettext(
            "I agree that the association processes my contact details to handle this report, "
            "and shares them with no one but the officials handling it."
        )
    )

    def validate_date_seen(self, field: DateField) -> None:
        problem = field.data and rules.date_seen_problem(field.data, local_today())
        if problem:
            raise ValidationError(render_message(problem))

    def validate_consent(self, field: BooleanField) -> None:
        problem = rules.consent_problem(
            anonymous=bool(self.anonymous.data),
            contact=(
                self.contact_name.data or "",
                self.contact_phone.data or "",
                self.contact_email.data or "",
            ),
            consent=bool(field.data),
        )
        if problem:
            raise ValidationError(render_message(problem))


class RatingForm(FlaskForm):
    rating = RadioField(
        lazy_gettext("How satisfied are you with how your report was handled?"),
        choices=[SelectChoice(str(n), str(n)) for n in range(1, 6)],
        validators=[InputRequired(lazy_gettext("Choose from 1 to 5."))],
    )
    comment = TextAreaField(
        lazy_gettext("Comment (optional)"),
        validators=[Optional(), max_length(rules.LENGTHS["rating_comment"])],
    )


class TrackForm(FlaskForm):
    class Meta:
        csrf = False

    code = StringField(lazy_gettext("Tracking code"), validators=[InputRequired(), Length(max=20)])


def _province_choices() -> list[SelectChoice]:
    return [
        SelectChoice("", lazy_gettext("Not given")),
        *(SelectChoice(code, name) for code, name in province_names().items()),
    ]


class ProvinceChoiceForm(FlaskForm):
    """The shopper's province, remembered in a cookie of theirs and sent with their checks
    (app/campaign.py); "Not given" forgets it."""

    province = SelectField(
        lazy_gettext("Your province (optional, for the association's statistics)"),
        choices=_province_choices,
    )
