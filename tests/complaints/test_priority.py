"""Triage priority: orderings, bounds, monotonicity, bands, high-risk words. Table-driven."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from barcode_db.verdict import Level
from complaints.priority import (
    HIGH_RISK_WORDS,
    MAX_SCORE,
    PRIORITY_BANDS,
    band_for,
    is_high_risk,
    priority_for,
)
from complaints.workflow import Category

FRESH = 5  # working days left on a complaint filed two days ago


def score(
    level: str | None = Level.UNKNOWN,
    category: Category = Category.OTHER,
    shared_reports: int = 0,
    working_days_left: int | None = FRESH,
    high_risk: bool = False,
) -> int:
    return priority_for(
        level=level,
        category=category,
        shared_reports=shared_reports,
        working_days_left=working_days_left,
        high_risk=high_risk,
    )


# (more urgent, less urgent): keyword arguments of ``score``.
Case = dict[str, Any]


@pytest.mark.parametrize(
    ("more", "less"),
    [
        # A suspected counterfeit past its deadline beats a poor-quality trusted product.
        (
            {"level": Level.MISMATCH, "category": Category.COUNTERFEIT, "working_days_left": -1},
            {"level": Level.TRUSTED, "category": Category.POOR_QUALITY},
        ),
        # Level, category and everything else equal: REPORTED/MISMATCH > LOOKALIKE > INVALID.
        ({"level": Level.REPORTED}, {"level": Level.LOOKALIKE}),
        ({"level": Level.MISMATCH}, {"level": Level.LOOKALIKE}),
        ({"level": Level.LOOKALIKE}, {"level": Level.INVALID}),
        # INVALID > UNKNOWN = no scan > TRUSTED, VIETNAMESE, FOREIGN.
        ({"level": Level.INVALID}, {"level": Level.UNKNOWN}),
        ({"level": None}, {"level": Level.TRUSTED}),
        ({"level": Level.UNKNOWN}, {"level": Level.FOREIGN}),
        # Categories: counterfeit/imitation > unknown origin/unlabelled/expired > poor quality/other.
        ({"category": Category.COUNTERFEIT}, {"category": Category.UNKNOWN_ORIGIN}),
        ({"category": Category.IMITATION}, {"category": Category.EXPIRED}),
        ({"category": Category.UNLABELLED}, {"category": Category.POOR_QUALITY}),
        ({"category": Category.EXPIRED}, {"category": Category.OTHER}),
        # Milk powder for babies before shoes.
        ({"high_risk": True}, {"high_risk": False}),
        # Others have reported the same product or store.
        ({"shared_reports": 1}, {"shared_reports": 0}),
        # Age: overdue > last 2 working days > fresh; no deadline (closed) counts as fresh.
        ({"working_days_left": -1}, {"working_days_left": 0}),
        ({"working_days_left": 1}, {"working_days_left": 2}),
        ({"working_days_left": 0}, {"working_days_left": None}),
        ({"working_days_left": -3}, {"working_days_left": -1}),
        # A counterfeit baby formula with a suspect barcode outranks an overdue unknown complaint.
        (
            {"level": Level.MISMATCH, "category": Category.COUNTERFEIT, "high_risk": True},
            {"working_days_left": -10, "shared_reports": 3},
        ),
    ],
)
def test_ordering(more: Case, less: Case) -> None:
    assert score(**more) > score(**less)


@pytest.mark.parametrize(
    ("same", "other"),
    [
        ({"level": Level.REPORTED}, {"level": Level.MISMATCH}),
        ({"level": None}, {"level": Level.UNKNOWN}),
        ({"level": "NO_SUCH_LEVEL"}, {"level": Level.UNKNOWN}),  # an old snapshot's text
        ({"level": "MISMATCH"}, {"level": Level.MISMATCH}),  # as stored in verdict_level
        ({"level": Level.TRUSTED}, {"level": Level.FOREIGN}),
        ({"category": Category.COUNTERFEIT}, {"category": Category.IMITATION}),
        ({"category": Category.POOR_QUALITY}, {"category": Category.OTHER}),
        ({"working_days_left": 1}, {"working_days_left": 0}),  # both in the last 2 days
        ({"shared_reports": 6}, {"shared_reports": 600}),  # capped
        ({"working_days_left": -6}, {"working_days_left": -60}),  # overdue boost capped
    ],
)
def test_equal_scores(same: Case, other: Case) -> None:
    assert score(**same) == score(**other)


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        # Nothing urgent at all.
        ({"level": Level.TRUSTED, "category": Category.POOR_QUALITY}, 0),
        # Everything at its maximum.
        (
            {
                "level": Level.REPORTED,
                "category": Category.COUNTERFEIT,
                "shared_reports": 99,
                "working_days_left": -99,
                "high_risk": True,
            },
            MAX_SCORE,
        ),
    ],
)
def test_extremes(case: Case, expected: int) -> None:
    assert score(**case) == expected


def test_negative_shared_reports_are_refused() -> None:
    with pytest.raises(ValueError, match="shared_reports"):
        score(shared_reports=-1)


levels = st.one_of(st.none(), st.sampled_from(Level), st.text(max_size=20))
categories = st.sampled_from(Category)
days_left = st.one_of(st.none(), st.integers(min_value=-10_000, max_value=10_000))


@given(
    level=levels,
    category=categories,
    shared=st.integers(min_value=0, max_value=10_000),
    left=days_left,
    high_risk=st.booleans(),
)
def test_always_in_bounds(
    level: str | None, category: Category, shared: int, left: int | None, high_risk: bool
) -> None:
    result = score(level, category, shared, left, high_risk)
    assert 0 <= result <= MAX_SCORE
    assert band_for(result) in {"urgent", "high", "normal", "low"}


@given(
    level=levels,
    category=categories,
    shared=st.integers(min_value=0, max_value=100),
    left=days_left,
    high_risk=st.booleans(),
)
def test_monotonic_in_shared_reports(
    level: str | None, category: Category, shared: int, left: int | None, high_risk: bool
) -> None:
    assert score(level, category, shared + 1, left, high_risk) >= score(
        level, category, shared, left, high_risk
    )


@given(
    level=levels,
    category=categories,
    shared=st.integers(min_value=0, max_value=100),
    left=st.integers(min_value=-100, max_value=100),
    high_risk=st.booleans(),
)
def test_monotonic_in_age(
    level: str | None, category: Category, shared: int, left: int, high_risk: bool
) -> None:
    # One working day later, fewer days are left: never less urgent.
    assert score(level, category, shared, left - 1, high_risk) >= score(
        level, category, shared, left, high_risk
    )


@pytest.mark.parametrize(
    ("score_", "band"),
    [
        (0, "low"),
        (199, "low"),
        (200, "normal"),
        (399, "normal"),
        (400, "high"),
        (599, "high"),
        (600, "urgent"),
        (1000, "urgent"),
    ],
)
def test_band_for(score_: int, band: str) -> None:
    assert band_for(score_) == band


@pytest.mark.parametrize("bad", [-1, 1001])
def test_band_for_out_of_range(bad: int) -> None:
    with pytest.raises(ValueError, match="out of range"):
        band_for(bad)


def test_bands_cover_every_score_once() -> None:
    covered = sorted(s for scores in PRIORITY_BANDS for s in scores)
    assert covered == list(range(MAX_SCORE + 1))


@pytest.mark.parametrize(
    ("case", "band"),
    [
        # A suspected counterfeit of baby milk: urgent the day it arrives.
        (
            {"level": Level.MISMATCH, "category": Category.COUNTERFEIT, "high_risk": True},
            "urgent",
        ),
        # A suspected counterfeit of something else: high.
        ({"level": Level.MISMATCH, "category": Category.COUNTERFEIT}, "high"),
        # No scan, goods of unknown origin: normal.
        ({"level": None, "category": Category.UNKNOWN_ORIGIN}, "normal"),
        # A trusted product of poor quality: low.
        ({"level": Level.TRUSTED, "category": Category.POOR_QUALITY}, "low"),
    ],
)
def test_typical_bands(case: Case, band: str) -> None:
    assert band_for(score(**case)) == band


@pytest.mark.parametrize(
    ("text", "high_risk"),
    [
        ("Sữa bột trẻ em", True),
        ("sua bot tre em", True),  # typed without diacritics
        ("SỮA BỘT", True),
        ("Thuốc cảm giả, bao bì mờ", True),
        ("Mỹ phẩm xách tay không nhãn phụ", True),
        ("Kem chống nắng", True),
        ("Đồ chơi nhựa cho bé", True),
        ("Thực phẩm chức năng", True),
        ("Rượu ngoại", True),
        ("Baby formula milk", True),
        ("Fake cosmetics!", True),
        ("(medicine)", True),  # punctuation around a word
        ("Giày thể thao", False),
        ("Áo khoác", False),
        ("Hàng kém chất lượng", False),  # "kém" is not "kem" (cream): no bare "kem" key
        ("Điện thoại di động", False),
        ("foodstuff-free zone: seafoods", False),  # whole words only
        ("", False),
    ],
)
def test_is_high_risk(text: str, high_risk: bool) -> None:
    assert is_high_risk(text) is high_risk


def test_every_high_risk_word_matches_itself() -> None:
    assert all(is_high_risk(word) for word in HIGH_RISK_WORDS)
    assert all(is_high_risk(word.upper()) for word in HIGH_RISK_WORDS)
