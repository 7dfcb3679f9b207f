"""Search and match keys for Vietnamese text."""

from __future__ import annotations

import string
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from barcode_db.textkey import match_key, nfc, search_key


@pytest.mark.parametrize(
    ("text", "search", "match"),
    [
        ("Đồng Nai", "dong nai", "dong nai"),  # đ and tone marks
        ("dong nai", "dong nai", "dong nai"),
        ("DONG  NAI", "dong nai", "dong nai"),  # case and repeated spaces
        ("  Đồng\tNai\n", "dong nai", "dong nai"),  # outer and inner whitespace
        ("ĐẮK LẮK", "dak lak", "dak lak"),  # capital Đ
        ("Biti's", "biti's", "bitis"),  # match_key drops punctuation
        ("BITI’S", "biti’s", "bitis"),  # typographic apostrophe
        ("Trung Nguyên", "trung nguyen", "trung nguyen"),
        ("Trung Nguye\u0302n", "trung nguyen", "trung nguyen"),  # decomposed input
        ("Sữa tươi 100%", "sua tuoi 100%", "sua tuoi 100"),  # ư, ơ and digits
        ("Phở Hà Nội", "pho ha noi", "pho ha noi"),
        ("Thừa Thiên-Huế", "thua thien-hue", "thua thien hue"),  # a hyphen reads as a space
        (
            "Công ty TNHH Một Thành Viên",
            "cong ty tnhh mot thanh vien",
            "cong ty tnhh mot thanh vien",
        ),
        (
            "Bà Rịa – Vũng Tàu",
            "ba ria – vung tau",
            "ba ria vung tau",
        ),  # dash removed, spaces folded
        ("TH true MILK", "th true milk", "th true milk"),
        ("", "", ""),
        ("   ", "", ""),
        ("?!", "?!", ""),
    ],
)
def test_keys(text: str, search: str, match: str) -> None:
    assert search_key(text) == search
    assert match_key(text) == match


def test_nfc() -> None:
    assert nfc("  Trung Nguye\u0302n ") == "Trung Nguyên"
    assert nfc("Đồng Nai") == "Đồng Nai"


_BASES = "aăâeêioôơuưy"
_TONES = ("", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323")  # huyền sắc hỏi ngã nặng
_VOWELS = [unicodedata.normalize("NFC", base + tone) for base in _BASES for tone in _TONES]
_VIETNAMESE_LETTERS = sorted(set(_VOWELS) | set("bcdđghklmnpqrstvx"))
vietnamese_text = st.lists(
    st.sampled_from([*_VIETNAMESE_LETTERS, *(c.upper() for c in _VIETNAMESE_LETTERS), " "]),
    max_size=30,
).map("".join)


@given(st.text())
def test_keys_are_idempotent(text: str) -> None:
    assert search_key(search_key(text)) == search_key(text)
    assert match_key(match_key(text)) == match_key(text)


@given(st.text())
def test_keys_have_no_combining_marks_and_no_d_with_stroke(text: str) -> None:
    for key in (search_key(text), match_key(text)):
        assert not any(unicodedata.combining(char) for char in key)
        assert "đ" not in key and "Đ" not in key


@given(st.text())
def test_keys_have_folded_spaces(text: str) -> None:
    for key in (search_key(text), match_key(text)):
        assert key == key.strip()
        assert "  " not in key
        assert not any(char.isspace() and char != " " for char in key)


@given(st.text())
def test_match_key_refines_search_key(text: str) -> None:
    assert match_key(text) == match_key(search_key(text))


@given(vietnamese_text)
def test_vietnamese_keys_are_plain_ascii(text: str) -> None:
    key = search_key(text)
    assert set(key) <= set(string.ascii_lowercase + " ")
    assert match_key(text) == key


@given(vietnamese_text)
def test_keys_ignore_case_and_normal_form(text: str) -> None:
    key = search_key(text)
    assert search_key(text.upper()) == key
    assert search_key(text.lower()) == key
    assert search_key(unicodedata.normalize("NFD", text)) == key
    assert search_key(unicodedata.normalize("NFC", text)) == key
