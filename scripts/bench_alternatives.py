#!/usr/bin/env python3
"""Benchmark: the Vietnamese alternatives lookup (barcode_db.catalogue.alternatives).

    .venv/bin/python scripts/bench_alternatives.py [--products 20000] [--companies 2000]
        [--lookups 5000] [--seed 14]

Builds a registry snapshot in memory (no database) of ``--companies`` companies, each with a
GS1 Vietnam company prefix and zero to three certifications (some ended, some withdrawn, some
for one brand only), and ``--products`` products spread over every category of
barcode_db.categories, nine in ten under their company's own prefix (trusted), the others
under another company's prefix or licensed abroad (never offered). Then times ``--lookups``
lookups of a random category, the scanned number excluded, as a FOREIGN verdict asks for them,
and prints p50, p95, p99 and the slowest, in milliseconds: first with the snapshot's rankings
dropped before each lookup (each is the first of its category since the registry changed: the
category is ranked then), then as verifications meet them (a category ranked once per snapshot
and day). The issue's target: p95 ≤ 5 ms at 20,000 products. Run by hand; figures go in scripts/README.md, not in assertions.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from barcode_db.catalogue import alternatives
from barcode_db.categories import CODES
from barcode_db.gtin import check_digit
from barcode_db.models import Programme
from barcode_db.registry import (
    CertificationFact,
    CompanyFact,
    ProductFact,
    RegistrySnapshot,
    build_snapshot,
)

TODAY = dt.date(2026, 11, 27)


def _gtin14(payload12: str) -> str:
    return "0" + payload12 + str(check_digit(payload12))


def build(products: int, companies: int, rng: random.Random) -> RegistrySnapshot:
    facts = []
    for n in range(companies):
        brands = tuple(f"Nhãn {n}-{b}" for b in range(3))
        certifications = tuple(
            CertificationFact(
                programme=rng.choice(list(Programme)),
                year=rng.randint(2018, 2026),
                stars=None,
                valid_until=rng.choice([None, TODAY + dt.timedelta(days=200), dt.date(2024, 1, 1)]),
                evidence_ref="bench",
                brand=rng.choice([None, brands[0]]),
                retired=rng.random() < 0.1,
            )
            for _ in range(rng.randint(0, 3))
        )
        facts.append(
            CompanyFact(
                id=n + 1,
                code=f"B{n:05d}",
                name=f"Công ty Thử {n}",
                tax_code=None,
                address="",
                province_code="79",
                prefixes=(f"893{1000 + n:04d}",),
                brands=brands,
                certifications=certifications,
                is_sample=False,
            )
        )
    listed = []
    for n in range(products):
        owner = rng.randrange(companies)
        roll = rng.random()
        if roll < 0.9:  # under its own prefix: trusted
            payload = f"893{1000 + owner:04d}{n:05d}"
        elif roll < 0.95:  # under another company's prefix
            payload = f"893{1000 + (owner + 1) % companies:04d}{n:05d}"
        else:  # licensed abroad
            payload = f"300{n:09d}"
        listed.append(
            ProductFact(
                gtin=_gtin14(payload),
                name=f"Sản phẩm {n}",
                brand=rng.choice(facts[owner].brands),
                company_id=owner + 1,
                category=rng.choice(CODES),
            )
        )
    return build_snapshot(1, facts, listed, [])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--products", type=int, default=20_000)
    parser.add_argument("--companies", type=int, default=2_000)
    parser.add_argument("--lookups", type=int, default=5_000)
    parser.add_argument("--seed", type=int, default=14)
    args = parser.parse_args()
    if args.companies > 9_000:
        parser.error("--companies: at most 9000 (four-digit company prefixes after 893)")
    rng = random.Random(args.seed)
    started = time.perf_counter()
    snapshot = build(args.products, args.companies, rng)
    built = time.perf_counter() - started
    gtins = list(snapshot.products)
    sizes = [len(snapshot.products_in(code)) for code in CODES]
    print(
        f"snapshot: {len(snapshot.products)} products in {len(CODES)} categories "
        f"({min(sizes)}–{max(sizes)} each), {len(snapshot.companies)} companies; "
        f"built in {built:.2f} s"
    )
    for label, cold in (("first lookups of a category (ranked then)", True), ("lookups", False)):
        times = []
        offered = 0
        for _ in range(args.lookups):
            category, scanned = rng.choice(CODES), rng.choice(gtins)
            if cold:  # as right after the registry changed: the snapshot has no ranking yet
                snapshot.derived.clear()
            started = time.perf_counter()
            found = alternatives(snapshot, category, today=TODAY, exclude=scanned)
            times.append((time.perf_counter() - started) * 1000)
            offered += len(found)
        times.sort()
        quantiles = statistics.quantiles(times, n=100)
        print(
            f"{args.lookups} {label}: p50 {quantiles[49]:.3f} ms, p95 {quantiles[94]:.3f} ms, "
            f"p99 {quantiles[98]:.3f} ms, slowest {times[-1]:.3f} ms; "
            f"{offered / args.lookups:.1f} alternatives each (target: p95 ≤ 5 ms)"
        )


if __name__ == "__main__":
    main()
