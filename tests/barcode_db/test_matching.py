"""Brand matching: exact keys, brands inside label text, lookalikes, and scale."""

from __future__ import annotations

import functools
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rapidfuzz import fuzz

from barcode_db.matching import (
    BrandEntry,
    BrandMatch,
    BrandMatcher,
    MatchKind,
    SpellingDifference,
    spelling_difference,
)
from barcode_db.textkey import match_key
from tests.support.brands import generate_brand_names

VINAMILK = BrandEntry(1, "Vinamilk", 101)
BITIS = BrandEntry(2, "Biti's", 102)
TRUNG_NGUYEN = BrandEntry(3, "Trung Nguyên", 103)
LEGEND = BrandEntry(4, "Trung Nguyên Legend", 103)
TH_TRUE_MILK = BrandEntry(5, "TH true MILK", 105)
TH = BrandEntry(6, "TH", 105)
OMO = BrandEntry(7, "Omo", 107)
HAO_HAO = BrandEntry(8, "Hảo Hảo", 108)
HAO_HAO_OTHER = BrandEntry(9, "HẢO HẢO", 109)  # same name, registered by another company
DONG_NAI = BrandEntry(10, "Đồng Nai Food", 110)
BRANDS = [VINAMILK, BITIS, TRUNG_NGUYEN, LEGEND, TH_TRUE_MILK, TH, OMO, HAO_HAO, HAO_HAO_OTHER]
BRANDS.append(DONG_NAI)


@pytest.fixture(scope="module")
def matcher() -> BrandMatcher:
    return BrandMatcher(BRANDS)


@pytest.mark.parametrize(
    ("text", "entry"),
    [
        ("Biti's", BITIS),  # as registered
        ("bitis", BITIS),  # apostrophe dropped, lower case
        ("BITI'S", BITIS),  # upper case
        ("Biti’s", BITIS),  # typographic apostrophe
        ("Vinamilk", VINAMILK),
        ("VINAMILK", VINAMILK),
        ("Trung Nguyên", TRUNG_NGUYEN),
        ("trung nguyen", TRUNG_NGUYEN),  # no diacritics
        ("TRUNG NGUYÊN", TRUNG_NGUYEN),
        ("  Trung   Nguyên ", TRUNG_NGUYEN),  # spaces folded
        ("Trung Nguye\u0302n", TRUNG_NGUYEN),  # decomposed (NFD) input
        ("dong nai food", DONG_NAI),  # đ -> d
        ("TH", TH),  # short names match exactly
        ("th TRUE milk", TH_TRUE_MILK),
        ("Trung-Nguyên", TRUNG_NGUYEN),  # a hyphen reads as a space
    ],
)
def test_exact(matcher: BrandMatcher, text: str, entry: BrandEntry) -> None:
    result = matcher.match(text)
    assert result == BrandMatch(MatchKind.EXACT, text, entry, 100.0, result.alternatives)


@pytest.mark.parametrize(
    ("text", "entry"),
    [
        ("Vinamllk", VINAMILK),  # i read as l
        ("Vinamiik", VINAMILK),  # l read as i
        ("Vinamilkk", VINAMILK),  # doubled letter
        ("Vnamilk", VINAMILK),  # dropped letter
        ("Bitis's", BITIS),  # extra s
        ("Trung Nguyen Legendd", LEGEND),  # beats the exact "Trung Nguyên" inside it
        ("Trung Ngyen", TRUNG_NGUYEN),
        ("TH true MlLK", TH_TRUE_MILK),  # long enough to fuzzy-match although it starts "TH"
    ],
)
def test_close(matcher: BrandMatcher, text: str, entry: BrandEntry) -> None:
    result = matcher.match(text)
    assert result.kind is MatchKind.CLOSE
    assert result.entry == entry
    assert 85.0 <= result.score < 100.0
    assert result.query == text


@pytest.mark.parametrize(
    "text",
    [
        "",  # empty
        "!!! ...",  # punctuation only: empty key
        "Pepsi",  # unknown brand
        "Hoàn toàn khác",  # unknown words
        "Vinacafe",  # shares a prefix with Vinamilk, but too different
        "Vinamilkfoods",  # a brand inside a word is not a brand
        "Bitishunter",
    ],
)
def test_none(matcher: BrandMatcher, text: str) -> None:
    assert matcher.match(text) == BrandMatch(MatchKind.NONE, text, None, 0.0)


@pytest.mark.parametrize(
    "text",
    [
        "TX",  # one letter away from "TH", but "th" is too short to fuzzy-match
        "THH",
        "T H",
        "Omoo",  # "omo" is below min_fuzzy_length
        "Om",
    ],
)
def test_short_names_never_fuzzy_match(matcher: BrandMatcher, text: str) -> None:
    assert matcher.match(text).kind is MatchKind.NONE


def test_min_fuzzy_length_is_configurable() -> None:
    loose = BrandMatcher([OMO], min_fuzzy_length=3, close_cutoff=80.0)
    assert loose.match("Omoo").kind is MatchKind.CLOSE


@pytest.mark.parametrize(
    ("text", "entry"),
    [
        ("Sữa tươi Vinamilk 100%", VINAMILK),  # extra words and punctuation around the brand
        ("Cà phê Trung Nguyên rang xay", TRUNG_NGUYEN),
        ("Giày BITI'S Hunter", BITIS),
        ("Sữa tươi TH true MILK ít đường", TH_TRUE_MILK),  # the longest brand wins over "TH"
        ("Cà phê Trung Nguyên Legend", LEGEND),  # ... and over "Trung Nguyên"
        ("Mì Hảo Hảo tôm chua cay", HAO_HAO),
    ],
)
def test_brand_contained_in_label_text(matcher: BrandMatcher, text: str, entry: BrandEntry) -> None:
    result = matcher.match(text)
    assert result.kind is MatchKind.EXACT
    assert result.entry == entry
    assert result.score == 100.0


def test_leftmost_of_equally_long_brands_wins(matcher: BrandMatcher) -> None:
    assert matcher.match("Biti's và Vinamilk").entry == BITIS
    assert matcher.match("Vinamilk và Biti's").entry == VINAMILK


def test_alternatives_share_the_key(matcher: BrandMatcher) -> None:
    exact = matcher.match("hao hao")
    assert exact.kind is MatchKind.EXACT
    assert exact.entry == HAO_HAO  # the first registered
    assert exact.alternatives == (HAO_HAO_OTHER,)
    close = matcher.match("Hao Haoo")
    assert close.kind is MatchKind.CLOSE
    assert (close.entry, close.alternatives) == (HAO_HAO, (HAO_HAO_OTHER,))
    assert matcher.match("Vinamilk").alternatives == ()


def test_duplicate_entries_are_kept_once() -> None:
    matcher = BrandMatcher([VINAMILK, VINAMILK, BITIS])
    assert len(matcher) == 2
    assert matcher.match("vinamilk").alternatives == ()


def test_cutoff_is_configurable() -> None:
    strict = BrandMatcher(BRANDS, close_cutoff=95.0)
    assert strict.match("Vinamllk").kind is MatchKind.NONE  # 87.5
    assert strict.match("Trung Nguyen Legendd").kind is MatchKind.CLOSE  # 97.4


@pytest.mark.parametrize("cutoff", [0.0, -1.0, 100.5])
def test_bad_cutoff(cutoff: float) -> None:
    with pytest.raises(ValueError):
        BrandMatcher(BRANDS, close_cutoff=cutoff)


def test_empty_matcher() -> None:
    assert BrandMatcher([]).match("Vinamilk").kind is MatchKind.NONE


def test_nameless_entries_are_ignored() -> None:
    matcher = BrandMatcher([BrandEntry(1, "???", 1), VINAMILK])
    assert len(matcher) == 1
    assert matcher.match("???").kind is MatchKind.NONE


# --- generated brands -------------------------------------------------------------------------


def test_generate_brand_names_is_deterministic() -> None:
    first = generate_brand_names(500, seed=7)
    assert first == generate_brand_names(500, seed=7)
    assert first != generate_brand_names(500, seed=8)
    assert len(first) == 500
    assert len({match_key(name) for name in first}) == 500
    assert generate_brand_names(0, seed=7) == []


INSERTED = [VINAMILK, BITIS, TRUNG_NGUYEN, LEGEND, TH_TRUE_MILK, TH]


@functools.cache
def big_matcher() -> BrandMatcher:
    """100,000 generated brands plus the well-known ones above."""
    taken = {match_key(entry.name) for entry in INSERTED}
    names = [
        name for name in generate_brand_names(100_000, seed=2025) if match_key(name) not in taken
    ]
    entries = [BrandEntry(1000 + i, name, 5000 + i // 3) for i, name in enumerate(names)]
    middle = len(entries) // 2
    return BrandMatcher(entries[:middle] + INSERTED + entries[middle:])


@pytest.mark.slow  # builds a matcher over 100,000 brands
@pytest.mark.parametrize(
    ("text", "kind", "entry"),
    [
        ("VINAMILK", MatchKind.EXACT, VINAMILK),
        ("Vinamllk", MatchKind.CLOSE, VINAMILK),
        ("Bitis's", MatchKind.CLOSE, BITIS),
        ("Sữa tươi Vinamilk 100%", MatchKind.EXACT, VINAMILK),
        ("Trung Nguyen Legendd", MatchKind.CLOSE, LEGEND),
        ("TX", MatchKind.NONE, None),
        ("Zzqxw Kjvb", MatchKind.NONE, None),
    ],
)
def test_100k_brands(text: str, kind: MatchKind, entry: BrandEntry | None) -> None:
    result = big_matcher().match(text)
    assert (result.kind, result.entry) == (kind, entry)


@pytest.mark.slow
def test_100k_brands_finds_generated_names() -> None:
    matcher = big_matcher()
    rng = random.Random(11)
    for name in rng.sample(generate_brand_names(100_000, seed=2025), 50):
        result = matcher.match(name.upper())
        assert result.kind is MatchKind.EXACT
        assert result.entry is not None and match_key(result.entry.name) == match_key(name)


# --- the candidate filter never drops a key that reaches the cutoff ----------------------------


@functools.cache
def _sample_matcher() -> tuple[BrandMatcher, tuple[str, ...]]:
    names = generate_brand_names(3000, seed=99)
    matcher = BrandMatcher(BrandEntry(i, name, i) for i, name in enumerate(names))
    keys = tuple(sorted({match_key(name) for name in names}))
    return matcher, keys


_EDIT_CHARS = "abcdeghiklmnopqrstuvxy "


@st.composite
def _lookalike_keys(draw: st.DrawFn) -> str:
    _matcher, keys = _sample_matcher()
    key = draw(st.sampled_from(keys))
    for _ in range(draw(st.integers(0, 4))):
        position = draw(st.integers(0, len(key)))
        char = draw(st.sampled_from(_EDIT_CHARS))
        match draw(st.sampled_from(("insert", "delete", "replace"))):
            case "insert":
                key = key[:position] + char + key[position:]
            case "delete":
                key = key[:position] + key[position + 1 :]
            case _:
                key = key[:position] + char + key[position + 1 :]
    return match_key(key)  # as the matcher sees it: spaces folded and trimmed


@given(_lookalike_keys(), st.sampled_from((70.0, 85.0, 92.0)))
def test_candidate_filter_is_sound(query: str, cutoff: float) -> None:
    base, keys = _sample_matcher()
    matcher = base if cutoff == base.close_cutoff else _sample_matcher_with(cutoff)
    candidates = set(matcher._fuzzy_candidates(query))
    for key in keys:
        if len(key) >= matcher.min_fuzzy_length and fuzz.ratio(query, key) >= cutoff:
            assert key in candidates, (query, key, fuzz.ratio(query, key))


@functools.cache
def _sample_matcher_with(cutoff: float) -> BrandMatcher:
    names = generate_brand_names(3000, seed=99)
    return BrandMatcher(
        (BrandEntry(i, name, i) for i, name in enumerate(names)), close_cutoff=cutoff
    )


@given(_lookalike_keys())
def test_close_match_is_the_best_score(query: str) -> None:
    matcher, keys = _sample_matcher()
    result = matcher.match(query)
    if result.kind is not MatchKind.CLOSE:
        return
    # The lookalike may be the whole text or a run of its words (``seen``): the best for that run.
    seen = match_key(result.seen)
    best = max(fuzz.ratio(seen, key) for key in keys if len(key) >= matcher.min_fuzzy_length)
    assert result.score == pytest.approx(best)
    assert seen == query or seen in query


# --- spelling: the same letters with diacritics, or a lookalike (issue 9) ----------------------

CHIN_SU = BrandEntry(11, "Chin-su", 111)


@pytest.mark.parametrize(
    ("seen", "registered", "difference"),
    [
        ("Vinamilk", "Vinamilk", None),  # as registered
        ("VINAMILK", "Vinamilk", None),  # case aside
        ("BITIS", "Biti's", None),  # punctuation aside
        ("Biti s", "Biti's", None),  # a space where the brand has punctuation
        ("CHINSU", "Chin-su", None),  # punctuation dropped altogether
        ("TH trueMILK", "TH true MILK", None),  # words run together: not an imitator's trick
        ("hao hao", "Hảo Hảo", None),  # typed with no diacritics at all: compared without
        ("HẢO HẢO", "Hảo Hảo", None),
        ("Ha\u0309o Ha\u0309o", "Hảo Hảo", None),  # decomposed (NFD) text
        ("Hảo Hạo", "Hảo Hảo", SpellingDifference.DIACRITICS),  # one tone mark changed
        ("Hảo Hao", "Hảo Hảo", SpellingDifference.DIACRITICS),  # one dropped, others kept
        ("Trung Nguyèn", "Trung Nguyên", SpellingDifference.DIACRITICS),
        ("Vinamílk", "Vinamilk", SpellingDifference.DIACRITICS),  # an accent the brand lacks
        ("Vinamllk", "Vinamilk", SpellingDifference.LETTERS),
        ("Vinamiik", "Vinamilk", SpellingDifference.LETTERS),
        ("Vinammilk", "Vinamilk", SpellingDifference.LETTERS),  # doubled letter
        ("Vina milk", "Vinamilk", SpellingDifference.SPACING),  # a word split in two
        ("Hảo Hảoo", "Hảo Hảo", SpellingDifference.LETTERS),
    ],
)
def test_spelling_difference(
    seen: str, registered: str, difference: SpellingDifference | None
) -> None:
    assert spelling_difference(seen, registered) is difference


@pytest.mark.parametrize(
    ("text", "kind", "entry", "seen"),
    [
        # Lookalikes of the whole text, found by key, then told apart by spelling.
        ("Hảo Hạo", MatchKind.CLOSE, HAO_HAO, "Hảo Hạo"),
        ("Vina milk", MatchKind.CLOSE, VINAMILK, "Vina milk"),
        ("Trung Nguyèn", MatchKind.CLOSE, TRUNG_NGUYEN, "Trung Nguyèn"),
        ("hao hao", MatchKind.EXACT, HAO_HAO, "hao hao"),
        ("CHINSU", MatchKind.EXACT, CHIN_SU, "CHINSU"),
        # Lookalikes inside longer text: the run of words is quoted exactly as written.
        ("Sữa tươi Vinamllk 100%", MatchKind.CLOSE, VINAMILK, "Vinamllk"),
        ("Sữa tươi Vina milk 180 ml", MatchKind.CLOSE, VINAMILK, "Vina milk"),
        ("Cà phê Trung Nguyên Legendd", MatchKind.CLOSE, LEGEND, "Trung Nguyên Legendd"),
        # The genuine brand inside text beats a lookalike reading of it plus a neighbour word.
        ("Vinamilk 1 lít", MatchKind.EXACT, VINAMILK, "Vinamilk"),
    ],
)
def test_spelling_decides_exact_or_lookalike(
    text: str, kind: MatchKind, entry: BrandEntry, seen: str
) -> None:
    result = BrandMatcher([*BRANDS, CHIN_SU]).match(text)
    assert (result.kind, result.entry, result.seen) == (kind, entry, seen)
    assert (result.difference is None) == (kind is MatchKind.EXACT)


def test_find_all_gives_every_brand_and_lookalike_in_reading_order(matcher: BrandMatcher) -> None:
    found = matcher.find_all("Vinamllk — sữa của Biti's? Không, Hảo Hảo và TH true MILK")
    assert [(f.kind, f.entry, f.seen) for f in found] == [
        (MatchKind.CLOSE, VINAMILK, "Vinamllk"),
        (MatchKind.EXACT, BITIS, "Biti's"),
        (MatchKind.EXACT, HAO_HAO, "Hảo Hảo"),
        (MatchKind.EXACT, TH_TRUE_MILK, "TH true MILK"),
    ]
    assert matcher.find_all("Sữa tươi tiệt trùng có đường 180 ml") == []


CHE = BrandEntry(12, "Chè Tân Cương", 112)


@pytest.mark.parametrize(
    "text",
    [
        # Ordinary words that spell a brand's letters with other diacritics: not a brand.
        "Sữa tươi tiệt trùng nguyên kem",
        # Inside longer text, other diacritics are other words; a brand line alone is judged
        # on its marks (see the table above), the name in running text is not.
        "Mì Hảo Hạo tôm chua cay",
        # A word more than the brand inside longer text: a product name, not an imitation.
        "Chè búp Tân Cương Thái Nguyên",
    ],
)
def test_ordinary_words_in_longer_text_are_no_lookalikes(text: str) -> None:
    assert BrandMatcher([*BRANDS, CHE]).match(text).kind is MatchKind.NONE


@pytest.mark.parametrize(
    ("text", "typed", "printed"),
    [
        # Typed without marks, the brand; printed without them, not the brand a pack prints.
        ("Trung Nguyen", MatchKind.EXACT, MatchKind.CLOSE),
        ("HAO HAO", MatchKind.EXACT, MatchKind.CLOSE),
        # Marks as registered: the brand either way.
        ("TRUNG NGUYÊN", MatchKind.EXACT, MatchKind.EXACT),
        ("Vinamilk", MatchKind.EXACT, MatchKind.EXACT),
    ],
)
def test_printed_text_keeps_its_diacritics(text: str, typed: MatchKind, printed: MatchKind) -> None:
    assert matcher_for_printing().match(text).kind is typed
    assert matcher_for_printing().match(text, printed=True).kind is printed


@functools.cache
def matcher_for_printing() -> BrandMatcher:
    return BrandMatcher(BRANDS)
