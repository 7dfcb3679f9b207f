"""Rate limits with Redis down (issue 16): a request is answered, within seconds, and still
limited — each process counts in its own memory (Flask-Limiter's in-memory fallback) until Redis
answers again — while /readyz says that Redis failed.

Two ways of being down: nothing listens at Redis's address (refused at once), and a server that
accepts connections and never answers (only the socket timeouts of app/rate_limits.py end the
wait; without them the request would wait for ever).
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from app.extensions import db, limiter
from app.rate_limits import REDIS_CONNECT_TIMEOUT, REDIS_TIMEOUT, storage_options
from tests.conftest import make_test_app
from tests.support.s3 import free_port

CODE = "8934673000017"
LIMIT = 3
#: The most a request may take with Redis down. Generous (a request waits at most the socket
#: timeouts, about 2-3 s, for Redis); without the timeouts it would be minutes, or for ever.
BOUND_SECONDS = 30.0

pytestmark = pytest.mark.real_transactions


@pytest.mark.parametrize(
    ("uri", "configured", "expected"),
    [
        # Redis: short timeouts, so that a Redis that hangs cannot hang a request.
        (
            "redis://r:6379/0",
            None,
            {"socket_connect_timeout": REDIS_CONNECT_TIMEOUT, "socket_timeout": REDIS_TIMEOUT},
        ),
        (
            "rediss://r:6380/0",
            None,
            {"socket_connect_timeout": REDIS_CONNECT_TIMEOUT, "socket_timeout": REDIS_TIMEOUT},
        ),
        # RATELIMIT_STORAGE_OPTIONS set by the deployment win.
        (
            "redis://r:6379/0",
            {"socket_timeout": 5},
            {"socket_connect_timeout": REDIS_CONNECT_TIMEOUT, "socket_timeout": 5},
        ),
        # Other storages take no Redis options.
        ("sqlite:////srv/instance/rate_limits.sqlite3", None, {}),
        ("memory://", None, {}),
    ],
)
def test_redis_storages_get_short_timeouts(uri, configured, expected) -> None:
    assert storage_options(uri, configured) == expected


@pytest.fixture
def silent_redis() -> Iterator[str]:
    """The URL of a "Redis" that accepts connections and never says a word (a hung server)."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)  # never accepted: connections wait in the backlog, or in SYN
        yield f"redis://127.0.0.1:{listener.getsockname()[1]}/0"


@pytest.fixture(params=["refused", "silent"])
def redis_down(request: pytest.FixtureRequest) -> str:
    if request.param == "refused":
        return f"redis://127.0.0.1:{free_port()}/0"
    url: str = request.getfixturevalue("silent_redis")
    return url


@pytest.fixture
def limiter_restored(db_session) -> Iterator[None]:
    """The limiter is one object for every app of the test process: what the app made here
    does to it (its storage, the fallback's "storage dead" flag) is undone after the test."""
    saved = dict(vars(limiter))
    yield
    vars(limiter).clear()
    vars(limiter).update(saved)


@pytest.fixture
def down_app(app, database, tmp_path, redis_down: str, limiter_restored) -> Iterator[Any]:
    """An app whose rate limits live in a Redis that is down (tables: the session's, migrated)."""
    other = make_test_app(
        database,
        tmp_path,
        REDIS_URL=redis_down,
        VERIFY_RATE_LIMIT=f"{LIMIT} per hour",
        VERIFICATION_COUNTS="off",
    )
    assert other.config["RATELIMIT_STORAGE_URI"] == redis_down
    yield other
    with other.app_context():
        db.engine.dispose()


def answered(client, path: str) -> Any:
    """``client.get(path)``, which must be answered within BOUND_SECONDS."""
    result: dict[str, Any] = {}
    worker = threading.Thread(target=lambda: result.update(response=client.get(path)), daemon=True)
    worker.start()
    worker.join(timeout=BOUND_SECONDS)
    assert not worker.is_alive(), f"GET {path} still waiting after {BOUND_SECONDS} s"
    return result["response"]


def test_with_redis_down_requests_are_answered_and_still_limited(down_app) -> None:
    client = down_app.test_client()
    assert answered(client, "/about?lang=en").status_code == 200
    # The verdict page and the API share one limit; each is answered, and counted in memory.
    statuses = [
        answered(client, f"/verify?code={CODE}&lang=en").status_code,
        answered(client, f"/api/v1/verify?code={CODE}&lang=en").status_code,
        answered(client, f"/verify?code={CODE}&lang=en").status_code,
    ]
    assert statuses == [200] * LIMIT
    refused = answered(client, f"/api/v1/verify?code={CODE}&lang=en")
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert answered(client, f"/verify?code={CODE}&lang=en").status_code == 429


def test_readyz_says_redis_failed(down_app) -> None:
    response = answered(down_app.test_client(), "/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["checks"]["redis"].startswith("failed")
    assert body["checks"]["database"] == "ok"
