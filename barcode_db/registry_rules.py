"""The rules of registry records: one ``clean_*`` per kind of record, for every way in.

The admin pages (:mod:`barcode_db.admin`) and the list importer (:mod:`barcode_db.importer`)
both clean what they are given here, so that a value one refuses the other refuses too, with the
same message. A ``clean_*`` takes text as typed in a form or read from a file and returns a
:class:`Cleaned`: the values for the model's columns, or the problems by field. Length limits are
the model columns' (:data:`LIMITS`). Rules that need the stored registry (a code already used, a
prefix of another company) are the callers'; the messages they share are here.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any, cast

import sqlalchemy as sa
from babel import Locale

from barcode_db.areas import normalise_province_code, provinces
from barcode_db.categories import CODES as CATEGORY_CODES
from barcode_db.categories import category
from barcode_db.gtin import parse_code
from barcode_db.label_text import NOT_COUNTRIES
from barcode_db.messages import N_, Message
from barcode_db.models import (
    PROGRAMME_NAMES,
    Brand,
    Certification,
    Company,
    Product,
    Programme,
)
from barcode_db.text_safety import character_problem
from barcode_db.textkey import match_key, nfc, search_key

_TAX_CODE = re.compile(r"\d{10}(-\d{3})?", re.ASCII)
_COMPANY_PREFIX = re.compile(r"893\d{4,7}", re.ASCII)
_YEAR = re.compile(r"\d{4}", re.ASCII)
FIRST_YEAR, LAST_YEAR = 1990, 2100
OCOP_STARS = ("3", "4", "5")


def _length(model: type[Any], column: str) -> int:
    length = cast(sa.String, sa.inspect(model).columns[column].type).length
    assert length is not None, f"{model.__name__}.{column} has no length"
    return length


#: The country codes a company's facts may name: CLDR's two-letter territories (its numeric
#: regions like "001", its groupings and test codes are not countries). The admin form offers
#: them by name.
COUNTRY_CODES = frozenset(
    str(code)
    for code in Locale.parse("en").territories
    if isinstance(code, str) and len(code) == 2 and code.isalpha() and code not in NOT_COUNTRIES
)

#: The longest text each field may hold: the model's column, so that nothing the rules accept
#: is refused by the database. Forms use them for ``maxlength`` too.
LIMITS: dict[str, dict[str, int]] = {
    "company": {
        name: _length(Company, name)
        for name in (
            "code",
            "name",
            "tax_code",
            "address",
            "website",
            "name_key",
            "made_in",
            "owner_group",
            "source",
        )
    },
    "brand": {"name": _length(Brand, "name"), "name_key": _length(Brand, "name_key")},
    "product": {"name": _length(Product, "name")},
    "certification": {"evidence_ref": _length(Certification, "evidence_ref")},
}


@dataclass(frozen=True)
class Cleaned:
    """The values of a record ready for its columns, or what is wrong with it by field.

    ``problems`` keeps the order of the fields; ``values`` is empty when there are problems.
    """

    values: dict[str, Any] = field(default_factory=dict)
    problems: dict[str, Message] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


class _Cleaning:
    def __init__(self) -> None:
        self.problems: dict[str, Message] = {}

    def problem(self, name: str, message: Message) -> None:
        self.problems.setdefault(name, message)  # the first fault of a field is the one to fix

    def text(
        self, name: str, value: str | None, limit: int, *, required: Message | None = None
    ) -> str:
        text = nfc(value or "")
        if required is not None and not text:
            self.problem(name, required)
        elif (hidden := character_problem(text)) is not None:
            # An imported file is not checked at the web boundary (app.input_guard): its cells are.
            self.problem(name, hidden)
        elif len(text) > limit:
            self.problem(name, too_long(text, limit))
        return text

    def result(self, values: dict[str, Any]) -> Cleaned:
        return Cleaned({} if self.problems else values, dict(self.problems))


# --- messages both ways in share -------------------------------------------------------------------


def too_long(text: str, limit: int) -> Message:
    return Message(
        "too_long",
        N_("“%(text)s…” is too long: at most %(limit)s characters."),
        {"text": text[:30], "limit": limit},
    )


NO_COMPANY_CODE = Message("no_company_code", N_("The company_code is empty."))
NO_COMPANY_NAME = Message("no_company_name", N_("The company name is empty."))
NO_BRAND = Message("no_brand", N_("The brand name is empty."))
NO_PRODUCT_NAME = Message("no_product_name", N_("The product name is empty."))


def tax_code_taken(tax_code: str, code: str) -> Message:
    return Message(
        "tax_code_taken",
        N_("Tax code %(tax_code)s already belongs to company %(code)s."),
        {"tax_code": tax_code, "code": code},
    )


def prefix_taken(prefix: str, code: str) -> Message:
    return Message(
        "prefix_taken",
        N_("Prefix %(prefix)s already belongs to company %(code)s."),
        {"prefix": prefix, "code": code},
    )


def gtin_taken(gtin: str, name: str, code: str) -> Message:
    return Message(
        "gtin_taken",
        N_("GTIN %(gtin)s is already listed: “%(name)s” of company %(code)s."),
        {"gtin": gtin, "name": name, "code": code},
    )


def programme_name(programme: Programme) -> Message:
    """A programme's name as a message parameter (rendered in the reader's language)."""
    return Message("programme", PROGRAMME_NAMES[programme])


# --- the records ----------------------------------------------------------------------------------


def _category(check: _Cleaning, value: str | None) -> str | None:
    """A category code of :mod:`barcode_db.categories` (case and spaces aside), or None."""
    text = nfc(value or "").strip().lower()
    if not text:
        return None
    if category(text) is None:
        check.problem(
            "category",
            Message(
                "bad_category",
                N_("Category “%(category)s” is not one of: %(codes)s."),
                {"category": text[:30], "codes": ", ".join(CATEGORY_CODES)},
            ),
        )
    return text


def _country(check: _Cleaning, name: str, value: str | None) -> str | None:
    """An ISO 3166 alpha-2 country code (CLDR's territories), or None."""
    text = nfc(value or "").strip().upper()
    if not text:
        return None
    if not (len(text) == 2 and text.isascii() and text.isalpha() and text in COUNTRY_CODES):
        check.problem(
            name,
            Message(
                "bad_country",
                N_("“%(code)s” is not a country code (two letters, ISO 3166: VN, TH, JP…)."),
                {"code": text[:30]},
            ),
        )
    return text


def clean_company(
    *,
    code: str,
    name: str,
    tax_code: str = "",
    address: str = "",
    province_code: str = "",
    website: str = "",
    made_in: str = "",
    owner_group: str = "",
    owner_country: str = "",
    source: str = "",
    checked_on: dt.date | str | None = None,
) -> Cleaned:
    """A company: its code and name are required; tax code, province and lengths are checked.
    What the shopper is told about it (where it makes its goods, its group and that group's
    country) comes with where and when the association checked it."""
    limits = LIMITS["company"]
    check = _Cleaning()
    code = check.text("code", code, limits["code"], required=NO_COMPANY_CODE)
    name = check.text("name", name, limits["name"], required=NO_COMPANY_NAME)
    name_key = search_key(name)
    if len(name_key) > limits["name_key"]:  # a few letters grow when case-folded (ß → ss)
        check.problem("name", too_long(name, limits["name_key"]))
    tax_code = nfc(tax_code or "")
    if tax_code and not _TAX_CODE.fullmatch(tax_code):
        check.problem(
            "tax_code",
            Message(
                "bad_tax_code",
                N_(
                    "Tax code “%(tax_code)s” should be 10 digits, or 10 digits, a dash and 3 "
                    "digits."
                ),
                {"tax_code": tax_code[:30]},
            ),
        )
    address = check.text("address", address, limits["address"])
    typed_province = nfc(province_code or "")
    province = normalise_province_code(typed_province)
    if province and province not in provinces():
        check.problem(
            "province_code",
            Message(
                "bad_province",
                N_("Province code “%(code)s” is not one of the 34 provinces (2025 list)."),
                {"code": typed_province[:30]},
            ),
        )
    website = check.text("website", website, limits["website"])
    made_in = check.text("made_in", made_in, limits["made_in"])
    owner_group = check.text("owner_group", owner_group, limits["owner_group"])
    country = _country(check, "owner_country", owner_country)
    source = check.text("source", source, limits["source"])
    checked = _date(check, "checked_on", checked_on)
    return check.result(
        {
            "code": code,
            "name": name,
            "name_key": name_key,
            "tax_code": tax_code or None,
            "address": address,
            "province_code": province or None,
            "website": website,
            "made_in": made_in,
            "owner_group": owner_group,
            "owner_country": country,
            "source": source,
            "checked_on": checked,
        }
    )


def clean_prefix(prefix: str) -> Cleaned:
    """A GS1 Vietnam company prefix: 893 and 4 to 7 more digits (spaces typed in it dropped)."""
    check = _Cleaning()
    text = "".join(nfc(prefix or "").split())
    if not _COMPANY_PREFIX.fullmatch(text):
        check.problem(
            "prefix",
            Message(
                "bad_prefix",
                N_(
                    "“%(prefix)s” is not a GS1 Vietnam company prefix (893 and 4 to 7 more digits)."
                ),
                {"prefix": text[:30]},
            ),
        )
    return check.result({"prefix": text})


def clean_brand(name: str, category: str | None = None) -> Cleaned:
    """A brand name, with the match key that keeps it unique within its company, and its
    usual category."""
    limits = LIMITS["brand"]
    check = _Cleaning()
    text = check.text("name", name, limits["name"], required=NO_BRAND)
    chosen = _category(check, category)
    key = match_key(text)
    if text and not check.problems:
        if not key:
            check.problem(
                "name", Message("brand_no_letters", N_("A brand name needs letters or digits."))
            )
        elif len(key) > limits["name_key"]:
            check.problem("name", too_long(text, limits["name_key"]))
    return check.result({"name": text, "name_key": key, "category": chosen})


def clean_product(*, gtin: str, name: str, category: str | None = None) -> Cleaned:
    """A product: a valid GTIN (stored as 14 digits), a name and its category."""
    check = _Cleaning()
    parsed = parse_code(gtin or "")
    if not parsed.valid or parsed.gtin14 is None:
        check.problem(
            "gtin",
            Message(
                "bad_gtin",
                N_("GTIN “%(gtin)s” is not valid: %(detail)s"),
                {
                    "gtin": (gtin or "").strip()[:40],
                    "detail": parsed.problems[0]
                    if parsed.problems
                    else Message("not_a_gtin", N_("this is not a product number.")),
                },
            ),
        )
    name = check.text("name", name, LIMITS["product"]["name"], required=NO_PRODUCT_NAME)
    chosen = _category(check, category)
    return check.result({"gtin": parsed.gtin14, "name": name, "category": chosen})


def clean_certification(
    *,
    programme: str,
    year: int | str | None,
    stars: int | str | None = None,
    valid_until: dt.date | str | None = None,
    evidence_ref: str = "",
) -> Cleaned:
    """A certification: a known programme, a year, stars for OCOP only (3 to 5), an end date."""
    check = _Cleaning()
    typed_programme = nfc(str(programme or ""))
    known: Programme | None = None
    try:
        known = Programme(typed_programme.lower())
    except ValueError:
        check.problem(
            "programme",
            Message(
                "bad_programme",
                N_("Unknown programme “%(programme)s”; expected one of %(known)s."),
                {
                    "programme": typed_programme[:30],
                    "known": ", ".join(p.value for p in Programme),
                },
            ),
        )
    year_text = nfc("" if year is None else str(year))
    if not (_YEAR.fullmatch(year_text) and FIRST_YEAR <= int(year_text) <= LAST_YEAR):
        check.problem(
            "year",
            Message("bad_year", N_("Year “%(year)s” is not a year."), {"year": year_text[:30]}),
        )
    stars_text = nfc("" if stars is None else str(stars))
    if (
        stars_text
        and known is not None
        and (known is not Programme.OCOP or stars_text not in OCOP_STARS)
    ):
        check.problem(
            "stars", Message("bad_stars", N_("Stars are given for OCOP only, from 3 to 5."))
        )
    end = _date(check, "valid_until", valid_until)
    evidence_ref = check.text("evidence_ref", evidence_ref, LIMITS["certification"]["evidence_ref"])
    if check.problems:
        return check.result({})
    return check.result(
        {
            "programme": known,
            "year": int(year_text),
            "stars": int(stars_text) if stars_text else None,
            "valid_until": end,
            "evidence_ref": evidence_ref,
        }
    )


def _date(check: _Cleaning, name: str, value: dt.date | str | None) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date) or value is None:
        return value
    text = nfc(value)
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        check.problem(
            name,
            Message(
                "bad_date",
                N_("Date “%(date)s” should be written YYYY-MM-DD."),
                {"date": text[:30]},
            ),
        )
        return None
