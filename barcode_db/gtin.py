"""From what a shopper typed or a scanner read to a checked GTIN.

Accepts the digits of an EAN-13, EAN-8, UPC-A, UPC-E (expanded to UPC-A) or GTIN-14, a GS1 element
string carrying AI (01) (``0108934673000017``, ``(01)08934673000017(10)ABC``) and a GS1 Digital Link
URL. Anything else a QR code may hold is kept as text and never followed. Problems are reported
precisely (which characters are stray, how many digits were given, what the check digit should be)
as :class:`~barcode_db.messages.Message` values, so the app can show them in the reader's language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from biip import ParseError
from biip.checksums import gs1_standard_check_digit
from biip.gs1_digital_link_uris import GS1DigitalLinkURI
from biip.gs1_element_strings import GS1ElementStrings
from biip.gs1_messages import GS1Message
from biip.upc import Upc

from barcode_db.messages import N_, Message

#: Longest input we look at: a QR code can hold kilobytes, a reason must stay readable.
MAX_INPUT_LENGTH = 512
_TYPING_SEPARATORS = re.compile(r"[\s\-.]+")
_URL = re.compile(r"^[a-z][a-z0-9+.\-]*://", re.IGNORECASE)
_GTIN_LENGTHS = {8: "GTIN-8", 12: "GTIN-12", 13: "GTIN-13", 14: "GTIN-14"}
_SYMBOLOGY_LENGTH = {"EAN13": 13, "EAN8": 8, "UPCA": 12, "UPCE": 8, "GTIN14": 14, "ITF14": 14}


class CodeSource(StrEnum):
    DIGITS = "digits"  # typed, or a 1-D barcode read as digits
    UPC_E = "upc_e"  # 8-digit UPC-E, expanded to its UPC-A
    ELEMENT_STRING = "element_string"  # GS1 element string with AI (01)
    DIGITAL_LINK = "digital_link"  # GS1 Digital Link URL
    TEXT = "text"  # other QR content: shown, never followed
    EMPTY = "empty"


@dataclass(frozen=True)
class ParsedCode:
    """The outcome of parsing one input: a GTIN when there is one, and the problems found."""

    input: str
    source: CodeSource
    gtin: str | None = None  # 8, 12, 13 or 14 digits; a UPC-E is given as its 12-digit UPC-A
    problems: tuple[Message, ...] = ()
    text: str | None = None  # the content of a QR code that holds no product number

    @property
    def valid(self) -> bool:
        return self.gtin is not None and not self.problems

    @property
    def format(self) -> str | None:
        return _GTIN_LENGTHS.get(len(self.gtin)) if self.gtin else None

    @property
    def gtin14(self) -> str | None:
        """The GTIN zero-padded to 14 digits: the one key under which products are stored."""
        return self.gtin.zfill(14) if self.gtin else None


def printed_gtin(code: str) -> str:
    """A GTIN as printed under the barcode on the pack, from any of its stored forms.

    Products are stored as 14 digits (``08936024000127``); a pack shows the GTIN-13
    ``8936024000127``, a GTIN-12 (UPC-A) or a GTIN-8 padded there with leading zeros. The
    padding is read as GS1 does (and ``biip``): with 8 significant digits or fewer the number is
    a GTIN-8, with 9 to 12 a GTIN-12, with 13 a GTIN-13. Anything that is not 8 to 14 digits
    (a typed code with spaces, a QR text) comes back as it is.
    """
    if not (code.isascii() and code.isdigit() and 8 <= len(code) <= 14):
        return code
    significant = len(code.lstrip("0"))
    for length in (8, 12, 13):
        if significant <= length <= len(code):
            return code[-length:]
    return code


def check_digit(payload: str) -> int:
    """The GS1 mod-10 check digit for the digits before it."""
    return gs1_standard_check_digit(payload)


def has_valid_check_digit(digits: str) -> bool:
    """True if ``digits`` (8–18 digits) ends in its GS1 check digit."""
    return digits.isdigit() and len(digits) >= 2 and check_digit(digits[:-1]) == int(digits[-1])


def parse_code(raw: str, symbology: str | None = None) -> ParsedCode:
    """Parse typed digits or a scanner's text into a :class:`ParsedCode`.

    ``symbology`` is what a decoder said it read ("EAN13", "UPCE", "QR", ...); typed input has none.
    """
    text = (raw or "").strip()
    if not text:
        return ParsedCode(
            input="",
            source=CodeSource.EMPTY,
            problems=(Message("empty", N_("No barcode number was given.")),),
        )
    if len(text) > MAX_INPUT_LENGTH:
        return ParsedCode(
            input=text[:MAX_INPUT_LENGTH],
            source=CodeSource.TEXT,
            problems=(Message("too_long", N_("This is too long to be a barcode number.")),),
        )
    if _URL.match(text):
        return _parse_url(text)
    if text.startswith("(") or (symbology == "QR" and not text.isdigit()):
        return _parse_element_string(text)

    compact = _TYPING_SEPARATORS.sub("", text)
    if compact.isdigit() and len(compact) > 14 and compact.startswith("01"):
        return _parse_element_string(compact)
    stray = sorted({ch for ch in compact if not ch.isdigit()})
    if stray:
        if symbology == "QR":
            return ParsedCode(input=text, source=CodeSource.TEXT, text=text)
        return ParsedCode(
            input=text,
            source=CodeSource.DIGITS,
            problems=(
                Message(
                    "stray_characters",
                    N_(
                        "A barcode number has only digits; these characters do not belong: %(chars)s."
                    ),
                    {"chars": " ".join(f"“{ch}”" for ch in stray[:10])},
                ),
            ),
        )
    return _parse_digits(text, compact, symbology)


def _parse_digits(text: str, digits: str, symbology: str | None) -> ParsedCode:
    expected = _SYMBOLOGY_LENGTH.get(symbology or "")
    if symbology == "UPCE" or (
        symbology is None and len(digits) == 8 and _is_upc_e_not_ean_8(digits)
    ):
        return _parse_upc_e(text, digits)
    if expected and len(digits) != expected:
        return ParsedCode(
            input=text,
            source=CodeSource.DIGITS,
            problems=(
                Message(
                    "wrong_length",
                    N_("%(expected)s digits expected, %(given)s given."),
                    {"expected": expected, "given": len(digits)},
                ),
            ),
        )
    if len(digits) not in _GTIN_LENGTHS:
        return ParsedCode(
            input=text,
            source=CodeSource.DIGITS,
            problems=(
                Message(
                    "wrong_length",
                    N_("A barcode number has 8, 12, 13 or 14 digits; %(given)s given."),
                    {"given": len(digits)},
                ),
            ),
        )
    return _checked(text, digits, CodeSource.DIGITS)


def _checked(text: str, gtin: str, source: CodeSource) -> ParsedCode:
    expected = check_digit(gtin[:-1])
    if expected != int(gtin[-1]):
        return ParsedCode(
            input=text,
            source=source,
            gtin=gtin,
            problems=(
                Message(
                    "check_digit",
                    N_("The last digit (the check digit) should be %(expected)s, not %(given)s."),
                    {"expected": expected, "given": gtin[-1]},
                ),
            ),
        )
    return ParsedCode(input=text, source=source, gtin=gtin)


def _is_upc_e_not_ean_8(digits: str) -> bool:
    """An 8-digit number that fails as EAN-8 but is a valid UPC-E is taken as a UPC-E."""
    if has_valid_check_digit(digits) or digits[0] not in "01":
        return False
    try:
        return Upc.parse(digits[:7]).as_upc_a()[-1] == digits[-1]
    except ParseError:
        return False


def _parse_upc_e(text: str, digits: str) -> ParsedCode:
    if len(digits) != 8 or digits[0] not in "01":
        return ParsedCode(
            input=text,
            source=CodeSource.UPC_E,
            problems=(
                Message(
                    "upc_e_form",
                    N_("A UPC-E number has 8 digits and starts with 0 or 1."),
                ),
            ),
        )
    payload = Upc.parse(digits[:7]).as_upc_a()  # 7 digits: biip adds the check digit
    if payload[-1] != digits[-1]:
        return ParsedCode(
            input=text,
            source=CodeSource.UPC_E,
            gtin=payload[:-1] + digits[-1],
            problems=(
                Message(
                    "check_digit",
                    N_("The last digit (the check digit) should be %(expected)s, not %(given)s."),
                    {"expected": payload[-1], "given": digits[-1]},
                ),
            ),
        )
    return ParsedCode(input=text, source=CodeSource.UPC_E, gtin=payload)


def _gtin_from_ai01(text: str, source: CodeSource, elements: GS1ElementStrings) -> ParsedCode:
    """The GTIN carried by AI (01) of a GS1 message or Digital Link, checked."""
    element = elements.get(ai="01")
    if element is None:
        return ParsedCode(
            input=text,
            source=source,
            text=text,
            problems=(Message("no_gtin", N_("This GS1 code carries no product number (GTIN).")),),
        )
    # AI (01) always holds 14 digits; a leading 0 is padding around the GTIN-13 printed on the pack.
    value = element.value
    return _checked(text, value[1:] if value.startswith("0") else value, source)


def _parse_element_string(text: str) -> ParsedCode:
    try:
        message = GS1Message.parse_hri(text) if text.startswith("(") else GS1Message.parse(text)
    except (ParseError, ValueError):
        return ParsedCode(input=text, source=CodeSource.TEXT, text=text)
    return _gtin_from_ai01(text, CodeSource.ELEMENT_STRING, message.element_strings)


def _parse_url(text: str) -> ParsedCode:
    try:
        link = GS1DigitalLinkURI.parse(text)
    except (ParseError, ValueError):
        return ParsedCode(input=text, source=CodeSource.TEXT, text=text)
    return _gtin_from_ai01(text, CodeSource.DIGITAL_LINK, link.element_strings)
