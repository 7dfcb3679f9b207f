#!/usr/bin/env python3
"""Benchmark: verifications per second over HTTP and in process, and brand matches per second.

    .venv/bin/python scripts/bench_verify.py [--brands 100000] [--products 0] [--seconds 10]
        [--rounds 5] [--connections 16] [--workers 2] [--requests 2000] [--profile 0]
        [--database-url URL] [--counting batched|each|off] [--skip http in-process matcher]

Runs with the virtualenv ``scripts/run`` makes (no test packages). Builds a database with the
migrations (a temporary SQLite file, or a schema of its own, dropped at the end, on
``--database-url``), loads the sample registry plus a generated one of ``--brands`` brands (one
company and one GS1 company prefix per 10 brands) and ``--products`` generated products, each
with a category (spread over the generated companies and the categories; one of them joins the
everyday codes), then:

1. **HTTP.** Starts gunicorn twice with the same settings (``--workers`` sync workers, no access
   log, loopback, a 300 s worker timeout: a worker builds its registry snapshot in its first
   verification): once with the app (``app:create_app()``, rate limits off through
   ``FLASK_RATELIMIT_ENABLED=false``), once with ``scripts/bench_bare_app.py``, a bare Flask
   JSON endpoint. A load generator in this process (``--connections`` threads, each sending its
   next request on a new connection as soon as it has the answer, like wrk against gunicorn's
   sync workers, which close every connection) warms each up for ``--warmup`` seconds, then
   measures ``GET /ping`` on the bare app, ``GET /api/v1/verify`` with everyday codes (trusted,
   brand agreeing, unlisted, foreign, a generated owner: nothing is written) and with suspect
   codes (invalid, mismatch, lookalike: each leaves an anonymous signal, a row committed, and
   with rate limits off nothing caps them), ``--seconds`` each, cut into ``--rounds`` slices
   taken in turn so that other work on the machine weighs alike on all three. Reports requests
   per second, the ratio to the bare endpoint (the goal: everyday verifications ≥ 0.7×),
   latency, the load generator's own CPU, and every answer that is not a 200.
2. **In process.** ``--requests`` requests to the page and to the JSON API through Flask's test
   client (no HTTP, no server), everyday and suspect codes in turn; ``--profile N`` prints a
   cProfile of N API requests (functions by own time).
3. **Photo.** A 12 MP photo with no barcode through ``POST /api/v1/verify`` (label photos:
   ``bench_label.py --checks``).
4. **Matcher.** A BrandMatcher over the generated brands: matches per second for exact,
   lookalike (one letter changed) and unknown queries.

Every verification is counted for the campaign figures (app/campaign.py) as the app is
configured, unless ``--counting`` says otherwise: ``batched`` (the default: in memory, written
every 10 s and at exit), ``each`` (one upsert inside every verification) or ``off``. After each
part the checks written to ``verification_day`` are summed and shown beside the verifications
answered (HTTP: gunicorn's workers write theirs when they stop).

Run by hand; figures go in scripts/README.md and the issue notes, not in assertions.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import os
import pstats
import random
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from app import create_app  # noqa: E402
from app.config import normalise_database_url  # noqa: E402
from app.extensions import db  # noqa: E402
from barcode_db.categories import CODES  # noqa: E402
from barcode_db.gtin import check_digit  # noqa: E402
from barcode_db.importer import import_registry, read_rows  # noqa: E402
from barcode_db.matching import BrandEntry, BrandMatcher  # noqa: E402
from barcode_db.models import Brand, Company, CompanyPrefix, Product  # noqa: E402
from barcode_db.registry import bump_registry_version  # noqa: E402
from barcode_db.synthetic_brands import generate_brand_names  # noqa: E402
from barcode_db.textkey import match_key, search_key  # noqa: E402
from complaints.campaign import VerificationDay  # noqa: E402


def gtin(payload: str) -> str:
    return payload + str(check_digit(payload))


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def verify_inputs(names: list[str]) -> list[tuple[str, str]]:
    """(code, brand typed) pairs: every kind of verdict a shopper commonly gets."""
    return everyday_inputs(names) + SUSPECT_INPUTS


#: How many generated products there are (--products): one of them is an everyday code.
PRODUCTS = 0


def generated_product(number: int, companies: int) -> str:
    """The GTIN of generated product ``number``: company ``number % companies``, item 2-99."""
    return gtin(f"89370{number % companies:05d}{2 + number // companies:02d}")


def everyday_inputs(names: list[str]) -> list[tuple[str, str]]:
    """Verdicts that are no cause for suspicion: no signal is written."""
    inputs = [
        ("8934673000017", ""),  # trusted, registered product
        (gtin("893467312345"), "Vinamilk"),  # trusted, brand agrees
        (gtin("893999912345"), ""),  # Vietnamese, owner not listed
        (gtin("300000000001"), ""),  # foreign
        (gtin(f"89370{0:05d}01"), names[0] if names else ""),  # generated owner, agrees
    ]
    if PRODUCTS and names:  # a generated product, with its category
        inputs.append((generated_product(PRODUCTS // 2, len(names) // 10), ""))
    return inputs


#: Suspect verdicts: each leaves an anonymous signal (a row written and committed), capped per
#: client by the limiter, so without a cap while rate limits are off.
SUSPECT_INPUTS = [
    ("8934673000014", ""),  # invalid check digit
    (gtin("893602400099"), "Vinamilk"),  # mismatch
    (gtin("893999912345"), "Vinamllk"),  # lookalike
]


# --- the database ---------------------------------------------------------------------------


@contextlib.contextmanager
def bench_database(url: str | None, tmp: str) -> Iterator[str]:
    """A URL to an empty database: a SQLite file in ``tmp``, or a schema of its own on
    PostgreSQL (dropped at the end)."""
    if not url:
        yield f"sqlite:///{tmp}/bench.sqlite3"
        return
    url = normalise_database_url(url)
    schema = f"bench_{os.getpid()}_{secrets.token_hex(3)}"
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    options = urllib.parse.quote(f"-csearch_path={schema},public")
    try:
        yield f"{url}{'&' if '?' in url else '?'}options={options}"
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        engine.dispose()


#: --counting: VERIFICATION_COUNTS for the app, or None for its own setting.
COUNTING: str | None = None


def bench_app(url: str):  # type: ignore[no-untyped-def]
    config = {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False}
    if COUNTING:
        config["VERIFICATION_COUNTS"] = COUNTING
    return create_app(config)


def counted_checks(url: str) -> int:
    """The checks written to verification_day so far."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.scalar(sa.select(sa.func.sum(VerificationDay.count))) or 0)
    finally:
        engine.dispose()


def build_database(url: str, names: list[str], products: int = 0) -> None:
    """The schema by the migrations, the sample registry and the generated one."""
    from flask_migrate import upgrade

    app = bench_app(url)
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        text = (ROOT / "barcode_db/data/sample_registry.csv").read_text("utf-8")
        rows, _ = read_rows(text)
        import_registry(db.session, rows, is_sample=True)
        db.session.commit()
        started = time.perf_counter()
        if names:
            load_generated_registry(names, products)
        print(
            f"registry: sample + {len(names)} generated brands, {products} generated products "
            f"(loaded in {time.perf_counter() - started:.1f} s)"
        )
        db.session.remove()
        db.engine.dispose()


def load_generated_registry(names: list[str], products: int = 0) -> None:
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
    if products:
        if products > 98 * len(companies):
            raise SystemExit(f"at most {98 * len(companies)} products for {len(names)} brands")
        db.session.execute(
            db.insert(Product),
            [
                {
                    "gtin": generated_product(n, len(companies)).zfill(14),
                    "name": f"Sản phẩm {n}",
                    "company_id": 100_000 + n % len(companies),
                    "category": CODES[n % len(CODES)],
                }
                for n in range(products)
            ],
        )
    bump_registry_version(db.session)
    db.session.commit()


# --- HTTP -----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def gunicorn(target: str, *, cwd: Path, workers: int, env: dict[str, str]) -> Iterator[int]:
    """Serve ``target`` with gunicorn on a free loopback port; the same settings for every target."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--log-level",
        "warning",
        # Above the default 30 s: a worker builds its registry snapshot (seconds at 100,000
        # brands, more on a busy machine) inside its first verification.
        "--timeout",
        "300",
        target,
    ]
    process = subprocess.Popen(command, cwd=cwd, env={**os.environ, **env})
    try:
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def get(port: int, path: str) -> int:
    """GET ``path`` on a connection of its own, read the whole answer, return its status.

    Plain sockets rather than http.client: http.client's own work per request is more than the
    bare endpoint's, so with it the load generator, not the server, would set the bare rate
    (about half of it on a 2-core machine) and flatter the ratio.
    """
    with socket.create_connection(("127.0.0.1", port), timeout=60) as conn:
        conn.sendall(
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode()
        )
        answer = bytearray()
        while chunk := conn.recv(65536):  # gunicorn's sync workers close after each answer
            answer += chunk
    status_line = bytes(answer[: answer.find(b"\r\n")]).split()
    if len(status_line) < 2 or not status_line[1].isdigit():
        raise OSError(f"not an HTTP answer: {bytes(answer[:40])!r}")
    return int(status_line[1])


def wait_until_serving(port: int, path: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            status = get(port, path)
        except OSError:
            status = 0
        if status == 200:
            return
        if time.monotonic() > deadline:
            raise SystemExit(f"no 200 from 127.0.0.1:{port}{path} (last status {status})")
        time.sleep(0.2)


@dataclass
class Load:
    seconds: float = 0.0
    #: CPU seconds the load generator (this process) used meanwhile.
    client_cpu: float = 0.0
    statuses: Counter[int] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)

    def add(self, other: Load) -> None:
        self.seconds += other.seconds
        self.client_cpu += other.client_cpu
        self.statuses.update(other.statuses)
        self.errors.update(other.errors)
        self.latencies.extend(other.latencies)

    @property
    def answered(self) -> int:
        return sum(self.statuses.values())

    @property
    def rate(self) -> float:
        return self.answered / self.seconds

    @property
    def not_ok(self) -> int:
        return self.answered - self.statuses[200] + sum(self.errors.values())


def load(port: int, paths: list[str], *, connections: int, seconds: float) -> Load:
    """``connections`` clients, each sending the next request as soon as it has its answer."""
    result = Load()
    lock = threading.Lock()
    started = time.perf_counter()
    deadline = started + seconds

    def client(offset: int) -> None:
        statuses: Counter[int] = Counter()
        errors: Counter[str] = Counter()
        latencies: list[float] = []
        i = offset
        while (t0 := time.perf_counter()) < deadline:
            path = paths[i % len(paths)]
            i += 1
            try:
                status = get(port, path)
            except OSError as error:
                errors[type(error).__name__] += 1
                continue
            latencies.append(time.perf_counter() - t0)
            statuses[status] += 1
        with lock:
            result.statuses.update(statuses)
            result.errors.update(errors)
            result.latencies.extend(latencies)

    cpu = time.process_time()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.seconds = time.perf_counter() - started
    result.client_cpu = time.process_time() - cpu
    return result


def verify_paths(inputs: list[tuple[str, str]]) -> list[str]:
    return [
        "/api/v1/verify?"
        + urllib.parse.urlencode({"code": code, "brand": brand} if brand else {"code": code})
        for code, brand in inputs
    ]


def bench_http(url: str, names: list[str], args: argparse.Namespace) -> None:
    env = {
        "DATABASE_URL": url,
        "SECRET_KEY": "bench",
        "FLASK_RATELIMIT_ENABLED": "false",
    }
    if COUNTING:
        env["FLASK_VERIFICATION_COUNTS"] = COUNTING
    counted_before = counted_checks(url)
    verifications = 1  # wait_until_serving's
    print(
        f"\nHTTP: gunicorn, {args.workers} sync workers each, {args.connections} connections, "
        f"{args.warmup:g} s warm-up each, {args.seconds:g} s measured each in {args.rounds} "
        "interleaved slices"
    )
    results: dict[str, Load] = {}
    with (
        gunicorn("bench_bare_app:app", cwd=ROOT / "scripts", workers=args.workers, env={}) as bare,
        gunicorn("app:create_app()", cwd=ROOT, workers=args.workers, env=env) as app,
    ):
        everyday = verify_paths(everyday_inputs(names))
        wait_until_serving(bare, "/ping")
        wait_until_serving(app, everyday[0])
        targets = (
            ("bare Flask /ping", bare, ["/ping"]),
            ("GET /api/v1/verify, everyday codes", app, everyday),
            ("GET /api/v1/verify, suspect codes", app, verify_paths(SUSPECT_INPUTS)),
        )
        for _label, port, paths in targets:
            # Every worker builds its registry snapshot on its first verification.
            warm = load(port, paths, connections=args.connections, seconds=args.warmup)
            verifications += warm.statuses[200] if port == app else 0
        # Slices taken in turn, so that what else the machine does weighs alike on each.
        for _round in range(args.rounds):
            for label, port, paths in targets:
                part = load(
                    port, paths, connections=args.connections, seconds=args.seconds / args.rounds
                )
                results.setdefault(label, Load()).add(part)
    verifications += sum(r.statuses[200] for label, r in results.items() if "verify" in label)
    print(
        f"campaign figures ({COUNTING or 'as configured'}): {counted_checks(url) - counted_before} "
        f"checks written by the workers, {verifications} verifications answered"
    )
    print(
        "| endpoint | requests | req/s | × bare | p50 ms | p95 ms | p99 ms | max ms "
        "| load generator CPU | not 200 |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    bare_rate = results["bare Flask /ping"].rate
    for label, result in results.items():
        lat = result.latencies or [0.0]
        other = {**{str(k): v for k, v in result.statuses.items() if k != 200}, **result.errors}
        print(
            f"| {label} | {result.answered} | {result.rate:.0f} | {result.rate / bare_rate:.2f} "
            f"| {percentile(lat, 0.5) * 1000:.1f} | {percentile(lat, 0.95) * 1000:.1f} "
            f"| {percentile(lat, 0.99) * 1000:.1f} | {max(lat) * 1000:.1f} "
            f"| {result.client_cpu / result.seconds:.0%} of a core "
            f"| {result.not_ok}{f' {other}' if other else ''} |"
        )
    ratio = results["GET /api/v1/verify, everyday codes"].rate / bare_rate
    print(
        f"verify (everyday codes) / bare = {ratio:.2f}× "
        f"(goal ≥ 0.70×: {'met' if ratio >= 0.7 else 'NOT met'})"
    )
    if any(r.not_ok for r in results.values()):
        print("NOT every answer was a 200: the rates above do not count.")


# --- in process -----------------------------------------------------------------------------


def bench_in_process(url: str, names: list[str], requests: int, profile: int) -> None:
    from app.campaign import counts

    counted_before = counted_checks(url)
    app = bench_app(url)
    inputs = verify_inputs(names)
    client = app.test_client()
    client.get("/verify?code=8934673000017")  # the first call builds the registry snapshot
    print(f"\nin process (Flask test client), {requests} requests each")
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
    if profile:
        profiler = cProfile.Profile()
        profiler.enable()
        for i in range(profile):
            code, brand = inputs[i % len(inputs)]
            client.get("/api/v1/verify", query_string={"code": code, "brand": brand})
        profiler.disable()
        print(f"\ncProfile of {profile} API requests, by own time:")
        pstats.Stats(profiler, stream=sys.stdout).sort_stats("tottime").print_stats(30)
    bench_photo(client)
    counts(app).flush()  # what is still in memory (a worker does this when it stops)
    print(
        f"campaign figures ({counts(app).mode}): {counted_checks(url) - counted_before} checks "
        f"written, {1 + 2 * requests + profile + 5} verifications made"
    )


def bench_photo(client) -> None:  # type: ignore[no-untyped-def]
    """A 12 MP photo with no barcode: the decoder's whole work budget, then the label reader."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4000, 3000), (120, 110, 100)).save(buffer, "JPEG", quality=85)
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        response = client.post(
            "/api/v1/verify",
            data={"photo": (io.BytesIO(buffer.getvalue()), "p.jpg")},
            content_type="multipart/form-data",
        )
        times.append(time.perf_counter() - t0)
        assert response.status_code == 200
    print(
        f"photo API, 12 MP no code   p50 {percentile(times, 0.5) * 1000:6.0f} ms   "
        f"max {max(times) * 1000:6.0f} ms"
    )


# --- the matcher ----------------------------------------------------------------------------


def bench_matcher(brands: int) -> None:
    names = generate_brand_names(brands, seed=11)
    started = time.perf_counter()
    matcher = BrandMatcher(BrandEntry(i, name, i // 10) for i, name in enumerate(names))
    print(f"\nmatcher over {len(names)} brands built in {time.perf_counter() - started:.2f} s")
    rng = random.Random(3)
    sample = rng.sample(names, min(2000, len(names)))

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
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--brands", type=int, default=100_000)
    parser.add_argument(
        "--products", type=int, default=0, help="generated products, each with a category"
    )
    parser.add_argument(
        "--counting",
        choices=("batched", "each", "off"),
        help="campaign counting (VERIFICATION_COUNTS); default: the app's own setting",
    )
    parser.add_argument("--database-url", help="PostgreSQL (a schema of its own); default: SQLite")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--warmup", type=float, default=5.0, help="seconds, per endpoint")
    parser.add_argument("--seconds", type=float, default=10.0, help="measured, per endpoint")
    parser.add_argument("--rounds", type=int, default=5, help="slices the measure is cut into")
    parser.add_argument("--requests", type=int, default=2000, help="in process, per endpoint")
    parser.add_argument("--profile", type=int, default=0, help="cProfile this many API requests")
    parser.add_argument("--skip", nargs="*", default=[], choices=("http", "in-process", "matcher"))
    args = parser.parse_args()
    global PRODUCTS, COUNTING
    PRODUCTS, COUNTING = args.products, args.counting
    names = generate_brand_names(args.brands, seed=7) if args.brands else []
    with tempfile.TemporaryDirectory() as tmp, bench_database(args.database_url, tmp) as url:
        build_database(url, names, args.products)
        if "http" not in args.skip:
            bench_http(url, names, args)
        if "in-process" not in args.skip:
            bench_in_process(url, names, args.requests, args.profile)
    if "matcher" not in args.skip:
        bench_matcher(args.brands)


if __name__ == "__main__":
    main()
