#!/usr/bin/env python3
"""Benchmark: export 100,000 cases as CSV and XLSX through the app; time and peak memory.

    .venv/bin/python scripts/bench_export.py [--rows 100000]
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test .venv/bin/python scripts/bench_export.py

Fills a temporary SQLite database (or a schema of its own on PostgreSQL, dropped afterwards) with
REFERRED cases, signs in as an inspector and downloads /inspect/export.csv and /inspect/export.xlsx
through the Flask test client, consuming the streamed body chunk by chunk. Reports wall time,
the peak of Python allocations during the export (tracemalloc) and the process's peak RSS, and
the same for a tenth of the rows, to show that memory does not grow with the row count.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

SCHEMA = "bench_export"


def fill(db, start: int, rows: int) -> None:
    from complaints.models import Complaint

    batch = []
    for g in range(start + 1, start + rows + 1):
        batch.append(
            {
                "tracking_code": f"E{g:09d}",
                "status": "REFERRED",
                "category": "counterfeit",
                "source": "web",
                "code_seen": f"{8930000000000 + g % 50000}",
                "gtin": f"0{8930000000000 + g % 50000}",
                "product_name": f"Sữa tươi giả số {g % 977}",
                "brand_seen": "Vinamilk",
                "verdict_level": "MISMATCH",
                "store_name": f"Cửa hàng {g % 5000}",
                "store_name_key": f"cua hang {g % 5000}",
                "store_address": "Số 1 đường Lê Lợi",
                "province_code": "79",
                "description": "Hộp sữa in nhãn mờ, mã vạch không khớp thương hiệu.",
                "anonymous": False,
                "contact_name": "Nguyễn Văn A",
                "contact_phone": "0912345678",
                "contact_email": "",
                "priority": g % 1000,
                "photo_count": 0,
                "search_text": "sua tuoi gia",
                "rating_comment": "",
                "version": 1,
                "enforcement_ref": "",
            }
        )
        if len(batch) == 5000:
            db.session.execute(sa.insert(Complaint), batch)
            batch.clear()
    if batch:
        db.session.execute(sa.insert(Complaint), batch)
    db.session.commit()


def download(client, path: str, *, trace: bool) -> tuple[float, int, float]:
    """Stream one export; with ``trace``, also the peak of Python allocations (slower)."""
    if trace:
        tracemalloc.start()
    t0 = time.perf_counter()
    response = client.get(path, buffered=False)
    size = 0
    for chunk in response.response:
        size += len(chunk)
    response.close()
    elapsed = time.perf_counter() - t0
    peak = 0
    if trace:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert response.status_code == 200, response.status_code
    return elapsed, size, peak / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL")
    tmp = tempfile.TemporaryDirectory()
    options: dict[str, object] = {}
    if url and url.startswith("postgresql"):
        admin = sa.create_engine(url)
        with admin.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
            conn.execute(sa.text(f"CREATE SCHEMA {SCHEMA}"))
        options = {"connect_args": {"options": f"-csearch_path={SCHEMA},public"}}
    else:
        url = f"sqlite:///{tmp.name}/bench.sqlite3"

    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db
    from complaints.accounts import Role, User
    from tests.support.factories import PASSWORD, login

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SQLALCHEMY_ENGINE_OPTIONS": options,
            "SECRET_KEY": "bench",
            "RATELIMIT_ENABLED": False,
            "TESTING": True,
        }
    )
    try:
        with app.app_context():
            upgrade()
            user = User(
                username="bench-inspector", name="Bench", role=Role.INSPECTOR, province_code="79"
            )
            user.set_password(PASSWORD)
            db.session.add(user)
            db.session.commit()
        client = app.test_client()
        with app.app_context():
            login(client, db.session.scalar(sa.select(User)))
        done = 0
        for target in (args.rows // 10, args.rows):
            with app.app_context():
                fill(db, done, target - done)
            done = target
            for fmt in ("csv", "xlsx"):
                elapsed, size, _ = download(client, f"/inspect/export.{fmt}", trace=False)
                rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
                _, _, peak = download(client, f"/inspect/export.{fmt}", trace=True)
                print(
                    f"{fmt:4s} {target:>7,} rows: {elapsed:6.1f} s, {size / 1e6:6.1f} MB; "
                    f"process peak RSS {rss:4.0f} MB; peak Python allocations during the "
                    f"export {peak:5.1f} MB (traced run)"
                )
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        if url.startswith("postgresql"):
            with admin.begin() as conn:
                conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        tmp.cleanup()


if __name__ == "__main__":
    main()
