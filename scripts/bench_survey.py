#!/usr/bin/env python3
"""Benchmark: a satisfaction survey of 200,000 answers on PostgreSQL (issue 15).

    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test \\
        .venv/bin/python scripts/bench_survey.py [--answers 200000] [--repeat 30] [--keep]

Works in a schema of its own (``bench_survey``), made by the migrations and dropped at the end
unless --keep. The data is generated in the database (generate_series): 50 brands of 10
companies with 4 products each, a survey about Vietnamese goods in general weighted to quota
targets in all 34 provinces, with --answers answers spread over the brands, products and
provinces (a tenth give no province, so they are not weighted), every question answered by most
respondents and left blank by some; and the survey of the period before with a quarter as many,
so every group is compared. Then it times, through the Flask test client (query, statistics and
rendering):

- the staff results page (every brand, product and category, weighted, with intervals, against
  the period before), signed in as an administrator: computed afresh (the figures' cache
  emptied before each request, as after a new answer) and read again with no answer since;
- the public API's results and a public brand page with its published figures;
- answering: the server time of the POST of the answer form (a new device each time).

It prints p50 / p95 / max. Run by hand; the figures go in the issue notes.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from scripts.bench_queue import sign_in  # noqa: E402  (the staff sign-in, as a person does)

SCHEMA = "bench_survey"
PASSWORD = "bench survey password"
PROVINCES = [
    "01",
    "04",
    "08",
    "11",
    "12",
    "14",
    "15",
    "19",
    "20",
    "22",
    "24",
    "25",
    "31",
    "33",
    "37",
    "38",
    "40",
    "42",
    "44",
    "46",
    "48",
    "51",
    "52",
    "56",
    "66",
    "68",
    "75",
    "79",
    "80",
    "82",
    "86",
    "91",
    "92",
    "96",
]

REGISTRY = """
INSERT INTO company (code, name, name_key, address, province_code, website, made_in, owner_group,
                     source, is_sample, created_at, updated_at)
SELECT 'BENCH' || c, 'Công ty Bench ' || c, 'cong ty bench ' || c, '', '79', '', '', '', '',
       false, now(), now()
FROM generate_series(1, 10) AS c;
INSERT INTO brand (company_id, name, name_key, category, created_at, updated_at)
SELECT (SELECT id FROM company WHERE code = 'BENCH' || (1 + (b - 1) / 5)),
       'Nhãn ' || b, 'nhan ' || b,
       (ARRAY['dairy','beverages','instant_food','seasonings','cosmetics'])[1 + b % 5], now(), now()
FROM generate_series(1, 50) AS b;
INSERT INTO product (gtin, name, company_id, brand_id, category, created_at, updated_at)
SELECT lpad((8930000100000 + p)::text, 14, '0'), 'Sản phẩm ' || p, brand.company_id, brand.id,
       brand.category, now(), now()
FROM generate_series(1, 200) AS p
JOIN brand ON brand.name = 'Nhãn ' || (1 + (p - 1) / 4);
"""

ANSWERS = """
INSERT INTO survey_response (
    survey_id, source, created_at, device_hash, brand_id, product_id, category,
    overall, expectations, ideal, quality, label_information, choice, design, price, customer_care,
    choose_again, comment, satisfaction_index, age_group, province_code, channel
)
SELECT :survey, 'web', now() - ((g % 80) || ' days')::interval, md5(:survey || '-' || g),
       product.brand_id, product.id, product.category,
       o, e, i,
       1 + (g * 7) % 5, 1 + (g * 11) % 5, 1 + (g * 13) % 5, 1 + (g * 17) % 5, 1 + (g * 19) % 5,
       CASE WHEN g % 9 = 0 THEN NULL ELSE 1 + (g * 23) % 5 END,
       CASE WHEN g % 7 = 0 THEN NULL ELSE (g % 5) <> 0 END,
       '',
       CASE WHEN o IS NULL AND e IS NULL AND i IS NULL THEN NULL ELSE
         ((coalesce(o, 0) + coalesce(e, 0) + coalesce(i, 0))::float
          / ((o IS NOT NULL)::int + (e IS NOT NULL)::int + (i IS NOT NULL)::int) - 1) / 9 * 100
       END,
       (ARRAY['18-24','25-34','35-44','45-54','55-64','65+'])[1 + g % 6],
       CASE WHEN g % 10 = 0 THEN NULL ELSE (CAST(:provinces AS text[]))[1 + (g * 31) % 34] END,
       (ARRAY['market','supermarket','grocery','online'])[1 + g % 4]
FROM generate_series(1, :answers) AS g
CROSS JOIN LATERAL (
    SELECT CASE WHEN g % 13 = 0 THEN NULL ELSE 1 + (g * 3 + g / 7) % 10 END AS o,
           1 + (g * 5 + g / 11) % 10 AS e,
           CASE WHEN g % 17 = 0 THEN NULL ELSE 1 + (g * 7 + g / 3) % 10 END AS i
) AS items
JOIN product ON product.gtin = lpad((8930000100000 + 1 + (g * 37) % 200)::text, 14, '0')
"""


def timed(action: Callable[[], object], repeat: int) -> tuple[float, float, float]:
    action()  # warm
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        action()
        times.append(time.perf_counter() - t0)
    times.sort()
    return statistics.median(times), times[int(0.95 * (len(times) - 1))], times[-1]


def fill(app, answers: int) -> tuple[int, str, int, str]:
    """The registry, the two surveys and their answers; the survey's id and code, a brand's
    page and the admin account."""
    import datetime as dt

    from app.extensions import db
    from complaints.accounts import Role, User
    from surveys.design import Design, create_survey
    from surveys.questions import Dimension

    with app.app_context():
        t0 = time.perf_counter()
        for statement in REGISTRY.split(";\n"):
            if statement.strip():
                db.session.execute(sa.text(statement))
        now = dt.datetime.now(dt.UTC)
        targets = {code: 100 + (i * 37) % 400 for i, code in enumerate(PROVINCES)}
        before = create_survey(
            db.session,
            Design(
                title="Bench: quý trước",
                opens_on=dt.date(2026, 7, 1),
                closes_on=dt.date(2026, 9, 30),
                quotas={Dimension.PROVINCE: targets},
                weight_by=Dimension.PROVINCE,
                publish=True,
            ),
            actor="bench",
            now=now,
        )
        survey = create_survey(
            db.session,
            Design(
                title="Bench: quý này",
                opens_on=dt.date(2026, 10, 1),
                closes_on=dt.date(2026, 12, 31),
                quotas={Dimension.PROVINCE: targets},
                weight_by=Dimension.PROVINCE,
                publish=True,
                previous_id=before.id,
            ),
            actor="bench",
            now=now,
        )
        for target, count in ((before, answers // 4), (survey, answers)):
            db.session.execute(
                sa.text(ANSWERS),
                {"survey": target.id, "answers": count, "provinces": PROVINCES},
            )
        # The answers went in by SQL, not through record_answer: make their kept sums.
        from surveys.sums import rebuild

        for target in (before, survey):
            rebuild(db.session, target)
        admin = User(username="bench-admin", name="Bench", role=Role.ADMIN, province_code=None)
        admin.set_password(PASSWORD)
        db.session.add(admin)
        db.session.commit()
        brand_page = db.session.execute(
            sa.text(
                "SELECT company.code, brand.id FROM brand JOIN company ON company.id = "
                "brand.company_id WHERE brand.name = 'Nhãn 7'"
            )
        ).one()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("VACUUM ANALYZE survey_response"))
            conn.execute(sa.text("VACUUM ANALYZE survey_sums"))
        print(f"filled {answers:,} + {answers // 4:,} answers in {time.perf_counter() - t0:.0f} s")
        return survey.id, survey.code, brand_page, "bench-admin"


def answer_once(app, code: str, product_choice: str) -> float:
    """One new device answers: GET the form (not timed), POST it (timed); the POST's seconds."""
    client = app.test_client()
    page = client.get(f"/s/{code}").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]*)"', page)
    assert token, "no CSRF token on the survey page"
    data = {
        "csrf_token": token.group(1),
        "item": product_choice,
        "overall": "8",
        "expectations": "7",
        "ideal": "9",
        "quality": "4",
        "label_information": "5",
        "choice": "3",
        "design": "4",
        "price": "3",
        "customer_care": "4",
        "choose_again": "yes",
        "province": "79",
        "age_group": "25-34",
        "channel": "market",
    }
    t0 = time.perf_counter()
    response = client.post(f"/s/{code}", data=data, headers={"Referer": "https://localhost/"})
    elapsed = time.perf_counter() - t0
    assert response.status_code == 303, (
        response.status_code,
        response.get_data(as_text=True)[:2000],
    )
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--keep", action="store_true", help="keep the bench schema afterwards")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    if not url.startswith("postgresql"):
        sys.exit("bench_survey needs PostgreSQL: set DATABASE_URL")

    admin_engine = sa.create_engine(url)
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
            "SERVER_NAME": "localhost",
        }
    )
    try:
        with app.app_context():
            upgrade()
        survey_id, code, (company_code, brand_id), admin = fill(app, args.answers)
        staff = app.test_client()
        sign_in(staff, admin, PASSWORD)
        public = app.test_client()

        def get(client, path: str) -> Callable[[], object]:
            def action() -> object:
                response = client.get(path)
                assert response.status_code == 200, (path, response.status_code)
                return response

            return action

        with app.app_context():
            product = db.session.execute(
                sa.text("SELECT id FROM product ORDER BY id LIMIT 1")
            ).scalar_one()
        from app.surveys import results_cache

        def cold(action: Callable[[], object]) -> Callable[[], object]:
            """The figures computed afresh (as after a new answer): the cache emptied first."""

            def run() -> object:
                results_cache.clear()
                return action()

            return run

        results_page = get(staff, f"/staff/surveys/{survey_id}/results")
        api_page = get(public, f"/api/v1/surveys/{code}/results")
        cases = [
            ("staff results page, computed afresh", cold(results_page)),
            ("staff results page, no answer since", results_page),
            ("API results, computed afresh", cold(api_page)),
            ("API results, no answer since", api_page),
            ("brand page with its figures", get(public, f"/brands/{company_code}/{brand_id}")),
        ]
        print(f"{'case':42s} {'p50':>8s} {'p95':>8s} {'max':>8s}")
        for label, action in cases:
            p50, p95, worst = timed(action, args.repeat)
            print(f"{label:42s} {p50 * 1000:7.1f}ms {p95 * 1000:7.1f}ms {worst * 1000:7.1f}ms")
        answer_once(app, code, f"p{product}")  # warm
        posts = sorted(answer_once(app, code, f"p{product}") for _ in range(args.repeat))
        p95 = posts[int(0.95 * (len(posts) - 1))]
        print(
            f"{'answering: POST of the form':42s} {statistics.median(posts) * 1000:7.1f}ms "
            f"{p95 * 1000:7.1f}ms {posts[-1] * 1000:7.1f}ms"
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
