"""Vietnamese search keys: the same key for "Đồng Nai", "dong nai" and "DONG  NAI"."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
_APOSTROPHES = re.compile(r"['’ʼ`´]")
_NOT_WORD = re.compile(r"[^\w\s]|_", re.UNICODE)


def search_key(text: str) -> str:
    """Diacritics- and case-insensitive key: NFD, combining marks dropped, đ→d, spaces folded."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", stripped.casefold()).strip()


def match_key(text: str) -> str:
    """Like :func:`search_key`, for brand names: apostrophes dropped ("Biti's" is "bitis"), other
    punctuation read as a space ("Trung-Nguyên" is "trung nguyen")."""
    key = _APOSTROPHES.sub("", search_key(text))
    return _SPACES.sub(" ", _NOT_WORD.sub(" ", key)).strip()


def nfc(text: str) -> str:
    """Text as stored: Unicode NFC, outer spaces trimmed."""
    return unicodedata.normalize("NFC", text).strip()


#: The escape character of :func:`like_pattern`: pass it as ``.like(pattern, escape=LIKE_ESCAPE)``.
LIKE_ESCAPE = "\\"


def like_pattern(text: str) -> str:
    """A SQL LIKE pattern for "contains ``text``": ``%`` and ``_`` in the text match themselves.

    Use with ``escape=LIKE_ESCAPE`` (a backslash)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
