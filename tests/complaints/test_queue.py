"""complaints.queries: the staff queue's search and pages."""

from __future__ import annotations

import pytest

from barcode_db.textkey import search_key
from complaints.queries import QueueFilters, count_queue, fetch_queue

TEXTS = {
    "words": "Sữa tươi 12 hộp",
    "joined": "Suatuoi12 hộp",
    "spaced": "Sữa tươi 1 2 hộp",
    "percent": "Giảm 50% giá",
    "underscore": "Mã lô a_b",
    "any letter": "Mã lô axb",
}


@pytest.mark.parametrize(
    ("typed", "expect"),
    [
        ("sữa tươi 12", {"words"}),  # not "joined" nor "spaced", whose text without spaces holds it
        ("suatuoi12", {"joined"}),  # not "words", though its text without spaces is the same
        ("tuoi 1", {"words", "spaced"}),
        ("12 hop", {"words", "joined"}),  # not "spaced", whose text without spaces holds "12hop"
        ("50%", {"percent"}),  # % is a character, not a wildcard
        ("a_b", {"underscore"}),  # _ is a character, not a wildcard
        ("", set(TEXTS)),
    ],
)
def test_search_finds_the_text_as_typed(db_session, make_user, make_complaint, typed, expect):
    made = {name: make_complaint(description=text) for name, text in TEXTS.items()}
    admin = make_user("admin", province_code=None)
    filters = QueueFilters(search=search_key(typed))
    found = {c.id for c in fetch_queue(db_session, admin, filters).rows}
    assert {name for name, c in made.items() if c.id in found} == expect
    assert count_queue(db_session, admin, filters) == len(expect)


def test_search_boxes_must_all_match(db_session, make_user, make_complaint) -> None:
    made = {name: make_complaint(description=text) for name, text in TEXTS.items()}
    admin = make_user("admin", province_code=None)
    filters = QueueFilters(search="hop", also_contains=("sua tuoi", "1 2"))
    found = {c.id for c in fetch_queue(db_session, admin, filters).rows}
    assert {name for name, c in made.items() if c.id in found} == {"spaced"}


def test_only_a_whole_first_page_holds_every_match(db_session, make_user, make_complaint) -> None:
    for _ in range(3):
        make_complaint()
    staff = make_user("staff")
    everything = QueueFilters()

    whole = fetch_queue(db_session, staff, everything, limit=3)
    assert whole.holds_every_match and len(whole.rows) == 3

    first = fetch_queue(db_session, staff, everything, limit=2)
    assert not first.holds_every_match  # a next page follows
    last = fetch_queue(db_session, staff, everything, cursor=first.next_cursor, limit=2)
    assert last.next_cursor is None and len(last.rows) == 1
    assert not last.holds_every_match  # the matches before it are not on it
    assert count_queue(db_session, staff, everything) == 3

    unreadable = fetch_queue(db_session, staff, everything, cursor="not a cursor", limit=3)
    assert unreadable.holds_every_match  # read from the start, like the first page


def test_the_count_stops_past_the_cap(db_session, make_user, make_complaint) -> None:
    for _ in range(4):
        make_complaint()
    staff = make_user("staff")
    assert count_queue(db_session, staff, QueueFilters(), cap=2) == 3  # "more than 2"
