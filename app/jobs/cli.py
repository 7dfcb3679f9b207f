"""``flask jobs worker``: run background jobs (exports, PDFs, report files) in this process."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

jobs_cli = AppGroup("jobs", help="Background jobs.")


@jobs_cli.command("worker")
@click.option(
    "--threads", default=1, show_default=True, type=click.IntRange(1, 16), help="Jobs at a time."
)
def worker_command(threads: int) -> None:
    """Run jobs from the queue (JOBS_URL, else REDIS_URL, else instance/jobs.sqlite3) until
    stopped (SIGINT or SIGTERM end it after the running job). Start one beside each app server,
    or several on other machines sharing the database, the queue (Redis) and the file store."""
    from app.jobs.queue import queue_name, run_worker

    click.echo(f"Job worker on {queue_name()} ({threads} thread(s))")
    run_worker(current_app._get_current_object(), threads)  # type: ignore[attr-defined]
