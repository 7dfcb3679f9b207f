"""The one rule on characters no input may carry (barcode_db.text_safety)."""

from __future__ import annotations

import pytest

from barcode_db.text_safety import character_problem, forbidden_character


@pytest.mark.parametrize(
    "text",
    [
        "Vinamilk",
        "Nước mắm Phú Quốc 40°N",
        "dòng 1\r\ndòng 2\tcột",
        "cả nhà 👨‍👩‍👧 ❤️ 🏳️‍🌈 1️⃣",
        "Kẹo dừa Bến Tre — 100 g",
        "",
    ],
)
def test_honest_text_passes(text) -> None:
    assert forbidden_character(text) is None


@pytest.mark.parametrize(
    ("text", "index", "label"),
    [
        ("a\x00b", 1, "U+0000 CONTROL CHARACTER"),
        ("ab\x1b[31m", 2, "U+001B CONTROL CHARACTER"),
        ("x\x7f", 1, "U+007F CONTROL CHARACTER"),
        ("x\x85", 1, "U+0085 CONTROL CHARACTER"),
        ("\u202ekim", 0, "U+202E RIGHT-TO-LEFT OVERRIDE"),
        ("ab\u2067cd", 2, "U+2067 RIGHT-TO-LEFT ISOLATE"),
        ("Vina\u200bmilk", 4, "U+200B ZERO WIDTH SPACE"),
        ("Vina\u200dmilk", 4, "U+200D ZERO WIDTH JOINER"),  # joins letters, not emoji
        ("Vina\u00admilk", 4, "U+00AD SOFT HYPHEN"),
        ("\ufeffVinamilk", 0, "U+FEFF ZERO WIDTH NO-BREAK SPACE"),
        ("\ud800", 0, "U+D800"),
        (" \ufe0f", 1, "U+FE0F VARIATION SELECTOR-16"),  # a selector with nothing to select
    ],
)
def test_refused_characters_are_found_and_named(text, index, label) -> None:
    found = forbidden_character(text)
    assert found is not None and found.index == index
    assert found.label == label


def test_the_message_shows_the_text_before_the_character() -> None:
    message = character_problem("Sữa Vina\u200bmilk")
    assert message is not None and message.code == "forbidden_character"
    assert message.params["before"] == "Sữa Vina"
    start = character_problem("\u202eabc")
    assert start is not None and "at the start" in start.render()


def test_the_documented_pattern_says_what_the_rule_does() -> None:
    """The API documents the rule as a JSON Schema pattern; it refuses each character the rule
    refuses, and (but for the joiner and selectors of emoji) nothing else."""
    import re

    from barcode_db.text_safety import ALLOWED_TEXT_PATTERN

    pattern = re.compile(ALLOWED_TEXT_PATTERN)
    emoji_parts = {0x200D, 0xFE0E, 0xFE0F}
    disagree = [
        hex(point)
        for point in [*range(0, 0xD800), *range(0xE000, 0x10000)]
        if point not in emoji_parts
        and bool(pattern.fullmatch(f"a{chr(point)}b"))
        != (forbidden_character(f"a{chr(point)}b") is None)
    ]
    assert disagree == []
