"""The app's side of filing a complaint: it supplies the clock, the configured photo store and
limits, the working calendar and the registry's verdict to :mod:`complaints.filing`, which
does the filing (the web form and the API both call :func:`submit`)."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import nullcontext
from pathlib import Path
from typing import Any

from flask import current_app

from app.calendar import working_calendar
from app.clock import local_today, utc_now
from app.expensive import expensive_work
from app.extensions import db
from app.verification import verify_code
from barcode_db.gtin import parse_code
from barcode_db.verdict import LabelClaims
from complaints import filing
from complaints.filing import ComplaintRejected, Filed, Upload
from complaints.operations import NewComplaint
from complaints.snapshot import verdict_snapshot
from complaints.storage import LocalPhotoStore, PhotoStore

__all__ = ["ComplaintRejected", "Filed", "Upload", "normalise_code", "photo_store", "submit"]


def photo_store() -> PhotoStore:
    """The configured store for evidence photos (a folder in the instance path by default)."""
    root = current_app.config.get("UPLOAD_FOLDER") or Path(current_app.instance_path) / "uploads"
    return LocalPhotoStore(Path(root))


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


def submit(report: NewComplaint, uploads: Sequence[Upload], idempotency_key: str) -> Filed:
    """File ``report`` once per key, with this app's store, clock, calendar and limits. With
    photos, in one of the machine's expensive-work slots (:mod:`app.expensive`): they are
    decoded and re-encoded."""
    context = filing.Filing(
        store=photo_store(),
        now=utc_now(),
        today=local_today(),
        calendar=working_calendar(),
        verdict_snapshot=snapshot_for,
        max_photo_bytes=current_app.config["MAX_PHOTO_BYTES"],
    )
    with expensive_work() if any(upload.data for upload in uploads) else nullcontext():
        return filing.submit(db.session, report, uploads, idempotency_key, context)
