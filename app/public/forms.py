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
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from app.clock import local_today
from app.verification import MAX_LABEL_PHOTOS
from complaints.workflow import CATEGORY_NAMES, Category


class LabelClaimsMixin:
    """What the label says, as the shopper typed or corrected it (all optional)."""

    brand = StringField(
        lazy_gettext("Brand name on the label (optional)"), validators=[Optional(), Length(max=120)]
    )
    maker = StringField(
        lazy_gettext("Maker or company named on the label"),
        validators=[Optional(), Length(max=200)],
    )
    origin = StringField(
        lazy_gettext("Origin (“Xuất xứ”, “Made in”)"), validators=[Optional(), Length(max=80)]
    )
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


PHONE_PATTERN = r"^(\+84|0)[0-9 .\-]{8,13}$"


def _category_choices() -> list[SelectChoice]:
    return [SelectChoice(c.value, lazy_gettext(CATEGORY_NAMES[c])) for c in Category]


class ComplaintForm(FlaskForm):
    """The shopper's report. Area choices are filled by the view (province → communes)."""

    idempotency_key = HiddenField(validators=[DataRequired(), Regexp(r"^[A-Za-z0-9_\-]{16,80}$")])
    category = RadioField(
        lazy_gettext("What is wrong?"),
        choices=_category_choices,
        validators=[InputRequired(lazy_gettext("Choose what is wrong with the product."))],
    )
    code = StringField(
        lazy_gettext("Barcode number (if there is one)"), validators=[Optional(), Length(max=64)]
    )
    product_name = StringField(
        lazy_gettext("Product name"), validators=[Optional(), Length(max=200)]
    )
    brand = StringField(
        lazy_gettext("Brand on the label"), validators=[Optional(), Length(max=120)]
    )
    store_name = StringField(
        lazy_gettext("Shop or seller"), validators=[Optional(), Length(max=200)]
    )
    store_address = StringField(
        lazy_gettext("Shop address"), validators=[Optional(), Length(max=300)]
    )
    # Choices come from the official list (complaints.areas) and are checked by the view, which
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
        lazy_gettext("Price paid (VND)"),
        validators=[Optional(), NumberRange(min=0, max=10_000_000_000)],
    )
    quantity = IntegerField(
        lazy_gettext("Quantity"), validators=[Optional(), NumberRange(min=1, max=100_000)]
    )
    description = TextAreaField(
        lazy_gettext("What did you see?"),
        validators=[
            InputRequired(lazy_gettext("Describe what you saw, in a few words.")),
            Length(
                min=10, max=4000, message=lazy_gettext("Between 10 and 4,000 characters, please.")
            ),
        ],
    )
    photos = MultipleFileField(lazy_gettext("Photos (up to 5)"))
    anonymous = BooleanField(lazy_gettext("Report anonymously"))
    contact_name = StringField(lazy_gettext("Your name"), validators=[Optional(), Length(max=120)])
    contact_phone = StringField(
        lazy_gettext("Phone"),
        validators=[
            Optional(),
            Regexp(
                PHONE_PATTERN, message=lazy_gettext("A Vietnamese phone number, e.g. 0912 345 678.")
            ),
        ],
    )
    contact_email = EmailField(
        lazy_gettext("E-mail"),
        validators=[
            Optional(),
            Length(max=254),
            Email(message=lazy_gettext("This e-mail address does not look right.")),
        ],
    )
    consent = BooleanField(
        lazy_gettext(
            "I agree that the association processes my contact details to handle this report, "
            "and shares them with no one but the officials handling it."
        )
    )

    def validate_date_seen(self, field: DateField) -> None:
        today = local_today()
        if field.data and field.data > today:
            raise ValidationError(lazy_gettext("The date cannot be in the future."))
        if field.data and field.data < today.replace(year=today.year - 3):
            raise ValidationError(
                lazy_gettext("Only goods seen in the last three years can be reported.")
            )

    def validate_consent(self, field: BooleanField) -> None:
        gives_contact = not self.anonymous.data and any(
            (self.contact_name.data, self.contact_phone.data, self.contact_email.data)
        )
        if gives_contact and not field.data:
            raise ValidationError(
                lazy_gettext(
                    "Tick the consent box to give your contact details, or report anonymously."
                )
            )


class RatingForm(FlaskForm):
    rating = RadioField(
        lazy_gettext("How satisfied are you with how your report was handled?"),
        choices=[SelectChoice(str(n), str(n)) for n in range(1, 6)],
        validators=[InputRequired(lazy_gettext("Choose from 1 to 5."))],
    )
    comment = TextAreaField(
        lazy_gettext("Comment (optional)"), validators=[Optional(), Length(max=1000)]
    )


class TrackForm(FlaskForm):
    class Meta:
        csrf = False

    code = StringField(lazy_gettext("Tracking code"), validators=[InputRequired(), Length(max=20)])
