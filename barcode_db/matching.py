"""Brand matching: is the brand read from a label a known brand, a lookalike of one, or neither?

Names are compared on :func:`barcode_db.textkey.match_key`, so case, Vietnamese diacritics and
punctuation never matter ("Biti's" = "BITIS", "Trung Nguyên" = "trung nguyen").

The verdict for a text, in order:

1. EXACT if its whole key is a brand key;
2. EXACT if a brand key occurs in it as a whole run of words ("Sữa tươi Vinamilk 100%"); the run
   with the most words wins, then the leftmost;
3. CLOSE if the whole key scores at least ``close_cutoff`` with :func:`rapidfuzz.fuzz.ratio`
   (normalised Indel similarity) against a brand key of at least ``min_fuzzy_length`` characters
   ("Vinamllk", "Bitis's"). A close lookalike of the whole text also beats a *shorter* brand found
   in step 2: "Trung Nguyen Legendd" is CLOSE to "Trung Nguyên Legend", not EXACT "Trung Nguyên";
4. NONE otherwise.

Lookalikes are only searched for the whole text, not for runs of words inside a longer text.
"""

from __future__ import annotations

import bisect
import enum
import itertools
import math
import operator
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from barcode_db.textkey import match_key

__all__ = ["BrandEntry", "BrandMatch", "BrandMatcher", "MatchKind"]

EXACT_SCORE = 100.0
_EPSILON = 1e-9


@dataclass(frozen=True)
class BrandEntry:
    """A registered brand name and the company that owns it."""

    brand_id: int
    name: str
    company_id: int


class MatchKind(enum.StrEnum):
    """How a text matched the known brands."""

    EXACT = "exact"
    CLOSE = "close"
    NONE = "none"


@dataclass(frozen=True)
class BrandMatch:
    """The verdict for one text: the best brand (if any), its score and same-name alternatives."""

    kind: MatchKind
    query: str  # the text as given
    entry: BrandEntry | None  # None when kind is NONE
    score: float  # 100 for EXACT, the fuzz.ratio score for CLOSE, 0 for NONE
    # Other entries with the same match key as ``entry`` (same name, other brand ids/companies).
    alternatives: tuple[BrandEntry, ...] = ()


class BrandMatcher:
    """Matches label text against a fixed set of brand names; build once, query many times."""

    def __init__(
        self,
        entries: Iterable[BrandEntry],
        *,
        close_cutoff: float = 85.0,
        min_fuzzy_length: int = 4,
    ) -> None:
        """Index ``entries``; entries sharing a key keep their order (first one is the match)."""
        if not 0.0 < close_cutoff <= 100.0:
            raise ValueError("close_cutoff must be in (0, 100]")
        self.close_cutoff = close_cutoff
        self.min_fuzzy_length = min_fuzzy_length
        grouped: dict[str, dict[BrandEntry, None]] = {}
        for entry in entries:
            key = match_key(entry.name)
            if key:
                grouped.setdefault(key, {})[entry] = None
        self._by_key: dict[str, tuple[BrandEntry, ...]] = {
            key: tuple(group) for key, group in grouped.items()
        }
        self._max_words = max((key.count(" ") + 1 for key in self._by_key), default=0)
        # Fuzzy candidates sorted by length, so a query only scores keys of a feasible length,
        # with a bitmap (bit i = key i) per character occurrence: "has at least n times <ch>".
        self._fuzzy_keys: list[str] = sorted(
            (key for key in self._by_key if len(key) >= min_fuzzy_length),
            key=lambda key: (len(key), key),
        )
        self._fuzzy_lengths: list[int] = [len(key) for key in self._fuzzy_keys]
        self._has_char: dict[tuple[str, int], int] = _char_bitmaps(self._fuzzy_keys)

    def __len__(self) -> int:
        return sum(len(group) for group in self._by_key.values())

    def match(self, text: str) -> BrandMatch:
        """Classify ``text`` as an EXACT brand, a CLOSE lookalike of one, or NONE."""
        key = match_key(text)
        if not key:
            return BrandMatch(MatchKind.NONE, text, None, 0.0)
        if key in self._by_key:
            return self._result(MatchKind.EXACT, text, key, EXACT_SCORE)
        contained = self._contained_key(key)
        close = self._closest_key(key)
        if close is not None and (contained is None or len(close[0]) > len(contained)):
            return self._result(MatchKind.CLOSE, text, close[0], close[1])
        if contained is not None:
            return self._result(MatchKind.EXACT, text, contained, EXACT_SCORE)
        return BrandMatch(MatchKind.NONE, text, None, 0.0)

    def _result(self, kind: MatchKind, text: str, key: str, score: float) -> BrandMatch:
        first, *others = self._by_key[key]
        return BrandMatch(kind, text, first, float(score), tuple(others))

    def _contained_key(self, key: str) -> str | None:
        """The brand key occurring in ``key`` as a run of whole words: most words, then leftmost."""
        words = key.split(" ")
        for size in range(min(self._max_words, len(words)), 0, -1):
            for start in range(len(words) - size + 1):
                candidate = " ".join(words[start : start + size])
                if candidate in self._by_key:
                    return candidate
        return None

    def _closest_key(self, key: str) -> tuple[str, float] | None:
        """The best fuzzy brand key for the whole ``key`` scoring at least the cutoff."""
        size = len(key)
        if size < self.min_fuzzy_length:
            return None
        candidates = self._fuzzy_candidates(key)
        if not candidates:
            return None
        found = process.extractOne(
            key, candidates, scorer=fuzz.ratio, processor=None, score_cutoff=self.close_cutoff
        )
        if found is None:
            return None
        choice, score, _index = found
        return choice, float(score)

    def _fuzzy_candidates(self, key: str) -> list[str]:
        """Keys that can score at least the cutoff against ``key``, in index order.

        With ``a = len(key)``, ``b = len(other)`` and L their longest common subsequence,
        ``fuzz.ratio = 200 * L / (a + b)``. L is at most ``min(a, b)``, so only lengths in a
        window can reach the cutoff, and at most the number of characters the two have in common
        counted with multiplicity: ``a - misses``, where ``misses`` counts the characters of
        ``key`` that ``other`` lacks. Both bounds are checked for all keys at once on bitmaps;
        rapidfuzz then scores only the keys that pass, typically a few dozen out of 100,000.
        """
        cutoff = self.close_cutoff
        size = len(key)
        shortest = math.ceil(size * cutoff / (200.0 - cutoff) - _EPSILON)
        longest = math.floor(size * (200.0 - cutoff) / cutoff + _EPSILON)
        lengths = self._fuzzy_lengths
        lo = bisect.bisect_left(lengths, shortest)
        hi = bisect.bisect_right(lengths, longest)
        if lo >= hi:
            return []
        # Misses allowed for a key of length b: a - ceil(cutoff * (a + b) / 200).
        allowed = {
            length: size - math.ceil(cutoff * (size + length) / 200.0 - _EPSILON)
            for length in range(lengths[lo], lengths[hi - 1] + 1)
        }
        most = max(allowed.values())
        if most < 0:
            return []
        window = (1 << (hi - lo)) - 1
        # exactly[j]: bitmap of the window's keys that miss exactly j characters of ``key`` so far.
        exactly = [window] + [0] * most
        for token in _char_tokens(key):
            present = (self._has_char.get(token, 0) >> lo) & window
            missing = window ^ present
            for j in range(most, 0, -1):
                exactly[j] = (exactly[j] & present) | (exactly[j - 1] & missing)
            exactly[0] &= present
        at_most = list(itertools.accumulate(exactly, operator.or_))
        selected = 0
        for length, misses in allowed.items():
            if misses < 0:
                continue
            start = bisect.bisect_left(lengths, length, lo, hi) - lo
            end = bisect.bisect_right(lengths, length, lo, hi) - lo
            if start < end:
                selected |= at_most[min(misses, most)] & (((1 << (end - start)) - 1) << start)
        return [self._fuzzy_keys[lo + bit] for bit in _set_bits(selected)]


def _char_tokens(key: str) -> list[tuple[str, int]]:
    """(character, n) for the n-th occurrence of each character of ``key``."""
    seen: dict[str, int] = {}
    tokens = []
    for char in key:
        nth = seen[char] = seen.get(char, 0) + 1
        tokens.append((char, nth))
    return tokens


def _char_bitmaps(keys: list[str]) -> dict[tuple[str, int], int]:
    """Bitmap per (character, n): bit i set when ``keys[i]`` has that character n times or more."""
    positions: dict[tuple[str, int], list[int]] = {}
    for index, key in enumerate(keys):
        for token in _char_tokens(key):
            found = positions.get(token)
            if found is None:
                positions[token] = found = []
            found.append(index)
    bitmaps = {}
    for token, indexes in positions.items():
        bits = bytearray((len(keys) + 7) // 8)
        for index in indexes:
            bits[index >> 3] |= 1 << (index & 7)
        bitmaps[token] = int.from_bytes(bits, "little")
    return bitmaps


def _set_bits(bitmap: int) -> list[int]:
    """Indexes of the set bits of ``bitmap``, ascending."""
    digits = bin(bitmap)
    top = len(digits) - 3  # index of the highest bit; bin() starts with "0b"
    found = []
    position = digits.find("1", 2)
    while position != -1:
        found.append(top - (position - 2))
        position = digits.find("1", position + 1)
    found.reverse()
    return found
