"""The duplicates page as staff read it: each suggestion says why, nothing across shops or
problems is pre-ticked, and a complaint is in one group only (issue 13, item 12)."""

from __future__ import annotations

import re

from tests.support.factories import login
from tests.support.pages import check_page, text_of

MILK = "8936024000127"


def groups_on(html: str) -> list[dict]:
    """Each suggested group: the complaint kept, and each other one with whether it is ticked."""
    found = []
    for section in re.findall(r'<section class="card cluster".*?</section>', html, flags=re.S):
        keeper = re.search(r"/staff/complaints/(\d+)/merge", section)
        boxes = re.findall(
            r'<input type="checkbox" name="other" value="(\d+)"( checked)?>', section
        )
        assert keeper is not None
        found.append(
            {
                "keeper": int(keeper.group(1)),
                "ticked": {int(value): bool(checked) for value, checked in boxes},
                "text": re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", section)),
            }
        )
    return found


def test_same_barcode_from_two_shops_with_two_problems_is_not_pre_ticked_and_says_why(
    client, make_user, make_complaint
) -> None:
    unlabelled = make_complaint(gtin=MILK, store_name="Tạp hoá Cô Ba", category="unlabelled")
    expired = make_complaint(gtin=MILK, store_name="Siêu thị Minh Anh", category="expired")
    login(client, make_user("staff"))
    response = client.get("/staff/duplicates?lang=en")
    check_page(response, public=False)
    [group] = groups_on(response.get_data(as_text=True))
    assert group["keeper"] == unlabelled.id
    assert group["ticked"] == {expired.id: False}
    assert "Same barcode" in group["text"]
    assert "Different store: Siêu thị Minh Anh" in group["text"]
    assert "Different problem: Expired goods" in group["text"]
    assert "ticked for merging only when it names the same store and the same problem" in text_of(
        response
    )


def test_same_shop_and_problem_is_pre_ticked(client, make_user, make_complaint) -> None:
    first = make_complaint(gtin=MILK, store_name="Tạp hoá Cô Ba", category="expired")
    second = make_complaint(store_name="TẠP HOÁ CÔ BA", category="expired")
    login(client, make_user("staff"))
    [group] = groups_on(client.get("/staff/duplicates?lang=en").get_data(as_text=True))
    assert (group["keeper"], group["ticked"]) == (first.id, {second.id: True})
    assert "Same store" in group["text"] and "Same problem" in group["text"]
    assert "No barcode to compare" in group["text"]


def test_a_complaint_is_in_one_group_only(client, make_user, make_complaint) -> None:
    # Before: a barcode group {a, b} kept by a and a store group {b, c} kept by b.
    a = make_complaint(gtin=MILK, store_name="Siêu thị Xanh", category="expired")
    b = make_complaint(gtin=MILK, store_name="Tạp hoá Cô Ba", category="unlabelled")
    c = make_complaint(store_name="Tạp hoá Cô Ba", category="unlabelled")
    login(client, make_user("staff"))
    groups = groups_on(client.get("/staff/duplicates?lang=en").get_data(as_text=True))
    placed = [g["keeper"] for g in groups] + [i for g in groups for i in g["ticked"]]
    assert sorted(placed) == sorted([a.id, b.id, c.id])
    [group] = groups
    assert group["keeper"] == b.id
    assert group["ticked"] == {c.id: True, a.id: False}


def test_a_complaints_own_suggestions_say_why_and_tick_nothing(
    client, make_user, make_complaint
) -> None:
    unlabelled = make_complaint(gtin=MILK, store_name="Tạp hoá Cô Ba", category="unlabelled")
    expired = make_complaint(gtin=MILK, store_name="Siêu thị Minh Anh", category="expired")
    login(client, make_user("staff"))
    response = client.get(f"/staff/complaints/{unlabelled.id}?lang=en")
    check_page(response, public=False)
    html = response.get_data(as_text=True)
    section = re.search(
        r'<section class="card" id="duplicate-candidates">.*?</section>', html, re.S
    )
    assert section is not None
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", section.group(0)))
    assert f'name="other" value="{expired.id}">' in section.group(0)  # offered, not ticked
    assert "Same barcode" in text
    assert "Different store: Siêu thị Minh Anh" in text
    assert "Different problem: Expired goods" in text
