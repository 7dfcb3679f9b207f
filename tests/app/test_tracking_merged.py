"""A shopper whose report staff merged into another follows that case on the tracking page:
no closing date while it goes on, its progress, nothing of the other reporter (issue 13,
item 7)."""

from __future__ import annotations

import datetime as dt

import pytest

from complaints.models import ComplaintEvent, EventKind
from complaints.triage import merge, move
from complaints.workflow import Status
from tests.support.pages import check_page, text_of

FILED = dt.datetime(2026, 11, 20, 2, 0, tzinfo=dt.UTC)
MERGED = dt.datetime(2026, 11, 27, 3, 18, tzinfo=dt.UTC)  # 27/11/2026 10:18 in Hồ Chí Minh City
CONFIRMED = dt.datetime(2026, 12, 8, 9, 30, tzinfo=dt.UTC)


def public_note(db_session, complaint, note: str, at: dt.datetime) -> None:
    db_session.add(
        ComplaintEvent(
            complaint_id=complaint.id,
            kind=EventKind.NOTE,
            actor="staff",
            note=note,
            is_public=True,
            created_at=at,
        )
    )
    db_session.commit()


@pytest.fixture
def merged(db_session, make_user, make_complaint):
    """A report merged into a triaged case whose reporter left a phone number; the case's
    staff wrote to that reporter before the merge and about the case after it."""
    case = make_complaint(status="TRIAGED", created_at=FILED, contact_phone="0912 345 678")
    mine = make_complaint(status="NEW", created_at=FILED + dt.timedelta(days=1))
    public_note(db_session, case, "Cảm ơn chị Bình đã gửi thêm ảnh.", FILED + dt.timedelta(days=2))
    staff = make_user("staff")
    merge(db_session, case, [mine], actor=staff, now=MERGED)
    move(db_session, case, Status.REFERRED, actor=staff, now=MERGED + dt.timedelta(hours=1))
    db_session.commit()
    public_note(
        db_session, case, "Đã chuyển Đội QLTT số 3 kiểm tra.", MERGED + dt.timedelta(hours=1)
    )
    return case, mine, staff


def test_a_merged_report_shows_the_case_going_on_without_a_closing_date(
    client, db_session, merged
) -> None:
    case, mine, _staff = merged
    assert mine.closed_at == MERGED  # the merge closed the row; the case did not close
    page = client.get(f"/track/{mine.tracking_code}?lang=en")
    check_page(page)
    text = text_of(page)
    assert "Your report was joined with other reports about the same product" in text
    assert "The case: Referred to the market inspectors" in text
    assert "<dt>Closed</dt>" not in page.get_data(as_text=True)
    assert "Đã chuyển Đội QLTT số 3 kiểm tra." in text  # the case's progress since the merge
    # Nothing of the other reporter: the note written to her, her phone, her code.
    for private in ("chị Bình", "0912", case.tracking_code, case.tracking_code[:5] + "-"):
        assert private not in text, private
    api = client.get(f"/api/v1/complaints/{mine.tracking_code}").get_json()
    assert (api["closed_at"], api["followed_status"]) == (None, "REFERRED")


def test_a_merged_report_shows_the_case_closing_when_it_closes(client, db_session, merged) -> None:
    case, mine, staff = merged
    move(db_session, case, Status.CONFIRMED, actor=staff, now=CONFIRMED)
    db_session.commit()
    page = client.get(f"/track/{mine.tracking_code}?lang=en")
    html = page.get_data(as_text=True)
    assert "<dt>Closed</dt><dd>08/12/2026 16:30</dd>" in html
    assert "The case: Closed: the violation was confirmed" in text_of(page)
