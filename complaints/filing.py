"""Filing a complaint, exactly once, with its photos: the one place that does it (web form and
API alike). Flask-free: the clock, the photo store, the working calendar and the verdict of the
number seen are passed in by the caller (``app/complaint_service.py``).

Order matters for "nothing lost, nothing doubled": photos are checked and prepared before
anything is written; files are written through :class:`~complaints.storage.StagedWrites` inside
the database transaction, and removed again if anything fails before the commit succeeds. Only
after the commit is the shopper told their report is in. This is the one core operation that
commits itself: the files it wrote must be undone if, and only if, the commit fails, so the
commit belongs inside the staged block.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from barcode_db.images import ImageRejected
from barcode_db.messages import N_, Message, Refusal
from complaints import queries
from complaints.deadlines import WorkingCalendar
from complaints.evidence import MAX_PHOTOS, PreparedPhoto, prepare_photo
from complaints.models import Complaint, StagedPhoto
from complaints.operations import NewComplaint, file_complaint
from complaints.storage import PhotoStore, StagedWrites, new_key
from complaints.triage import refresh_priority


@dataclass(frozen=True)
class Upload:
    filename: str
    data: bytes


class ComplaintRejected(Refusal):
    """The report cannot be filed as sent; ``message`` says why, in the user's terms."""


@dataclass(frozen=True)
class Filing:
    """What filing needs from outside the core."""

    store: PhotoStore
    now: dt.datetime
    today: dt.date
    calendar: WorkingCalendar
    #: The verdict at filing time for a report (computed by the server, never the browser's).
    verdict_snapshot: Callable[[NewComplaint], dict[str, Any] | None]
    max_photo_bytes: int
    max_photos: int = MAX_PHOTOS


@dataclass(frozen=True)
class Filed:
    complaint: Complaint
    created: bool  # False when an earlier identical submission was found


IDEMPOTENCY_CONFLICT = Message(
    "idempotency_conflict",
    N_(
        "This form was already used to send a different report. Open the report "
        "page again to send a new one."
    ),
)


#: The codes of the refusals that are about the photos sent (the rest of the report may be fine).
PHOTO_REFUSALS = frozenset({"too_many_photos", "photo_empty", "photo_too_large", "photo_rejected"})


def sent_photos(uploads: Sequence[Upload]) -> list[Upload]:
    """The photos among ``uploads``. A file box left empty sends a part with no name and no
    bytes: that is no photo. A named file of 0 bytes is a photo that did not arrive (a phone's
    failed share), and is refused by :func:`prepare_upload`."""
    return [u for u in uploads if u.data or u.filename]


def prepare_upload(number: int, upload: Upload, filing: Filing) -> PreparedPhoto:
    """Check and prepare photo ``number`` (from 1) as it is stored; ComplaintRejected says why not."""
    megabytes = round(filing.max_photo_bytes / (1024 * 1024))
    if not upload.data:
        raise ComplaintRejected(
            Message(
                "photo_empty",
                N_("Photo %(number)s (%(name)s) is empty (0 bytes): attach it again."),
                {"number": number, "name": upload.filename[:80]},
            ),
            status=422,
        )
    if len(upload.data) > filing.max_photo_bytes:
        raise ComplaintRejected(
            Message(
                "photo_too_large",
                N_("Photo %(number)s (%(name)s) is larger than %(mb)s MB."),
                {"number": number, "name": upload.filename[:80], "mb": megabytes},
            ),
            status=413,
        )
    try:
        return prepare_photo(upload.data, max_bytes=filing.max_photo_bytes)
    except ImageRejected as rejected:
        raise ComplaintRejected(
            Message(
                "photo_rejected",
                N_("Photo %(number)s (%(name)s): %(reason)s"),
                {"number": number, "name": upload.filename[:80], "reason": rejected.message},
            )
        ) from rejected


def prepare_uploads(
    uploads: Sequence[Upload], filing: Filing, *, kept: int = 0
) -> list[PreparedPhoto]:
    """Check and prepare every photo before anything is written; the first bad one stops all.
    ``kept`` photos are already with the report (staged), and count towards the limit."""
    uploads = sent_photos(uploads)
    if kept + len(uploads) > filing.max_photos:
        raise ComplaintRejected(
            Message(
                "too_many_photos",
                N_("At most %(max)s photos can be sent; you sent %(count)s."),
                {"max": filing.max_photos, "count": kept + len(uploads)},
            )
        )
    return [
        prepare_upload(number, upload, filing) for number, upload in enumerate(uploads, start=1)
    ]


class _CommitFailed(Exception):
    def __init__(self, original: IntegrityError) -> None:
        super().__init__(str(original))
        self.original = original


def submit(
    session: Session,
    report: NewComplaint,
    uploads: Sequence[Upload],
    idempotency_key: str,
    filing: Filing,
    kept: Sequence[StagedPhoto] = (),
) -> Filed:
    """File a complaint exactly once per idempotency key; see the module docstring. ``kept``
    are the photos staged for this form (:mod:`complaints.staging`): they come first, and
    become evidence as they are stored."""
    existing = queries.get_by_idempotency_key(session, idempotency_key)
    photos = prepare_uploads(uploads, filing, kept=len(kept))
    fingerprint = report.fingerprint([*kept, *photos])
    if existing is not None:
        return _replayed(existing, fingerprint)

    snapshot = filing.verdict_snapshot(report)
    try:
        with StagedWrites(filing.store) as staged:
            try:
                complaint = file_complaint(
                    session,
                    report,
                    photos,
                    staged,
                    photo_keys=[new_key(filing.today) for _ in photos],
                    kept=kept,
                    now=filing.now,
                    idempotency_key=idempotency_key,
                    verdict_snapshot=snapshot,
                )
                _prioritise(session, complaint, filing)
                session.commit()
            except IntegrityError as error:  # most likely the same key, filed a moment ago
                session.rollback()
                raise _CommitFailed(error) from error
    except _CommitFailed as failed:
        existing = queries.get_by_idempotency_key(session, idempotency_key)
        if existing is None:
            raise failed.original from None
        return _replayed(existing, fingerprint)
    except BaseException:
        session.rollback()
        raise
    return Filed(complaint=complaint, created=True)


def _prioritise(session: Session, complaint: Complaint, filing: Filing) -> None:
    """Set the new complaint's deadline and priority, and raise those it shares a product or a
    store with (more reports, more urgent)."""
    refresh_priority(session, complaint, calendar=filing.calendar, now=filing.now)
    for other in queries.fetch_related_open(session, complaint, limit=50):
        refresh_priority(session, other, calendar=filing.calendar, now=filing.now)


def _replayed(existing: Complaint, fingerprint: str) -> Filed:
    if existing.request_fingerprint != fingerprint:
        raise ComplaintRejected(IDEMPOTENCY_CONFLICT, status=409)
    return Filed(complaint=existing, created=False)
