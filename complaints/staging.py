"""Photos kept with a report form that came back with an error ("staged"), under the form's key.

A shopper who attached photos and forgot the province must not lose them. Each photo is checked
and prepared exactly as at filing (:func:`complaints.filing.prepare_upload`: format, size, pixels,
metadata stripped), stored through the photo store, and recorded as a
:class:`~complaints.models.StagedPhoto` under the form's idempotency key. The form lists them
again; filing with that key makes them the complaint's evidence (:func:`complaints.filing.submit`,
``kept``: the same stored file, no copy). The key is unguessable and the app shows a form's photos
only to the browser it gave the form to.

A staged photo lives :data:`STAGED_LIFETIME`: older ones are never listed or filed, and
:func:`take_expired` removes their rows (the hourly ``flask complaints refresh`` runs it; the
caller deletes the files once the removal is committed).

Like every operation here these only flush; the caller commits, and deletes files after.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import unicodedata
from collections.abc import Sequence
from typing import Final

import sqlalchemy as sa
from sqlalchemy.orm import Session

from barcode_db.messages import N_, Message
from complaints.evidence import photo_columns
from complaints.filing import ComplaintRejected, Filing, Upload, prepare_upload, sent_photos
from complaints.models import StagedPhoto
from complaints.operations import PhotoWriter
from complaints.storage import new_key

__all__ = [
    "STAGED_LIFETIME",
    "fetch_staged",
    "not_kept",
    "shown_filename",
    "stage_uploads",
    "take_expired",
    "unstage",
]

STAGED_LIFETIME: Final = dt.timedelta(hours=24)
"""How long a form's photos are kept for it: a form is sent again within minutes, or not at all."""


def fetch_staged(session: Session, form_key: str, *, now: dt.datetime) -> list[StagedPhoto]:
    """The photos kept for the form ``form_key`` and not expired, in the order they came."""
    return list(
        session.scalars(
            sa.select(StagedPhoto)
            .where(
                StagedPhoto.form_key == form_key,
                StagedPhoto.staged_at > now - STAGED_LIFETIME,
            )
            .order_by(StagedPhoto.id)
        )
    )


def stage_uploads(
    session: Session,
    form_key: str,
    uploads: Sequence[Upload],
    filing: Filing,
    writer: PhotoWriter,
    *,
    kept: Sequence[StagedPhoto],
) -> list[Message]:
    """Keep the photos of ``uploads`` that filing would take, for the form ``form_key`` (which
    has ``kept`` already); the messages say which were not kept, and why."""
    uploads = not_kept(uploads, kept)
    room = max(0, filing.max_photos - len(kept))
    problems: list[Message] = []
    for number, upload in enumerate(uploads[:room], start=1):
        try:
            photo = prepare_upload(number, upload, filing)
        except ComplaintRejected as rejected:
            problems.append(rejected.message)
            continue
        key = new_key(filing.today)
        writer.put(key, photo.data)
        session.add(
            StagedPhoto(
                form_key=form_key,
                filename=shown_filename(upload.filename),
                storage_key=key,
                **photo_columns(photo),
                staged_at=filing.now,
            )
        )
    if len(uploads) > room:
        problems.append(
            Message(
                "photos_not_kept",
                N_("At most %(max)s photos can be sent with a report. Not kept: %(names)s."),
                {
                    "max": filing.max_photos,
                    "names": ", ".join(shown_filename(u.filename) for u in uploads[room:]),
                },
            )
        )
    session.flush()
    return problems


def not_kept(uploads: Sequence[Upload], kept: Sequence[StagedPhoto]) -> list[Upload]:
    """The photos of ``uploads`` not among those ``kept`` (one attached again after the form
    came back is the same photo): each photo goes with the report once."""
    known = {photo.sha256_original for photo in kept}
    return [u for u in sent_photos(uploads) if hashlib.sha256(u.data).hexdigest() not in known]


def shown_filename(filename: str) -> str:
    """A file name as the shopper knows it: without a folder (old browsers send the whole path),
    NFC, at most 120 characters."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1].strip()
    return unicodedata.normalize("NFC", name)[:120]


def unstage(session: Session, form_key: str, photo_id: int) -> str | None:
    """Remove photo ``photo_id`` from the form ``form_key``; its storage key (to delete once
    committed), or None if the form has no such photo."""
    photo = session.get(StagedPhoto, photo_id)
    if photo is None or photo.form_key != form_key:
        return None
    session.delete(photo)
    session.flush()
    return photo.storage_key


def take_expired(session: Session, *, now: dt.datetime, limit: int = 500) -> list[str]:
    """Remove up to ``limit`` expired staged photos; the storage keys of those this transaction
    removed (delete the files once it is committed).

    Each row is deleted on its own, with its age checked again: a row that a filing took in the
    meantime (its file now evidence) deletes nothing, and its file stays.
    """
    cutoff = now - STAGED_LIFETIME
    expired = session.execute(
        sa.select(StagedPhoto.id, StagedPhoto.storage_key)
        .where(StagedPhoto.staged_at <= cutoff)
        .order_by(StagedPhoto.id)
        .limit(limit)
    ).all()
    removed = []
    for photo_id, storage_key in expired:
        result = session.execute(
            sa.delete(StagedPhoto).where(
                StagedPhoto.id == photo_id, StagedPhoto.staged_at <= cutoff
            ),
            execution_options={"synchronize_session": False},
        )
        if getattr(result, "rowcount", 0) == 1:
            removed.append(storage_key)
    session.flush()
    return removed
