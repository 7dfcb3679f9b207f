"""What operators see: a request id on every response and log line, logs as JSON lines, and
Prometheus metrics at /metrics for loopback and the allowed networks only."""

from __future__ import annotations

import importlib.util
import io
import json
import logging
import os
import re
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from flask import Flask
from prometheus_client.parser import text_string_to_metric_families

from app import health, observability
from tests.support.database import ROOT
from tests.support.labels import render_label, to_jpeg_bytes

OUTSIDER = {"REMOTE_ADDR": "203.0.113.9"}


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """The samples of a /metrics answer by name and labels."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def scrape(app: Flask) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = app.test_client().get("/metrics")
    assert response.status_code == 200
    return samples(response.get_data(as_text=True))


def value(found: dict, name: str, **labels: str) -> float:
    return found.get((name, tuple(sorted(labels.items()))), 0.0)


# --- request ids ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("7f3c9a2e-41b0.node_1", True),  # letters, digits, . _ -
        ("a" * 64, True),
        ("a" * 65, False),  # too long
        ("two words", False),
        ("id\u00e9", False),  # not ASCII
        ("", False),
    ],
)
def test_a_sane_request_id_is_echoed_any_other_replaced(app: Flask, sent: str, kept: bool) -> None:
    response = app.test_client().get("/healthz", headers={"X-Request-ID": sent})
    returned = response.headers["X-Request-ID"]
    if kept:
        assert returned == sent
    else:
        assert re.fullmatch(r"[0-9a-f]{32}", returned)


def test_each_request_without_an_id_gets_its_own(app: Flask) -> None:
    client = app.test_client()
    ids = {client.get("/healthz").headers["X-Request-ID"] for _ in range(3)}
    assert len(ids) == 3 and all(re.fullmatch(r"[0-9a-f]{32}", i) for i in ids)


# --- logs ----------------------------------------------------------------------------------------


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    """What the app's loggers write, as the JSON handler of production writes it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(observability.RequestIdFilter())
    handler.setFormatter(observability.log_formatter("json"))
    logger = logging.getLogger("app")
    logger.addHandler(handler)
    try:
        yield stream
    finally:
        logger.removeHandler(handler)


def test_a_log_line_is_json_with_the_request_id(
    app: Flask, json_lines: io.StringIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken() -> None:
        raise ConnectionRefusedError("nobody there")

    monkeypatch.setitem(health.CHECKS, "database", broken)
    response = app.test_client().get("/readyz", headers={"X-Request-ID": "req-42"})
    assert response.status_code == 503
    [line] = json_lines.getvalue().splitlines()
    record = json.loads(line)
    assert record["level"] == "WARNING"
    assert record["logger"] == "app.health"
    assert record["message"] == "readiness check database failed: nobody there"
    assert record["request_id"] == "req-42"
    assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", record["time"])


def test_outside_a_request_the_id_is_a_dash_and_exceptions_are_kept(
    json_lines: io.StringIO,
) -> None:
    try:
        1 / 0  # noqa: B018
    except ZeroDivisionError:
        logging.getLogger("app.jobs").exception("the export failed")
    record = json.loads(json_lines.getvalue())
    assert record["request_id"] == "-"
    assert record["message"] == "the export failed"
    assert "ZeroDivisionError: division by zero" in record["exc_info"]


def test_log_format_is_json_in_production_text_elsewhere_unless_chosen() -> None:
    def made(**config: object) -> Flask:
        app = Flask("configured")
        app.config.update(config)
        return app

    assert observability.log_format(made(ENV_NAME="development")) == "text"
    assert observability.log_format(made(ENV_NAME="production")) == "json"
    assert observability.log_format(made(ENV_NAME="production", LOG_FORMAT="text")) == "text"
    assert observability.log_format(made(ENV_NAME="development", LOG_FORMAT="JSON")) == "json"


def test_a_served_app_logs_to_stderr_in_the_chosen_format(capsys: pytest.CaptureFixture) -> None:
    root = logging.getLogger()
    before = list(root.handlers), root.level
    app = Flask("served")
    app.config.update(LOG_FORMAT="json")
    try:
        observability.configure_logging(app)
        observability.configure_logging(app)  # the factory again: still one handler
        ours = [h for h in root.handlers if h not in before[0]]
        assert len(ours) == 1
        logging.getLogger("app.anything").info("hello")
        assert json.loads(capsys.readouterr().err)["message"] == "hello"
    finally:
        root.handlers[:] = before[0]
        root.setLevel(before[1])


# --- metrics -------------------------------------------------------------------------------------


def test_a_verification_is_counted_with_its_verdict_level(app: Flask, client) -> None:
    before = scrape(app)
    response = client.get("/verify?code=8934673000017&lang=en")
    assert response.status_code == 200
    after = scrape(app)

    labels = {"endpoint": "public.verify", "method": "GET", "status": "200"}
    requests = "hangviet_http_requests_total"
    assert value(after, requests, **labels) == value(before, requests, **labels) + 1
    latency = "hangviet_http_request_duration_seconds_count"
    assert value(after, latency, endpoint="public.verify") == (
        value(before, latency, endpoint="public.verify") + 1
    )
    # One more verdict about a code, at one level.
    grown = {
        key: after[key] - before.get(key, 0.0)
        for key in after
        if key[0] == "hangviet_verdicts_total" and after[key] != before.get(key, 0.0)
    }
    [(name, labelled)] = grown
    assert dict(labelled)["kind"] == "code" and dict(labelled)["level"]
    assert grown[(name, labelled)] == 1


def test_a_photo_check_times_the_barcode_reading_and_the_ocr(app: Flask, client) -> None:
    before = scrape(app)
    photo = to_jpeg_bytes(render_label("8936024000127", size=(800, 600)), quality=85)
    response = client.post(
        "/api/v1/verify?lang=en",
        data={"photo": (io.BytesIO(photo), "nhan.jpg")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    after = scrape(app)
    for histogram in ("hangviet_barcode_decode_seconds_count", "hangviet_label_ocr_seconds_count"):
        assert value(after, histogram) == value(before, histogram) + 1, histogram
    level = response.get_json()["level"]
    name = "hangviet_verdicts_total"
    assert value(after, name, level=level, kind="photo") == (
        value(before, name, level=level, kind="photo") + 1
    )


def test_endpoint_labels_are_endpoint_names_never_paths(app: Flask, client) -> None:
    before = scrape(app)
    for path in ("/brands/AAA1", "/brands/BBB2", "/brands/CCC3", "/no/such/x1", "/no/such/x2"):
        client.get(path)
    after = scrape(app)
    endpoints = {
        dict(labels)["endpoint"]
        for (name, labels) in after
        if name.startswith("hangviet_http_request") and name != "hangviet_http_requests_in_progress"
    }
    assert endpoints <= set(app.view_functions) | {"none"}
    assert not any("/" in e or "AAA1" in e for e in endpoints)
    name = "hangviet_http_requests_total"
    unrouted = {"endpoint": "none", "method": "GET", "status": "404"}
    assert value(after, name, **unrouted) == value(before, name, **unrouted) + 2
    brand = sum(
        after[key] - before.get(key, 0.0)
        for key in after
        if key[0] == name and dict(key[1])["endpoint"] == "public.company"
    )
    assert brand == 3  # three brand codes, one series per status


def test_metrics_are_for_loopback_only_by_default(app: Flask) -> None:
    client = app.test_client()
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "::1"}).status_code == 200

    refused = client.get("/metrics", environ_base=OUTSIDER)
    unknown = client.get("/no-such-page", environ_base=OUTSIDER)
    assert refused.status_code == unknown.status_code == 404
    assert "hangviet_" not in refused.get_data(as_text=True)
    # Through a proxy the app was not told to trust, loopback is the proxy, not the client.
    forwarded = client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"})
    assert forwarded.status_code == 404


def test_allowed_networks_may_read_the_metrics(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(
        app.config, "METRICS_ALLOWED_IPS", "198.51.100.7, 203.0.113.0/24,2001:db8::/32"
    )
    client = app.test_client()
    for address, status in [
        ("203.0.113.9", 200),  # in the /24
        ("198.51.100.7", 200),  # the one address
        ("198.51.100.8", 404),
        ("2001:db8::5", 200),
        ("192.0.2.1", 404),
    ]:
        response = client.get("/metrics", environ_base={"REMOTE_ADDR": address})
        assert response.status_code == status, address


def test_a_mistyped_allowed_network_stops_the_start() -> None:
    with pytest.raises(ValueError, match=r"'10\.0\.0\.0/33' is not an IP address or network"):
        observability.parse_allowed("127.0.0.1, 10.0.0.0/33")
    app = Flask("mistyped")
    app.config["METRICS_ALLOWED_IPS"] = "localhost"
    with pytest.raises(RuntimeError, match="METRICS_ALLOWED_IPS"):
        observability.init_app(app)


@pytest.fixture
def gauges() -> Iterator[None]:
    yield
    for name in ("hangviet_test_queued", "hangviet_test_jobs", "hangviet_test_broken"):
        observability._callback_gauges.callbacks.pop(name, None)


def test_gauges_computed_at_scrape_time(app: Flask, gauges: None, caplog) -> None:
    queued = [3]
    observability.register_gauge_callback(
        "hangviet_test_queued", "Jobs waiting.", lambda: queued[0]
    )
    observability.register_gauge_callback(
        "hangviet_test_jobs",
        "Jobs by status.",
        lambda: {("queued",): 3, ("failed",): 1},
        labelnames=("status",),
    )
    observability.register_gauge_callback("hangviet_test_broken", "Broken.", lambda: 1 / 0)
    found = scrape(app)
    assert value(found, "hangviet_test_queued") == 3
    assert value(found, "hangviet_test_jobs", status="failed") == 1
    assert not any(name == "hangviet_test_broken" for name, _ in found)
    assert "hangviet_test_broken could not be computed" in caplog.text
    queued[0] = 0
    assert value(scrape(app), "hangviet_test_queued") == 0  # computed again at each scrape
    with pytest.raises(ValueError, match="not a Prometheus metric name"):
        observability.register_gauge_callback("jobs-queued", "x", lambda: 1)


# --- several worker processes --------------------------------------------------------------------

SERVE = textwrap.dedent(
    """
    import sys
    from app import create_app
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    response = app.test_client().get(sys.argv[1])
    sys.stdout.write(response.get_data(as_text=True))
    """
)


@pytest.mark.slow
def test_with_a_multiprocess_dir_the_metrics_sum_every_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As gunicorn's workers: two processes answer a request each, a third answers the scrape
    with the sum; the hook of gunicorn.conf.py forgets an exited worker's live gauges."""
    shared = tmp_path / "metrics"
    shared.mkdir()
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(shared), "PYTHONPATH": str(ROOT)}

    def serve(path: str) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [sys.executable, "-c", SERVE, path],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        return done

    serve("/healthz")
    serve("/healthz")
    found = samples(serve("/metrics").stdout)
    labels = {"endpoint": "health.healthz", "method": "GET", "status": "200"}
    assert value(found, "hangviet_http_requests_total", **labels) == 2

    live = sorted(shared.glob("gauge_livesum_*.db"))
    assert len(live) == 3  # one a process: requests in progress
    spec = importlib.util.spec_from_file_location("gunicorn_conf", ROOT / "gunicorn.conf.py")
    assert spec is not None and spec.loader is not None
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(shared))
    pid = int(live[0].stem.rsplit("_", 1)[1])
    conf.child_exit(None, SimpleNamespace(pid=pid))
    assert not live[0].exists() and live[1].exists()
