"""Brand matching: is the brand read from a label a known brand, a lookalike of one, or neither?

Two keys are at work. Brands are *found* on :func:`barcode_db.textkey.match_key` (case, Vietnamese
diacritics and punctuation aside), so a misspelt or unaccented text still finds its brand. Whether
what was found is the brand or an imitation of it is then decided on the *spelling*
(:func:`spelling_difference`): the same letters **with** their diacritics, case and punctuation
aside ("Biti's" = "BITIS"), and no word split where the brand has none ("Vina milk" is not
"Vinamilk"). A text with no diacritics at all ("hao hao") is compared without them, because phones
often type that way; a text whose diacritics differ ("Hảo Hạo") is a lookalike. Imitation labels
copy genuine barcodes, so a lookalike is a lookalike even on the brand owner's own number: the
verdict decides that, this module only says what the text is.

The verdict for a text (:meth:`BrandMatcher.match`), over the runs of whole words in it:

1. a run whose key is a brand key, or whose letters are a brand's letters ("Vina milk"): EXACT when
   the spelling is the same, CLOSE (a lookalike) when it differs;
2. else, a run whose key scores at least ``close_cutoff`` with :func:`rapidfuzz.fuzz.ratio`
   (normalised Indel similarity) against a brand key of at least ``min_fuzzy_length`` characters
   ("Vinamllk", "Bitis's"); runs are the whole text and every run of up to one word more than the
   longest brand ("Sữa tươi Vinamllk 100%");
3. NONE when no run is either.

Among several findings the brand with the most words wins ("Trung Nguyen Legendd" is CLOSE to
"Trung Nguyên Legend", not EXACT "Trung Nguyên"), then the exact one, then the leftmost.
:meth:`BrandMatcher.find_all` gives every non-overlapping finding of a text (label text read by OCR).
"""

from __future__ import annotations

import bisect
import enum
import itertools
import math
import operator
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from barcode_db.textkey import match_key, search_key

__all__ = [
    "BrandEntry",
    "BrandMatch",
    "BrandMatcher",
    "MatchKind",
    "SpellingDifference",
    "has_diacritics",
    "spelling_difference",
]

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


MATCH_MEMORY = 50_000
"""Answers one matcher remembers: typed brands repeat (a shop's shoppers check the same goods)."""


@dataclass(frozen=True)
class BrandMatch:
    """The verdict for one text: the best brand (if any), its score and same-name alternatives."""

    kind: MatchKind
    query: str  # the text as given
    entry: BrandEntry | None  # None when kind is NONE
    score: float  # 100 for EXACT, the fuzz.ratio score for CLOSE, 0 for NONE
    # Other entries with the same match key as ``entry`` (same name, other brand ids/companies).
    alternatives: tuple[BrandEntry, ...] = ()
    # The run of words of ``query`` that matched, exactly as given (the whole text, or a part).
    seen: str = field(default="", compare=False)
    # How ``seen`` differs from the brand's spelling (None for EXACT and NONE).
    difference: SpellingDifference | None = field(default=None, compare=False)


class SpellingDifference(enum.StrEnum):
    """How a text that found a brand differs from the brand's registered spelling."""

    LETTERS = "letters"  # letters added, dropped or changed: "Vinamllk"
    DIACRITICS = "diacritics"  # the same letters, other diacritics: "Hảo Hạo"
    SPACING = "spacing"  # a word split where the brand has none: "Vina milk"


def has_diacritics(text: str) -> bool:
    """Whether ``text`` carries any diacritic or đ/Đ (a text typed without them has none)."""
    return search_key(text) != " ".join(text.casefold().split())


def _spelling(text: str) -> tuple[str, frozenset[int]]:
    """Letters and digits of ``text`` (NFC, case folded) and where word boundaries fall in them."""
    letters: list[str] = []
    boundaries: set[int] = set()
    for char in unicodedata.normalize("NFC", text).casefold():
        if char.isalnum():
            letters.append(char)
        elif letters:
            boundaries.add(len(letters))
    boundaries.discard(len(letters))
    return "".join(letters), frozenset(boundaries)


def spelling_difference(
    seen: str, registered: str, *, printed: bool = False
) -> SpellingDifference | None:
    """How ``seen`` differs from the brand name ``registered``; None when it is the same name.

    Case, punctuation and spaces where the brand has a space or punctuation do not count. A text
    typed with no diacritics at all is compared with the brand's diacritics taken off; a
    ``printed`` text (read on a label) is not: a pack prints its brand with its marks.
    """
    if not printed and not has_diacritics(seen):
        registered = search_key(registered)
    seen_letters, seen_boundaries = _spelling(seen)
    brand_letters, brand_boundaries = _spelling(registered)
    if seen_letters != brand_letters:
        if _spelling(search_key(seen))[0] == _spelling(search_key(registered))[0]:
            return SpellingDifference.DIACRITICS
        return SpellingDifference.LETTERS
    if not seen_boundaries <= brand_boundaries:
        return SpellingDifference.SPACING
    return None


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
        # Brand keys by their letters alone, to find "Vina milk" (a split word) as Vinamilk.
        self._by_letters: dict[str, str] = {}
        # Short brands ("TH", "333") are only found as they are written, like in fuzzy matching.
        for key in self._by_key:
            if len(key) >= min_fuzzy_length:
                self._by_letters.setdefault(key.replace(" ", ""), key)
        # Fuzzy candidates sorted by length, so a query only scores keys of a feasible length,
        # with a bitmap (bit i = key i) per character occurrence: "has at least n times <ch>".
        self._fuzzy_keys: list[str] = sorted(
            (key for key in self._by_key if len(key) >= min_fuzzy_length),
            key=lambda key: (len(key), key),
        )
        self._fuzzy_lengths: list[int] = [len(key) for key in self._fuzzy_keys]
        self._has_char: dict[tuple[str, int], int] = _char_bitmaps(self._fuzzy_keys)
        # Answers already given: the index never changes, so an answer never goes stale.
        self._answers: dict[tuple[str, bool], BrandMatch] = {}

    def __len__(self) -> int:
        return sum(len(group) for group in self._by_key.values())

    def match(self, text: str, *, printed: bool = False) -> BrandMatch:
        """:meth:`find` of ``text``, remembered (at most MATCH_MEMORY answers, then forgotten)."""
        answer = self._answers.get((text, printed))
        if answer is None:
            if len(self._answers) >= MATCH_MEMORY:
                self._answers.clear()
            answer = self._answers[(text, printed)] = self.find(text, printed=printed)
        return answer

    def find(self, text: str, *, printed: bool = False) -> BrandMatch:
        """The best finding in ``text``: a brand (EXACT), a lookalike of one (CLOSE), or NONE.

        ``printed``: the text was read on a label, so a brand without its diacritics is not it.
        """
        whole = match_key(text)
        if not whole:
            return BrandMatch(MatchKind.NONE, text, None, 0.0)
        found = [finding for _span, finding in self._findings(text, printed)]
        if whole not in self._by_key and (close := self._closest_key(whole)) is not None:
            found.append(self._finding(text, text, close[0], close[1], printed))
        if not found:
            return BrandMatch(MatchKind.NONE, text, None, 0.0)
        return min(found, key=_rank)

    def find_all(self, text: str, *, printed: bool = False) -> list[BrandMatch]:
        """Every brand or lookalike in ``text`` that overlaps no better one, in reading order."""
        chosen: list[tuple[tuple[int, int], BrandMatch]] = []
        found = self._findings(text, printed)
        for span, finding in sorted(found, key=lambda pair: _rank(pair[1])):
            if all(span[1] <= start or span[0] >= end for (start, end), _f in chosen):
                chosen.append((span, finding))
        return [finding for _span, finding in sorted(chosen, key=lambda pair: pair[0])]

    def _findings(self, text: str, printed: bool) -> list[tuple[tuple[int, int], BrandMatch]]:
        """A finding per run of words that is a brand, a spelling of one, or a lookalike.

        Inside a longer text, ordinary words can spell a brand's letters with other diacritics
        ("tiệt trùng nguyên kem" holds "trung nguyen") or come close to it with a word more
        ("Chè búp Tân Cương"): there, a lookalike must differ in its letters, not in its marks,
        and have as many words as the brand. The whole text is judged on all its spelling.
        """
        found = []
        for run in _word_runs(text, self._max_words + 1):
            span, key, whole = run
            finding = self._exact_run(text, run, printed)
            if finding is not None:
                if whole or finding.difference is not SpellingDifference.DIACRITICS:
                    found.append((span, finding))
                continue
            finding = self._close_run(text, run, printed)
            if finding is not None and finding.entry is not None:
                brand_words = match_key(finding.entry.name).count(" ")
                if whole or brand_words == key.count(" "):
                    found.append((span, finding))
        return found

    def _exact_run(self, text: str, run: _Run, printed: bool) -> BrandMatch | None:
        """The brand whose key, or letters, the run has: EXACT or a CLOSE spelling of it."""
        key = run[1]
        brand_key = key if key in self._by_key else self._by_letters.get(key.replace(" ", ""))
        if brand_key is None:
            return None
        seen = text[run[0][0] : run[0][1]]
        difference = spelling_difference(seen, self._by_key[brand_key][0].name, printed=printed)
        if difference is None:
            return self._result(MatchKind.EXACT, text, brand_key, EXACT_SCORE, seen)
        # A lookalike's score is that of its key; equal keys (other diacritics) score on spelling.
        score = fuzz.ratio(key, brand_key)
        if score >= EXACT_SCORE:
            name = self._by_key[brand_key][0].name
            score = min(99.0, fuzz.ratio(_spelling(seen)[0], _spelling(name)[0]))
        return self._result(MatchKind.CLOSE, text, brand_key, score, seen, difference)

    def _close_run(self, text: str, run: _Run, printed: bool) -> BrandMatch | None:
        close = self._closest_key(run[1])
        if close is None:
            return None
        return self._finding(text, text[run[0][0] : run[0][1]], close[0], close[1], printed)

    def _finding(
        self, text: str, seen: str, brand_key: str, score: float, printed: bool
    ) -> BrandMatch:
        """A fuzzy finding, with how its spelling differs (a fuzzy key is never the same name)."""
        difference = spelling_difference(seen, self._by_key[brand_key][0].name, printed=printed)
        return self._result(
            MatchKind.CLOSE, text, brand_key, score, seen, difference or SpellingDifference.LETTERS
        )

    def _result(
        self,
        kind: MatchKind,
        text: str,
        key: str,
        score: float,
        seen: str,
        difference: SpellingDifference | None = None,
    ) -> BrandMatch:
        first, *others = self._by_key[key]
        return BrandMatch(kind, text, first, float(score), tuple(others), seen, difference)

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


#: A run of whole words: its (start, end) in the text, its match key, whether it is all the text.
_Run = tuple[tuple[int, int], str, bool]
_WORD = re.compile(r"\S+")
_EDGES = re.compile(r"^\W+|\W+$")


def _word_runs(text: str, most: int) -> list[_Run]:
    """Runs of 1 to ``most`` whole words of ``text``, longest first, each trimmed of the
    punctuation at its ends ("Biti's?" is "Biti's"); words of punctuation alone are no words."""
    words = []
    for word in _WORD.finditer(text):
        trimmed = _EDGES.sub("", word.group())
        if trimmed:
            offset = word.group().index(trimmed)
            words.append((word.start() + offset, word.start() + offset + len(trimmed)))
    runs: list[_Run] = []
    for size in range(min(most, len(words)), 0, -1):
        for first in range(len(words) - size + 1):
            span = (words[first][0], words[first + size - 1][1])
            key = match_key(text[span[0] : span[1]])
            if key:
                runs.append((span, key, size == len(words)))
    return runs


def _rank(finding: BrandMatch) -> tuple[int, int, float, int]:
    """Order of preference: the brand with most words, then EXACT, the best score, the leftmost."""
    assert finding.entry is not None
    words = match_key(finding.entry.name).count(" ") + 1
    start = finding.query.find(finding.seen) if finding.seen else 0
    return (-words, 0 if finding.kind is MatchKind.EXACT else 1, -finding.score, start)


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
