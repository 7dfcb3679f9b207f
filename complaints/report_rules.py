"""What a shopper's report must satisfy: one definition, used by the web form and the API schema.

Each rule is a function that returns ``None`` when the value is acceptable, or a
:class:`~barcode_db.messages.Message` saying what is wrong in the shopper's terms. The web form
(``app/public/forms.py``, WTForms) and the API (``app/api/schemas.py``, marshmallow) wrap the same
functions, so both refuse the same input with the same words. Lengths are read from the model's
columns, so a limit changed in a migration changes both.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Final

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email

from barcode_db.areas import area_problem
from barcode_db.messages import N_, Message
from complaints.models import Complaint

__all__ = [
    "DESCRIPTION_MAX",
    "DESCRIPTION_MIN",
    "IDEMPOTENCY_KEY_PATTERN",
    "LENGTHS",
    "PHONE_PATTERN",
    "PRICE_MAX",
    "QUANTITY_MAX",
    "SEEN_WITHIN_YEARS",
    "area_problem",
    "consent_problem",
    "date_seen_problem",
    "description_problem",
    "email_problem",
    "idempotency_key_problem",
    "length_problem",
    "phone_problem",
    "price_problem",
    "quantity_problem",
]


def _column_length(column: sa.orm.InstrumentedAttribute[str]) -> int:
    length = column.property.columns[0].type.length
    assert length is not None, column
    return int(length)


#: Longest accepted text of each report field, from the columns that store it.
LENGTHS: Final[dict[str, int]] = {
    "code": _column_length(Complaint.code_seen),
    "product_name": _column_length(Complaint.product_name),
    "brand": _column_length(Complaint.brand_seen),
    "store_name": _column_length(Complaint.store_name),
    "store_address": _column_length(Complaint.store_address),
    "contact_name": _column_length(Complaint.contact_name),
    "contact_phone": _column_length(Complaint.contact_phone),
    "contact_email": _column_length(Complaint.contact_email),
    "rating_comment": _column_length(Complaint.rating_comment),
}
DESCRIPTION_MIN: Final = 10
DESCRIPTION_MAX: Final = 4000
PRICE_MAX: Final = 10_000_000_000
QUANTITY_MAX: Final = 100_000
SEEN_WITHIN_YEARS: Final = 3
PHONE_PATTERN: Final = r"^(\+84|0)[0-9 .\-]{8,13}$"
IDEMPOTENCY_KEY_PATTERN: Final = r"^[A-Za-z0-9_\-]{16,80}$"

_PHONE = re.compile(PHONE_PATTERN)
_KEY = re.compile(IDEMPOTENCY_KEY_PATTERN)


def length_problem(text: str, limit: int) -> Message | None:
    if len(text) > limit:
        return Message(
            "too_long", N_("Field cannot be longer than %(max)d characters."), {"max": limit}
        )
    return None


def description_problem(text: str) -> Message | None:
    if not text.strip():
        return Message("description_missing", N_("Describe what you saw, in a few words."))
    if not DESCRIPTION_MIN <= len(text.strip()) <= DESCRIPTION_MAX:
        return Message("description_length", N_("Between 10 and 4,000 characters, please."))
    return None


def date_seen_problem(value: dt.date, today: dt.date) -> Message | None:
    """The date the goods were seen or bought: not in the future, within the last three years."""
    if value > today:
        return Message("date_in_future", N_("The date cannot be in the future."))
    earliest = _years_before(today, SEEN_WITHIN_YEARS)
    if value < earliest:
        return Message(
            "date_too_old", N_("Only goods seen in the last three years can be reported.")
        )
    return None


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def phone_problem(value: str) -> Message | None:
    if value and not _PHONE.match(value):
        return Message("phone_invalid", N_("A Vietnamese phone number, e.g. 0912 345 678."))
    return None


def email_problem(value: str) -> Message | None:
    """An address of the right shape (no lookup of the domain: the form runs offline too)."""
    if not value:
        return None
    try:
        validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        return Message("email_invalid", N_("This e-mail address does not look right."))
    return None


def price_problem(value: int) -> Message | None:
    if not 0 <= value <= PRICE_MAX:
        return Message(
            "price_range",
            N_("Number must be between %(min)s and %(max)s."),
            {"min": 0, "max": PRICE_MAX},
        )
    return None


def quantity_problem(value: int) -> Message | None:
    if not 1 <= value <= QUANTITY_MAX:
        return Message(
            "quantity_range",
            N_("Number must be between %(min)s and %(max)s."),
            {"min": 1, "max": QUANTITY_MAX},
        )
    return None


def consent_problem(*, anonymous: bool, contact: tuple[str, ...], consent: bool) -> Message | None:
    """Contact details are kept only with the shopper's consent."""
    if not anonymous and any(contact) and not consent:
        return Message(
            "consent_missing",
            N_("Tick the consent box to give your contact details, or report anonymously."),
        )
    return None


def idempotency_key_problem(value: str) -> Message | None:
    if not _KEY.match(value):
        return Message(
            "idempotency_key",
            N_(
                "Send an Idempotency-Key header of 16 to 80 letters, digits, “-” or “_” "
                "(a UUID will do)."
            ),
        )
    return None
