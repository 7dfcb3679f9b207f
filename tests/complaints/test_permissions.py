"""complaints.permissions: who may do what, and the cores that ask it."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
import sqlalchemy as sa

from barcode_db.messages import Refusal
from complaints.accounts import Role, User
from complaints.api_tokens import issue_api_token, revoke_api_token
from complaints.models import ApiToken, ComplaintEvent, EventKind, ResponseTemplate
from complaints.permissions import (
    ROLES,
    NotPermitted,
    Permission,
    allows,
    may_move,
    may_read_contact,
    roles_for,
)
from complaints.response_templates import fetch_response_templates, save_response_templates
from complaints.triage import TriageRefused, add_note, assign, move, record_contact_view
from complaints.workflow import Status

NOW = dt.datetime(2026, 11, 20, 3, 0, tzinfo=dt.UTC)


def user(role: str, province: str | None = "79", communes: tuple[str, ...] = ()) -> User:
    return User(
        username=role,
        name=role,
        role=Role(role),
        province_code=province,
        commune_codes=list(communes),
    )


def test_every_permission_has_its_roles() -> None:
    assert set(ROLES) == set(Permission)
    assert all(Role.ADMIN in roles for roles in ROLES.values())  # administrators: everything
    assert roles_for(Permission.READ) == tuple(Role)  # every role reads


@pytest.mark.parametrize(
    ("role", "current", "target", "allowed"),
    [
        ("staff", Status.NEW, Status.TRIAGED, True),  # triage: any move
        ("admin", Status.TRIAGED, Status.REFERRED, True),
        ("inspector", Status.REFERRED, Status.CONFIRMED, True),  # an outcome
        ("inspector", Status.REFERRED, Status.DISMISSED, True),
        ("inspector", Status.NEW, Status.TRIAGED, False),  # not triage
        ("inspector", Status.TRIAGED, Status.DISMISSED, False),  # closing what was not referred
        ("viewer", Status.REFERRED, Status.CONFIRMED, False),  # viewers read
    ],
)
def test_who_may_move(role: str, current: Status, target: Status, allowed: bool) -> None:
    assert may_move(user(role), current, target) is allowed


@pytest.mark.parametrize(
    ("who", "province", "commune", "allowed"),
    [
        (user("admin", None), "01", None, True),
        (user("staff", "79"), "79", None, True),
        (user("staff", "79"), "01", None, False),  # another province
        (user("staff", "01", ("00070",)), "01", "00004", False),  # another commune
        (user("inspector", None), "79", None, False),  # inspectors never
        (user("viewer", None), "79", None, False),
    ],
)
def test_who_may_read_contact_details(who: User, province, commune, allowed: bool) -> None:
    assert may_read_contact(who, province, commune) is allowed


def test_inspectors_may_not_triage_in_the_core_either(db_session, make_user, make_complaint):
    inspector = make_user("inspector")
    complaint = make_complaint()
    for change in (
        lambda: add_note(db_session, complaint, actor=inspector, now=NOW, note="x", public=False),
        lambda: assign(db_session, complaint, None, actor=inspector, now=NOW),
        lambda: record_contact_view(db_session, complaint, actor=inspector, now=NOW),
    ):
        with pytest.raises(NotPermitted) as refused:
            change()
        assert refused.value.status == 403
    with pytest.raises(TriageRefused) as refused:
        move(db_session, complaint, Status.TRIAGED, actor=inspector, now=NOW)
    assert refused.value.message.code == "inspector_moves"
    assert (
        db_session.scalar(
            sa.select(sa.func.count())
            .select_from(ComplaintEvent)
            .where(ComplaintEvent.kind != EventKind.FILED)
        )
        == 0
    )


def test_only_triage_roles_are_assigned(db_session, make_user, make_complaint) -> None:
    complaint = make_complaint()
    with pytest.raises(TriageRefused):
        assign(db_session, complaint, make_user("inspector"), actor=make_user("staff"), now=NOW)


def test_an_api_token_is_shown_once_and_stored_as_its_hash(db_session, make_user) -> None:
    admin, inspector = make_user("admin", province_code=None), make_user("inspector")
    token = issue_api_token(db_session, inspector, name="  QLTT tỉnh  ", actor=admin, now=NOW)
    stored = db_session.scalar(sa.select(ApiToken))
    assert token.startswith("hv_") and len(token) > 40
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest() != token
    assert (stored.user_id, stored.name, stored.created_at) == (inspector.id, "QLTT tỉnh", NOW)
    assert revoke_api_token(db_session, stored, actor=admin, now=NOW) is True
    assert stored.revoked_at == NOW
    assert revoke_api_token(db_session, stored, actor=admin, now=NOW) is False


@pytest.mark.parametrize(
    ("holder_role", "name"),
    [
        ("viewer", "QLTT"),  # a token reads cases: only roles that inspect hold one
        ("inspector", "   "),  # a token has a name
    ],
)
def test_tokens_refused(db_session, make_user, holder_role: str, name: str) -> None:
    admin = make_user("admin", province_code=None)
    with pytest.raises(Refusal) as refused:
        issue_api_token(db_session, make_user(holder_role), name=name, actor=admin, now=NOW)
    assert refused.value.message.code == "bad_token_holder"
    assert db_session.scalar(sa.select(sa.func.count()).select_from(ApiToken)) == 0


def test_only_administrators_issue_tokens_and_edit_templates(db_session, make_user) -> None:
    staff = make_user("staff")
    with pytest.raises(NotPermitted):
        issue_api_token(db_session, make_user("inspector"), name="x", actor=staff, now=NOW)
    with pytest.raises(NotPermitted):
        save_response_templates(db_session, {Status.NEW: "x"}, actor=staff)
    assert allows(make_user("admin", province_code=None), Permission.MANAGE_TEMPLATES)


def test_response_templates_are_saved_with_who_saved_them(db_session, make_user) -> None:
    admin = make_user("admin", province_code=None)
    changed = save_response_templates(
        db_session, {Status.NEW: "  Đã nhận.  ", Status.REFERRED: ""}, actor=admin
    )
    assert changed == [Status.NEW]  # an empty text for a template that does not exist: nothing
    assert fetch_response_templates(db_session) == {Status.NEW: "Đã nhận."}
    other = make_user("admin", province_code=None)
    assert save_response_templates(db_session, {Status.NEW: "Đã nhận."}, actor=other) == []
    assert save_response_templates(db_session, {Status.NEW: "Khác."}, actor=other) == [Status.NEW]
    assert db_session.scalar(sa.select(ResponseTemplate.updated_by)) == other.username
