"""Every staff and inspector action: who may do it, and what a save racing another leaves.

The role matrix is derived from ``complaints.permissions`` and checked twice: against a literal
table of what each role could do before the permissions module existed (so a change of the
module that takes something from a user fails here), and against the app, request by request.
Each write path is then run while every flush finds the row changed under it (SQLAlchemy's
StaleDataError): the user gets a 409 page saying nothing was saved, and nothing is.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from sqlalchemy.orm.exc import StaleDataError

from complaints.accounts import Role, User
from complaints.models import (
    ApiToken,
    Complaint,
    ComplaintEvent,
    EventKind,
    ExportEvent,
    ResponseTemplate,
    Signal,
)
from complaints.permissions import Permission, may_move, roles_for
from complaints.workflow import Status
from tests.support.factories import login
from tests.support.forms import REFERER, hidden_value
from tests.support.pages import check_page, text_of

GTIN = "8936024000127"


@dataclass
class World:
    """What one test works on: the signed-in user's client and the rows the actions touch."""

    client: object
    session: object
    user: User
    holder: User  # an inspector who may be given an API token
    referred: Complaint  # with contact details
    fresh: Complaint  # NEW
    duplicate: Complaint  # NEW, same GTIN as ``fresh``
    token: ApiToken

    def csrf(self) -> str:
        page = self.client.get("/report", follow_redirects=True).get_data(as_text=True)
        return hidden_value(page, "csrf_token")

    def post(self, url: str, **data: object):
        return self.client.post(
            f"{url}?lang=en", data={"csrf_token": self.csrf(), **data}, headers=REFERER
        )

    def count(self, model: type, *where: object) -> int:
        self.session.expire_all()
        return self.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))

    def events(self, kind: EventKind, complaint: Complaint) -> int:
        return self.count(
            ComplaintEvent,
            ComplaintEvent.kind == kind,
            ComplaintEvent.complaint_id == complaint.id,
        )

    def status_of(self, complaint: Complaint) -> Status:
        self.session.expire_all()
        return self.session.get(Complaint, complaint.id).status


@pytest.fixture
def world_for(client, db_session, make_user, make_complaint) -> Callable[[str], World]:
    def build(role: str) -> World:
        user = make_user(role, province_code=None if role == "admin" else "79")
        holder = make_user("inspector", name="Thanh tra viên")
        referred = make_complaint(status="REFERRED", contact_phone="0912 345 678")
        fresh = make_complaint(gtin=GTIN)
        duplicate = make_complaint(gtin=GTIN)
        now = dt.datetime.now(dt.UTC)
        for hours in (1, 2, 3):
            db_session.add(
                Signal(
                    gtin=GTIN.zfill(14),
                    code_seen=GTIN,
                    level="MISMATCH",
                    created_at=now - dt.timedelta(hours=hours),
                )
            )
        token = ApiToken(user_id=holder.id, name="Hệ thống cũ", token_hash="0" * 64, created_at=now)
        db_session.add(token)
        db_session.commit()
        login(client, user)
        return World(client, db_session, user, holder, referred, fresh, duplicate, token)

    return build


@dataclass(frozen=True)
class Action:
    """One thing a user does: who may (from the permissions module), the request, and how to
    tell that it took effect (None for pages that only read)."""

    permitted: Callable[[Role], bool]
    do: Callable[[World], object]
    done: Callable[[World], bool] | None = None
    #: The status of a refusal when the role may not: 403, or 400 where the page is open to the
    #: role but the workflow refuses the move (an inspector on a case not referred).
    refused_status: Callable[[Role], int] = lambda role: 403


def holds(*permissions: Permission) -> Callable[[Role], bool]:
    return lambda role: role in roles_for(*permissions)


def user_of(role: Role) -> User:
    return User(role=role, username=role.value, name=role.value, province_code=None)


ACTIONS: dict[str, Action] = {
    "see the queue": Action(holds(Permission.READ), lambda w: w.client.get("/staff/")),
    "read a complaint": Action(
        holds(Permission.READ), lambda w: w.client.get(f"/staff/complaints/{w.fresh.id}")
    ),
    "see the reports": Action(holds(Permission.READ), lambda w: w.client.get("/reports/")),
    "triage a new complaint": Action(
        lambda role: may_move(user_of(role), Status.NEW, Status.TRIAGED),
        lambda w: w.post(
            f"/staff/complaints/{w.fresh.id}/move", target="TRIAGED", version=w.fresh.version
        ),
        lambda w: w.status_of(w.fresh) is Status.TRIAGED,
        refused_status=lambda role: 400 if role in roles_for(Permission.RECORD_OUTCOME) else 403,
    ),
    "confirm a referred case (complaint page)": Action(
        lambda role: may_move(user_of(role), Status.REFERRED, Status.CONFIRMED),
        lambda w: w.post(
            f"/staff/complaints/{w.referred.id}/move",
            target="CONFIRMED",
            version=w.referred.version,
        ),
        lambda w: w.status_of(w.referred) is Status.CONFIRMED,
    ),
    "record an inspection outcome": Action(
        holds(Permission.RECORD_OUTCOME),
        lambda w: w.post(
            f"/inspect/cases/{w.referred.id}/outcome",
            version=w.referred.version,
            inspected_on="2026-11-20",
            violation="yes",
        ),
        lambda w: w.status_of(w.referred) is Status.CONFIRMED,
    ),
    "write a note": Action(
        holds(Permission.TRIAGE),
        lambda w: w.post(f"/staff/complaints/{w.fresh.id}/note", note="Đã gọi cửa hàng."),
        lambda w: w.events(EventKind.NOTE, w.fresh) == 1,
    ),
    "assign a complaint": Action(
        holds(Permission.TRIAGE),
        lambda w: w.post(
            f"/staff/complaints/{w.fresh.id}/assign", assignee="", version=w.fresh.version
        ),
        lambda w: w.events(EventKind.ASSIGNED, w.fresh) == 1,
    ),
    "read contact details": Action(
        holds(Permission.READ_CONTACT),
        lambda w: w.post(f"/staff/complaints/{w.referred.id}/contact"),
        lambda w: w.events(EventKind.CONTACT_VIEWED, w.referred) == 1,
    ),
    "merge duplicates": Action(
        holds(Permission.TRIAGE),
        lambda w: w.post(f"/staff/complaints/{w.fresh.id}/merge", other=str(w.duplicate.id)),
        lambda w: w.status_of(w.duplicate) is Status.DUPLICATE,
    ),
    "assign several at once": Action(
        holds(Permission.TRIAGE),
        lambda w: w.post("/staff/bulk", action="assign", assignee="", selected=[str(w.fresh.id)]),
        lambda w: w.events(EventKind.ASSIGNED, w.fresh) == 1,
    ),
    "see duplicate clusters": Action(
        holds(Permission.TRIAGE), lambda w: w.client.get("/staff/duplicates")
    ),
    "see scan signals": Action(holds(Permission.TRIAGE), lambda w: w.client.get("/staff/signals")),
    "open a complaint from signals": Action(
        holds(Permission.TRIAGE),
        lambda w: w.post("/staff/signals/open", code=GTIN, province="79"),
        lambda w: w.count(Complaint) == 4,
    ),
    "save response templates": Action(
        holds(Permission.MANAGE_TEMPLATES),
        lambda w: w.post("/staff/templates", body_REFERRED="Đã chuyển QLTT."),
        lambda w: w.count(ResponseTemplate) == 1,
    ),
    "issue an API token": Action(
        holds(Permission.MANAGE_USERS),
        lambda w: w.post("/staff/tokens", action="create", user_id=w.holder.id, name="QLTT"),
        lambda w: w.count(ApiToken) == 2,
    ),
    "revoke an API token": Action(
        holds(Permission.MANAGE_USERS),
        lambda w: w.post("/staff/tokens", action="revoke", token_id=w.token.id),
        lambda w: w.count(ApiToken, ApiToken.revoked_at.is_not(None)) == 1,
    ),
    "list cases for inspection": Action(
        holds(Permission.INSPECT), lambda w: w.client.get("/inspect/")
    ),
    "export cases": Action(
        holds(Permission.INSPECT),
        lambda w: w.client.get("/inspect/export.xlsx?lang=en"),
        lambda w: w.count(ExportEvent) == 1,
    ),
    "export cases with personal data": Action(
        holds(Permission.EXPORT_PERSONAL),
        lambda w: w.client.get("/inspect/export.csv?personal=1&lang=en"),
        lambda w: w.count(ExportEvent, ExportEvent.personal_data.is_(True)) == 1,
    ),
}

WRITES = [name for name, action in ACTIONS.items() if action.done is not None]

#: What each role could do before the permissions module, read from the views and cores then
#: (TRIAGE_ROLES, INSPECT_ROLES, READ_ROLES, can_read_contact, the inspector's move rule, the
#: administrator-only pages). Nothing here may be lost, nothing gained by accident.
ADMIN, STAFF, INSPECTOR, VIEWER = "admin", "staff", "inspector", "viewer"
BEFORE: dict[str, set[str]] = {
    "see the queue": {ADMIN, STAFF, INSPECTOR, VIEWER},
    "read a complaint": {ADMIN, STAFF, INSPECTOR, VIEWER},
    "see the reports": {ADMIN, STAFF, INSPECTOR, VIEWER},
    "triage a new complaint": {ADMIN, STAFF},
    "confirm a referred case (complaint page)": {ADMIN, STAFF, INSPECTOR},
    "record an inspection outcome": {ADMIN, STAFF, INSPECTOR},
    "write a note": {ADMIN, STAFF},
    "assign a complaint": {ADMIN, STAFF},
    "read contact details": {ADMIN, STAFF},
    "merge duplicates": {ADMIN, STAFF},
    "assign several at once": {ADMIN, STAFF},
    "see duplicate clusters": {ADMIN, STAFF},
    "see scan signals": {ADMIN, STAFF},
    "open a complaint from signals": {ADMIN, STAFF},
    "save response templates": {ADMIN},
    "issue an API token": {ADMIN},
    "revoke an API token": {ADMIN},
    "list cases for inspection": {ADMIN, STAFF, INSPECTOR},
    "export cases": {ADMIN, STAFF, INSPECTOR},
    "export cases with personal data": {ADMIN, STAFF},
}


@pytest.mark.parametrize("name", list(ACTIONS))
def test_the_permissions_module_gives_each_role_what_it_had(name: str) -> None:
    permitted = {role.value for role in Role if ACTIONS[name].permitted(role)}
    assert permitted == BEFORE[name]


# Hard facts, each a sentence of the README; the table above could drift, these should not.
@pytest.mark.parametrize(
    ("role", "name", "allowed"),
    [
        (VIEWER, "write a note", False),  # viewers read
        (VIEWER, "triage a new complaint", False),
        (VIEWER, "list cases for inspection", False),
        (INSPECTOR, "record an inspection outcome", True),  # inspectors record outcomes…
        (INSPECTOR, "confirm a referred case (complaint page)", True),
        (INSPECTOR, "triage a new complaint", False),  # …of referred cases only
        (INSPECTOR, "read contact details", False),  # administrators and staff only
        (INSPECTOR, "export cases with personal data", False),
        (STAFF, "read contact details", True),
        (STAFF, "issue an API token", False),  # administrators create and revoke tokens
        (ADMIN, "issue an API token", True),
    ],
)
def test_hard_facts(role: str, name: str, allowed: bool) -> None:
    assert ACTIONS[name].permitted(Role(role)) is allowed


@pytest.mark.parametrize("role", [ADMIN, STAFF, INSPECTOR, VIEWER])
@pytest.mark.parametrize("name", list(ACTIONS))
def test_each_role_on_each_action(world_for, role: str, name: str) -> None:
    action = ACTIONS[name]
    world = world_for(role)
    response = action.do(world)
    if action.permitted(Role(role)):
        assert response.status_code in (200, 303), text_of(response)[:500]
        if action.done is not None:
            assert action.done(world)
    else:
        assert response.status_code == action.refused_status(Role(role))
        if action.done is not None:
            assert not action.done(world)


#: The permission each staff, inspector and report page declares.
ENDPOINTS: dict[str, tuple[Permission, ...]] = {
    "staff.queue": (Permission.READ,),
    "staff.complaint_detail": (Permission.READ,),
    "staff.photo": (Permission.READ,),
    "staff.complaint_move": (Permission.TRIAGE, Permission.RECORD_OUTCOME),
    "staff.complaint_note": (Permission.TRIAGE,),
    "staff.complaint_assign": (Permission.TRIAGE,),
    "staff.complaint_contact": (Permission.READ_CONTACT,),
    "staff.complaint_merge": (Permission.TRIAGE,),
    "staff.bulk": (Permission.TRIAGE,),
    "staff.duplicates": (Permission.TRIAGE,),
    "staff.signals": (Permission.TRIAGE,),
    "staff.signal_open": (Permission.TRIAGE,),
    "staff.templates": (Permission.MANAGE_TEMPLATES,),
    "staff.tokens": (Permission.MANAGE_USERS,),
    "inspect.cases": (Permission.INSPECT,),
    "inspect.export_csv": (Permission.INSPECT,),
    "inspect.export_xlsx": (Permission.INSPECT,),
    "inspect.export_pdf": (Permission.INSPECT,),
    "inspect.case_pdf": (Permission.INSPECT,),
    "inspect.outcome": (Permission.RECORD_OUTCOME,),
    "reports.index": (Permission.READ,),
    "reports.view": (Permission.READ,),
    "reports.report_pdf": (Permission.READ,),
    "reports.report_xlsx": (Permission.READ,),
}


def test_every_page_declares_its_permission(app) -> None:
    declared = {
        endpoint: getattr(view, "permissions", None)
        for endpoint, view in app.view_functions.items()
        if endpoint.partition(".")[0] in ("staff", "inspect", "reports")
    }
    assert declared == ENDPOINTS
    for endpoint, permissions in ENDPOINTS.items():
        assert app.view_functions[endpoint].allowed_roles == roles_for(*permissions)


# ---- a save racing another -------------------------------------------------------------------


@contextmanager
def every_flush_finds_the_row_changed() -> Iterator[None]:
    """Each flush fails as it does when another request saved the same row first."""

    def race(session, flush_context, instances) -> None:
        raise StaleDataError("UPDATE expected to update 1 row(s); 0 were matched.")

    sa.event.listen(sa.orm.Session, "before_flush", race)
    try:
        yield
    finally:
        sa.event.remove(sa.orm.Session, "before_flush", race)


def snapshot(world: World) -> dict[str, object]:
    world.session.expire_all()
    return {
        "events": world.count(ComplaintEvent),
        "complaints": world.count(Complaint),
        "statuses": [world.status_of(c) for c in (world.referred, world.fresh, world.duplicate)],
        "assigned": world.session.get(Complaint, world.fresh.id).assigned_to_id,
        "templates": world.count(ResponseTemplate),
        "tokens": world.count(ApiToken),
        "revoked": world.count(ApiToken, ApiToken.revoked_at.is_not(None)),
        "exports": world.count(ExportEvent),
    }


@pytest.mark.parametrize("name", WRITES)
def test_a_save_racing_another_is_a_409_page_and_saves_nothing(world_for, name: str) -> None:
    world = world_for(ADMIN)  # an administrator may do every one of them
    world.csrf()  # the form is read before the race
    before = snapshot(world)
    with every_flush_finds_the_row_changed():
        response = ACTIONS[name].do(world)
    assert response.status_code == 409
    check_page(response, public=False)
    text = text_of(response)
    assert "Someone saved this at the same moment. Nothing was saved" in text
    assert snapshot(world) == before
    assert not ACTIONS[name].done(world)
