"""A machine-wide limit on expensive requests: photo checks (barcodes and label text, web and API)
and complaints sent with photos.

Decoding and reading photos takes a core for up to a second. Without a limit, a few clients
sending photos keep every worker busy and the cheap pages (the scan page, /about, a typed code)
wait behind them. So each expensive request holds one of ``EXPENSIVE_SLOTS`` slots while it
works (default: half the cores, at least one): an exclusive ``fcntl.flock`` on one of that many
lock files in ``<instance>/expensive/``, shared by every worker process and thread of the
machine. The kernel drops a lock when its holder's file is closed or its process dies, so a crash
never leaks a slot.

A request waits for a slot at most ``EXPENSIVE_WAIT_SECONDS`` (default 10). At most
``EXPENSIVE_QUEUE`` threads of one worker process wait at a time (default 2, fewer than the
worker's threads in scripts/run), so each process keeps a thread for cheap pages however many
photos arrive. A request that gets no slot is answered 503 with ``Retry-After`` (the wait, in
seconds; on a rate-limited endpoint Flask-Limiter raises it to when the client's rate window
resets) and a message in the reader's language: the error page, or the API's JSON error under
/api/. Nothing of it has been stored by then.
"""

from __future__ import annotations

import fcntl
import functools
import math
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import abort, current_app, g, jsonify, make_response, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from werkzeug.wrappers import Response

__all__ = ["DEFAULT_SLOTS", "expensive", "expensive_work", "slot_held"]

DEFAULT_SLOTS = max(1, (os.cpu_count() or 2) // 2)
"""Slots when ``EXPENSIVE_SLOTS`` is not set: one on a two-core machine, leaving a core for the
cheap pages."""
DEFAULT_WAIT_SECONDS = 10.0
DEFAULT_QUEUE = 2
POLL_SECONDS = 0.02
"""How often a waiting request tries the slots again (a non-blocking flock: microseconds)."""

_waiting = 0
_waiting_lock = threading.Lock()


def _settings() -> tuple[int, float, int, Path]:
    config = current_app.config
    slots = max(1, int(config.get("EXPENSIVE_SLOTS") or DEFAULT_SLOTS))
    wait = max(0.0, float(config.get("EXPENSIVE_WAIT_SECONDS", DEFAULT_WAIT_SECONDS)))
    queue = max(0, int(config.get("EXPENSIVE_QUEUE", DEFAULT_QUEUE)))
    return slots, wait, queue, Path(current_app.instance_path) / "expensive"


def _try_slots(directory: Path, slots: int) -> int | None:
    """The file descriptor of a slot just locked, or None when every slot is held."""
    for number in range(slots):
        fd = os.open(directory / f"slot-{number}.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        return fd
    return None


def _join_queue(queue: int) -> bool:
    global _waiting
    with _waiting_lock:
        if _waiting >= queue:
            return False
        _waiting += 1
        return True


def _leave_queue() -> None:
    global _waiting
    with _waiting_lock:
        _waiting -= 1


def _acquire(directory: Path, slots: int, wait: float, queue: int) -> int | None:
    directory.mkdir(parents=True, exist_ok=True)
    fd = _try_slots(directory, slots)
    if fd is not None or wait <= 0 or not _join_queue(queue):
        return fd
    try:
        deadline = time.monotonic() + wait
        while (left := deadline - time.monotonic()) > 0:
            time.sleep(min(POLL_SECONDS, left))
            fd = _try_slots(directory, slots)
            if fd is not None:
                return fd
        return None
    finally:
        _leave_queue()


def _busy_response(retry_after: int) -> Response:
    message = gettext(
        "The server is busy with other photos right now. Nothing was saved: please try again "
        "in a minute."
    )
    if request.path.startswith("/api/"):
        response = jsonify({"error": {"status": 503, "code": "busy", "message": message}})
    else:
        response = make_response(render_template("errors/error.html", status=503, message=message))
    response.status_code = 503
    response.headers["Retry-After"] = str(retry_after)
    return response


def slot_held() -> bool:
    """Whether this request holds an expensive-work slot."""
    return bool(g.get("expensive_slot_held"))


@contextmanager
def expensive_work() -> Iterator[None]:
    """Hold a slot for the block, waiting up to ``EXPENSIVE_WAIT_SECONDS``; when none frees in
    time, the request ends here with a 503 (``flask.abort`` with the response). Nested uses hold
    the one slot."""
    if slot_held():
        yield
        return
    slots, wait, queue, directory = _settings()
    fd = _acquire(directory, slots, wait, queue)
    if fd is None:
        current_app.logger.warning("expensive work refused: no slot free in %.1f s", wait)
        abort(_busy_response(max(1, math.ceil(wait))))
    g.expensive_slot_held = True
    try:
        yield
    finally:
        g.expensive_slot_held = False
        os.close(fd)  # closing the only descriptor of the lock file releases the lock


def expensive(view: Callable[..., ResponseReturnValue]) -> Callable[..., ResponseReturnValue]:
    """A view that works in a slot from start to end (see :func:`expensive_work`)."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> ResponseReturnValue:
        with expensive_work():
            return view(*args, **kwargs)

    return wrapper
