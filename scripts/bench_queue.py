#!/usr/bin/env python3
"""Benchmark: the staff queue page at 1,000,000 complaints on PostgreSQL.

    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test \\
        .venv/bin/python scripts/bench_queue.py [--rows 1000000] [--repeat 30] [--keep] [--reuse]

Works in a schema of its own (``bench_queue``), made by the migrations and dropped at the end
unless --keep; --reuse starts from a kept schema (migrated up, not refilled) when it holds --rows
complaints. Needs only the runtime requirements (the venv ``scripts/run`` makes). Rows are generated in the database (generate_series): spread over 34 provinces,
7 statuses, 7 categories, two years, with store names, GTINs and searchable text. Then it signs in
as a staff member of one province and as an administrator and times GET /staff/ for the common
filters through the Flask test client (query, count and page rendering), printing p50/p95/max.
Run by hand; the figures go in the issue notes.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

SCHEMA = "bench_queue"
PASSWORD = "bench queue password"

FILL = """
INSERT INTO complaint (
    tracking_code, status, category, source, code_seen, gtin, product_name, brand_seen,
    verdict_level, store_name, store_name_key, store_address, province_code, commune_code,
    description, anonymous, contact_name, contact_phone, contact_email, priority, deadline_at,
    photo_count, search_text, rating_comment, version, created_at, updated_at
)
SELECT
    'B' || lpad(g::text, 9, '0'),
    (ARRAY['NEW','TRIAGED','NEEDS_INFO','REFERRED','CONFIRMED','DISMISSED','DUPLICATE'])[1 + (g % 7)],
    (ARRAY['counterfeit','imitation','unknown_origin','unlabelled','poor_quality','expired','other'])[1 + (g / 7 % 7)],
    'web',
    lpad((8930000000000 + g % 50000)::text, 13, '0'),
    lpad((8930000000000 + g % 50000)::text, 14, '0'),
    (ARRAY['Sữa tươi','Nước mắm','Mì gói','Dầu ăn','Bánh kẹo','Mỹ phẩm','Thuốc bổ'])[1 + (g % 7)] || ' ' || (g % 977),
    (ARRAY['Vinamilk','Chin-su','Hảo Hảo','Tường An','Kinh Đô','Biti''s','Trung Nguyên'])[1 + (g / 3 % 7)],
    (ARRAY['TRUSTED','VIETNAMESE','FOREIGN','INVALID','LOOKALIKE','MISMATCH',NULL])[1 + (g % 7)],
    'Cửa hàng ' || (g % 20000), 'cua hang ' || (g % 20000), 'Số ' || (g % 300) || ' đường chính',
    (ARRAY['01','04','08','11','12','14','15','19','20','22','24','25','31','33','37','38','40',
           '42','44','46','48','51','52','56','66','68','75','79','80','82','86','91','92','96'])[1 + (g % 34)],
    NULL,
    'Phản ánh số ' || g || ': hàng có dấu hiệu giả, nhãn mờ, giá rẻ bất thường.',
    true, '', '', '', (g::bigint * 7919) % 1000,
    now() - ((g % 730) || ' days')::interval + interval '9 days',
    g % 3,
    'phan anh so ' || g || ' hang co dau hieu gia nhan mo cua hang ' || (g % 20000) || ' sua tuoi',
    '', 1,
    now() - ((g % 730) || ' days')::interval - ((g % 86400) || ' seconds')::interval,
    now()
FROM generate_series(1, :rows) AS g
"""


def timed(client, url: str, repeat: int) -> tuple[float, float, float]:
    client.get(url)  # warm
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - t0)
        assert response.status_code == 200, (url, response.status_code)
    times.sort()
    return statistics.median(times), times[int(0.95 * (len(times) - 1))], times[-1]


def fill(app, rows: int) -> None:
    """Generate the complaints and the two accounts; a complaint in 97 is the staff member's."""
    from app.extensions import db
    from complaints.accounts import Role, User

    with app.app_context():
        t0 = time.perf_counter()
        db.session.execute(sa.text(FILL), {"rows": rows})
        db.session.commit()
        for username, role, province in (
            ("bench-staff", Role.STAFF, "79"),
            ("bench-admin", Role.ADMIN, None),
        ):
            user = User(username=username, name=username, role=role, province_code=province)
            user.set_password(PASSWORD)
            db.session.add(user)
        db.session.commit()
        staff_id = db.session.scalar(sa.select(User.id).where(User.username == "bench-staff"))
        db.session.execute(
            sa.text("UPDATE complaint SET assigned_to_id = :u WHERE id % 97 = 0"), {"u": staff_id}
        )
        db.session.commit()
        # A table in use is vacuumed and analysed by autovacuum; do it now, not during the timing.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("VACUUM ANALYZE complaint"))
        print(f"filled {rows:,} complaints in {time.perf_counter() - t0:.0f} s")


def settle(engine: sa.Engine) -> None:
    """Write out what the fill and the migrations dirtied, so that a checkpoint does not land in
    the timings (needs a superuser or pg_checkpoint; skipped otherwise)."""
    try:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("CHECKPOINT"))
    except sa.exc.DBAPIError as error:
        print(f"no checkpoint before timing ({error.orig})")


def sign_in(client, username: str, password: str = PASSWORD) -> None:
    """Sign in through the login form, as a person would (CSRF token, same-site Referer)."""
    page = client.get("/staff/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]*)"', page)
    assert token, "no CSRF token on the login page"
    response = client.post(
        "/staff/login",
        data={"csrf_token": token.group(1), "username": username, "password": password},
        headers={"Referer": "https://localhost/"},
    )
    assert response.status_code == 302, (username, response.status_code)


def filled_rows(engine: sa.Engine) -> int | None:
    """How many complaints a kept bench schema holds, or None when there is none."""
    with engine.connect() as conn:
        exists = conn.scalar(
            sa.text("SELECT to_regclass(:table)"), {"table": f"{SCHEMA}.complaint"}
        )
        if exists is None:
            return None
        return conn.scalar(sa.text(f"SELECT count(*) FROM {SCHEMA}.complaint"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--keep", action="store_true", help="keep the bench schema afterwards")
    parser.add_argument(
        "--reuse", action="store_true", help="start from a kept schema holding --rows complaints"
    )
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    if not url.startswith("postgresql"):
        sys.exit("bench_queue needs PostgreSQL: set DATABASE_URL")

    admin_engine = sa.create_engine(url)
    reuse = args.reuse and filled_rows(admin_engine) == args.rows
    if not reuse:
        with admin_engine.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
            conn.execute(sa.text(f"CREATE SCHEMA {SCHEMA}"))

    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SQLALCHEMY_ENGINE_OPTIONS": {
                "connect_args": {"options": f"-csearch_path={SCHEMA},public"}
            },
            "SECRET_KEY": "bench",
            "RATELIMIT_ENABLED": False,
            "TESTING": True,
        }
    )
    try:
        with app.app_context():
            upgrade()
        if reuse:
            print(f"reusing the {args.rows:,} complaints of the kept schema {SCHEMA}")
        else:
            fill(app, args.rows)
        settle(admin_engine)

        cases = [
            ("staff 79: default (priority)", "bench-staff", "/staff/"),
            ("staff 79: NEW, priority", "bench-staff", "/staff/?status=NEW"),
            ("staff 79: oldest first", "bench-staff", "/staff/?sort=oldest"),
            ("staff 79: counterfeit", "bench-staff", "/staff/?category=counterfeit"),
            ("staff 79: overdue", "bench-staff", "/staff/?overdue=1"),
            ("staff 79: assigned to me", "bench-staff", "/staff/?assigned=me"),
            ("staff 79: search 'cua hang 1234'", "bench-staff", "/staff/?q=cua+hang+1234"),
            ("admin: default (priority)", "bench-admin", "/staff/"),
            ("admin: REFERRED in 79", "bench-admin", "/staff/?status=REFERRED&province=79"),
            ("admin: MISMATCH level", "bench-admin", "/staff/?level=MISMATCH"),
            ("admin: search 'sua tuoi 12'", "bench-admin", "/staff/?q=sua+tuoi+12"),
        ]
        clients = {}
        for name in ("bench-staff", "bench-admin"):
            clients[name] = app.test_client()
            sign_in(clients[name], name)
        print(f"{'case':38s} {'p50':>8s} {'p95':>8s} {'max':>8s}")
        for label, who, path in cases:
            p50, p95, worst = timed(clients[who], path, args.repeat)
            print(f"{label:38s} {p50 * 1000:7.1f}ms {p95 * 1000:7.1f}ms {worst * 1000:7.1f}ms")
        # A deep page through the keyset cursor.
        html = clients["bench-staff"].get("/staff/?sort=oldest").get_data(as_text=True)
        link = re.search(r'href="([^"]+)" id="next-page"|id="next-page" href="([^"]+)"', html)
        if link:
            deep = (link.group(1) or link.group(2)).replace("&amp;", "&")
            p50, p95, worst = timed(clients["bench-staff"], deep, args.repeat)
            print(
                f"{'staff 79: page 2 (keyset)':38s} {p50 * 1000:7.1f}ms {p95 * 1000:7.1f}ms {worst * 1000:7.1f}ms"
            )
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        if not args.keep:
            with admin_engine.begin() as conn:
                conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        admin_engine.dispose()


if __name__ == "__main__":
    main()
