#!/usr/bin/env python3
"""Benchmark: verifications per second through the app, and brand matches per second.

    .venv/bin/python scripts/bench_verify.py [--brands 100000] [--requests 2000]

1. Builds a temporary SQLite database with the sample registry plus a generated registry of
   ``--brands`` brands (one company and one GS1 company prefix per 10 brands), then sends
   ``--requests`` GET /verify?code=...&brand=... requests (page) and the same to the JSON API
   through Flask's test client, cycling over trusted, unlisted, foreign, invalid and
   lookalike/mismatch inputs. Reports requests per second and p50/p95 latency.
2. Builds a BrandMatcher over the generated brands and reports matches per second for exact,
   lookalike (one letter changed) and unknown queries.

Run by hand; figures go in the issue notes, not in assertions.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from barcode_db.gtin import check_digit  # noqa: E402
from barcode_db.importer import import_registry, read_rows  # noqa: E402
from barcode_db.matching import BrandEntry, BrandMatcher  # noqa: E402
from barcode_db.models import Brand, Company, CompanyPrefix  # noqa: E402
from barcode_db.registry import bump_registry_version  # noqa: E402
from barcode_db.textkey import match_key, search_key  # noqa: E402
from tests.support.brands import generate_brand_names  # noqa: E402


def gtin(payload: str) -> str:
    return payload + str(check_digit(payload))


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def load_generated_registry(names: list[str]) -> None:
    companies = [
        {
            "id": 100_000 + i,
            "code": f"GEN{i}",
            "name": f"Công ty {names[i * 10]}",
            "name_key": search_key(f"Công ty {names[i * 10]}"),
            "address": "",
            "website": "",
            "is_sample": True,
        }
        for i in range(len(names) // 10)
    ]
    db.session.execute(db.insert(Company), companies)
    db.session.execute(
        db.insert(CompanyPrefix),
        [{"prefix": f"89370{i:05d}", "company_id": c["id"]} for i, c in enumerate(companies)],
    )
    db.session.execute(
        db.insert(Brand),
        [
            {"company_id": 100_000 + i // 10, "name": name, "name_key": match_key(name)}
            for i, name in enumerate(names[: len(companies) * 10])
        ],
    )
    bump_registry_version(db.session)
    db.session.commit()


def bench_app(brands: int, requests: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.sqlite3",
                "SECRET_KEY": "bench",
                "RATELIMIT_ENABLED": False,
            }
        )
        names = generate_brand_names(brands, seed=7) if brands else []
        with app.app_context():
            db.create_all()
            text = (ROOT / "barcode_db/data/sample_registry.csv").read_text("utf-8")
            rows, _ = read_rows(text)
            import_registry(db.session, rows, is_sample=True)
            db.session.commit()
            started = time.perf_counter()
            if names:
                load_generated_registry(names)
            print(
                f"registry: sample + {len(names)} generated brands "
                f"(loaded in {time.perf_counter() - started:.1f} s)"
            )

        inputs = [
            ("8934673000017", ""),  # trusted, registered product
            (gtin("893467312345"), "Vinamilk"),  # trusted, brand agrees
            (gtin("893999912345"), ""),  # Vietnamese, owner not listed
            (gtin("300000000001"), ""),  # foreign
            ("8934673000014", ""),  # invalid check digit
            (gtin("893602400099"), "Vinamilk"),  # mismatch
            (gtin("893999912345"), "Vinamllk"),  # lookalike
            (gtin(f"89370{0:05d}01"), names[0] if names else ""),  # generated owner, agrees
        ]
        client = app.test_client()
        client.get("/verify?code=8934673000017")  # first call builds the registry snapshot
        for label, path in (("page /verify", "/verify"), ("API /api/v1/verify", "/api/v1/verify")):
            times = []
            started = time.perf_counter()
            for i in range(requests):
                code, brand = inputs[i % len(inputs)]
                t0 = time.perf_counter()
                response = client.get(path, query_string={"code": code, "brand": brand})
                times.append(time.perf_counter() - t0)
                assert response.status_code == 200, response.status_code
            total = time.perf_counter() - started
            print(
                f"{label:22s} {requests / total:8.0f} req/s   p50 {percentile(times, 0.5) * 1000:6.2f} ms"
                f"   p95 {percentile(times, 0.95) * 1000:6.2f} ms   max {max(times) * 1000:6.2f} ms"
            )
        bench_photos(client)


def bench_photos(client) -> None:
    """Label photos (1600×1200 JPEG, slightly tilted) and a 12 MP photo with no barcode."""
    import io

    from PIL import Image

    from tests.support.labels import render_label, to_jpeg_bytes

    photos = [
        to_jpeg_bytes(render_label(gtin(f"8934673{i:05d}"), angle=i % 7, seed=i), quality=80)
        for i in range(20)
    ]
    hopeless = to_jpeg_bytes(Image.new("RGB", (4000, 3000), (120, 110, 100)), quality=85)
    for label, batch in (
        ("photo API, label", photos),
        ("photo API, 12 MP no code", [hopeless] * 5),
    ):
        times = []
        for data in batch:
            t0 = time.perf_counter()
            response = client.post(
                "/api/v1/verify",
                data={"photo": (io.BytesIO(data), "p.jpg")},
                content_type="multipart/form-data",
            )
            times.append(time.perf_counter() - t0)
            assert response.status_code == 200
        print(
            f"{label:26s} p50 {percentile(times, 0.5) * 1000:6.0f} ms   "
            f"p95 {percentile(times, 0.95) * 1000:6.0f} ms   max {max(times) * 1000:6.0f} ms"
        )


def bench_matcher(brands: int) -> None:
    names = generate_brand_names(brands, seed=11)
    started = time.perf_counter()
    matcher = BrandMatcher(BrandEntry(i, name, i // 10) for i, name in enumerate(names))
    print(f"matcher over {len(names)} brands built in {time.perf_counter() - started:.2f} s")
    rng = random.Random(3)
    sample = rng.sample(names, 2000)

    def lookalike(name: str) -> str:
        i = rng.randrange(len(name))
        return name[:i] + rng.choice("aeioulnmrt") + name[i + 1 :]

    groups = {
        "exact (upper case)": [n.upper() for n in sample],
        "lookalike (1 letter)": [lookalike(n) for n in sample],
        "unknown words": [
            "".join(rng.choice("abcdefghiklmnopqrstuvxy ") for _ in range(14)) for _ in sample
        ],
        "brand inside label text": [f"Sản phẩm {n} 500g" for n in sample],
    }
    for label, queries in groups.items():
        times = []
        kinds: dict[str, int] = {}
        for query in queries:
            t0 = time.perf_counter()
            result = matcher.match(query)
            times.append(time.perf_counter() - t0)
            kinds[result.kind.value] = kinds.get(result.kind.value, 0) + 1
        print(
            f"{label:26s} {len(times) / sum(times):9.0f} matches/s   "
            f"mean {statistics.mean(times) * 1000:.3f} ms   p95 {percentile(times, 0.95) * 1000:.3f} ms"
            f"   max {max(times) * 1000:.3f} ms   {kinds}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--brands", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args()
    bench_app(args.brands, args.requests)
    bench_matcher(args.brands)


if __name__ == "__main__":
    main()
