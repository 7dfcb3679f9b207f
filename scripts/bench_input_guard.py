#!/usr/bin/env python3
"""Benchmark: what the input boundary (``app/input_guard.py``) costs each ``GET /api/v1/verify``.

    .venv/bin/python scripts/bench_input_guard.py [--brands 1000] [--requests 500] [--rounds 6]

In process (Flask's test client, no HTTP): the sample registry plus ``--brands`` generated
brands in a temporary SQLite database, the everyday codes of ``bench_verify.py`` (nothing is
written), ``--rounds`` rounds of ``--requests`` requests with the boundary on, then off (its
``before_request`` taken out of the app), in turn so that other work on the machine weighs alike
on both. Prints the median and p95 per request for each and the difference. Run by hand; figures
go in the issue notes, not in assertions.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("FLASK_RATELIMIT_ENABLED", "false")

import bench_verify

from app import input_guard


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--brands", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=6)
    args = parser.parse_args()
    names = bench_verify.generate_brand_names(args.brands, seed=7)
    inputs = bench_verify.everyday_inputs(names)
    with tempfile.TemporaryDirectory() as tmp, bench_verify.bench_database(None, tmp) as url:
        bench_verify.build_database(url, names)
        app = bench_verify.bench_app(url)
        client = app.test_client()
        guard = input_guard.refuse_forbidden_characters
        hooks = app.before_request_funcs.setdefault(None, [])

        def run(count: int) -> list[float]:
            took = []
            for i in range(count):
                code, brand = inputs[i % len(inputs)]
                started = time.perf_counter()
                response = client.get(
                    "/api/v1/verify", query_string={"code": code, "brand": brand, "lang": "vi"}
                )
                took.append(time.perf_counter() - started)
                if response.status_code != 200:
                    raise SystemExit(f"{code}: HTTP {response.status_code}")
            return took

        run(args.requests)  # warm-up: the registry snapshot, the catalogues
        times: dict[str, list[float]] = {"on": [], "off": []}
        for _ in range(args.rounds):
            for mode in ("on", "off"):
                if mode == "off" and guard in hooks:
                    hooks.remove(guard)
                if mode == "on" and guard not in hooks:
                    hooks.insert(0, guard)
                times[mode] += run(args.requests)
        medians = {}
        for mode, took in times.items():
            took.sort()
            medians[mode] = statistics.median(took) * 1000
            p95 = took[int(len(took) * 0.95)] * 1000
            print(
                f"boundary {mode:3}: median {medians[mode]:.3f} ms, p95 {p95:.3f} ms ({len(took)})"
            )
        print(f"boundary cost: {medians['on'] - medians['off']:.3f} ms per request (median)")


if __name__ == "__main__":
    main()
