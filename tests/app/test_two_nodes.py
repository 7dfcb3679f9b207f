"""Two app nodes are interchangeable (issue 16): what a person starts on one holds on the other.

Two gunicorn processes (``app:create_app()``, one gthread worker of four threads each, as two
machines behind a load balancer would run it) serve the test session's PostgreSQL schema, one
Redis (rate limits, the job queue), one S3 object store (moto's server: photos and job files) and
one secret key, with a job worker (``flask jobs worker``) beside them, and real rate limits (not
TESTING). A browser (``requests``, one cookie jar) goes to either; each test shows one thing that
must not depend on which node answers: a sign-in and a sign-out, a report with photos, the same
report sent again, a registry change, the rate limits and the sign-in lockout, a background job.

Runs on PostgreSQL only (``TEST_DATABASE_URL``), with Redis at ``TEST_REDIS_URL`` (default
redis://127.0.0.1:6379/0), shared with other runs: this module's keys carry prefixes of its own,
removed at its end.
"""

from __future__ import annotations

import csv
import hashlib
import html
import io
import os
import re
import secrets
import signal
import subprocess
import sys
import time
import urllib.parse
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import redis
import requests
import sqlalchemy as sa

from app.extensions import db
from barcode_db.models import CompanyPrefix, RegistryState
from barcode_db.registry import REGISTRY_CHECK_SECONDS
from complaints.accounts import MAX_FAILED_LOGINS, SignInThrottle
from complaints.models import Complaint, Evidence
from tests.app.test_report import photo
from tests.support.database import ROOT, empty_tables
from tests.support.factories import PASSWORD, with_check_digit
from tests.support.forms import hidden_value
from tests.support.s3 import REGION, free_port, set_aws_env

pytestmark = [pytest.mark.slow, pytest.mark.real_transactions]

REDIS_URL = os.environ.get("TEST_REDIS_URL") or "redis://127.0.0.1:6379/0"
BIN = Path(sys.executable).parent
#: The nodes' limits: small, so that a test reaches them; counts are emptied before each test.
VERIFY_LIMIT = 6
LOGIN_LIMIT = 8
#: Generous bounds on a busy machine, not targets: a node starting, the worker making a file.
START_SECONDS = 120.0
JOB_SECONDS = 180.0
#: Every HTTP request of these tests is answered within this, or the test fails.
HTTP_TIMEOUT = 60.0
GTIN = with_check_digit("893000100001")  # under the prefix 8930001


@dataclass
class Process:
    name: str
    process: subprocess.Popen[bytes]
    log: Path

    def output_since(self, position: int) -> str:
        with self.log.open("rb") as file:
            file.seek(position)
            return file.read().decode("utf-8", "replace")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=30)


@dataclass
class Node(Process):
    url: str = ""

    def __str__(self) -> str:
        return self.name


@dataclass
class Nodes:
    a: Node
    b: Node
    worker: Process
    redis: redis.Redis
    #: This module's rate-limit counts in Redis (FLASK_RATELIMIT_KEY_PREFIX).
    key_prefix: str
    bucket: str
    s3: Any

    @property
    def processes(self) -> list[Process]:
        return [self.a, self.b, self.worker]

    def forget_rate_limits(self) -> None:
        for key in self.redis.scan_iter(match=f"*{self.key_prefix}*", count=1000):
            self.redis.delete(key)

    def bucket_objects(self) -> list[str]:
        listing = self.s3.list_objects_v2(Bucket=self.bucket)
        return sorted(item["Key"] for item in listing.get("Contents", ()))


def _with_schema(url: str, schema: str) -> str:
    """``url`` with the schema first on the search path (psycopg's ``options``)."""
    options = urllib.parse.quote(f"-csearch_path={schema},public")
    return f"{url}{'&' if '?' in url else '?'}options={options}"


def _start(command: list[str], name: str, env: dict[str, str], folder: Path) -> Process:
    log = folder / f"{name}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=out
        )
    return Process(name, process, log)


def _start_node(name: str, env: dict[str, str], folder: Path) -> Node:
    port = free_port()
    command = [
        str(BIN / "gunicorn"),
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "1",
        "--worker-class",
        "gthread",
        "--threads",
        "4",
        "--access-logfile",
        "-",
        "app:create_app()",
    ]
    started = _start(command, name, env, folder)
    return Node(started.name, started.process, started.log, url=f"http://127.0.0.1:{port}")


def _wait_until_healthy(node: Node) -> None:
    deadline = time.monotonic() + START_SECONDS
    while True:
        if node.process.poll() is not None:
            raise RuntimeError(f"node {node} exited:\n{node.output_since(0)}")
        try:
            if requests.get(f"{node.url}/healthz", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"node {node} did not answer /healthz:\n{node.output_since(0)}")
        time.sleep(0.2)


@pytest.fixture(scope="module")
def nodes(
    database, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Nodes]:
    if database.schema is None:
        pytest.skip(
            "two app nodes share one PostgreSQL server: run with "
            "TEST_DATABASE_URL=postgresql+psycopg://…"
        )
    shared = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2, socket_timeout=10)
    try:
        shared.ping()
    except redis.RedisError as error:
        pytest.skip(f"the nodes share one Redis, and none answers at {REDIS_URL}: {error}")
    request.getfixturevalue("app")  # the schema, made by the migrations
    s3_server: str = request.getfixturevalue("s3_server")
    run = secrets.token_hex(4)
    key_prefix = f"test-two-nodes-limits-{run}"
    queue_name = f"test-two-nodes-jobs-{run}"
    bucket = f"two-nodes-{run}"
    folder = tmp_path_factory.mktemp("nodes")
    with pytest.MonkeyPatch.context() as patch:
        set_aws_env(patch)
        s3 = request.getfixturevalue("s3_client")
        s3.create_bucket(Bucket=bucket)
        env = {name: value for name, value in os.environ.items() if not name.startswith("FLASK_")}
        for name in (
            "RATELIMIT_STORAGE_URI",
            "APP_ENV",
            "UPLOAD_FOLDER",
            "PROMETHEUS_MULTIPROC_DIR",
        ):
            env.pop(name, None)
        env.update(
            {
                "FLASK_APP": "app:create_app",
                "DATABASE_URL": _with_schema(database.url, database.schema),
                "SECRET_KEY": secrets.token_urlsafe(32),
                "REDIS_URL": REDIS_URL,
                "JOBS_URL": REDIS_URL,  # the tests' own is memory:// (tests/__init__.py)
                "JOBS_QUEUE_NAME": queue_name,
                "FLASK_RATELIMIT_KEY_PREFIX": key_prefix,
                "PHOTO_STORE_URL": f"s3://{bucket}/photos",
                "S3_ENDPOINT_URL": s3_server,
                "S3_REGION": REGION,
                "FLASK_VERIFY_RATE_LIMIT": f"{VERIFY_LIMIT} per hour",
                "FLASK_LOGIN_RATE_LIMIT": f"{LOGIN_LIMIT} per hour",
                # Exports of more than one case are offered as a background job.
                "FLASK_JOB_EXPORT_ROWS": "1",
                # Nothing written behind the tests' backs (the counts are written every 10 s).
                "FLASK_VERIFICATION_COUNTS": "off",
                "LOG_FORMAT": "text",
            }
        )
        a = _start_node("A", env, folder)
        b = _start_node("B", env, folder)
        worker = _start([str(BIN / "flask"), "jobs", "worker"], "worker", env, folder)
        started = Nodes(a, b, worker, shared, key_prefix, bucket, s3)
        try:
            _wait_until_healthy(a)
            _wait_until_healthy(b)
            yield started
        finally:
            a.stop()
            b.stop()
            worker.stop(signal.SIGINT)
            for pattern in (f"*{key_prefix}*", f"*{queue_name}*"):
                for key in shared.scan_iter(match=pattern, count=1000):
                    shared.delete(key)
            shared.close()
            for key in started.bucket_objects():
                s3.delete_object(Bucket=bucket, Key=key)
            s3.delete_bucket(Bucket=bucket)
            # Whatever the processes wrote after the last test emptied the tables.
            engine = sa.create_engine(database.url, **database.engine_options)
            empty_tables(engine, db.metadata)
            engine.dispose()


@pytest.fixture(autouse=True)
def each_test(nodes: Nodes, db_session) -> Iterator[None]:
    """Rate-limit counts start from nothing; what the processes logged during the test is
    printed after it (pytest shows it when the test fails)."""
    nodes.forget_rate_limits()
    positions = {p.name: p.log.stat().st_size for p in nodes.processes}
    yield
    for process in nodes.processes:
        print(f"---- {process.name} ----\n{process.output_since(positions[process.name])}")


# --- a browser, and what it does ------------------------------------------------------------


class Browser(requests.Session):
    """One cookie jar for both nodes (cookies do not tell ports apart), as one person's browser
    behind a load balancer; every request bounded, no redirect followed unless asked."""

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        kwargs.setdefault("timeout", HTTP_TIMEOUT)
        kwargs.setdefault("allow_redirects", False)
        return super().request(method, url, *args, **kwargs)

    def get(self, url: str | bytes, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        # Session.get asks for redirects to be followed; this browser follows none.
        return self.request("GET", url, **kwargs)  # type: ignore[arg-type]


def csrf_token(page: requests.Response) -> str:
    return hidden_value(page.text, "csrf_token")


def sign_in(browser: Browser, node: Node, username: str, password: str = PASSWORD):
    page = browser.get(f"{node.url}/staff/login?lang=en")
    assert page.status_code == 200, page.text
    return browser.post(
        f"{node.url}/staff/login?lang=en",
        data={"csrf_token": csrf_token(page), "username": username, "password": password},
    )


def signed_in(node: Node, username: str) -> Browser:
    browser = Browser()
    response = sign_in(browser, node, username)
    assert response.status_code == 302, response.text
    return browser


def complaint_fields() -> dict[str, str]:
    return {
        "category": "imitation",
        "province_code": "79",
        "commune_code": "26740",
        "description": "Nhãn ghi Vinamllk, chữ in nhoè.",
        "code": "8934673000017",
    }


def file_complaint(node: Node, key: str, photos: list[bytes]) -> requests.Response:
    return requests.post(
        f"{node.url}/api/v1/complaints?lang=en",
        data=complaint_fields(),
        files=[
            ("photos", (f"p{n}.jpg", content, "image/jpeg")) for n, content in enumerate(photos)
        ],
        headers={"Idempotency-Key": key},
        timeout=HTTP_TIMEOUT,
    )


def verdict_level(node: Node, code: str) -> str:
    response = requests.get(
        f"{node.url}/api/v1/verify", params={"code": code, "lang": "en"}, timeout=HTTP_TIMEOUT
    )
    assert response.status_code == 200, response.text
    level: str = response.json()["level"]
    return level


def fresh(db_session) -> Any:
    """The test's session, reading afresh what the nodes committed."""
    db_session.rollback()
    db_session.expire_all()
    return db_session


# --- the tests ------------------------------------------------------------------------------


def test_a_sign_in_on_one_node_holds_on_the_other_and_a_sign_out_ends_it_on_both(
    nodes: Nodes, make_user
) -> None:
    staff = make_user("staff", name="Lê Thị Hoa")
    browser = signed_in(nodes.a, staff.username)

    on_b = browser.get(f"{nodes.b.url}/staff/?lang=en")
    assert on_b.status_code == 200
    assert "Lê Thị Hoa" in on_b.text
    # A copy of the cookie, taken before signing out, works on A too, for now.
    copy = Browser()
    copy.cookies.update(browser.cookies)
    assert copy.get(f"{nodes.a.url}/staff/?lang=en").status_code == 200

    signed_out = browser.post(f"{nodes.b.url}/staff/logout", data={"csrf_token": csrf_token(on_b)})
    assert signed_out.status_code == 302

    # Signed out on B, the session is over on A: the copied cookie no longer signs anyone in.
    refused = copy.get(f"{nodes.a.url}/staff/?lang=en")
    assert refused.status_code == 302
    assert urllib.parse.urlsplit(refused.headers["Location"]).path == "/staff/login"


def test_a_report_with_photos_filed_on_one_node_is_seen_served_and_exported_by_the_other(
    nodes: Nodes, make_user, db_session
) -> None:
    photos = [photo(seed=1, gps=False), photo(seed=2)]
    filed = file_complaint(nodes.a, uuid.uuid4().hex, photos)
    assert filed.status_code == 201, filed.text
    code = filed.json()["tracking_code"]
    complaint = fresh(db_session).scalar(
        sa.select(Complaint).where(Complaint.tracking_code == code)
    )
    evidence = sorted(complaint.evidence, key=lambda e: e.id)
    assert len(evidence) == 2
    # In the shared store, not in a folder of A's.
    assert nodes.bucket_objects() == sorted(f"photos/{e.storage_key}" for e in evidence)

    staff = signed_in(nodes.a, make_user("staff", province_code="79").username)
    page = staff.get(f"{nodes.b.url}/staff/complaints/{complaint.id}?lang=en")
    assert page.status_code == 200
    assert complaint_fields()["description"] in html.unescape(page.text)
    for stored in evidence:
        assert f'href="/staff/photos/{stored.id}"' in page.text
        served = staff.get(f"{nodes.b.url}/staff/photos/{stored.id}")
        assert served.status_code == 200
        assert served.headers["Content-Type"] == "image/jpeg"
        assert hashlib.sha256(served.content).hexdigest() == stored.sha256_stored

    inspector = signed_in(nodes.b, make_user("inspector", province_code="79").username)
    export = inspector.get(f"{nodes.b.url}/inspect/export.csv?flagged=1&lang=en")
    assert export.status_code == 200
    assert export.headers["Content-Type"].startswith("text/csv")
    header, *rows = csv.reader(io.StringIO(export.content.decode("utf-8-sig")))
    assert [dict(zip(header, row, strict=True))["Case number"] for row in rows] == [
        str(complaint.id)
    ]
    assert dict(zip(header, rows[0], strict=True))["Photos"] == "2"


def test_the_same_report_sent_to_both_nodes_is_filed_once(nodes: Nodes, db_session) -> None:
    key = uuid.uuid4().hex
    photos = [photo(seed=3, gps=False)]

    first = file_complaint(nodes.a, key, photos)
    again = file_complaint(nodes.b, key, photos)  # the answer was lost: the phone retries

    assert first.status_code == 201, first.text
    assert again.status_code == 200, again.text
    assert first.json()["created"] is True
    assert again.json()["created"] is False
    assert again.json()["tracking_code"] == first.json()["tracking_code"]
    session = fresh(db_session)
    assert session.scalars(sa.select(Complaint.tracking_code)).all() == [
        first.json()["tracking_code"]
    ]
    assert session.scalar(sa.select(sa.func.count()).select_from(Evidence)) == 1


def test_a_registry_change_made_on_one_node_is_in_the_other_nodes_verdicts_within_a_second(
    nodes: Nodes, registry, make_user, db_session
) -> None:
    registry.company("Công ty Sao Mai", prefix="8930001", brands=("Sao Mai",))
    # Versions start again from 1 once a test has emptied the tables: a version of its own, so
    # that no node takes a snapshot it cached in an earlier test for this registry.
    db_session.execute(sa.update(RegistryState).values(version=secrets.randbelow(2**30) + 2**20))
    db_session.commit()
    prefix_id = db_session.scalar(sa.select(CompanyPrefix.id))
    # Each node reads the registry version at most once every REGISTRY_CHECK_SECONDS: after
    # that long, both have seen the registry as set up here.
    time.sleep(REGISTRY_CHECK_SECONDS + 0.1)
    before = verdict_level(nodes.b, GTIN)
    assert before == "TRUSTED"  # B's snapshot, cached: the one the change must replace

    admin = signed_in(nodes.a, make_user("admin", province_code=None).username)
    page = admin.get(f"{nodes.a.url}/staff/registry/?lang=en")
    retired = admin.post(
        f"{nodes.a.url}/staff/registry/prefixes/{prefix_id}/retire",
        data={"csrf_token": csrf_token(page)},
    )
    assert retired.status_code == 303
    # The node that made the change gives the new verdict at once...
    assert verdict_level(nodes.a, GTIN) == "VIETNAMESE"
    # ... the other once it has read the version again: at most REGISTRY_CHECK_SECONDS after
    # the change was committed (before A answered), whatever it did meanwhile.
    time.sleep(REGISTRY_CHECK_SECONDS + 0.1)
    assert verdict_level(nodes.b, GTIN) == "VIETNAMESE"


def test_a_rate_limit_counts_the_requests_of_both_nodes(nodes: Nodes) -> None:
    path = f"/api/v1/verify?code={GTIN}&lang=en"
    statuses = [
        requests.get(f"{node.url}{path}", timeout=HTTP_TIMEOUT).status_code
        for node in [nodes.a, nodes.b] * (VERIFY_LIMIT // 2)
    ]
    assert statuses == [200] * VERIFY_LIMIT
    # Half of the limit on each: counted apart, each node would let as many through again.
    for node in (nodes.a, nodes.b):
        refused = requests.get(f"{node.url}{path}", timeout=HTTP_TIMEOUT)
        assert refused.status_code == 429, node.name
        assert int(refused.headers["Retry-After"]) > 0


def test_failed_sign_ins_on_both_nodes_lock_the_account(
    nodes: Nodes, make_user, db_session
) -> None:
    staff = make_user("staff")
    browser = Browser()
    alternating = ([nodes.a, nodes.b] * MAX_FAILED_LOGINS)[:MAX_FAILED_LOGINS]
    statuses = [sign_in(browser, node, staff.username, "wrong").status_code for node in alternating]
    assert statuses == [400] * MAX_FAILED_LOGINS

    # Fewer than MAX_FAILED_LOGINS failures on either node, yet on both the right password is
    # refused now: the account is locked.
    for node in (nodes.b, nodes.a):
        assert sign_in(browser, node, staff.username).status_code == 400, node.name
    throttle = fresh(db_session).get(SignInThrottle, staff.username)
    assert throttle.failures == MAX_FAILED_LOGINS
    assert throttle.locked_until is not None


def test_the_sign_in_rate_limit_counts_the_attempts_of_both_nodes(nodes: Nodes) -> None:
    browser = Browser()
    # Other names each time: the lockout (per name) plays no part, only the limit per client.
    statuses = [
        sign_in(browser, node, f"nobody{n}", "wrong password").status_code
        for n, node in enumerate([nodes.a, nodes.b] * (LOGIN_LIMIT // 2))
    ]
    assert statuses == [400] * LOGIN_LIMIT
    for node in (nodes.a, nodes.b):
        assert sign_in(browser, node, "nobody", "wrong password").status_code == 429, node.name


def test_a_job_started_on_one_node_is_made_by_the_worker_and_downloaded_from_the_other(
    nodes: Nodes, make_user, make_complaint
) -> None:
    for n in range(2):
        make_complaint(status="REFERRED", product_name=f"Sữa giả {n}")
    browser = signed_in(nodes.a, make_user("inspector", province_code="79").username)

    offer = browser.get(f"{nodes.a.url}/inspect/export.csv?lang=en")
    assert offer.status_code == 200
    assert 'id="start-job"' in offer.text  # two cases, more than JOB_EXPORT_ROWS
    form = re.search(r'id="job-offer">.*?<form method="post" action="([^"]+)"', offer.text, re.S)
    action = html.unescape(form[1])
    started = browser.post(f"{nodes.a.url}{action}", data={"csrf_token": csrf_token(offer)})
    assert started.status_code == 303
    job_path = urllib.parse.urlsplit(started.headers["Location"]).path
    assert re.fullmatch(r"/staff/jobs/\d+", job_path)

    deadline = time.monotonic() + JOB_SECONDS
    while True:
        state = browser.get(f"{nodes.b.url}{job_path}.json").json()
        if state["status"] in ("done", "failed") or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert state["status"] == "done", state

    made = browser.get(f"{nodes.b.url}{state['file_url']}")
    assert made.status_code == 200
    assert made.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(made.content.decode("utf-8-sig"))))
    names = sorted(row[rows[0].index("Product name")] for row in rows[1:])
    assert names == ["Sữa giả 0", "Sữa giả 1"]
