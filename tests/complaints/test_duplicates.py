"""Possible duplicates: why two reports are suggested together, which merges are pre-ticked, and
groups where a report is in one group at a time (issue 13, item 12)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from hypothesis import given
from hypothesis import strategies as st

from complaints.duplicates import Agreement, group_duplicates, likeness
from complaints.workflow import Category, Status

DAY0 = dt.datetime(2026, 11, 2, 3, 0, tzinfo=dt.UTC)
MILK = "08936024000127"
FISH_SAUCE = "08934673000017"


@dataclass(frozen=True)
class Report:
    """A complaint as the rules read it."""

    id: int
    gtin: str | None = None
    store_name_key: str = ""
    category: Category = Category.COUNTERFEIT
    province_code: str = "79"
    status: Status = Status.NEW
    days: int = 0  # filed this many days after DAY0

    @property
    def created_at(self) -> dt.datetime:
        return DAY0 + dt.timedelta(days=self.days)


def placements(groups) -> list[int]:
    """Every report placed in a group, keepers and members, as often as it is placed."""
    return [r.id for g in groups for r in (g.keeper, *(m.report for m in g.members))]


def test_one_barcode_from_two_shops_with_two_problems_is_suggested_unticked_saying_why() -> None:
    # What staff saw: an "expired" report from one shop pre-ticked for merging into an
    # "unlabelled" report from another, because the barcode matched.
    unlabelled = Report(1, MILK, "tap hoa co ba", Category.UNLABELLED)
    expired = Report(2, MILK, "sieu thi minh anh", Category.EXPIRED, days=3)
    [group] = group_duplicates([unlabelled, expired])
    assert group.keeper == unlabelled
    [member] = group.members
    assert member.report == expired
    assert (member.likeness.barcode, member.likeness.shop, member.likeness.category) == (
        Agreement.SAME,
        Agreement.DIFFERENT,
        Agreement.DIFFERENT,
    )
    assert not member.likeness.pre_ticked
    assert group.shared == {"barcode"}


@pytest.mark.parametrize(
    ("other", "related", "pre_ticked"),
    [
        # the same barcode, shop and problem: the one sure case
        (Report(2, MILK, "tap hoa co ba", Category.EXPIRED, days=2), True, True),
        # the same shop and problem, the barcode given by one only
        (Report(2, None, "tap hoa co ba", Category.EXPIRED, days=2), True, True),
        # a shop name typed a little differently is the same shop
        (Report(2, MILK, "tap hoa co ba.", Category.EXPIRED, days=2), True, True),
        # the same shop and problem but two different products: two cases to look at
        (Report(2, FISH_SAUCE, "tap hoa co ba", Category.EXPIRED, days=2), True, False),
        # the same barcode and shop, another problem
        (Report(2, MILK, "tap hoa co ba", Category.UNLABELLED, days=2), True, False),
        # the same barcode and problem in another shop
        (Report(2, MILK, "sieu thi xanh", Category.EXPIRED, days=2), True, False),
        # the same barcode, no shop named
        (Report(2, MILK, "", Category.EXPIRED, days=2), True, False),
        # a shop with the same name in another province is another shop
        (Report(2, None, "tap hoa co ba", Category.EXPIRED, "01", days=2), False, False),
        # the same shop and problem two months apart: not suggested
        (Report(2, None, "tap hoa co ba", Category.EXPIRED, days=60), False, False),
        # the same barcode two months apart is still suggested, unticked
        (Report(2, MILK, "tap hoa co ba", Category.EXPIRED, days=60), True, False),
    ],
)
def test_what_is_suggested_and_what_is_pre_ticked(
    other: Report, related: bool, pre_ticked: bool
) -> None:
    kept = Report(1, MILK, "tap hoa co ba", Category.EXPIRED)
    found = likeness(kept, other)
    assert (found.related, found.pre_ticked) == (related, pre_ticked)
    assert likeness(other, kept) == found  # the same either way round


def test_a_report_is_in_one_group_only() -> None:
    # The reports that made two groups before: a barcode group {a, b} kept by a, and a shop
    # group {b, c} kept by b, with b in both.
    a = Report(1, MILK, "sieu thi xanh", Category.EXPIRED)
    b = Report(2, MILK, "tap hoa co ba", Category.UNLABELLED, days=1)
    c = Report(3, None, "tap hoa co ba", Category.UNLABELLED, days=2)
    groups = group_duplicates([a, b, c])
    assert sorted(placements(groups)) == [1, 2, 3]
    [group] = groups
    # b and c are the same case (same shop, same problem): they stay together, ticked; a
    # shares only the barcode, and is listed beside b, unticked.
    assert group.keeper == b
    assert [(m.report, m.likeness.pre_ticked) for m in group.members] == [(c, True), (a, False)]


def test_a_chain_is_not_one_group() -> None:
    # a–b share a barcode, b–c a shop, c–d another barcode: a and d have nothing in common.
    a = Report(1, MILK, "sieu thi xanh")
    b = Report(2, MILK, "tap hoa co ba", days=1)
    c = Report(3, FISH_SAUCE, "tap hoa co ba", days=2)
    d = Report(4, FISH_SAUCE, "cho ben thanh", days=3)
    groups = group_duplicates([a, b, c, d])
    placed = placements(groups)
    assert len(placed) == len(set(placed))
    for group in groups:
        assert all(m.likeness.related for m in group.members)  # each shares something
        ids = {r.id for r in (group.keeper, *(m.report for m in group.members))}
        assert not {1, 4} <= ids


def test_the_report_further_along_keeps_the_case() -> None:
    new = Report(1, MILK, "tap hoa co ba")
    referred = Report(2, MILK, "tap hoa co ba", status=Status.REFERRED, days=5)
    [group] = group_duplicates([new, referred])
    assert group.keeper == referred  # merging the referral into a new report would bury it
    assert [m.report for m in group.members] == [new]


reports = st.lists(
    st.builds(
        Report,
        id=st.integers(1, 10_000),
        gtin=st.sampled_from([None, MILK, FISH_SAUCE]),
        store_name_key=st.sampled_from(["", "tap hoa co ba", "tap hoa co ba.", "sieu thi xanh"]),
        category=st.sampled_from([Category.EXPIRED, Category.UNLABELLED]),
        province_code=st.sampled_from(["79", "01"]),
        status=st.sampled_from([Status.NEW, Status.TRIAGED, Status.REFERRED]),
        days=st.integers(0, 90),
    ),
    max_size=14,
    unique_by=lambda r: r.id,
)


@given(reports)
def test_groups_are_a_partition_of_related_reports(found: list[Report]) -> None:
    groups = group_duplicates(found)
    placed = placements(groups)
    assert len(placed) == len(set(placed))  # nobody twice
    for group in groups:
        assert group.members
        for member in group.members:
            assert member.likeness == likeness(group.keeper, member.report)
            assert member.likeness.related
