"""The complaint workflow (DESIGN.md): states, the moves between them, and their public words.

NEW → TRIAGED → (NEEDS_INFO ↔ TRIAGED) → REFERRED → CONFIRMED | DISMISSED; any open state →
DUPLICATE (merged into another complaint); the category a verdict suggests. Pure rules: no
database, no clock.
"""

from __future__ import annotations

import enum

from barcode_db.messages import N_
from barcode_db.verdict import Level


class Status(enum.StrEnum):
    NEW = "NEW"
    TRIAGED = "TRIAGED"
    NEEDS_INFO = "NEEDS_INFO"
    REFERRED = "REFERRED"
    CONFIRMED = "CONFIRMED"
    DISMISSED = "DISMISSED"
    DUPLICATE = "DUPLICATE"

    @property
    def is_open(self) -> bool:
        return self in OPEN_STATES

    @property
    def is_closed(self) -> bool:
        return not self.is_open


OPEN_STATES = frozenset({Status.NEW, Status.TRIAGED, Status.NEEDS_INFO, Status.REFERRED})

#: The legal moves. DUPLICATE is reached from any open state, by a merge.
TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.NEW: frozenset({Status.TRIAGED, Status.DISMISSED, Status.DUPLICATE}),
    Status.TRIAGED: frozenset(
        {Status.NEEDS_INFO, Status.REFERRED, Status.DISMISSED, Status.DUPLICATE}
    ),
    Status.NEEDS_INFO: frozenset({Status.TRIAGED, Status.DISMISSED, Status.DUPLICATE}),
    Status.REFERRED: frozenset({Status.CONFIRMED, Status.DISMISSED, Status.DUPLICATE}),
    Status.CONFIRMED: frozenset(),
    Status.DISMISSED: frozenset(),
    Status.DUPLICATE: frozenset(),
}


def can_move(current: Status, target: Status) -> bool:
    """True if the workflow allows moving a complaint from ``current`` to ``target``."""
    return target in TRANSITIONS[current]


#: Short status names for staff and inspectors, as msgids (shoppers read PUBLIC_STATUS).
STATUS_NAMES: dict[Status, str] = {
    Status.NEW: N_("New"),
    Status.TRIAGED: N_("Triaged"),
    Status.NEEDS_INFO: N_("Needs information"),
    Status.REFERRED: N_("Referred"),
    Status.CONFIRMED: N_("Confirmed"),
    Status.DISMISSED: N_("Dismissed"),
    Status.DUPLICATE: N_("Duplicate"),
}

#: What a shopper reads on the tracking page, as msgids.
PUBLIC_STATUS: dict[Status, str] = {
    Status.NEW: N_("Received: waiting to be reviewed"),
    Status.TRIAGED: N_("Being reviewed by the association"),
    Status.NEEDS_INFO: N_("The association needs more information from you"),
    Status.REFERRED: N_("Referred to the market inspectors"),
    Status.CONFIRMED: N_("Closed: the violation was confirmed"),
    Status.DISMISSED: N_("Closed: no violation was found"),
    Status.DUPLICATE: N_("Merged with another report of the same product"),
}


class Category(enum.StrEnum):
    """What the shopper reports (DESIGN.md glossary)."""

    COUNTERFEIT = "counterfeit"  # hàng giả
    IMITATION = "imitation"  # hàng nhái nhãn mác
    UNKNOWN_ORIGIN = "unknown_origin"  # hàng không rõ nguồn gốc
    UNLABELLED = "unlabelled"  # hàng không nhãn mác / không có nhãn phụ tiếng Việt
    POOR_QUALITY = "poor_quality"  # hàng kém chất lượng
    EXPIRED = "expired"  # hàng hết hạn
    OTHER = "other"


CATEGORY_NAMES: dict[Category, str] = {
    Category.COUNTERFEIT: N_("Counterfeit goods"),
    Category.IMITATION: N_("Imitation label"),
    Category.UNKNOWN_ORIGIN: N_("Goods of unknown origin"),
    Category.UNLABELLED: N_("No label, or no Vietnamese sub-label"),
    Category.POOR_QUALITY: N_("Poor quality goods"),
    Category.EXPIRED: N_("Expired goods"),
    Category.OTHER: N_("Other problem"),
}


#: The category a suspect verdict suggests: what a shopper reporting from a verdict, or staff
#: opening a complaint from scan signals, is most likely reporting. Keyed by the level's value.
CATEGORY_FOR_LEVEL: dict[str, Category] = {
    Level.MISMATCH.value: Category.COUNTERFEIT,
    Level.REPORTED.value: Category.COUNTERFEIT,
    Level.LOOKALIKE.value: Category.IMITATION,
    Level.INVALID.value: Category.UNKNOWN_ORIGIN,
}


def category_for_level(level: str | None) -> Category | None:
    """The category a verdict level suggests, or None when it suggests none."""
    return CATEGORY_FOR_LEVEL.get(level or "")
