"""Rate limits are exact with several workers: a limit of N lets N requests through, not N a
worker. Without Redis the workers share a SQLite file in the instance folder
(app/rate_limit_storage.py); reading verdicts has a limit of its own; a 429 says how long to
wait, and its Retry-After header says the same.
"""

from __future__ import annotations

import multiprocessing
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

from app import rate_limit_storage
from app.config import rate_limit_storage_uri
from app.rate_limit_storage import SQLiteStorage
from app.rate_limits import format_wait
from tests.support.pages import check_page, text_of

ROOT = Path(__file__).resolve().parents[2]
VINAMILK_PRODUCT = "8934673000017"


class FakeClock:
    """The storage's ``time`` module, its wall clock moved by hand."""

    monotonic = staticmethod(time.monotonic)
    sleep = staticmethod(time.sleep)

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def time(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch) -> FakeClock:
    clock = FakeClock()
    monkeypatch.setattr(rate_limit_storage, "time", clock)
    return clock


def storage_at(path: Path) -> SQLiteStorage:
    storage = storage_from_string(f"sqlite:///{path}")
    assert isinstance(storage, SQLiteStorage)
    return storage


# --- where the counts live -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        # Nothing configured: a file in the instance folder, shared by this machine's workers.
        ({}, "sqlite:////srv/instance/rate_limits.sqlite3"),
        # Redis configured for the app: the limits use it too (exact across machines).
        ({"REDIS_URL": "redis://127.0.0.1:6379/0"}, "redis://127.0.0.1:6379/0"),
        # An explicit storage wins over Redis.
        (
            {"RATELIMIT_STORAGE_URI": "memcached://m:11211", "REDIS_URL": "redis://r:6379"},
            "memcached://m:11211",
        ),
        # Tests count in memory: one process, and nothing shared between test runs.
        ({"TESTING": True}, "memory://"),
    ],
)
def test_the_storage_is_shared_by_the_workers_unless_told_otherwise(config, expected) -> None:
    assert rate_limit_storage_uri(config, "/srv/instance") == expected


@pytest.mark.parametrize(
    ("uri", "path"),
    [
        # Four slashes: an absolute path.
        ("sqlite:////var/lib/hangviet/limits.sqlite3", "/var/lib/hangviet/limits.sqlite3"),
        # Three: a relative one.
        ("sqlite:///instance/limits.sqlite3", "instance/limits.sqlite3"),
    ],
)
def test_uris_name_files_as_sqlalchemy_does(uri, path) -> None:
    assert rate_limit_storage.path_of(uri) == path


@pytest.mark.parametrize("uri", ["sqlite://", "sqlite:///", "sqlite:///:memory:"])
def test_a_storage_without_a_file_is_refused(uri) -> None:
    from limits.errors import ConfigurationError

    with pytest.raises(ConfigurationError):
        rate_limit_storage.path_of(uri)


# --- the storage ---------------------------------------------------------------------------


def test_a_fixed_window_counts_then_starts_again(tmp_path, clock) -> None:
    storage = storage_at(tmp_path / "limits.sqlite3")
    limiter = FixedWindowRateLimiter(storage)
    limit = parse("3/minute")
    assert [limiter.hit(limit, "client") for _ in range(4)] == [True, True, True, False]
    assert limiter.get_window_stats(limit, "client").remaining == 0
    reset = limiter.get_window_stats(limit, "client").reset_time
    assert reset == pytest.approx(clock.now + 60)
    clock.now += 59
    assert not limiter.hit(limit, "client")  # the same window
    assert limiter.hit(limit, "another client")  # counted apart
    clock.now += 1
    assert limiter.get_window_stats(limit, "client").remaining == 3  # the window is over
    assert limiter.hit(limit, "client")
    assert limiter.get_window_stats(limit, "client").reset_time == pytest.approx(clock.now + 60)


def test_clear_reset_and_check(tmp_path, clock) -> None:
    storage = storage_at(tmp_path / "limits.sqlite3")
    assert storage.check()
    storage.incr("a", 60, amount=2)
    storage.incr("b", 60)
    assert storage.get("a") == 2
    storage.clear("a")
    assert storage.get("a") == 0
    assert storage.get_expiry("a") == clock.now  # nothing counted: free now
    assert storage.reset() == 1
    assert storage.get("b") == 0


def test_expired_counters_are_deleted(tmp_path, clock) -> None:
    import sqlite3

    path = tmp_path / "limits.sqlite3"
    storage = storage_at(path)
    storage.incr("old", 10)
    clock.now += SQLiteStorage.PURGE_INTERVAL + 1
    storage.incr("new", 10)
    with sqlite3.connect(path) as connection:
        keys = [key for (key,) in connection.execute("SELECT key FROM rate_limit")]
    assert keys == ["new"]


def _hit_in_another_process(uri: str, limit: str, hits: int, start, results) -> None:
    """One worker: ``hits`` hits on one key from two threads, once all workers are ready."""
    limiter = FixedWindowRateLimiter(storage_from_string(uri))
    item = parse(limit)
    allowed: list[bool] = []

    def hit_some() -> None:
        for _ in range(hits // 2):
            allowed.append(limiter.hit(item, "127.0.0.1"))

    threads = [threading.Thread(target=hit_some) for _ in range(2)]
    start.wait()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    results.put(sum(allowed))


def test_workers_in_separate_processes_share_one_exact_count(tmp_path) -> None:
    uri = f"sqlite:///{tmp_path / 'limits.sqlite3'}"
    workers, hits, limit = 3, 40, 25
    context = multiprocessing.get_context("spawn")  # fresh interpreters, as gunicorn's workers
    start = context.Barrier(workers)
    results = context.Queue()
    processes = [
        context.Process(
            target=_hit_in_another_process, args=(uri, f"{limit}/minute", hits, start, results)
        )
        for _ in range(workers)
    ]
    for process in processes:
        process.start()
    allowed = [results.get(timeout=120) for _ in processes]
    for process in processes:
        process.join(timeout=30)
        assert process.exitcode == 0
    # Memory storage would let each process through up to 25 times (75 in all).
    assert sum(allowed) == limit
    counted = storage_at(tmp_path / "limits.sqlite3").get(
        parse(f"{limit}/minute").key_for("127.0.0.1")
    )
    assert counted == workers * hits  # every hit counted, refused ones too


# --- gunicorn: two workers, one count ------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.slow
def test_two_gunicorn_workers_let_exactly_the_limit_through(tmp_path) -> None:
    port = _free_port()
    env = {
        **os.environ,
        "FLASK_SECRET_KEY": "gunicorn-test-secret",
        "FLASK_SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'app.sqlite3'}",
        "RATELIMIT_STORAGE_URI": f"sqlite:///{tmp_path / 'limits.sqlite3'}",
        "FLASK_VERIFY_RATE_LIMIT": "5 per minute",
    }
    for name in ("REDIS_URL", "DATABASE_URL", "APP_ENV", "FLASK_TESTING"):
        env.pop(name, None)
    log = tmp_path / "access.log"
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--bind",
            f"127.0.0.1:{port}",
            # As scripts/run serves: two workers of a few threads each.
            "--workers",
            "2",
            "--worker-class",
            "gthread",
            "--threads",
            "2",
            "--preload",
            "--access-logfile",
            str(log),
            "--access-logformat",
            "%(p)s %(s)s",
            "app:create_app()",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{port}/verify?code={VINAMILK_PRODUCT}&lang=en"
        _wait_until_served(url, server)
        statuses: list[int] = []
        lock = threading.Lock()

        def get_some() -> None:
            for _ in range(6):
                status = _status_of(url)
                with lock:
                    statuses.append(status)

        threads = [threading.Thread(target=get_some) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        server.terminate()
        server.wait(timeout=30)
    # The readiness probe was the first hit: 4 more get through, then only 429s.
    assert len(statuses) == 24
    assert sum(status != 429 for status in statuses) == 4, statuses
    served_by = {line.split()[0] for line in log.read_text().splitlines() if line.strip()}
    assert len(served_by) == 2, "both workers answered"


def _status_of(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def _wait_until_served(url: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert server.poll() is None, "gunicorn stopped"
        try:
            _status_of(url)
            return
        except OSError:
            time.sleep(0.2)
    pytest.fail("gunicorn did not answer within a minute")


# --- reading verdicts is limited, generously; a 429 says how long ---------------------------


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (1, "1 second"),
        (45, "45 seconds"),
        (60, "1 minute"),
        (125, "2 minutes 5 seconds"),
        (3600, "1 hour"),
        (3661, "1 hour 1 minute 1 second"),
        (90_000, "1 day 1 hour"),
    ],
)
def test_a_wait_is_told_to_the_second(app, seconds, words) -> None:
    with app.test_request_context("/?lang=en"):
        assert format_wait(seconds) == words


def test_reading_verdicts_is_limited_per_client_page_and_api_together(
    app, client, sample_registry, monkeypatch
) -> None:
    monkeypatch.setitem(app.config, "VERIFY_RATE_LIMIT", "3 per minute")
    page = client.get(f"/verify?code={VINAMILK_PRODUCT}&lang=en")
    assert page.status_code == 200
    assert page.headers["X-RateLimit-Remaining"] == "2"
    api = client.get(f"/api/v1/verify?code={VINAMILK_PRODUCT}&lang=en")
    assert api.status_code == 200
    assert api.headers["X-RateLimit-Remaining"] == "1"
    # An answer given before (and so sent from the cache) counts as well.
    assert client.get(f"/api/v1/verify?code={VINAMILK_PRODUCT}&lang=en").status_code == 200
    assert client.get(f"/api/v1/verify?code={VINAMILK_PRODUCT}&lang=en").status_code == 429
    assert client.get(f"/verify?code={VINAMILK_PRODUCT}&lang=en").status_code == 429


def test_the_default_limit_on_reading_verdicts_is_generous(app) -> None:
    assert parse(app.config["VERIFY_RATE_LIMIT"]).amount >= 100


def test_a_429_says_how_long_to_wait_as_retry_after_does(app, client, monkeypatch) -> None:
    monkeypatch.setitem(app.config, "VERIFY_RATE_LIMIT", "1 per hour")

    def waiting(seconds: int) -> str:
        with app.test_request_context("/?lang=en"):
            return f"Please wait {format_wait(seconds)} and try again"

    client.get("/verify?code=1&lang=en")
    page = client.get("/verify?code=1&lang=en")
    assert page.status_code == 429
    check_page(page)
    wait = int(page.headers["Retry-After"])
    assert 3590 <= wait <= 3600
    assert waiting(wait) in text_of(page)

    api = client.get("/api/v1/verify?code=1&lang=en")
    assert api.status_code == 429
    assert waiting(int(api.headers["Retry-After"])) in api.get_json()["error"]["message"]


def test_the_wait_is_in_the_readers_language(app, client, monkeypatch) -> None:
    monkeypatch.setitem(app.config, "VERIFY_RATE_LIMIT", "1 per minute")
    client.get("/verify?code=1&lang=vi")
    page = client.get("/verify?code=1&lang=vi")
    assert page.status_code == 429
    wait = int(page.headers["Retry-After"])
    assert (f"{wait} giây" if wait < 60 else "1 phút") in text_of(page)
