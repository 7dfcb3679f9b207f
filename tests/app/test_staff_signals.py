"""Opening a complaint from scan signals lands it in the right queue: the page asks for the
province when nobody knows it, instead of putting it in Hà Nội's."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from barcode_db.areas import communes_of
from complaints.models import Complaint, ComplaintEvent, EventKind, Signal, Source
from complaints.tracking import format_tracking_code
from tests.support.factories import login
from tests.support.forms import REFERER, hidden_value
from tests.support.pages import check_page, text_of

GTIN = "8936024000127"
HO_CHI_MINH, HA_NOI, DA_NANG = "79", "01", "48"


@pytest.fixture
def signals(db_session):
    now = dt.datetime.now(dt.UTC)
    for hours in (1, 5, 30):
        db_session.add(
            Signal(
                gtin=GTIN.zfill(14),
                code_seen=GTIN,
                level="LOOKALIKE",
                created_at=now - dt.timedelta(hours=hours),
            )
        )
    db_session.commit()


def open_from_signals(client, **fields: str):
    page = client.get("/staff/signals?lang=en").get_data(as_text=True)
    return client.post(
        "/staff/signals/open?lang=en",
        data={"csrf_token": hidden_value(page, "csrf_token"), "code": GTIN.zfill(14), **fields},
        headers=REFERER,
    )


def complaints(db_session) -> list[Complaint]:
    db_session.expire_all()
    return list(db_session.scalars(sa.select(Complaint)))


def test_an_administrator_is_asked_for_the_province_and_the_complaint_lands_there(
    client, make_user, db_session, signals
) -> None:
    admin = make_user("admin", province_code=None)
    login(client, admin)
    asked = open_from_signals(client)
    assert asked.status_code == 200
    check_page(asked, public=False)
    text = text_of(asked)
    assert "Choose the province whose queue the complaint goes to" in text
    assert "3 anonymous scan signals, last verdict Suspected imitation label" in text
    assert complaints(db_session) == []  # nothing opened while the area is not known
    html = asked.get_data(as_text=True)
    assert f'<option value="{DA_NANG}">' in html  # every province is offered

    # The communes of the chosen province, on request (no JavaScript needed).
    communes = client.post(
        "/staff/signals/open?lang=en",
        data={
            "csrf_token": hidden_value(html, "csrf_token"),
            "code": GTIN.zfill(14),
            "province": DA_NANG,
            "refresh_area": "1",
        },
        headers=REFERER,
    )
    assert communes.status_code == 200 and complaints(db_session) == []
    refreshed = communes.get_data(as_text=True)
    assert f'<option value="{DA_NANG}" selected>' in refreshed
    assert all(f'<option value="{c.code}">' in refreshed for c in communes_of(DA_NANG))

    opened = client.post(
        "/staff/signals/open?lang=en",
        data={
            "csrf_token": hidden_value(html, "csrf_token"),
            "code": GTIN.zfill(14),
            "province": DA_NANG,
        },
        headers=REFERER,
    )
    assert opened.status_code == 303
    [complaint] = complaints(db_session)
    assert complaint.province_code == DA_NANG and complaint.commune_code is None
    assert complaint.source is Source.SIGNALS and complaint.anonymous
    assert complaint.category.value == "imitation"  # the last verdict was a lookalike label
    filed = db_session.scalar(
        sa.select(ComplaintEvent).where(
            ComplaintEvent.complaint_id == complaint.id, ComplaintEvent.kind == EventKind.FILED
        )
    )
    assert filed.actor == admin.username  # who opened it, not "the reporter"

    # Đà Nẵng's staff have it in their queue; Hà Nội's do not.
    da_nang, ha_noi = client.application.test_client(), client.application.test_client()
    login(da_nang, make_user("staff", province_code=DA_NANG))
    login(ha_noi, make_user("staff", province_code=HA_NOI))
    shown = format_tracking_code(complaint.tracking_code)  # as the staff pages show it
    assert shown in da_nang.get("/staff/").get_data(as_text=True)
    assert shown not in ha_noi.get("/staff/").get_data(as_text=True)


def test_a_province_that_is_not_one_is_asked_again(client, make_user, db_session, signals) -> None:
    login(client, make_user("admin", province_code=None))
    refused = open_from_signals(client, province="99")
    assert refused.status_code == 400
    assert "Choose the province or city from the list." in text_of(refused)
    assert complaints(db_session) == []


def test_staff_of_one_province_are_not_asked(client, make_user, db_session, signals) -> None:
    login(client, make_user("staff", province_code=HO_CHI_MINH))
    assert open_from_signals(client).status_code == 303
    [complaint] = complaints(db_session)
    assert complaint.province_code == HO_CHI_MINH


def test_staff_may_not_open_one_in_another_province(client, make_user, db_session, signals) -> None:
    login(client, make_user("staff", province_code=HO_CHI_MINH))
    refused = open_from_signals(client, province=HA_NOI)
    assert refused.status_code == 403
    assert "outside yours" in text_of(refused)
    assert complaints(db_session) == []


def test_staff_of_some_communes_choose_one_of_theirs(
    client, make_user, db_session, signals
) -> None:
    ours = ("00070", "00004")  # two communes of Hà Nội
    login(client, make_user("staff", province_code=HA_NOI, communes=ours))
    asked = open_from_signals(client)
    assert asked.status_code == 200
    assert "choose the commune of this complaint" in text_of(asked)
    html = asked.get_data(as_text=True)
    offered = {c for c in ours if f'<option value="{c}"' in html}
    assert offered == set(ours)
    assert complaints(db_session) == []
    assert open_from_signals(client, commune="00070").status_code == 303
    [complaint] = complaints(db_session)
    assert (complaint.province_code, complaint.commune_code) == (HA_NOI, "00070")


def test_nothing_to_open_without_signals(client, make_user, db_session) -> None:
    login(client, make_user("staff"))
    refused = open_from_signals(client)
    assert refused.status_code == 400
    assert "There are no scan signals" in text_of(refused)
    assert complaints(db_session) == []
