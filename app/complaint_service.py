"""Filing a complaint from the web form or the API: one place that prepares the photos, writes
them and the rows together, and makes a resubmission find the first filing instead of doubling it.

Order matters for "nothing lost, nothing doubled": photos are checked and prepared before
anything is written; files are written through :class:`~complaints.storage.StagedWrites` inside
the database transaction, and removed again if anything fails before the commit succeeds. Only
after the commit is the shopper told their report is in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from sqlalchemy.exc import IntegrityError

from app.calendar import working_calendar
from app.clock import local_today, utc_now
from app.extensions import db
from app.verification import verify_code
from barcode_db.gtin import parse_code
from barcode_db.images import ImageRejected
from barcode_db.messages import N_, Message
from barcode_db.verdict import LabelClaims
from complaints import queries
from complaints.evidence import MAX_PHOTO_BYTES, MAX_PHOTOS, PreparedPhoto, prepare_photo
from complaints.models import Complaint
from complaints.operations import NewComplaint, file_complaint
from complaints.snapshot import verdict_snapshot
from complaints.storage import LocalPhotoStore, PhotoStore, StagedWrites, new_key
from complaints.triage import refresh_priority


@dataclass(frozen=True)
class Upload:
    filename: str
    data: bytes


class ComplaintRejected(Exception):
    """The report cannot be filed as sent; ``message`` says why, in the user's terms."""

    def __init__(self, message: Message, status: int = 400) -> None:
        super().__init__(message.msgid)
        self.message = message
        self.status = status


def photo_store() -> PhotoStore:
    """The configured store for evidence photos (a folder in the instance path by default)."""
    root = current_app.config.get("UPLOAD_FOLDER") or Path(current_app.instance_path) / "uploads"
    return LocalPhotoStore(Path(root))


def prepare_uploads(uploads: Sequence[Upload]) -> list[PreparedPhoto]:
    """Check and prepare every photo before anything is written; the first bad one stops all."""
    uploads = [u for u in uploads if u.data]
    if len(uploads) > MAX_PHOTOS:
        raise ComplaintRejected(
            Message(
                "too_many_photos",
                N_("At most %(max)s photos can be sent; you sent %(count)s."),
                {"max": MAX_PHOTOS, "count": len(uploads)},
            )
        )
    prepared = []
    for number, upload in enumerate(uploads, start=1):
        if len(upload.data) > MAX_PHOTO_BYTES:
            raise ComplaintRejected(
                Message(
                    "photo_too_large",
                    N_("Photo %(number)s (%(name)s) is larger than 10 MB."),
                    {"number": number, "name": upload.filename[:80]},
                ),
                status=413,
            )
        try:
            prepared.append(prepare_photo(upload.data))
        except ImageRejected as rejected:
            raise ComplaintRejected(
                Message(
                    "photo_rejected",
                    N_("Photo %(number)s (%(name)s): %(reason)s"),
                    {"number": number, "name": upload.filename[:80], "reason": rejected.message},
                )
            ) from rejected
    return prepared


def snapshot_for(report: NewComplaint) -> dict | None:
    """The verdict at filing time, computed here (never taken from the browser)."""
    if not report.code_seen:
        return None
    result = verify_code(report.code_seen, claims=LabelClaims(brand=report.brand_seen or None))
    return verdict_snapshot(result.verdict)


def normalise_code(report_code: str) -> tuple[str, str | None]:
    """What was typed, and the 14-digit GTIN when it is a valid number."""
    parsed = parse_code(report_code)
    return report_code.strip()[:64], parsed.gtin14 if parsed.valid else None


@dataclass(frozen=True)
class Filed:
    complaint: Complaint
    created: bool  # False when an earlier identical submission was found


class _CommitFailed(Exception):
    def __init__(self, original: IntegrityError) -> None:
        super().__init__(str(original))
        self.original = original


def submit(report: NewComplaint, uploads: Sequence[Upload], idempotency_key: str) -> Filed:
    """File a complaint exactly once per idempotency key; see the module docstring."""
    existing = queries.get_by_idempotency_key(db.session, idempotency_key)
    photos = prepare_uploads(uploads)
    fingerprint = report.fingerprint(photos)
    if existing is not None:
        return _replayed(existing, fingerprint)

    snapshot = snapshot_for(report)
    store = photo_store()
    today = local_today()
    try:
        with StagedWrites(store) as staged:
            try:
                complaint = file_complaint(
                    db.session,
                    report,
                    photos,
                    staged,
                    photo_keys=[new_key(today) for _ in photos],
                    now=utc_now(),
                    idempotency_key=idempotency_key,
                    verdict_snapshot=snapshot,
                )
                _prioritise(complaint)
                db.session.commit()
            except IntegrityError as error:  # most likely the same key, filed a moment ago
                db.session.rollback()
                raise _CommitFailed(error) from error
    except _CommitFailed as failed:
        existing = queries.get_by_idempotency_key(db.session, idempotency_key)
        if existing is None:
            raise failed.original from None
        return _replayed(existing, fingerprint)
    except BaseException:
        db.session.rollback()
        raise
    return Filed(complaint=complaint, created=True)


def _prioritise(complaint: Complaint) -> None:
    """Set the new complaint's deadline and priority, and raise those it shares a product or a
    store with (more reports, more urgent)."""
    calendar, now = working_calendar(), utc_now()
    refresh_priority(db.session, complaint, calendar=calendar, now=now)
    for other in queries.fetch_related_open(db.session, complaint, limit=50):
        refresh_priority(db.session, other, calendar=calendar, now=now)


def _replayed(existing: Complaint, fingerprint: str) -> Filed:
    if existing.request_fingerprint != fingerprint:
        raise ComplaintRejected(
            Message(
                "idempotency_conflict",
                N_(
                    "This form was already used to send a different report. Open the report "
                    "page again to send a new one."
                ),
            ),
            status=409,
        )
    return Filed(complaint=existing, created=False)
