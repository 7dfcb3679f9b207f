"""The job queue in the tests: held in memory (tests/__init__.py), emptied around every test, and
run on demand by :func:`run_queued_jobs`, in the test's app context and session — as a worker
would run them, one after another, after the request that queued them has returned."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from app.jobs.queue import huey


def run_queued_jobs() -> int:
    """Run every job waiting in the queue; how many ran."""
    ran = 0
    while (task := huey.dequeue()) is not None:
        huey.execute(task)
        ran += 1
    return ran


@pytest.fixture(autouse=True)
def empty_job_queue() -> Iterator[None]:
    huey.flush()
    yield
    huey.flush()
