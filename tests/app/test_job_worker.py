"""A real worker process (``flask jobs worker``, as ``./scripts/run`` starts it) takes a job from
a queue on disk, makes the file into the store and records it, and stops cleanly when asked."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from huey.storage import SqliteStorage
from sqlalchemy.orm import Session

from app.jobs import queue
from complaints.jobs import Job, JobKind, JobStatus, new_job
from complaints.models import Complaint
from tests.support.factories import ComplaintFactory, UserFactory

ROOT = Path(__file__).resolve().parents[2]
FLASK = str(Path(sys.executable).with_name("flask"))

pytestmark = pytest.mark.slow


def _deployment(tmp_path: Path) -> tuple[str, Path, dict[str, str]]:
    """A migrated SQLite database, a queue file and an upload folder, as a machine's settings."""
    database = f"sqlite:///{tmp_path / 'app.sqlite3'}"
    jobs_file = tmp_path / "jobs.sqlite3"
    env = {
        **os.environ,
        "FLASK_APP": "app:create_app",
        "DATABASE_URL": database,
        "JOBS_URL": f"sqlite:///{jobs_file}",
        "UPLOAD_FOLDER": str(tmp_path / "uploads"),
        "SECRET_KEY": "worker-test",
    }
    env.pop("REDIS_URL", None)
    subprocess.run(
        [FLASK, "db", "upgrade"], env=env, cwd=ROOT, check=True, capture_output=True, timeout=300
    )
    return database, jobs_file, env


def _start_worker(env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [FLASK, "jobs", "worker"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _wait_for(engine: sa.Engine, job_id: int, worker, wanted: tuple[JobStatus, ...]) -> JobStatus:
    """Poll the job's row until its status is one of ``wanted`` or the worker exits."""
    status = JobStatus.QUEUED
    deadline = time.monotonic() + 180  # a generous bound on a busy machine, not a target
    while time.monotonic() < deadline and worker.poll() is None:
        with Session(engine) as session:
            status = session.get(Job, job_id).status
        if status in wanted:
            break
        time.sleep(0.05)
    return status


def _csv_export_job(session: Session, user_id: int) -> int:
    """An inspector's CSV export of every referred case, recorded (committed) as queued."""
    job = new_job(
        session,
        JobKind.EXPORT_CSV,
        user_id,
        {"path": "/inspect/export.csv", "query": "lang=en", "lang": "en"},
        now=dt.datetime.now(dt.UTC),
    )
    session.commit()
    return job.id


def _enqueue(job_id: int, jobs_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Queued as a web node would: onto the queue on disk the worker reads."""
    monkeypatch.setattr(queue.huey, "storage", SqliteStorage("hangviet", filename=str(jobs_file)))
    queue.run_job(job_id)


def test_a_worker_process_makes_the_file_of_a_queued_job(tmp_path, monkeypatch) -> None:
    database, jobs_file, env = _deployment(tmp_path)
    engine = sa.create_engine(database)
    with Session(engine) as session:
        inspector = UserFactory(session)("inspector")
        for n in range(3):
            ComplaintFactory(session)(status="REFERRED", product_name=f"Sữa giả {n}")
        job_id = _csv_export_job(session, inspector.id)
    _enqueue(job_id, jobs_file, monkeypatch)

    worker = _start_worker(env)
    try:
        status = _wait_for(engine, job_id, worker, (JobStatus.DONE, JobStatus.FAILED))
    finally:
        worker.send_signal(signal.SIGINT)
        output, _ = worker.communicate(timeout=60)
    assert status is JobStatus.DONE, output
    assert worker.returncode == 0, output

    with Session(engine) as session:
        job = session.get(Job, job_id)
        assert job.attempts == 1 and job.filename.endswith(".csv")
        stored = tmp_path / "uploads" / Path(*job.storage_key.split("/"))
    rows = list(csv.reader(io.StringIO(stored.read_bytes().decode("utf-8-sig"))))
    assert len(rows) == 1 + 3
    assert sorted(r[rows[0].index("Product name")] for r in rows[1:]) == [
        "Sữa giả 0",
        "Sữa giả 1",
        "Sữa giả 2",
    ]
    engine.dispose()


def test_a_job_whose_worker_is_killed_mid_way_is_made_by_the_next_worker(
    tmp_path, monkeypatch
) -> None:
    """SIGKILL while the job runs (no chance to tidy up): the job's row stays RUNNING, its
    heartbeat stops; the next worker, at its start, finds it stale, queues it again and makes
    it (second attempt). Staleness is set to 0 s here, so nothing waits on the clock."""
    database, jobs_file, env = _deployment(tmp_path)
    engine = sa.create_engine(database)
    rows = 20_000  # seconds of work on any machine: the worker is killed in the middle
    with Session(engine) as session:
        inspector = UserFactory(session)("inspector")
        session.execute(
            sa.insert(Complaint),
            [
                {
                    "tracking_code": f"K{n:09d}",
                    "status": "REFERRED",
                    "category": "counterfeit",
                    "source": "web",
                    "code_seen": "8934673000017",
                    "province_code": "79",
                    "description": "Nhãn in mờ.",
                    "product_name": f"Sữa giả {n}",
                    "anonymous": True,
                    "search_text": "sua gia",
                    "version": 1,
                }
                for n in range(rows)
            ],
        )
        job_id = _csv_export_job(session, inspector.id)
    _enqueue(job_id, jobs_file, monkeypatch)

    first = _start_worker(env)
    try:
        assert _wait_for(engine, job_id, first, (JobStatus.RUNNING,)) is JobStatus.RUNNING
    finally:
        first.kill()
        first.communicate(timeout=60)
    with Session(engine) as session:
        killed = session.get(Job, job_id)
        assert (killed.status, killed.attempts) == (JobStatus.RUNNING, 1)

    second = _start_worker({**env, "FLASK_JOB_STALE_SECONDS": "0"})
    try:
        status = _wait_for(engine, job_id, second, (JobStatus.DONE, JobStatus.FAILED))
    finally:
        second.send_signal(signal.SIGINT)
        output, _ = second.communicate(timeout=60)
    assert status is JobStatus.DONE, output
    with Session(engine) as session:
        job = session.get(Job, job_id)
        assert job.attempts == 2
        stored = tmp_path / "uploads" / Path(*job.storage_key.split("/"))
    lines = stored.read_bytes().decode("utf-8-sig").splitlines()
    assert len(lines) == 1 + rows
    engine.dispose()
