"""Characters no text input may carry, whatever the field: the one rule behind the web app's
input boundary (``app.input_guard``).

Refused, because they break storage or deceive a reader and no honest input needs them:

- control characters (C0 but tab, line feed and carriage return; DEL; C1): PostgreSQL refuses NUL
  in text, and the others are invisible on every page that shows the text;
- bidirectional overrides, embeddings and isolates (U+202A–U+202E, U+2066–U+2069) and the
  invisible direction marks: "‮kim" shows a name reversed on a staff page;
- invisible characters that split or join words (zero-width space, word joiner, BOM, soft hyphen,
  Mongolian vowel separator): "Vina\u200bmilk" looks like "Vinamilk" and is not the same key;
- lone surrogates (not text at all; no database can store them).

A zero-width joiner (U+200D) or a variation selector between two pictographs is allowed: that is
how emoji are written in a description ("👨‍👩‍👧").
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Final

from barcode_db.messages import N_, Message

MSG_FORBIDDEN_CHARACTER: Final = N_(
    "Contains a character that cannot be accepted: %(character)s, after “%(before)s”. "
    "Remove it (it may be invisible: retype the text around it) and send again."
)
MSG_FORBIDDEN_AT_START: Final = N_(
    "Contains a character that cannot be accepted: %(character)s, at the start. "
    "Remove it (it may be invisible: retype the text around it) and send again."
)

MSG_TAKEN_OUT: Final = N_(
    "Had a character that cannot be accepted: %(character)s, after “%(before)s”. It has been "
    "taken out: check the text and send again."
)
MSG_TAKEN_OUT_AT_START: Final = N_(
    "Had a character that cannot be accepted: %(character)s, at the start. It has been taken "
    "out: check the text and send again."
)

_ALLOWED_CONTROLS: Final = frozenset("\t\n\r")
_DIRECTION: Final = frozenset(
    [*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C]
)
_INVISIBLE: Final = frozenset([0x200B, 0x200C, 0x2060, 0xFEFF, 0x00AD, 0x180E])
_JOINERS: Final = frozenset([0x200D, 0xFE0F, 0xFE0E])


#: The rule as a regular expression for API documents (JSON Schema ``pattern``): text without any
#: of the refused characters. Stricter than the rule on one point: it also leaves out the joiner
#: and variation selectors an emoji sequence may use (a pattern cannot say "between pictographs").
ALLOWED_TEXT_PATTERN: Final = (
    "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f\\u00ad\\u061c"
    "\\u180e\\u200b-\\u200f\\u202a-\\u202e\\u2060\\u2066-\\u2069\\ufe0e\\ufe0f\\ufeff]*$"
)


@dataclass(frozen=True)
class ForbiddenCharacter:
    """Where the first refused character is, and what it is."""

    index: int
    character: str

    @property
    def label(self) -> str:
        """``U+202E RIGHT-TO-LEFT OVERRIDE``: what a reader can look up (it cannot be seen)."""
        control = unicodedata.category(self.character) == "Cc"
        name = "CONTROL CHARACTER" if control else unicodedata.name(self.character, "")
        code = f"U+{ord(self.character):04X}"
        return f"{code} {name}" if name else code


def _pictograph(character: str) -> bool:
    """A symbol an emoji sequence joins (with the variation selector that may follow one)."""
    point = ord(character)
    return unicodedata.category(character) in ("So", "Sk") or point in (0xFE0F, 0x20E3)


def _refused(text: str, index: int) -> bool:
    character = text[index]
    point = ord(character)
    if point < 0x20:
        return character not in _ALLOWED_CONTROLS
    if 0x7F <= point <= 0x9F or 0xD800 <= point <= 0xDFFF:
        return True
    if point in _DIRECTION or point in _INVISIBLE:
        return True
    if point in _JOINERS:
        before = text[index - 1] if index else ""
        after = text[index + 1] if index + 1 < len(text) else ""
        if point != 0x200D:  # a variation selector: text or emoji style of the symbol before
            return not before or before.isspace() or ord(before) < 0x20
        return not (before and after and _pictograph(before) and _pictograph(after))
    return False


def forbidden_character(text: str) -> ForbiddenCharacter | None:
    """The first character of ``text`` no input may carry, or None."""
    for index, character in enumerate(text):
        if (ord(character) < 0x20 or ord(character) >= 0x7F) and _refused(text, index):
            return ForbiddenCharacter(index, character)
    return None


def character_problem(text: str, *, taken_out: bool = False) -> Message | None:
    """The rule as a message: which character, and the text just before it (so it can be found).
    ``taken_out``: the message for a form shown again with the characters removed."""
    found = forbidden_character(text)
    if found is None:
        return None
    before = text[max(0, found.index - 20) : found.index]
    before = "".join(c for i, c in enumerate(before) if not _refused(before, i)).lstrip()
    if not before:
        msgid = MSG_TAKEN_OUT_AT_START if taken_out else MSG_FORBIDDEN_AT_START
        return Message("forbidden_character", msgid, {"character": found.label})
    return Message(
        "forbidden_character",
        MSG_TAKEN_OUT if taken_out else MSG_FORBIDDEN_CHARACTER,
        {"character": found.label, "before": before},
    )


def without_forbidden(text: str) -> str:
    """``text`` with every refused character taken out."""
    return "".join(c for i, c in enumerate(text) if not _refused(text, i))
