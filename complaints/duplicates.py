"""Possible duplicates: which open complaints look like one case, why, and which to pre-tick.

Two reports are *related* when they name the same barcode, or the same shop (same province,
a similar name) within :data:`SHOP_WINDOW` of each other. Related is not the same case: one
barcode sold in two shops, or one shop with an expired and an unlabelled product, are two
cases. So every suggestion says, per report, what matches and what differs, and a merge is
pre-ticked only when the shop and the problem both match (and the barcodes do not differ): a
staff member who merges the ticked ones never joins two shops or two problems without looking.

Groups are a partition (:func:`group_duplicates`): a report is in one group at a time, beside
the keeper it matches best, so a merge on one group never contradicts another.

Pure rules over plain values (anything with the attributes of :class:`Report`): no database.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from rapidfuzz import fuzz

from complaints.workflow import Category, Status

#: Store names at least this similar (rapidfuzz ratio on search keys) count as the same shop.
STORE_SIMILARITY = 85
#: Reports about one shop count as related when filed this close to each other.
SHOP_WINDOW = dt.timedelta(days=30)

#: A report further along the workflow keeps the case: merging a referred case into a new
#: one would leave the inspectors' referral on a duplicate.
_PROGRESS = {Status.NEW: 0, Status.TRIAGED: 1, Status.NEEDS_INFO: 1, Status.REFERRED: 2}


class Report(Protocol):
    """What the rules read of a complaint (a :class:`complaints.models.Complaint` has it)."""

    @property
    def id(self) -> int: ...
    @property
    def gtin(self) -> str | None: ...
    @property
    def province_code(self) -> str: ...
    @property
    def store_name_key(self) -> str: ...
    @property
    def category(self) -> Category: ...
    @property
    def status(self) -> Status: ...
    @property
    def created_at(self) -> dt.datetime: ...


class Agreement(enum.StrEnum):
    SAME = "same"
    DIFFERENT = "different"
    UNKNOWN = "unknown"  # one of the two does not say


def same_shop(a: Report, b: Report) -> bool:
    """Both name a shop, in the same province, with similar names."""
    return (
        bool(a.store_name_key and b.store_name_key)
        and a.province_code == b.province_code
        and fuzz.ratio(a.store_name_key, b.store_name_key) >= STORE_SIMILARITY
    )


@dataclass(frozen=True)
class Likeness:
    """How a report compares with the one it would be merged into."""

    barcode: Agreement
    shop: Agreement
    category: Agreement
    #: Filed within :data:`SHOP_WINDOW` of each other.
    close_in_time: bool

    @property
    def related(self) -> bool:
        """Worth suggesting: the same barcode, or the same shop at about the same time."""
        return self.barcode is Agreement.SAME or (
            self.shop is Agreement.SAME and self.close_in_time
        )

    @property
    def pre_ticked(self) -> bool:
        """Near certain to be the same case: same shop, same problem, about the same time,
        and no two different barcodes."""
        return (
            self.shop is Agreement.SAME
            and self.category is Agreement.SAME
            and self.barcode is not Agreement.DIFFERENT
            and self.close_in_time
        )

    @property
    def strength(self) -> tuple[bool, int, bool, bool]:
        """Orders matches, the best first: pre-ticked, then how many things match."""
        same = [self.barcode, self.shop, self.category].count(Agreement.SAME)
        return (
            self.pre_ticked,
            same,
            self.shop is Agreement.SAME,
            self.barcode is Agreement.SAME,
        )


def _agreement(a: str | None, b: str | None, same: bool) -> Agreement:
    if not a or not b:
        return Agreement.UNKNOWN
    return Agreement.SAME if same else Agreement.DIFFERENT


def likeness(keeper: Report, other: Report) -> Likeness:
    """What ``other`` shares with ``keeper``, and what not."""
    return Likeness(
        barcode=_agreement(keeper.gtin, other.gtin, keeper.gtin == other.gtin),
        shop=_agreement(keeper.store_name_key, other.store_name_key, same_shop(keeper, other)),
        category=(Agreement.SAME if keeper.category == other.category else Agreement.DIFFERENT),
        close_in_time=abs(keeper.created_at - other.created_at) <= SHOP_WINDOW,
    )


@dataclass(frozen=True)
class Member:
    report: Report
    likeness: Likeness


@dataclass(frozen=True)
class DuplicateGroup:
    """A report to keep and the related reports that could be merged into it."""

    keeper: Report
    members: tuple[Member, ...]

    @property
    def shared(self) -> frozenset[str]:
        """What every member shares with the keeper, of "barcode", "shop" and "category"."""
        return frozenset(
            what
            for what in ("barcode", "shop", "category")
            if all(getattr(m.likeness, what) is Agreement.SAME for m in self.members)
        )


def _keeps_first(a: Report, b: Report) -> bool:
    """Whether ``a`` rather than ``b`` keeps the case: further along, else filed first."""
    return (-_PROGRESS.get(a.status, 0), a.created_at, a.id) <= (
        -_PROGRESS.get(b.status, 0),
        b.created_at,
        b.id,
    )


def _further(a: Report, b: Report) -> bool:
    return _PROGRESS.get(a.status, 0) > _PROGRESS.get(b.status, 0)


def candidate_pairs(reports: Iterable[Report]) -> list[tuple[Report, Report]]:
    """The pairs worth comparing: one barcode, or one province where both name a shop."""
    by_gtin: dict[str, list[Report]] = defaultdict(list)
    by_province: dict[str, list[Report]] = defaultdict(list)
    for report in sorted(reports, key=lambda r: r.id):
        if report.gtin:
            by_gtin[report.gtin].append(report)
        if report.store_name_key:
            by_province[report.province_code].append(report)
    pairs: dict[tuple[int, int], tuple[Report, Report]] = {}
    for bucket in (*by_gtin.values(), *by_province.values()):
        for i, first in enumerate(bucket):
            for second in bucket[i + 1 :]:
                pairs.setdefault((first.id, second.id), (first, second))
    return list(pairs.values())


def group_duplicates(reports: Iterable[Report]) -> list[DuplicateGroup]:
    """Related reports, each in exactly one group, beside the keeper it matches best.

    The best matches are taken first: a pair makes a new group, or adds its unplaced report to
    the group the other one keeps. A report already placed stays where it is, and a member never
    keeps a group of its own, so each member compares with its own keeper (never along a chain
    A–B–C where A and C have nothing in common). Largest groups first."""
    scored: list[tuple[Report, Report, Likeness]] = []
    for first, second in candidate_pairs(reports):
        keeper, other = (first, second) if _keeps_first(first, second) else (second, first)
        found = likeness(keeper, other)
        if found.related:
            scored.append((keeper, other, found))
    # Strongest first; among equals, the earliest reports first (a stable page).
    scored.sort(key=lambda row: (row[0].id, row[1].id))
    scored.sort(key=lambda row: row[2].strength, reverse=True)
    keeper_of: dict[int, int] = {}
    groups: dict[int, tuple[Report, list[Member]]] = {}
    for keeper, other, found in scored:
        placed, other_placed = keeper_of.get(keeper.id), keeper_of.get(other.id)
        if placed is None and other_placed is None:
            groups[keeper.id] = (keeper, [])
            keeper_of[keeper.id] = keeper.id
        elif other_placed is None and placed == keeper.id:
            pass
        elif placed is None and other_placed == other.id and not _further(keeper, other):
            keeper, other = other, keeper  # joins the group the other one keeps
        else:
            continue
        keeper_of[other.id] = keeper.id
        groups[keeper.id][1].append(Member(other, found))
    result = [
        DuplicateGroup(
            keeper,
            tuple(sorted(members, key=lambda m: (not m.likeness.pre_ticked, m.report.id))),
        )
        for keeper, members in groups.values()
    ]
    result.sort(key=lambda g: (-len(g.members), g.keeper.id))
    return result
