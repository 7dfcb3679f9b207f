"""GTIN parsing: table-driven rules and properties."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from barcode_db.gtin import CodeSource, check_digit, parse_code
from tests.support.factories import with_check_digit


@pytest.mark.parametrize(
    ("raw", "gtin", "fmt"),
    [
        ("8934673000017", "8934673000017", "GTIN-13"),  # EAN-13, GS1 Vietnam
        ("  8934673000017 ", "8934673000017", "GTIN-13"),  # spaces around
        ("8934 673 000 017", "8934673000017", "GTIN-13"),  # typed in groups
        ("893-4673-000017", "8934673000017", "GTIN-13"),  # typed with dashes
        ("036000291452", "036000291452", "GTIN-12"),  # UPC-A
        ("96385074", "96385074", "GTIN-8"),  # EAN-8
        ("18934673000014", "18934673000014", "GTIN-14"),  # GTIN-14 with indicator 1
        ("0108934673000017", "8934673000017", "GTIN-13"),  # element string, AI (01)
        ("(01)08934673000017(10)LOT42", "8934673000017", "GTIN-13"),  # human-readable AIs
        ("https://id.gs1.org/01/08934673000017", "8934673000017", "GTIN-13"),  # Digital Link
        ("https://shop.example/01/08934673000017/10/A1?17=271231", "8934673000017", "GTIN-13"),
    ],
)
def test_valid_codes(raw: str, gtin: str, fmt: str) -> None:
    parsed = parse_code(raw)
    assert parsed.valid, parsed.problems
    assert parsed.gtin == gtin
    assert parsed.format == fmt
    assert parsed.gtin14 == gtin.zfill(14)


@pytest.mark.parametrize(
    ("raw", "symbology", "expanded"),
    [
        ("01234565", "UPCE", "012345000065"),  # UPC-E from a scanner, expanded to UPC-A
        ("04252614", "UPCE", "042100005264"),
        ("04252614", None, "042100005264"),  # typed: fails as EAN-8, valid as UPC-E
    ],
)
def test_upc_e_is_expanded(raw: str, symbology: str | None, expanded: str) -> None:
    parsed = parse_code(raw, symbology)
    assert parsed.valid
    assert parsed.source is CodeSource.UPC_E
    assert parsed.gtin == expanded


@pytest.mark.parametrize(
    ("raw", "code", "rendered"),
    [
        ("8934673000014", "check_digit", "The last digit (the check digit) should be 7, not 4."),
        ("89346730000", "wrong_length", "A barcode number has 8, 12, 13 or 14 digits; 11 given."),
        (
            "893467300001x",
            "stray_characters",
            "A barcode number has only digits; these characters do not belong: “x”.",
        ),
        (
            "89A4673O00017",
            "stray_characters",
            "A barcode number has only digits; these characters do not belong: “A” “O”.",
        ),
        ("", "empty", "No barcode number was given."),
        ("   ", "empty", "No barcode number was given."),
        ("8" * 600, "too_long", "This is too long to be a barcode number."),
    ],
)
def test_problems_are_precise(raw: str, code: str, rendered: str) -> None:
    parsed = parse_code(raw)
    assert not parsed.valid
    assert [p.code for p in parsed.problems] == [code]
    assert parsed.problems[0].render() == rendered


def test_scanner_symbology_fixes_the_expected_length() -> None:
    parsed = parse_code("89346730000", "EAN13")
    assert parsed.problems[0].render() == "13 digits expected, 11 given."


@pytest.mark.parametrize(
    "raw",
    [
        "https://evil.example/phish",  # a URL that is not a Digital Link: shown, never followed
        "Dầu ăn Tường An",  # Vietnamese text in a QR code
        "WIFI:S:shop;T:WPA;P:secret;;",
    ],
)
def test_other_qr_content_is_text(raw: str) -> None:
    parsed = parse_code(raw, "QR")
    assert parsed.source is CodeSource.TEXT
    assert parsed.gtin is None
    assert parsed.text == raw


def test_digital_link_with_bad_check_digit_is_invalid() -> None:
    parsed = parse_code("https://id.gs1.org/01/08934673000014")
    assert not parsed.valid
    assert parsed.problems[0].code == "check_digit"


payloads = st.sampled_from([7, 11, 12, 13]).flatmap(
    lambda n: st.text(alphabet="0123456789", min_size=n, max_size=n)
)


@given(payloads)
def test_any_payload_with_its_check_digit_is_valid(payload: str) -> None:
    gtin = with_check_digit(payload)
    parsed = parse_code(gtin, {8: "EAN8", 12: "UPCA", 13: "EAN13", 14: "GTIN14"}[len(gtin)])
    assert parsed.valid
    assert parsed.gtin == gtin


@given(payloads, st.integers(min_value=1, max_value=9))
def test_a_wrong_check_digit_is_always_caught(payload: str, shift: int) -> None:
    wrong = payload + str((check_digit(payload) + shift) % 10)
    symbology = {8: "EAN8", 12: "UPCA", 13: "EAN13", 14: "GTIN14"}[len(wrong)]
    parsed = parse_code(wrong, symbology)
    assert not parsed.valid
    assert parsed.problems[0].code == "check_digit"


@given(st.text(max_size=80))
def test_parse_never_raises(text: str) -> None:
    parsed = parse_code(text)
    assert parsed.valid == (parsed.gtin is not None and not parsed.problems)
