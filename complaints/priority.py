"""Triage priority: one score per complaint, higher is more urgent, always in 0..1000.

The queue sorts by it; staff read its band ("urgent", "high", "normal", "low"). Pure rules: the
caller passes the working days left (from :mod:`complaints.deadlines`), nothing reads the clock.
"""

from __future__ import annotations

import re

from barcode_db.textkey import search_key
from barcode_db.verdict import Level
from complaints.workflow import Category

#: Words that mark goods one eats, drinks, takes, puts on the skin or gives a child. Matched on
#: whole words of :func:`search_key`, so "sua bot" and "Sữa bột" both match. Diacritics-free
#: keys collide: "sửa" (repair) reads as "sữa" (milk) and "thuộc" (belongs to) as "thuốc"
#: (medicine); such false alarms only raise a complaint a little, the safe direction.
HIGH_RISK_WORDS: tuple[str, ...] = (
    # Food and drink.
    "thực phẩm",
    "sữa",
    "đồ ăn",
    "đồ uống",
    "nước uống",
    "nước giải khát",
    "rượu",
    "bánh kẹo",
    "dầu ăn",
    "nước mắm",
    "thịt",
    "food",
    "seafood",
    "milk",
    "drink",
    "drinks",
    "beverage",
    "alcohol",
    "wine",
    "supplement",
    "supplements",
    # Medicine and medical goods.
    "thuốc",
    "dược phẩm",
    "vắc xin",
    "thiết bị y tế",
    "medicine",
    "medicines",
    "drug",
    "drugs",
    "pharmaceutical",
    "vaccine",
    # Cosmetics.
    "mỹ phẩm",
    "kem chống nắng",
    "dầu gội",
    "cosmetic",
    "cosmetics",
    "skincare",
    "shampoo",
    # Children's goods.
    "trẻ em",
    "trẻ sơ sinh",
    "em bé",
    "đồ chơi",
    "baby",
    "infant",
    "child",
    "children",
    "kids",
    "toy",
    "toys",
    "diaper",
    "diapers",
)

_WORD = re.compile(r"\w+")


def _words(text: str) -> str:
    """Whole words of the search key, space-separated and space-padded for phrase lookups."""
    return " " + " ".join(_WORD.findall(search_key(text))) + " "


_HIGH_RISK_KEYS = frozenset(_words(word) for word in HIGH_RISK_WORDS)


def is_high_risk(text: str) -> bool:
    """True if the text names food, medicine, cosmetics or children's goods (any diacritics)."""
    words = _words(text)
    return any(key in words for key in _HIGH_RISK_KEYS)


#: Points by verdict level; None (no scan) and text that is no level score as UNKNOWN.
LEVEL_POINTS: dict[Level, int] = {
    Level.REPORTED: 300,
    Level.MISMATCH: 300,
    Level.LOOKALIKE: 220,
    Level.INVALID: 160,
    Level.UNKNOWN: 100,
    Level.NOT_A_PRODUCT_ID: 100,
    Level.TRUSTED: 0,
    Level.VIETNAMESE: 0,
    Level.FOREIGN: 0,
    Level.NO_COUNTRY: 0,  # a valid product number, like FOREIGN: nothing suspect in it
}

CATEGORY_POINTS: dict[Category, int] = {
    Category.COUNTERFEIT: 200,
    Category.IMITATION: 200,
    Category.UNKNOWN_ORIGIN: 120,
    Category.UNLABELLED: 120,
    Category.EXPIRED: 120,
    Category.POOR_QUALITY: 0,
    Category.OTHER: 0,
}

HIGH_RISK_POINTS = 150
SHARED_REPORT_POINTS = 25
SHARED_REPORTS_CAP = 6  # 6 x 25 = 150
DUE_SOON_POINTS = 60  # the last 2 working days: 1 or 0 left
OVERDUE_POINTS = 150  # the first working day late ...
OVERDUE_STEP_POINTS = 10  # ... and each further one ...
OVERDUE_MAX_POINTS = 200  # ... up to this

MAX_SCORE = 1000

#: Score ranges and the band staff see; together they cover 0..1000 once.
PRIORITY_BANDS: dict[range, str] = {
    range(600, MAX_SCORE + 1): "urgent",
    range(400, 600): "high",
    range(200, 400): "normal",
    range(0, 200): "low",
}


def _as_level(level: str | None) -> Level:
    """The verdict level stored as text; None and unknown text (an old snapshot) are UNKNOWN."""
    try:
        return Level(level) if level is not None else Level.UNKNOWN
    except ValueError:
        return Level.UNKNOWN


def priority_for(
    *,
    level: str | None,
    category: Category,
    shared_reports: int,
    working_days_left: int | None,
    high_risk: bool = False,
) -> int:
    """The triage score of a complaint, 0..1000, higher is more urgent.

    ==================  ======================================================  ==========
    term                points                                                  max
    ==================  ======================================================  ==========
    verdict level       REPORTED, MISMATCH 300; LOOKALIKE 220; INVALID 160;     300
                        UNKNOWN, NOT_A_PRODUCT_ID, None (no scan) 100;
                        TRUSTED, VIETNAMESE, FOREIGN 0
    category            counterfeit, imitation 200; unknown origin,             200
                        unlabelled, expired 120; poor quality, other 0
    high risk           food, medicine, cosmetics, children's goods 150         150
                        (:func:`is_high_risk` on what the shopper wrote)
    shared reports      25 per other open complaint on the same product or      150
                        store, counted up to 6
    deadline            overdue: 150, +10 per further working day late, up to   200
                        200; last 2 working days (1 or 0 left): 60;
                        otherwise, or no deadline (None): 0
    ==================  ======================================================  ==========

    The maxima add up to 1000 and every minimum is 0, so the score spans 0..1000 unclamped.
    """
    if shared_reports < 0:
        raise ValueError(f"shared_reports must be >= 0, got {shared_reports}")
    level_points = LEVEL_POINTS[_as_level(level)]
    category_points = CATEGORY_POINTS[Category(category)]
    risk_points = HIGH_RISK_POINTS if high_risk else 0
    shared_points = SHARED_REPORT_POINTS * min(shared_reports, SHARED_REPORTS_CAP)
    if working_days_left is None or working_days_left > 1:
        deadline_points = 0
    elif working_days_left >= 0:
        deadline_points = DUE_SOON_POINTS
    else:
        late = -working_days_left
        deadline_points = min(OVERDUE_POINTS + OVERDUE_STEP_POINTS * (late - 1), OVERDUE_MAX_POINTS)
    return level_points + category_points + risk_points + shared_points + deadline_points


def band_for(score: int) -> str:
    """The band ("urgent", "high", "normal" or "low") a score falls in."""
    for scores, band in PRIORITY_BANDS.items():
        if score in scores:
            return band
    raise ValueError(f"priority score out of range 0..{MAX_SCORE}: {score}")
