"""Hostile input, by class: what the hardening issue's probe sent, kept as one table for the
tests (tests/security/) and for ``scripts/probe_hostile.py`` against a running server.

``FORBIDDEN`` values carry a character no input may hold (barcode_db.text_safety): the app must
refuse them at its boundary (400, or 422 in the API) whatever the field. ``AWKWARD`` values are
legal text that a careless reader turns into a crash: numbers that are not ASCII, that overflow,
dates out of any range, cursors edited by hand, redirects browsers read as another host.
"""

from __future__ import annotations

FORBIDDEN: dict[str, str] = {
    "nul": "ab\x00cd",
    "bell": "ab\x07cd",
    "escape": "ab\x1b[31mcd",
    "delete": "ab\x7fcd",
    "c1_next_line": "ab\x85cd",
    "bidi_override": "\u202eabc",
    "bidi_isolate": "ab\u2067cd",
    "zero_width_space": "Vina\u200bmilk",
    "zero_width_joiner": "Vina\u200dmilk",
    "byte_order_mark": "\ufeffVinamilk",
    "soft_hyphen": "Vina\u00admilk",
}

AWKWARD: dict[str, str] = {
    "superscript_two": "²",
    "arabic_indic_digit": "٣",
    "huge_integer": "99999999999999999999999",
    "negative": "-1",
    "float_overflow": "1e309",
    "not_a_number": "NaN",
    "year_one": "0001-01-01",
    "year_9999": "9999-12-31",
    "naive_cursor": "2026-01-01~1",
    "huge_cursor": "99999999999999999999~1",
    "superscript_cursor": "²~²",
    "tab_redirect": "/\t/evil.example",
    "crlf_redirect": "/\r\n/evil.example",
    "backslash_redirect": "/\\evil.example",
    "scheme_redirect": "https://evil.example/",
    "long_text": "x" * 5000,
    "html": "<script>alert(1)</script>",
    "sql": "' OR 1=1 --",
    "like_wildcards": "%_%",
    "empty": "",
}

ALL: dict[str, str] = {**FORBIDDEN, **AWKWARD}

#: Every query parameter or form field name the app reads somewhere (the tests find which
#: ones each route reads; a name missing here is a name never probed).
PARAMETER_NAMES: tuple[str, ...] = (
    "q", "page", "province", "commune", "status", "category", "from", "to", "gtin", "after",
    "assigned", "level", "sort", "days", "id", "code", "brand", "lang", "next", "period",
    "limit", "flagged", "store", "personal", "photos", "overdue", "unlabelled", "back",
    "selected", "action", "assignee", "target", "note", "other", "others", "user_id", "name",
    "token_id", "refresh_area",
)  # fmt: skip
