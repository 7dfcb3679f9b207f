"""A staff member's background jobs: the offer to make a big file in the background, the job's
page with its progress (it reloads itself, no JavaScript needed; with JavaScript it asks
``.json`` instead), its file once made, and the list of one's recent jobs. Only the person who
started a job sees it (anyone else: 404)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from flask import Response, abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user

from app.auth.access import permission_required
from app.clock import utc_now
from app.complaint_service import photo_store
from app.extensions import db
from app.i18n import current_language
from app.jobs import blueprint, queue
from complaints.accounts import User
from complaints.jobs import (
    FAILURES,
    JOB_KIND_NAMES,
    JOB_STATUS_NAMES,
    Job,
    JobKind,
    JobStatus,
)
from complaints.permissions import Permission

#: Seconds between reloads of a job's page while it runs.
REFRESH_SECONDS = 2
RECENT = 20


def start_job_for_request(kind: JobKind, user: User, **extra: Any) -> Response:
    """Start ``kind`` for what this request asks (its path and query string, in the reader's
    language), then show the job's page."""
    params = {
        "path": request.path,
        "query": request.query_string.decode("utf-8", "replace"),
        "lang": current_language(),
        "base_url": request.host_url,
        **extra,
    }
    job = queue.start(kind, user, params)
    return redirect(url_for("jobs.show", job_id=job.id), 303)  # type: ignore[return-value]


def offer_job(kind: JobKind, count: int) -> str:
    """The page offering to make this request's file in the background (a POST to the same
    address starts it)."""
    return render_template(
        "jobs/offer.html",
        kind_name=gettext(JOB_KIND_NAMES[kind]),
        count=count,
        action=request.full_path.rstrip("?"),
        hours=current_app.config["JOB_FILE_HOURS"],
    )


def _own_job(job_id: int) -> Job:
    job = db.session.get(Job, job_id)
    if job is None or job.user_id != current_user.id:
        abort(404)
    return job


def _state(job: Job) -> dict[str, Any]:
    return {
        "id": job.id,
        "status": job.status.value,
        "status_text": gettext(JOB_STATUS_NAMES[job.status]),
        "done": job.done,
        "total": job.total,
        "percent": job.percent,
        "error": gettext(FAILURES[job.error]) if job.error in FAILURES else None,
        "file_url": url_for("jobs.download", job_id=job.id)
        if job.status is JobStatus.DONE
        else None,
    }


@blueprint.get("/")
@permission_required(Permission.READ)
def index() -> str:
    jobs = list(
        db.session.scalars(
            db.select(Job)
            .where(Job.user_id == current_user.id)
            .order_by(Job.id.desc())
            .limit(RECENT)
        )
    )
    return render_template(
        "jobs/list.html", jobs=jobs, kind_names=JOB_KIND_NAMES, status_names=JOB_STATUS_NAMES
    )


@blueprint.get("/<int:job_id>")
@permission_required(Permission.READ)
def show(job_id: int) -> Response:
    job = _own_job(job_id)
    stale = (
        job.status is JobStatus.RUNNING
        and job.heartbeat_at is not None
        and (utc_now() - job.heartbeat_at).total_seconds()
        > float(current_app.config["JOB_STALE_SECONDS"])
    )
    response = Response(
        render_template(
            "jobs/job.html",
            job=job,
            state=_state(job),
            kind_name=gettext(JOB_KIND_NAMES[job.kind]),
            stale=stale,
            refresh=REFRESH_SECONDS if not job.finished else None,
        )
    )
    if not job.finished:
        response.headers["Refresh"] = str(REFRESH_SECONDS)
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.get("/<int:job_id>.json")
@permission_required(Permission.READ)
def state(job_id: int) -> Response:
    response = current_app.json.response(_state(_own_job(job_id)))
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.get("/<int:job_id>/file")
@permission_required(Permission.READ)
def download(job_id: int) -> Response:
    job = _own_job(job_id)
    if job.status is JobStatus.EXPIRED:  # the job's page says so, in the reader's language
        gone = show(job_id)
        gone.status_code = 410
        return gone
    if job.status is not JobStatus.DONE or not job.storage_key:
        abort(404)
    file = photo_store().open(job.storage_key)

    def chunks() -> Iterator[bytes]:
        with file:
            while block := file.read(256 * 1024):
                yield block

    response = Response(chunks(), mimetype=job.mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{job.filename}"'
    response.headers["Content-Length"] = str(job.size)
    response.headers["Cache-Control"] = "no-store"
    return response
