"""Background jobs: a row per job that staff started (a large export, a PDF of many case files, a
report's file), which a worker runs while the page shows its progress.

The queue (Huey, in ``app.jobs``) only carries a job's id; everything a reader sees — its state,
progress, the file made and when it goes — lives here, in the database every app node shares.
No Flask here: the caller passes the clock.

A job's life::

    QUEUED ──claim──▶ RUNNING ──finish──▶ DONE ──expire──▶ EXPIRED
       ▲                 │  └────fail────▶ FAILED
       └──── requeue ────┘ (a worker that stopped answering: ``reap``)

A worker that is killed mid-job stops beating (``heartbeat_at``); :func:`reap` hands such a job
back to the queue once more (``MAX_ATTEMPTS``), then marks it failed: a job is never left
"running" forever. Claiming is a conditional update, so two workers never run the same job.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column

from barcode_db.base import Base, UTCDateTime
from barcode_db.messages import N_

__all__ = [
    "JOB_KIND_NAMES",
    "JOB_STATUS_NAMES",
    "MAX_ATTEMPTS",
    "Job",
    "JobKind",
    "JobStatus",
    "Reaped",
    "claim",
    "expire",
    "fail",
    "finish",
    "new_job",
    "reap",
    "record_progress",
]

#: How many times a job is started at most (the first run and one retry after a lost worker).
MAX_ATTEMPTS: Final = 2


class JobKind(enum.StrEnum):
    EXPORT_CSV = "export_csv"
    EXPORT_XLSX = "export_xlsx"
    EXPORT_PDF = "export_pdf"
    REPORT_PDF = "report_pdf"
    REPORT_XLSX = "report_xlsx"


class JobStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    EXPIRED = "expired"


JOB_KIND_NAMES: Final[dict[JobKind, str]] = {
    JobKind.EXPORT_CSV: N_("Cases as CSV"),
    JobKind.EXPORT_XLSX: N_("Cases as XLSX"),
    JobKind.EXPORT_PDF: N_("Case files as PDF"),
    JobKind.REPORT_PDF: N_("Report as PDF"),
    JobKind.REPORT_XLSX: N_("Report as XLSX"),
}

JOB_STATUS_NAMES: Final[dict[JobStatus, str]] = {
    JobStatus.QUEUED: N_("Waiting for a worker"),
    JobStatus.RUNNING: N_("Being prepared"),
    JobStatus.DONE: N_("Ready"),
    JobStatus.FAILED: N_("Failed"),
    JobStatus.EXPIRED: N_("Removed (expired)"),
}

#: Reasons a job failed, as msgids (``Job.error`` holds the key).
FAILURES: Final[dict[str, str]] = {
    "error": N_("An error stopped the job. Nothing was exported; start it again."),
    "worker_lost": N_(
        "The worker preparing the file stopped twice before finishing. Start the job again; if "
        "it fails again, tell the administrator."
    ),
    "not_queued": N_("The job could not be handed to a worker. Start it again in a few minutes."),
    "refused": N_("The job was refused: the filters, or your rights, no longer allow this file."),
    "gone": N_("What the job was about is no longer available (an account or a case removed)."),
}


def _enum(enum_class: type[enum.Enum]) -> sa.Enum:
    return sa.Enum(
        enum_class, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e]
    )


class Job(Base):
    """One background job and, once done, the file it made (in the photo store, until
    ``expires_at``)."""

    __tablename__ = "background_job"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[JobKind] = mapped_column(_enum(JobKind))
    status: Mapped[JobStatus] = mapped_column(_enum(JobStatus), default=JobStatus.QUEUED)
    #: Who started it (``user_account.id``): only they may see it and take its file.
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    #: What to make: the query string of the export or report, the language, the site address.
    params: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    attempts: Mapped[int] = mapped_column(default=0)
    storage_key: Mapped[str | None] = mapped_column(sa.String(120), unique=True)
    filename: Mapped[str] = mapped_column(sa.String(120), default="")
    mimetype: Mapped[str] = mapped_column(sa.String(100), default="")
    size: Mapped[int] = mapped_column(default=0)
    #: A key of :data:`FAILURES` when FAILED.
    error: Mapped[str] = mapped_column(sa.String(40), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    heartbeat_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), index=True)

    __table_args__ = (
        sa.Index("ix_background_job_status_heartbeat", "status", "heartbeat_at"),
        sa.CheckConstraint("done >= 0 AND total >= 0", name="progress_not_negative"),
    )

    @property
    def finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED, JobStatus.EXPIRED)

    @property
    def percent(self) -> int:
        """Progress, 0 to 100 (100 only when done)."""
        if self.status is JobStatus.DONE:
            return 100
        if self.total <= 0:
            return 0
        return min(99, self.done * 100 // self.total)


def new_job(
    session: Session, kind: JobKind, user_id: int, params: dict[str, Any], *, now: dt.datetime
) -> Job:
    """A queued job (flushed: it has its id)."""
    job = Job(kind=kind, user_id=user_id, params=params, created_at=now, status=JobStatus.QUEUED)
    session.add(job)
    session.flush()
    return job


def claim(session: Session, job_id: int, *, now: dt.datetime) -> bool:
    """Take job ``job_id`` for this worker: QUEUED → RUNNING in one conditional update. False
    when another worker has it, it is finished, or it is not there (then nothing runs)."""
    taken = session.execute(
        sa.update(Job)
        .where(Job.id == job_id, Job.status == JobStatus.QUEUED)
        .values(
            status=JobStatus.RUNNING,
            attempts=Job.attempts + 1,
            started_at=now,
            heartbeat_at=now,
            done=0,
        )
        .execution_options(synchronize_session=False)
    )
    return bool(taken.rowcount == 1)  # type: ignore[attr-defined]


def record_progress(
    session: Session, job_id: int, done: int, total: int, *, now: dt.datetime
) -> None:
    """The running job has done ``done`` of ``total`` steps; it is alive at ``now``."""
    session.execute(
        sa.update(Job)
        .where(Job.id == job_id, Job.status == JobStatus.RUNNING)
        .values(done=max(0, done), total=max(0, total, done), heartbeat_at=now)
        .execution_options(synchronize_session=False)
    )


def finish(
    session: Session,
    job: Job,
    *,
    storage_key: str,
    filename: str,
    mimetype: str,
    size: int,
    now: dt.datetime,
    keep: dt.timedelta,
) -> None:
    """The job made its file (already stored under ``storage_key``), kept until ``now + keep``."""
    job.status = JobStatus.DONE
    job.storage_key = storage_key
    job.filename = filename
    job.mimetype = mimetype
    job.size = size
    job.done = max(job.done, job.total)
    job.finished_at = now
    job.heartbeat_at = now
    job.expires_at = now + keep


def fail(session: Session, job: Job, reason: str, *, now: dt.datetime) -> None:
    """The job ends without a file; ``reason`` is a key of :data:`FAILURES`."""
    if reason not in FAILURES:
        raise ValueError(f"unknown failure {reason!r}")
    job.status = JobStatus.FAILED
    job.error = reason
    job.finished_at = now


@dataclass(frozen=True, slots=True)
class Reaped:
    """What :func:`reap` did: jobs handed back to the queue, and jobs given up."""

    requeued: tuple[int, ...]
    failed: tuple[int, ...]


def reap(session: Session, *, now: dt.datetime, stale_after: dt.timedelta) -> Reaped:
    """Jobs RUNNING whose worker has not beaten since ``now - stale_after`` lost their worker:
    back to QUEUED if they may try again (the caller enqueues them), else FAILED."""
    stale = list(
        session.scalars(
            sa.select(Job)
            .where(Job.status == JobStatus.RUNNING, Job.heartbeat_at < now - stale_after)
            .order_by(Job.id)
            .with_for_update(skip_locked=True)
        )
    )
    requeued, failed = [], []
    for job in stale:
        if job.attempts < MAX_ATTEMPTS:
            job.status = JobStatus.QUEUED
            job.done = 0
            requeued.append(job.id)
        else:
            fail(session, job, "worker_lost", now=now)
            failed.append(job.id)
    session.flush()
    return Reaped(tuple(requeued), tuple(failed))


def expire(session: Session, *, now: dt.datetime, limit: int = 500) -> Sequence[str]:
    """Jobs whose file's time is up become EXPIRED; the storage keys of their files (for the
    caller to delete once this is committed)."""
    jobs = list(
        session.scalars(
            sa.select(Job)
            .where(Job.status == JobStatus.DONE, Job.expires_at <= now)
            .order_by(Job.id)
            .limit(limit)
        )
    )
    keys = []
    for job in jobs:
        if job.storage_key:
            keys.append(job.storage_key)
        job.status = JobStatus.EXPIRED
        job.storage_key = None
    session.flush()
    return keys
