"""State changes of complaints. Each function only flushes; the caller commits once.

The acting user and the time are arguments: the cores never read a clock.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.orm import Session

from barcode_db.messages import N_, Message, Refusal
from barcode_db.textkey import search_key
from complaints.evidence import PhotoFacts, PreparedPhoto, photo_columns
from complaints.models import (
    Complaint,
    ComplaintEvent,
    EventKind,
    Evidence,
    Signal,
    Source,
    StagedPhoto,
)
from complaints.tracking import new_tracking_code
from complaints.workflow import Category, Status


class PhotoWriter(Protocol):
    def put(self, key: str, data: bytes) -> None: ...


@dataclass(frozen=True)
class NewComplaint:
    """A validated report, as the form or the API hands it over."""

    category: Category
    description: str
    province_code: str
    commune_code: str | None = None
    code_seen: str = ""
    gtin: str | None = None  # 14 digits, only for a valid number
    product_name: str = ""
    brand_seen: str = ""
    store_name: str = ""
    store_address: str = ""
    date_seen: dt.date | None = None
    price_vnd: int | None = None
    quantity: int | None = None
    anonymous: bool = True
    contact_name: str = ""
    contact_phone: str = ""
    contact_email: str = ""
    consent: bool = False
    source: Source = Source.WEB

    def fingerprint(self, photos: Sequence[PhotoFacts]) -> str:
        """A hash of the content, to tell a true resubmission from a reused idempotency key."""
        payload: dict[str, Any] = asdict(self)
        payload["photos"] = sorted(p.sha256_original for p in photos)
        text = json.dumps(payload, sort_keys=True, default=str, ensure_ascii=False)
        return hashlib.sha256(text.encode()).hexdigest()


def _unused_tracking_code(session: Session) -> str:
    while True:
        code = new_tracking_code()
        if session.scalar(sa.select(Complaint.id).where(Complaint.tracking_code == code)) is None:
            return code


def file_complaint(
    session: Session,
    report: NewComplaint,
    photos: Sequence[PreparedPhoto],
    writer: PhotoWriter,
    *,
    photo_keys: Sequence[str],
    now: dt.datetime,
    idempotency_key: str | None = None,
    verdict_snapshot: dict[str, Any] | None = None,
    kept: Sequence[StagedPhoto] = (),
) -> Complaint:
    """Add a complaint with its photos (written through ``writer``) and its FILED event.

    ``kept`` photos were staged for the form and are stored already: each becomes evidence under
    its own storage key (listed before ``photos``), and its staged row goes."""
    has_contact = not report.anonymous and any(
        (report.contact_name, report.contact_phone, report.contact_email)
    )
    complaint = Complaint(
        tracking_code=_unused_tracking_code(session),
        status=Status.NEW,
        category=report.category,
        source=report.source,
        code_seen=report.code_seen[:64],
        gtin=report.gtin,
        product_name=report.product_name,
        brand_seen=report.brand_seen,
        verdict_level=(verdict_snapshot or {}).get("level"),
        verdict_snapshot=verdict_snapshot,
        store_name=report.store_name,
        store_name_key=search_key(report.store_name),
        store_address=report.store_address,
        province_code=report.province_code,
        commune_code=report.commune_code,
        date_seen=report.date_seen,
        price_vnd=report.price_vnd,
        quantity=report.quantity,
        description=report.description,
        anonymous=not has_contact,
        contact_name=report.contact_name if has_contact else "",
        contact_phone=report.contact_phone if has_contact else "",
        contact_email=report.contact_email if has_contact else "",
        consent_at=now if has_contact and report.consent else None,
        idempotency_key=idempotency_key,
        request_fingerprint=report.fingerprint([*kept, *photos]) if idempotency_key else None,
    )
    complaint.photo_count = len(kept) + len(photos)
    complaint.search_text = complaint_search_text(complaint)
    session.add(complaint)
    session.flush()
    for staged in kept:
        session.add(_evidence(complaint, staged.storage_key, staged))
        session.delete(staged)
    for photo, key in zip(photos, photo_keys, strict=True):
        writer.put(key, photo.data)
        session.add(_evidence(complaint, key, photo))
    session.add(
        ComplaintEvent(
            complaint_id=complaint.id,
            kind=EventKind.FILED,
            actor=None,
            to_status=Status.NEW,
            created_at=now,
        )
    )
    session.flush()
    return complaint


def _evidence(complaint: Complaint, storage_key: str, photo: PhotoFacts) -> Evidence:
    return Evidence(complaint_id=complaint.id, storage_key=storage_key, **photo_columns(photo))


def complaint_search_text(complaint: Complaint) -> str:
    """What the queue's search box looks in, as a diacritics-free key."""
    parts = (
        complaint.product_name,
        complaint.brand_seen,
        complaint.code_seen,
        complaint.store_name,
        complaint.store_address,
        complaint.description,
    )
    return search_key(" ".join(p for p in parts if p))


class RatingRefused(Refusal):
    """A rating the rules do not take: the report is still open, or it was rated already."""


NOT_CLOSED = Message("not_closed", N_("You can rate the handling once the report is closed."))
ALREADY_RATED = Message("already_rated", N_("You have already rated this report. Thank you!"))


def rate_complaint(
    session: Session, complaint: Complaint, rating: int, comment: str, *, now: dt.datetime
) -> None:
    """Record the reporter's satisfaction, once, after the complaint is closed."""
    if complaint.status.is_open:
        raise RatingRefused(NOT_CLOSED)
    if complaint.rating is not None:
        raise RatingRefused(ALREADY_RATED, 409)
    if not 1 <= rating <= 5:
        raise ValueError("rating must be 1 to 5")
    complaint.rating = rating
    complaint.rating_comment = comment[:1000]
    complaint.rated_at = now
    session.add(
        ComplaintEvent(
            complaint_id=complaint.id,
            kind=EventKind.RATED,
            actor=None,
            note=f"{rating}/5",
            created_at=now,
        )
    )
    session.flush()


def record_signal(
    session: Session,
    *,
    level: str,
    gtin: str | None,
    code_seen: str,
    brand_seen: str,
    from_photo: bool,
    province_code: str | None,
    now: dt.datetime,
) -> Signal:
    """Keep an anonymous trace of a suspect verification (no personal data)."""
    signal = Signal(
        gtin=gtin,
        code_seen=code_seen[:64],
        level=level,
        brand_seen=brand_seen[:120],
        from_photo=from_photo,
        province_code=province_code,
        created_at=now,
    )
    session.add(signal)
    session.flush()
    return signal
