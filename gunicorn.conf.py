"""gunicorn reads this file from the directory it starts in (scripts/run starts it in the project
root); the command line gives every other setting.

With ``PROMETHEUS_MULTIPROC_DIR`` set, each worker process keeps its metrics in files there and
``/metrics`` sums them (app/observability.py). When a worker exits, its files of live gauges
(requests in progress) are removed, so that they stop counting; its counters stay, summed.
"""

from __future__ import annotations

import os
from typing import Any


def child_exit(server: Any, worker: Any) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
