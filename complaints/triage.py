"""Staff work on complaints: moves through the workflow, notes, assignment, merging duplicates,
reading contact details. Every change is an audit event; every function only flushes. Who may
make each change is :mod:`complaints.permissions` (a refusal is :class:`NotPermitted`, 403).

Concurrent edits: forms carry the version they were read at. A change against an older version
is refused with who changed the complaint and when (:class:`StaleEdit`), and the version column
catches the remaining race at flush (SQLAlchemy's StaleDataError), so nothing is silently lost.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from barcode_db.messages import N_, Message, Refusal, format_moment
from complaints.accounts import User
from complaints.deadlines import VIETNAM, WorkingCalendar, deadline_for, deadline_state
from complaints.models import Complaint, ComplaintEvent, EventKind
from complaints.permissions import (
    NotPermitted,
    Permission,
    allows,
    may_move,
    may_read_contact,
    require,
)
from complaints.priority import is_high_risk, priority_for
from complaints.queries import fetch_people, related_open_condition
from complaints.tracking import format_tracking_code
from complaints.workflow import OPEN_STATES, Status, can_move


class TriageRefused(Refusal):
    """A change the workflow or the rules do not allow; ``message`` says why."""


class StaleEdit(TriageRefused):
    """The complaint changed since the form was read."""

    status = 409


def _event(
    session: Session,
    complaint: Complaint,
    kind: EventKind,
    actor: User | None,
    now: dt.datetime,
    *,
    note: str = "",
    public: bool = False,
    from_status: Status | None = None,
    to_status: Status | None = None,
) -> ComplaintEvent:
    event = ComplaintEvent(
        complaint_id=complaint.id,
        kind=kind,
        actor=actor.username if actor else None,
        note=note,
        is_public=public,
        from_status=from_status,
        to_status=to_status,
        created_at=now,
    )
    session.add(event)
    return event


def last_change(session: Session, complaint: Complaint) -> ComplaintEvent | None:
    return session.scalar(
        sa.select(ComplaintEvent)
        .where(
            ComplaintEvent.complaint_id == complaint.id,
            ComplaintEvent.kind != EventKind.CONTACT_VIEWED,
        )
        .order_by(ComplaintEvent.id.desc())
        .limit(1)
    )


def check_version(session: Session, complaint: Complaint, expected_version: int | None) -> None:
    """Refuse a change made from a form that read an older version of the complaint."""
    if expected_version is None or expected_version == complaint.version:
        return
    last = last_change(session, complaint)
    raise StaleEdit(
        Message(
            "stale_edit",
            N_(
                "This complaint was changed by %(actor)s at %(at)s after you opened it. Nothing "
                "was saved: reload it, check the change, and try again."
            ),
            {
                # By name and in Vietnam's time, as the staff pages say who did what and when.
                "actor": _name_of(session, last.actor) if last and last.actor else "?",
                "at": format_moment(last.created_at, VIETNAM) if last else "?",
            },
        )
    )


def _name_of(session: Session, username: str) -> str:
    return fetch_people(session, [username]).get(username, username)


CANNOT_CHANGE = Message("not_allowed", N_("Your role cannot change complaints."))
OUTCOMES_ONLY = Message(
    "inspector_moves", N_("Inspectors record the outcome of referred cases only.")
)


def move(
    session: Session,
    complaint: Complaint,
    target: Status,
    *,
    actor: User,
    now: dt.datetime,
    note: str = "",
    public: bool = False,
    expected_version: int | None = None,
) -> None:
    """Move a complaint through the workflow, with an audit event (and its note).

    Triage may make any move the workflow allows; recording an outcome (inspectors) only
    closes a referred case."""
    require(actor, Permission.TRIAGE, Permission.RECORD_OUTCOME, message=CANNOT_CHANGE)
    check_version(session, complaint, expected_version)
    if target is Status.DUPLICATE:
        raise TriageRefused(
            Message("merge_to_duplicate", N_("A complaint becomes a duplicate by merging it."))
        )
    if not may_move(actor, complaint.status, target):
        raise TriageRefused(OUTCOMES_ONLY)
    if not can_move(complaint.status, target):
        raise TriageRefused(
            Message(
                "illegal_move",
                N_("A complaint cannot go from “%(current)s” to “%(target)s”."),
                {"current": complaint.status.value, "target": target.value},
            )
        )
    previous = complaint.status
    complaint.status = target
    if target.is_closed:
        complaint.closed_at = now
    _event(
        session,
        complaint,
        EventKind.STATUS,
        actor,
        now,
        note=note.strip(),
        public=public,
        from_status=previous,
        to_status=target,
    )
    session.flush()


def add_note(
    session: Session,
    complaint: Complaint,
    *,
    actor: User,
    now: dt.datetime,
    note: str,
    public: bool,
    expected_version: int | None = None,
) -> None:
    """An internal note, or a public one that the reporter reads on the tracking page."""
    require(actor, Permission.TRIAGE, message=CANNOT_CHANGE)
    if not note.strip():
        raise TriageRefused(Message("empty_note", N_("The note is empty.")))
    check_version(session, complaint, expected_version)
    _event(session, complaint, EventKind.NOTE, actor, now, note=note.strip(), public=public)
    session.flush()


def assign(
    session: Session,
    complaint: Complaint,
    assignee: User | None,
    *,
    actor: User,
    now: dt.datetime,
    expected_version: int | None = None,
) -> None:
    """Give the complaint to a staff member (or to nobody), with an audit event."""
    require(actor, Permission.TRIAGE, message=CANNOT_CHANGE)
    check_version(session, complaint, expected_version)
    if assignee is not None and not allows(assignee, Permission.TRIAGE):
        raise TriageRefused(
            Message("bad_assignee", N_("Complaints are assigned to association staff only."))
        )
    complaint.assigned_to_id = assignee.id if assignee else None
    _event(
        session,
        complaint,
        EventKind.ASSIGNED,
        actor,
        now,
        note=assignee.username if assignee else "",
    )
    session.flush()


def merge(
    session: Session,
    survivor: Complaint,
    others: Sequence[Complaint],
    *,
    actor: User,
    now: dt.datetime,
    note: str = "",
) -> None:
    """Merge duplicates into ``survivor``: each becomes DUPLICATE with a link to it."""
    require(actor, Permission.TRIAGE, message=CANNOT_CHANGE)
    if survivor.status not in OPEN_STATES:
        raise TriageRefused(
            Message(
                "merge_into_closed", N_("Duplicates can only be merged into an open complaint.")
            )
        )
    for other in others:
        if other.id == survivor.id:
            continue
        if other.status not in OPEN_STATES:
            raise TriageRefused(
                Message(
                    "merge_closed",
                    N_("Complaint %(code)s is closed and cannot be merged."),
                    {"code": format_tracking_code(other.tracking_code)},
                )
            )
        previous = other.status
        other.status = Status.DUPLICATE
        other.merged_into_id = survivor.id
        other.closed_at = now
        _event(
            session,
            other,
            EventKind.STATUS,
            actor,
            now,
            note=note.strip(),
            from_status=previous,
            to_status=Status.DUPLICATE,
        )
        _event(session, survivor, EventKind.MERGED, actor, now, note=other.tracking_code)
    session.flush()


def record_contact_view(
    session: Session, complaint: Complaint, *, actor: User, now: dt.datetime
) -> None:
    """Reading a complainant's contact details leaves a trace (who, when)."""
    if not may_read_contact(actor, complaint.province_code, complaint.commune_code):
        raise NotPermitted(
            Message("contact_not_allowed", N_("Your role cannot read this complainant's contact."))
        )
    _event(session, complaint, EventKind.CONTACT_VIEWED, actor, now)
    session.flush()


@dataclass(frozen=True)
class PriorityInputs:
    shared_reports: int
    working_days_left: int | None


def shared_reports(session: Session, complaint: Complaint) -> int:
    """How many other open complaints share the product or the store (a priority term)."""
    condition = related_open_condition(complaint)
    if condition is None:
        return 0
    return session.scalar(sa.select(sa.func.count()).select_from(Complaint).where(condition)) or 0


def refresh_priority(
    session: Session, complaint: Complaint, *, calendar: WorkingCalendar, now: dt.datetime
) -> None:
    """Recompute the deadline and the priority score from the complaint as it stands."""
    if complaint.deadline_at is None:
        complaint.deadline_at = deadline_for(complaint.created_at or now, calendar)
    days_left = (
        deadline_state(complaint.created_at or now, now, calendar).working_days_left
        if complaint.status.is_open
        else None
    )
    score = priority_for(
        level=complaint.verdict_level,
        category=complaint.category,
        shared_reports=shared_reports(session, complaint),
        working_days_left=days_left,
        high_risk=is_high_risk(" ".join((complaint.product_name, complaint.description))),
    )
    if complaint.status.is_closed:
        score = 0
    if complaint.priority != score:
        complaint.priority = score
    session.flush()
