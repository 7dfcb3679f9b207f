"""The job queue (Huey) and the worker's side of a job.

Which queue, from the environment (read once, when this module is first imported, by the web
processes and the worker alike):

- ``JOBS_URL=redis://host:6379/1`` (or, without ``JOBS_URL``, ``REDIS_URL``): Redis, shared by
  every app node and every worker machine;
- ``JOBS_URL=sqlite:////path/jobs.sqlite3``, or nothing: a SQLite file (default
  ``instance/jobs.sqlite3``), for one machine — ``./scripts/run`` starts a worker beside gunicorn;
- ``JOBS_URL=memory://``: in this process only (the tests run the queue themselves).

``JOBS_QUEUE_NAME`` (default ``hangviet``) names the queue, for deployments sharing a Redis.

The queue carries only a job's id; the job's state is its row (:mod:`complaints.jobs`). The
worker (``flask jobs worker``) claims the row, runs the job's maker (:mod:`app.jobs.makers`),
stores the file through the photo store and records it; every few minutes it hands back the jobs
of workers that died (:func:`complaints.jobs.reap`) and removes expired files.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import redis
import sqlalchemy as sa
from flask import Flask, current_app, has_app_context
from huey import Huey, MemoryHuey, RedisHuey, SqliteHuey, crontab

from app.clock import local_today, utc_now
from app.complaint_service import delete_files, photo_store
from app.extensions import db
from app.observability import register_gauge_callback
from app.unit_of_work import unit_of_work
from barcode_db.messages import N_, Message, Refusal
from complaints import jobs
from complaints.accounts import User
from complaints.jobs import Job, JobStatus
from complaints.storage import StagedWrites, new_key

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]

NOT_QUEUED = Message(
    "jobs_unavailable",
    N_(
        "Background jobs cannot be started right now (the job queue does not answer). Nothing "
        "was started: try again in a few minutes, or narrow the selection to download it at once."
    ),
)


#: The queue's name (its keys in Redis): several deployments, or test runs, may share a Redis.
QUEUE_NAME = os.environ.get("JOBS_QUEUE_NAME") or "hangviet"


def queue_url() -> str:
    """The queue chosen by the environment (see the module's text)."""
    return os.environ.get("JOBS_URL") or os.environ.get("REDIS_URL") or ""


def queue_name() -> str:
    """The queue, for people to read: without a password."""
    url = queue_url()
    if not url:
        return str(ROOT / "instance" / "jobs.sqlite3")
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname or ''}{':' if parts.port else ''}{parts.port or ''}{parts.path}"


def make_huey(url: str) -> Huey:
    if url.startswith("memory:"):
        return MemoryHuey(QUEUE_NAME)
    if url.startswith(("redis://", "rediss://", "unix://")):
        # Short timeouts: with Redis down, starting a job fails in seconds with a message,
        # never hangs a web request. (The worker's blocking read waits 1 s, under 5 s.)
        pool = redis.ConnectionPool.from_url(
            url, socket_connect_timeout=2, socket_timeout=5, health_check_interval=30
        )
        return RedisHuey(QUEUE_NAME, connection_pool=pool)
    if url.startswith("sqlite:///"):
        filename = url.removeprefix("sqlite:///")
    else:
        filename = str(ROOT / "instance" / "jobs.sqlite3")
    Path(filename).parent.mkdir(parents=True, exist_ok=True)
    return SqliteHuey(QUEUE_NAME, filename=filename, timeout=5)


huey = make_huey(queue_url())

#: The app the worker's threads run jobs in (set by ``flask jobs worker``; made on first use
#: by a bare ``huey_consumer app.jobs.queue.huey``).
_worker_app: Flask | None = None


def set_worker_app(app: Flask) -> None:
    global _worker_app
    _worker_app = app


def _app() -> Flask:
    global _worker_app
    if _worker_app is None:
        from app import create_app

        _worker_app = create_app()
    return _worker_app


# ---- the web side ----------------------------------------------------------------------------


def start(kind: jobs.JobKind, user: User, params: dict[str, Any]) -> Job:
    """Record a job for ``user`` and hand it to the queue. A queue that does not answer: the job
    is recorded as failed and a 503 refusal says so (nothing waits on it)."""
    with unit_of_work() as session:
        job = jobs.new_job(session, kind, user.id, params, now=utc_now())
    try:
        run_job(job.id)
    except Exception as error:
        log.error("could not queue job %s: %s", job.id, error)
        with unit_of_work():
            jobs.fail(db.session, job, "not_queued", now=utc_now())
        raise Refusal(NOT_QUEUED, status=503) from error
    return job


def queue_depth() -> int | None:
    """Jobs waiting in the queue (None when the queue does not answer)."""
    try:
        return int(huey.pending_count())
    except Exception:
        return None


# ---- the worker side -------------------------------------------------------------------------


@huey.task(retries=0, name="run_job")
def run_job(job_id: int) -> None:
    """Run job ``job_id`` if it is still waiting (another worker may have taken it)."""
    if has_app_context():  # run by the tests in their own app context (and session)
        execute(job_id)
        return
    with _app().app_context():
        execute(job_id)


def execute(job_id: int) -> None:
    from app.jobs import makers

    with unit_of_work() as session:
        if not jobs.claim(session, job_id, now=utc_now()):
            return
    job = db.session.get(Job, job_id)
    if job is None:  # pragma: no cover - claimed a moment ago
        return
    user = db.session.get(User, job.user_id)
    if user is None or not user.active:
        with unit_of_work():
            jobs.fail(db.session, job, "gone", now=utc_now())
        return

    def progress(done: int, total: int) -> None:
        with unit_of_work() as session:
            jobs.record_progress(session, job_id, done, total, now=utc_now())

    try:
        # The file is removed again if the job's record (the unit of work's commit) fails; any
        # failure rolls the session back.
        with tempfile.TemporaryFile() as out, StagedWrites(photo_store()) as staged, unit_of_work():
            made = makers.make(job, user, out, progress)
            size = out.tell()
            out.seek(0)
            key = new_key(local_today(), made.suffix)
            staged.put_file(key, out)
            if made.audit is not None:
                db.session.add(made.audit)
            job = db.session.get(Job, job_id) or job
            jobs.finish(
                db.session,
                job,
                storage_key=key,
                filename=made.filename,
                mimetype=made.mimetype,
                size=size,
                now=utc_now(),
                keep=_keep(),
            )
    except Exception as error:
        reason = "refused" if isinstance(error, Refusal) else "error"
        log.exception("job %s (%s) failed", job_id, job.kind)
        with unit_of_work():
            failed = db.session.get(Job, job_id)
            if failed is not None and failed.status is JobStatus.RUNNING:
                jobs.fail(db.session, failed, reason, now=utc_now())


def _keep() -> dt.timedelta:
    return dt.timedelta(hours=float(current_app.config["JOB_FILE_HOURS"]))


def _stale_after() -> dt.timedelta:
    return dt.timedelta(seconds=float(current_app.config["JOB_STALE_SECONDS"]))


def housekeeping() -> tuple[jobs.Reaped, int]:
    """Hand back the jobs of lost workers (and queue them again), and remove expired files:
    what was reaped, and how many files were removed. Run by the worker every few minutes, at
    its start, and by ``flask complaints refresh``."""
    with unit_of_work() as session:
        reaped = jobs.reap(session, now=utc_now(), stale_after=_stale_after())
    for job_id in reaped.requeued:
        try:
            run_job(job_id)
        except Exception:
            log.exception("could not queue job %s again", job_id)
    with unit_of_work() as session:
        keys = jobs.expire(session, now=utc_now())
    delete_files(keys)
    return reaped, len(keys)


@huey.periodic_task(crontab(minute="*/5"))
def periodic_housekeeping() -> None:
    with _app().app_context():
        housekeeping()


def run_worker(app: Flask, workers: int) -> None:
    """``flask jobs worker``: hand back lost jobs, then run Huey's consumer in this process."""
    set_worker_app(app)
    with app.app_context():
        try:
            housekeeping()
        except Exception:  # the database may come up later: the periodic run tries again
            log.exception("housekeeping at the worker's start failed")
    consumer = huey.create_consumer(workers=workers, worker_type="thread", periodic=True)
    consumer.run()


# ---- metrics ---------------------------------------------------------------------------------


def _jobs_by_kind_and_status() -> dict[tuple[str, ...], float]:
    rows = db.session.execute(
        sa.select(Job.kind, Job.status, sa.func.count()).group_by(Job.kind, Job.status)
    )
    return {(kind.value, status.value): float(count) for kind, status, count in rows}


def _queue_depth() -> float:
    depth = queue_depth()
    if depth is None:
        raise ConnectionError("the job queue does not answer")  # the gauge is left out
    return float(depth)


register_gauge_callback(
    "hangviet_jobs",
    "Background jobs recorded, by kind and status (waiting and running ones are the live work).",
    _jobs_by_kind_and_status,
    labelnames=("kind", "status"),
)
register_gauge_callback(
    "hangviet_job_queue_depth", "Jobs waiting in the queue for a worker.", _queue_depth
)
