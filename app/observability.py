"""What operators see of the running service: a request id on every request and log line, logs
as text or JSON lines, and Prometheus metrics at ``/metrics``.

**Request ids.** Each request gets an id: the ``X-Request-ID`` header it came with when that is a
sane token (at most 64 of ``A-Z a-z 0-9 . _ -``; nginx's ``$request_id`` is), else a fresh uuid4
hex. It is kept on ``flask.g.request_id``, sent back as the ``X-Request-ID`` response header (for
gunicorn's access log and the client's bug report) and added to every log record made during the
request as ``request_id`` (``-`` outside one) by :class:`RequestIdFilter`.

**Logs.** ``LOG_FORMAT=json`` writes one JSON object a line (time, level, logger, message,
request_id, and ``exc_info`` with the traceback); anything else writes plain text. Default: JSON
in production (``APP_ENV=production``), text elsewhere. Debug and test apps keep Flask's and
pytest's own handlers.

**Metrics.** ``GET /metrics`` in Prometheus' text format, answered only to loopback and to the
addresses and networks of ``METRICS_ALLOWED_IPS`` (comma-separated IPs or CIDRs); anyone else
gets the 404 of an address that does not exist. Under gunicorn set ``PROMETHEUS_MULTIPROC_DIR``
(an empty directory at start) so that the answer sums every worker process; without it a worker
answers with its own counts only.

Other modules add gauges computed when Prometheus scrapes with :func:`register_gauge_callback`,
e.g. the background jobs::

    from app.observability import register_gauge_callback

    register_gauge_callback(
        "hangviet_jobs_queued", "Background jobs waiting for a worker.", lambda: count_queued()
    )
    register_gauge_callback(
        "hangviet_jobs", "Background jobs by status.",
        lambda: {(status,): n for status, n in count_by_status()},
        labelnames=("status",),
    )

The function runs in the request answering the scrape (an app context: it may use
``db.session``); one that raises is logged and left out of that answer. A gauge a worker process
sets itself is a :class:`prometheus_client.Gauge` with a ``multiprocess_mode`` (``livesum``,
``max``, …) instead.
"""

from __future__ import annotations

import functools
import ipaddress
import logging
import os
import re
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from flask import Blueprint, Flask, Response, abort, current_app, g, has_app_context, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from pythonjsonlogger.json import JsonFormatter

from app.extensions import limiter

__all__ = [
    "BARCODE_DECODE_SECONDS",
    "LABEL_OCR_SECONDS",
    "RequestIdFilter",
    "count_verdict",
    "init_app",
    "register_gauge_callback",
]

log = logging.getLogger(__name__)

REQUEST_ID_HEADER: Final = "X-Request-ID"
_SANE_REQUEST_ID: Final = re.compile(r"[A-Za-z0-9._-]{1,64}")
#: The endpoint label of a request no route matched (a 404, whatever its path).
NO_ENDPOINT: Final = "none"
_METHODS: Final = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

# --- metrics -------------------------------------------------------------------------------------

# No "_created" twin of every counter and histogram (the time it was made): noise to Prometheus.
disable_created_metrics()
# Labels are closed sets: the Flask endpoint name (never the path, which a client chooses), the
# method (anything unusual is "other"), the status code, a verdict level.

REQUESTS = Counter(
    "hangviet_http_requests",
    "HTTP requests answered, by Flask endpoint, method and status.",
    ("endpoint", "method", "status"),
)
REQUEST_SECONDS = Histogram(
    "hangviet_http_request_duration_seconds",
    "Time from a request's arrival in Flask to its response (body streaming not included).",
    ("endpoint",),
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
IN_PROGRESS = Gauge(
    "hangviet_http_requests_in_progress",
    "Requests being answered now (all live worker processes).",
    multiprocess_mode="livesum",
)
VERDICTS = Counter(
    "hangviet_verdicts",
    "Verdicts computed (app/verification.py), by level and by what they were about: a typed or "
    "scanned code, or photos.",
    ("level", "kind"),
)
BARCODE_DECODE_SECONDS = Histogram(
    "hangviet_barcode_decode_seconds",
    "Time checking and reading the barcodes of one photo check, all its photos (the answer's "
    "decode_ms; not the wait for a slot).",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5),
)
LABEL_OCR_SECONDS = Histogram(
    "hangviet_label_ocr_seconds",
    "Time reading the label text (OCR) of one photo check.",
    buckets=(0.1, 0.25, 0.5, 1, 2, 5, 10, 20),
)


def count_verdict(level: str, kind: str) -> None:
    """One more verdict of ``level`` about a ``kind`` ("code" or "photo")."""
    VERDICTS.labels(level=level, kind=kind).inc()


@dataclass(frozen=True)
class _GaugeCallback:
    name: str
    documentation: str
    fn: Callable[[], float | Mapping[tuple[str, ...], float]]
    labelnames: tuple[str, ...]


class _CallbackGauges(Collector):
    """Gauges whose values a function gives when Prometheus scrapes (queue depth and the like)."""

    def __init__(self) -> None:
        self.callbacks: dict[str, _GaugeCallback] = {}

    def describe(self) -> Iterable[Metric]:
        # Nothing to describe up front: registering must not call the functions (no app yet).
        return ()

    def collect(self) -> Iterable[Metric]:
        for callback in list(self.callbacks.values()):
            try:
                value = callback.fn()
                family = GaugeMetricFamily(
                    callback.name, callback.documentation, labels=callback.labelnames
                )
                if callback.labelnames:
                    assert isinstance(value, Mapping), f"{callback.name} needs values by labels"
                    for labels, number in value.items():
                        family.add_metric([str(label) for label in labels], float(number))
                else:
                    assert not isinstance(value, Mapping), f"{callback.name} has no labels"
                    family.add_metric([], float(value))
            except Exception:  # one broken gauge must not take the others' answer down
                log.exception("metrics: the gauge %s could not be computed", callback.name)
                continue
            yield family


_callback_gauges = _CallbackGauges()
REGISTRY.register(_callback_gauges)
_METRIC_NAME: Final = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")


def register_gauge_callback(
    name: str,
    documentation: str,
    fn: Callable[[], float | Mapping[tuple[str, ...], float]],
    *,
    labelnames: Sequence[str] = (),
) -> None:
    """Publish a gauge at ``/metrics`` whose value ``fn()`` computes at each scrape.

    Without ``labelnames`` ``fn`` returns a number; with them, a mapping from a tuple of label
    values to a number (one sample each). Registering a name again replaces its function (the
    app factory may run more than once in a process). ``fn`` runs in the scrape's request, in one
    process: the value is not summed over the workers, so it should be a fact of the whole
    service (rows in the database), not of the process.
    """
    if not _METRIC_NAME.fullmatch(name):
        raise ValueError(f"not a Prometheus metric name: {name!r}")
    _callback_gauges.callbacks[name] = _GaugeCallback(name, documentation, fn, tuple(labelnames))


def multiprocess_dir() -> str | None:
    """The directory where gunicorn's worker processes share their metrics, if configured."""
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def metrics_text() -> bytes:
    """Every metric, in Prometheus' text format: all worker processes' in multiprocess mode."""
    if multiprocess_dir() is None:
        return generate_latest(REGISTRY)
    registry = CollectorRegistry()
    MultiProcessCollector(registry)
    registry.register(_callback_gauges)
    return generate_latest(registry)


# --- who may read /metrics ----------------------------------------------------------------------

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_allowed(value: str | Iterable[str] | None) -> tuple[Network, ...]:
    """``METRICS_ALLOWED_IPS`` (a comma-separated string, or a list) as networks; ValueError
    names an entry that is neither an address nor a network."""
    if not value:
        return ()
    return _parse_allowed(value if isinstance(value, str) else ",".join(value))


@functools.lru_cache(maxsize=8)
def _parse_allowed(value: str) -> tuple[Network, ...]:
    entries = value.split(",")
    networks: list[Network] = []
    for entry in (e.strip() for e in entries):
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError as error:
            message = f"METRICS_ALLOWED_IPS: {entry!r} is not an IP address or network"
            raise ValueError(message) from error
    return tuple(networks)


def may_read_metrics(address: str | None, allowed: Sequence[Network]) -> bool:
    """Whether a client at ``address`` may read the metrics: loopback, or one of ``allowed``."""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_loopback or any(ip in network for network in allowed)


#: Headers a reverse proxy adds with the client's address.
FORWARDING_HEADERS: Final = ("X-Forwarded-For", "Forwarded", "X-Real-IP")

blueprint = Blueprint("observability", __name__)


@blueprint.get("/metrics")
@limiter.exempt
def metrics() -> Response:
    # Behind a proxy the app does not trust (PROXY_HOPS=0), every request comes from the proxy's
    # address, often loopback: a forwarded request is then nobody's to trust.
    forwarded = not current_app.config["PROXY_HOPS"] and any(
        name in request.headers for name in FORWARDING_HEADERS
    )
    allowed = parse_allowed(current_app.config.get("METRICS_ALLOWED_IPS"))
    if forwarded or not may_read_metrics(request.remote_addr, allowed):
        abort(404)  # as for any address that does not exist: nothing said about this one
    response = Response(metrics_text(), content_type=CONTENT_TYPE_LATEST)
    response.headers["Cache-Control"] = "no-store"
    return response


# --- request ids and request metrics ------------------------------------------------------------


def request_id() -> str:
    """The current request's id; ``-`` outside a request."""
    return str(g.get("request_id", "-")) if has_app_context() else "-"


def _incoming_request_id() -> str:
    given = request.headers.get(REQUEST_ID_HEADER, "")
    return given if _SANE_REQUEST_ID.fullmatch(given) else uuid.uuid4().hex


def _endpoint() -> str:
    return request.endpoint or NO_ENDPOINT


def start_request() -> None:
    g.request_id = _incoming_request_id()
    g.request_started = time.perf_counter()
    IN_PROGRESS.inc()


def finish_request(response: Response) -> Response:
    response.headers[REQUEST_ID_HEADER] = request_id()
    _count(response.status_code)
    return response


def end_request(error: BaseException | None) -> None:
    if "request_started" not in g:
        return
    if "request_counted" not in g:  # an exception escaped the app (tests propagate them)
        _count(500)
    IN_PROGRESS.dec()


def _count(status: int) -> None:
    if "request_started" not in g or "request_counted" in g:
        return
    g.request_counted = True
    endpoint = _endpoint()
    method = request.method if request.method in _METHODS else "other"
    REQUESTS.labels(endpoint=endpoint, method=method, status=str(status)).inc()
    REQUEST_SECONDS.labels(endpoint=endpoint).observe(time.perf_counter() - g.request_started)


# --- logging -------------------------------------------------------------------------------------

TEXT_FORMAT: Final = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every record: the current request's id, ``-`` outside one."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id()
        return True


def log_formatter(kind: str) -> logging.Formatter:
    """JSON lines (``kind == "json"``: time, level, logger, message, request_id, exc_info) or
    text."""
    if kind == "json":
        return JsonFormatter(
            "{levelname}{name}{message}{request_id}",
            style="{",
            rename_fields={"levelname": "level", "name": "logger"},
            timestamp="time",  # ISO 8601, UTC
        )
    return logging.Formatter(TEXT_FORMAT)


def log_format(app: Flask) -> str:
    """``LOG_FORMAT`` as configured; by default JSON in production, text elsewhere."""
    chosen = app.config.get("LOG_FORMAT")
    if chosen:
        return str(chosen).strip().lower()
    return "json" if app.config.get("ENV_NAME") == "production" else "text"


class _AppLogHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """The handler this module installs on the root logger (found again, not added twice)."""


def configure_logging(app: Flask) -> None:
    """Outside debug and tests: every log record to stderr, at INFO and above, in ``LOG_FORMAT``,
    with its request id."""
    if app.debug or app.testing:
        return
    root = logging.getLogger()
    handler = next((h for h in root.handlers if isinstance(h, _AppLogHandler)), None)
    if handler is None:
        handler = _AppLogHandler()
        handler.addFilter(RequestIdFilter())
        root.addHandler(handler)
    handler.setFormatter(log_formatter(log_format(app)))
    root.setLevel(logging.INFO)


def init_app(app: Flask) -> None:
    """Request ids and request metrics (hooks registered first, so that every later hook's
    log lines carry the id), and ``/metrics``."""
    try:
        parse_allowed(app.config.get("METRICS_ALLOWED_IPS"))  # a mistake stops the start
    except ValueError as error:
        raise RuntimeError(str(error)) from error
    app.before_request_funcs.setdefault(None, []).insert(0, start_request)
    app.after_request(finish_request)
    app.teardown_request(end_request)
    app.register_blueprint(blueprint)
