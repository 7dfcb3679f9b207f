"""Public tracking codes: short enough to read over the phone, impossible to guess.

Ten Crockford base-32 characters (50 random bits), shown as ``ABCDE-12345``. Reading them back is
forgiving: case, spaces, dashes and the look-alikes O/I/L are accepted.
"""

from __future__ import annotations

import re
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford: no I, L, O, U
LENGTH = 10
_CONFUSABLES = str.maketrans({"O": "0", "I": "1", "L": "1"})
_STRIP = re.compile(r"[\s\-_.]")


def new_tracking_code() -> str:
    """A fresh random code, stored without the dash."""
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalise_tracking_code(text: str) -> str | None:
    """The stored form of what a person typed, or None if it cannot be a tracking code."""
    code = _STRIP.sub("", text or "").upper().translate(_CONFUSABLES)
    if len(code) != LENGTH or any(ch not in ALPHABET for ch in code):
        return None
    return code


def format_tracking_code(code: str) -> str:
    """``ABCDE12345`` → ``ABCDE-12345``, for reading aloud and printing."""
    return f"{code[:5]}-{code[5:]}"
