"""Reads of complaints: ``get_*`` for one row, ``fetch_*`` for lists and counts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from barcode_db.verdict import History
from complaints.models import Complaint, ComplaintEvent, EventKind
from complaints.workflow import OPEN_STATES, Category, Status


def get_by_tracking_code(session: Session, code: str) -> Complaint | None:
    return session.scalar(sa.select(Complaint).where(Complaint.tracking_code == code))


def get_by_idempotency_key(session: Session, key: str) -> Complaint | None:
    return session.scalar(sa.select(Complaint).where(Complaint.idempotency_key == key))


def fetch_history(session: Session, gtin14: str) -> History:
    """Confirmed cases and open complaints on one GTIN, for the verdict's REPORTED rule."""
    counts: dict[Status, int] = {
        status: number
        for status, number in session.execute(
            sa.select(Complaint.status, sa.func.count())
            .where(Complaint.gtin == gtin14)
            .group_by(Complaint.status)
        )
    }
    return History(
        confirmed_cases=counts.get(Status.CONFIRMED, 0),
        open_complaints=sum(counts.get(s, 0) for s in OPEN_STATES),
    )


@dataclass(frozen=True)
class PublicNote:
    created_at: dt.datetime
    note: str


@dataclass(frozen=True)
class PublicComplaint:
    """What the tracking page and the public API may show: never personal data, never
    internal notes, never another reporter's tracking code."""

    tracking_code: str
    status: Status
    category: Category
    product_name: str
    brand_seen: str
    code_seen: str
    province_code: str
    commune_code: str | None
    photo_count: int
    filed_at: dt.datetime
    updated_at: dt.datetime
    closed_at: dt.datetime | None
    notes: tuple[PublicNote, ...]
    rating: int | None
    #: For a complaint merged into another: the status and public notes of the surviving case.
    followed_status: Status | None = None

    @property
    def can_rate(self) -> bool:
        return self.status in (Status.CONFIRMED, Status.DISMISSED) and self.rating is None


def _public_notes(session: Session, complaint_id: int) -> tuple[PublicNote, ...]:
    rows = session.execute(
        sa.select(ComplaintEvent.created_at, ComplaintEvent.note)
        .where(
            ComplaintEvent.complaint_id == complaint_id,
            ComplaintEvent.is_public.is_(True),
            ComplaintEvent.note != "",
        )
        .order_by(ComplaintEvent.created_at, ComplaintEvent.id)
    ).all()
    return tuple(PublicNote(created_at=at, note=note) for at, note in rows)


def _last_change(session: Session, complaint: Complaint) -> dt.datetime:
    last = session.scalar(
        sa.select(sa.func.max(ComplaintEvent.created_at)).where(
            ComplaintEvent.complaint_id == complaint.id,
            ComplaintEvent.kind.in_([EventKind.FILED, EventKind.STATUS, EventKind.NOTE]),
        )
    )
    return last or complaint.created_at


def get_public_view(session: Session, code: str) -> PublicComplaint | None:
    complaint = get_by_tracking_code(session, code)
    if complaint is None:
        return None
    notes = _public_notes(session, complaint.id)
    followed_status = None
    updated_at = _last_change(session, complaint)
    survivor = complaint.merged_into
    if complaint.status is Status.DUPLICATE and survivor is not None:
        followed_status = survivor.status
        notes = notes + _public_notes(session, survivor.id)
        updated_at = max(updated_at, _last_change(session, survivor))
    filed_at = session.scalar(
        sa.select(ComplaintEvent.created_at).where(
            ComplaintEvent.complaint_id == complaint.id, ComplaintEvent.kind == EventKind.FILED
        )
    )
    return PublicComplaint(
        tracking_code=complaint.tracking_code,
        status=complaint.status,
        category=complaint.category,
        product_name=complaint.product_name,
        brand_seen=complaint.brand_seen,
        code_seen=complaint.code_seen,
        province_code=complaint.province_code,
        commune_code=complaint.commune_code,
        photo_count=len(complaint.evidence),
        filed_at=filed_at or complaint.created_at,
        updated_at=updated_at,
        closed_at=complaint.closed_at,
        notes=tuple(sorted(notes, key=lambda n: n.created_at)),
        rating=complaint.rating,
        followed_status=followed_status,
    )
