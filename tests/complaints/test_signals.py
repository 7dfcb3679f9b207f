"""complaints.signals: opening a complaint from scan signals asks for the area it cannot know."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from barcode_db.messages import Refusal
from complaints.models import Complaint, Signal, Source
from complaints.permissions import NotPermitted
from complaints.signals import AreaNeeded, open_from_signals, summarise_signals
from complaints.workflow import CATEGORY_FOR_LEVEL, Category, category_for_level

NOW = dt.datetime(2026, 11, 20, 3, 0, tzinfo=dt.UTC)
GTIN = "08936024000127"


def add_signals(session, *levels: str, province: str | None = None, code: str = GTIN) -> None:
    for hours, level in enumerate(levels):
        session.add(
            Signal(
                gtin=code if code.isdigit() and len(code) == 14 else None,
                code_seen=code.lstrip("0") if code.isdigit() else code,
                level=level,
                province_code=province,
                created_at=NOW - dt.timedelta(hours=len(levels) - hours),
            )
        )
    session.flush()


def opened(session) -> list[Complaint]:
    return list(session.scalars(sa.select(Complaint)))


def test_an_administrator_without_a_province_is_asked(db_session, make_user) -> None:
    add_signals(db_session, "MISMATCH", "MISMATCH")
    admin = make_user("admin", province_code=None)
    with pytest.raises(AreaNeeded) as asked:
        open_from_signals(db_session, GTIN, province_code=None, actor=admin, now=NOW)
    assert asked.value.message.code == "province_needed"
    assert opened(db_session) == []
    complaint = open_from_signals(db_session, GTIN, province_code="48", actor=admin, now=NOW)
    assert (complaint.province_code, complaint.commune_code) == ("48", None)
    assert complaint.source is Source.SIGNALS and complaint.gtin == GTIN
    assert complaint.category is Category.COUNTERFEIT
    assert complaint.description == (
        "Opened from 2 anonymous scan signals (last verdict: Suspected counterfeit: brand and "
        "barcode do not match)."
    )


def test_signals_that_name_one_province_say_where(db_session, make_user) -> None:
    add_signals(db_session, "LOOKALIKE", province="31")
    add_signals(db_session, "LOOKALIKE")  # and some that name none
    admin = make_user("admin", province_code=None)
    complaint = open_from_signals(db_session, GTIN, province_code=None, actor=admin, now=NOW)
    assert complaint.province_code == "31"


def test_signals_that_name_two_provinces_do_not(db_session, make_user) -> None:
    add_signals(db_session, "LOOKALIKE", province="31")
    add_signals(db_session, "LOOKALIKE", province="01")
    with pytest.raises(AreaNeeded):
        open_from_signals(
            db_session,
            GTIN,
            province_code=None,
            actor=make_user("admin", province_code=None),
            now=NOW,
        )


def test_staff_get_their_province_and_only_theirs(db_session, make_user) -> None:
    add_signals(db_session, "INVALID", province="31")
    staff = make_user("staff", province_code="79")
    with pytest.raises(Refusal) as refused:
        open_from_signals(db_session, GTIN, province_code="01", actor=staff, now=NOW)
    assert refused.value.status == 403
    complaint = open_from_signals(db_session, GTIN, province_code=None, actor=staff, now=NOW)
    assert complaint.province_code == "79"  # their queue, not the signals' province
    assert complaint.category is Category.UNKNOWN_ORIGIN


@pytest.mark.parametrize(
    ("communes", "chosen", "expect"),
    [
        (("00070",), None, "00070"),  # one commune: theirs
        (("00070", "00004"), "00004", "00004"),
        (("00070", "00004"), None, AreaNeeded),  # several: asked which
        (("00070",), "00277", Refusal),  # not one of theirs
    ],
)
def test_staff_of_some_communes(db_session, make_user, communes, chosen, expect) -> None:
    add_signals(db_session, "MISMATCH")
    staff = make_user("staff", province_code="01", communes=communes)
    if isinstance(expect, str):
        complaint = open_from_signals(
            db_session, GTIN, province_code=None, commune_code=chosen, actor=staff, now=NOW
        )
        assert complaint.commune_code == expect
    else:
        with pytest.raises(expect):
            open_from_signals(
                db_session, GTIN, province_code=None, commune_code=chosen, actor=staff, now=NOW
            )
        assert opened(db_session) == []


@pytest.mark.parametrize(
    ("province", "commune", "code"),
    [
        ("99", None, "province_unknown"),  # no such province
        ("48", "00070", "commune_elsewhere"),  # a Hà Nội commune in Đà Nẵng
    ],
)
def test_an_area_that_is_not_one(db_session, make_user, province, commune, code) -> None:
    add_signals(db_session, "MISMATCH")
    with pytest.raises(AreaNeeded) as asked:
        open_from_signals(
            db_session,
            GTIN,
            province_code=province,
            commune_code=commune,
            actor=make_user("admin", province_code=None),
            now=NOW,
        )
    assert asked.value.message.code == code


def test_invalid_codes_are_found_as_typed(db_session, make_user) -> None:
    add_signals(db_session, "INVALID", "INVALID", code="8936024000128")
    summary = summarise_signals(db_session, "8936024000128")
    assert (summary.count, summary.gtin, summary.last_level) == (2, None, "INVALID")


def test_no_signals_no_complaint_and_viewers_open_none(db_session, make_user) -> None:
    with pytest.raises(Refusal) as refused:
        open_from_signals(db_session, GTIN, province_code="79", actor=make_user("staff"), now=NOW)
    assert refused.value.message.code == "no_signals"
    add_signals(db_session, "MISMATCH")
    with pytest.raises(NotPermitted):
        open_from_signals(db_session, GTIN, province_code="79", actor=make_user("viewer"), now=NOW)
    assert opened(db_session) == []


@pytest.mark.parametrize(
    ("level", "category"),
    [
        ("MISMATCH", Category.COUNTERFEIT),  # a brand on a number its owner does not hold
        ("REPORTED", Category.COUNTERFEIT),
        ("LOOKALIKE", Category.IMITATION),
        ("INVALID", Category.UNKNOWN_ORIGIN),
        ("TRUSTED", None),  # nothing to suggest
        (None, None),
    ],
)
def test_the_category_a_verdict_suggests(level, category) -> None:
    assert category_for_level(level) is category
    assert set(CATEGORY_FOR_LEVEL) == {"MISMATCH", "REPORTED", "LOOKALIKE", "INVALID"}
