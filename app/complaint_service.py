"""The app's side of filing a complaint: it supplies the clock, the configured photo store and
limits, the working calendar and the registry's verdict to :mod:`complaints.filing`, which
does the filing (the web form and the API both call :func:`submit`), and to
:mod:`complaints.staging`, which keeps the photos of a form that came back with an error."""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Sequence
from contextlib import nullcontext
from pathlib import Path
from typing import Any

from flask import current_app

from app.calendar import working_calendar
from app.clock import local_today, utc_now
from app.expensive import expensive_work
from app.extensions import db
from app.unit_of_work import unit_of_work
from app.verification import verify_code
from barcode_db.gtin import parse_code
from barcode_db.messages import Message
from barcode_db.verdict import LabelClaims
from complaints import filing, orphans, staging
from complaints.filing import ComplaintRejected, Filed, Upload
from complaints.models import StagedPhoto
from complaints.operations import NewComplaint
from complaints.snapshot import verdict_snapshot
from complaints.storage import LocalPhotoStore, PhotoStore, StagedWrites

__all__ = [
    "ComplaintRejected",
    "Filed",
    "Upload",
    "delete_files",
    "normalise_code",
    "photo_store",
    "purge_staged_photos",
    "remove_orphaned_files",
    "stage",
    "staged_photos",
    "submit",
    "unstage",
]

log = logging.getLogger(__name__)


def photo_store() -> PhotoStore:
    """The configured store for evidence photos and generated files: a folder in the instance
    path by default, an S3-API object store when ``PHOTO_STORE_URL`` is ``s3://bucket/prefix``."""
    config = current_app.config
    if config.get("PHOTO_STORE_URL"):
        return _s3_store(
            config["PHOTO_STORE_URL"], config.get("S3_ENDPOINT_URL"), config.get("S3_REGION")
        )
    root = config.get("UPLOAD_FOLDER") or Path(current_app.instance_path) / "uploads"
    return LocalPhotoStore(Path(root))


@functools.lru_cache(maxsize=8)
def _s3_store(url: str, endpoint_url: str | None, region: str | None) -> PhotoStore:
    """One store, and so one boto3 client (its connection pool), per process and settings."""
    from complaints.object_store import S3PhotoStore, parse_store_url  # boto3: only when used

    bucket, prefix = parse_store_url(url)
    return S3PhotoStore(bucket, prefix, endpoint_url=endpoint_url or None, region=region or None)


def snapshot_for(report: NewComplaint) -> dict[str, Any] | None:
    """The verdict at filing time, computed here (never taken from the browser)."""
    if not report.code_seen:
        return None
    result = verify_code(report.code_seen, claims=LabelClaims(brand=report.brand_seen or None))
    return verdict_snapshot(result.verdict)


def normalise_code(report_code: str) -> tuple[str, str | None]:
    """What was typed, and the 14-digit GTIN when it is a valid number."""
    parsed = parse_code(report_code)
    return report_code.strip()[:64], parsed.gtin14 if parsed.valid else None


def _filing() -> filing.Filing:
    return filing.Filing(
        store=photo_store(),
        now=utc_now(),
        today=local_today(),
        calendar=working_calendar(),
        verdict_snapshot=snapshot_for,
        max_photo_bytes=current_app.config["MAX_PHOTO_BYTES"],
    )


def submit(
    report: NewComplaint,
    uploads: Sequence[Upload],
    idempotency_key: str,
    kept: Sequence[StagedPhoto] = (),
) -> Filed:
    """File ``report`` once per key, with this app's store, clock, calendar and limits, and the
    photos ``kept`` for its form. With photos, in one of the machine's expensive-work slots
    (:mod:`app.expensive`): they are decoded and re-encoded."""
    context = _filing()
    uploads = staging.not_kept(uploads, kept) if kept else uploads
    with expensive_work() if any(upload.data for upload in uploads) else nullcontext():
        return filing.submit(db.session, report, uploads, idempotency_key, context, kept=kept)


def staged_photos(form_key: str) -> list[StagedPhoto]:
    """The photos kept for the report form ``form_key`` (not expired)."""
    return staging.fetch_staged(db.session, form_key, now=utc_now())


def stage(uploads: Sequence[Upload], form_key: str) -> list[Message]:
    """Keep the photos of a form shown again with an error, prepared as at filing, for that
    form; the messages say which were not kept. Files written are removed again if the commit
    fails."""
    if not filing.sent_photos(uploads):
        return []
    context = _filing()
    with expensive_work(), StagedWrites(context.store) as writes, unit_of_work() as session:
        kept = staging.fetch_staged(session, form_key, now=context.now)
        return staging.stage_uploads(session, form_key, uploads, context, writes, kept=kept)


def unstage(form_key: str, photo_id: int) -> None:
    """Take photo ``photo_id`` off the form ``form_key`` (if it is that form's), file and all."""
    with unit_of_work() as session:
        storage_key = staging.unstage(session, form_key, photo_id)
    if storage_key is not None:
        delete_files([storage_key])


def purge_staged_photos() -> int:
    """Remove the expired staged photos, rows first (committed), then their files; how many."""
    removed, batch = 0, 500
    while True:
        with unit_of_work() as session:
            keys = staging.take_expired(session, now=utc_now(), limit=batch)
        delete_files(keys)
        removed += len(keys)
        if len(keys) < batch:
            return removed


def remove_orphaned_files(grace: dt.timedelta = orphans.GRACE) -> int:
    """Remove the stored files no record refers to, older than ``grace``; how many."""
    return orphans.remove_orphans(db.session, photo_store(), now=utc_now(), grace=grace)


def delete_files(keys: Sequence[str]) -> None:
    """Delete these stored files (their records are gone, committed); a file that cannot be
    deleted now is logged and left to the orphan clean-up (``flask complaints refresh``)."""
    store = photo_store()
    for key in keys:
        try:
            store.delete(key)
        except OSError:
            log.exception("could not delete the stored file %s", key)
