"""Configuration: safe defaults here, secrets and deployment choices from the environment.

Every variable is documented in ``.env.example``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any


def default_config(instance_path: str) -> dict[str, Any]:
    database = Path(instance_path) / "hangviet.sqlite3"
    return {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "SECRET_KEY": None,
        "ENV_NAME": "development",
        # Uploads: the photo form accepts up to 10 MB; a little more for the multipart envelope.
        "MAX_PHOTO_BYTES": 10 * 1024 * 1024,
        # A complaint carries up to 5 photos of 10 MB; photo checks get a tighter limit per
        # endpoint (BODY_LIMITS), applied before the body is read.
        "MAX_CONTENT_LENGTH": 5 * 10 * 1024 * 1024 + 512 * 1024,
        # A photo check sends up to three photos (MAX_LABEL_PHOTOS) of 10 MB each.
        "BODY_LIMITS": {
            "public.verify_photo_upload": 3 * 10 * 1024 * 1024 + 64 * 1024,
            "api.verify_post": 3 * 10 * 1024 * 1024 + 64 * 1024,
        },
        # Werkzeug buffers multipart data in this much memory, file parts included: not smaller.
        "MAX_FORM_MEMORY_SIZE": 1024 * 1024,
        "BABEL_DEFAULT_LOCALE": "vi",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Ho_Chi_Minh",
        "LANGUAGES": ("vi", "en"),
        # The JSON API's OpenAPI document (flask-smorest, generated from app/api/schemas.py).
        "API_TITLE": "Hàng Việt verification API",
        "API_VERSION": "1.0.0",
        "OPENAPI_VERSION": "3.1.0",
        "OPENAPI_URL_PREFIX": "/api",
        "OPENAPI_JSON_PATH": "openapi.json",
        # Where rate-limit counts live; None: see rate_limit_storage_uri below.
        "RATELIMIT_STORAGE_URI": None,
        # Redis (redis://host:6379/0): rate limits shared by every worker and machine.
        "REDIS_URL": None,
        "RATELIMIT_HEADERS_ENABLED": True,
        # A rate-limit storage that does not answer (Redis down): each process counts in its own
        # memory until it answers again (Flask-Limiter checks every few seconds), so requests
        # are answered and limited per process rather than refused or hung; a Redis storage
        # gets short socket timeouts (app/rate_limits.py), so a Redis that hangs costs a request
        # at most a couple of seconds.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        # Reading verdicts by typed or scanned code (page and API together): generous, a shop
        # checking a shelf stays well under it; it stops scripts reading the registry out.
        "VERIFY_RATE_LIMIT": "120 per minute",
        "PHOTO_VERIFY_RATE_LIMIT": "30 per minute;300 per day",
        "COMPLAINT_RATE_LIMIT": "10 per hour;30 per day",
        # Evidence photos; default: instance/uploads. Back it up with the database.
        "UPLOAD_FOLDER": None,
        # Photos and generated files in an S3-API object store instead of the folder above:
        # "s3://bucket/optional/prefix" (None: the folder). S3_ENDPOINT_URL for a store other
        # than AWS (MinIO, Garage, Ceph: http://127.0.0.1:9000), S3_REGION its region. The
        # credentials are the standard AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY variables,
        # which boto3 reads itself. Objects stay private: photos are served only by the app.
        "PHOTO_STORE_URL": None,
        "S3_ENDPOINT_URL": None,
        "S3_REGION": None,
        "TRACKING_RATE_LIMIT": "60 per minute",
        # The registry as open data: JSON pages, and the whole registry as one CSV (heavier).
        "CATALOGUE_RATE_LIMIT": "60 per minute",
        "CATALOGUE_CSV_RATE_LIMIT": "10 per hour",
        "RATING_RATE_LIMIT": "10 per hour",
        # Survey answers from one client (a phone, or a market's shared Wi-Fi: generous per
        # hour; one answer per device per survey is a separate rule).
        "SURVEY_ANSWER_RATE_LIMIT": "20 per minute;200 per hour",
        # A new survey's minimum answers before a group's figures are shown (staff may change it
        # per survey).
        "SURVEY_MINIMUM_N": 30,
        "LOGIN_RATE_LIMIT": "10 per minute;50 per hour",
        # Extra public holidays and make-up working days, one ISO date a line (see README).
        "HOLIDAYS_FILE": None,
        "WTF_CSRF_TIME_LIMIT": None,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": False,  # True behind HTTPS (production)
        # A staff sign-in lasts at most this long (the session row ends then, whatever the
        # cookie says); signing out ends it at once.
        "PERMANENT_SESSION_LIFETIME": 8 * 3600,
        "PREFERRED_URL_SCHEME": "https",
        "ASSOCIATION_NAME": "Hội Bảo vệ người tiêu dùng",
        # Expensive work (reading photos, filing a report with photos) holds one of this
        # machine's slots (app/expensive.py): None is half the cores, at least one. A request
        # waits at most EXPENSIVE_WAIT_SECONDS for one (then 503), and at most EXPENSIVE_QUEUE
        # requests of a worker process wait at a time (the others get the 503 at once).
        "EXPENSIVE_SLOTS": None,
        "EXPENSIVE_WAIT_SECONDS": 10.0,
        "EXPENSIVE_QUEUE": 2,
        # The most work one PDF of case files may take, in ~milliseconds of this kind of
        # machine (complaints.exports.fetch_pdf_work: a case ~220, a photo ~70): well under
        # gunicorn's 30 s. A bigger selection is refused with a message (CSV/XLSX take any).
        "PDF_MAX_WORK": 10_000,
        # Background jobs (app/jobs; the queue: JOBS_URL or REDIS_URL, else a SQLite file).
        # Exports of more cases than JOB_EXPORT_ROWS are offered as a job; a PDF of case files
        # beyond PDF_MAX_WORK as a job up to PDF_JOB_MAX_WORK (~1 minute of this machine's
        # work; refused beyond). Files made are kept JOB_FILE_HOURS; a running job whose worker
        # has not reported for JOB_STALE_SECONDS is started again once, then marked failed.
        "JOB_EXPORT_ROWS": 5_000,
        "PDF_JOB_MAX_WORK": 60_000,
        "JOB_FILE_HOURS": 24,
        "JOB_STALE_SECONDS": 300,
        # Reverse proxies in front of the app whose X-Forwarded-For/Proto to trust (0: none).
        "PROXY_HOPS": 0,
        # Campaign figures (app/campaign.py): checks counted in memory, written by each process
        # every FLUSH_SECONDS, sooner once FLUSH_AT checks wait, and at exit ("batched"); "each"
        # writes inside every check (slower: for comparison); "off" counts nothing.
        "VERIFICATION_COUNTS": "batched",
        "VERIFICATION_COUNTS_FLUSH_SECONDS": 10.0,
        "VERIFICATION_COUNTS_FLUSH_AT": 10_000,
    }


def from_environment() -> dict[str, Any]:
    """Deployment settings from plain environment variables (FLASK_* are read by Flask itself)."""
    env: dict[str, Any] = {}
    if os.environ.get("DATABASE_URL"):
        env["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(os.environ["DATABASE_URL"])
    if os.environ.get("SECRET_KEY"):
        env["SECRET_KEY"] = os.environ["SECRET_KEY"]
    if os.environ.get("RATELIMIT_STORAGE_URI"):
        env["RATELIMIT_STORAGE_URI"] = os.environ["RATELIMIT_STORAGE_URI"]
    if os.environ.get("REDIS_URL"):
        env["REDIS_URL"] = os.environ["REDIS_URL"]
    if os.environ.get("APP_ENV"):
        env["ENV_NAME"] = os.environ["APP_ENV"]
    if os.environ.get("HOLIDAYS_FILE"):
        env["HOLIDAYS_FILE"] = os.environ["HOLIDAYS_FILE"]
    if os.environ.get("UPLOAD_FOLDER"):
        env["UPLOAD_FOLDER"] = os.environ["UPLOAD_FOLDER"]
    for name in ("PHOTO_STORE_URL", "S3_ENDPOINT_URL", "S3_REGION"):
        if os.environ.get(name):
            env[name] = os.environ[name]
    if os.environ.get("PROXY_HOPS", "").isdigit():
        env["PROXY_HOPS"] = int(os.environ["PROXY_HOPS"])
    if os.environ.get("ASSOCIATION_NAME"):
        env["ASSOCIATION_NAME"] = os.environ["ASSOCIATION_NAME"]
    # Logs as "json" lines or "text" (default: json in production); who besides loopback may
    # read /metrics (IPs or CIDRs, comma-separated). See app/observability.py.
    for name in ("LOG_FORMAT", "METRICS_ALLOWED_IPS"):
        if os.environ.get(name):
            env[name] = os.environ[name]
    return env


def rate_limit_storage_uri(config: Mapping[str, Any], instance_path: str) -> str:
    """Where rate-limit counts live, so that every worker counts against one limit.

    ``RATELIMIT_STORAGE_URI`` when set; else Redis at ``REDIS_URL``; else a SQLite file in the
    instance folder, shared by the workers of this machine. Tests (``TESTING``) count in memory:
    one process, and no file shared between test runs.
    """
    if config.get("RATELIMIT_STORAGE_URI"):
        return str(config["RATELIMIT_STORAGE_URI"])
    if config.get("REDIS_URL"):
        return str(config["REDIS_URL"])
    if config.get("TESTING"):
        return "memory://"
    return f"sqlite:///{Path(instance_path) / 'rate_limits.sqlite3'}"


def normalise_database_url(url: str) -> str:
    """Accept the ``postgres://`` and ``postgresql://`` forms hosts hand out; use psycopg 3."""
    for scheme in ("postgres://", "postgresql://"):
        if url.startswith(scheme):
            return "postgresql+psycopg://" + url[len(scheme) :]
    return url
