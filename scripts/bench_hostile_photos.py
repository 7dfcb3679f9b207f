#!/usr/bin/env python3
"""Benchmark: do cheap pages stay fast while hostile photos arrive? (issue 12, item 5)

    .venv/bin/python scripts/bench_hostile_photos.py [--kind mix] [--photos 20] [--clients 4]
    .venv/bin/python scripts/bench_hostile_photos.py --url http://127.0.0.1:8123

Without ``--url`` it builds a database (a temporary SQLite file, by the migrations, with the
sample registry) and serves the app with gunicorn on a free loopback port as ``scripts/run``
does: ``--workers`` gthread workers of ``--threads`` threads (2 × 4), rate limits on except the
photo limit, raised so that runs can follow each other. With ``--url`` it loads a server already
running (``PORT=8123 ./scripts/run``); that server's photo rate limit (30 a minute per client)
then counts the photos sent.

1. **Idle.** ``GET /about`` ``--probes`` times, ``--probe-gap`` seconds apart, on a connection
   of its own each, after a warm-up; p50 and p95 of the time to the whole answer.
2. **Alone.** Each kind of hostile photo posted once, alone: the ``decode_ms`` the server reports
   for it, against the decoding budget (what "an honest budget" is measured on).
3. **Hostile.** ``--clients`` threads post ``--photos`` hostile photos in all (bounded: each
   post times out after ``--post-timeout`` s) to ``POST /api/v1/verify`` while one thread probes
   ``GET /about`` again, as in 1, until the last photo is answered. Hostile photos are flat
   images, tiny in bytes, large in pixels (``--kind``): ``png40`` the issue's 6300 × 6300 PNG
   (115 KB, 39.7 MP), ``png16`` a 4000 × 4000 PNG (the most a PNG may have), ``jpeg50`` an
   8160 × 6120 JPEG (the most a JPEG may have), ``webp16`` a 4000 × 4000 WebP (the slowest per
   pixel), ``mix`` all four in turn.

Prints both p50/p95, their ratio (target: hostile p95 ≤ 3 × idle p95), the answers the photos
got (200, 422 refused from the header, 503 no slot in time, 429 rate limit) with their times, and
the largest ``decode_ms`` the server reported against the decoding budget. Figures go in
scripts/README.md and the issue notes, not in assertions.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PIL import Image  # noqa: E402

KINDS = ("png40", "png16", "jpeg50", "webp16")
NS_PER_WORK_UNIT = 8  # barcode_db.decode.WORK_WEIGHTS: about 8 ns a unit on the reference machine


def hostile_photo(kind: str) -> bytes:
    size, fmt = {
        "png40": ((6300, 6300), "PNG"),
        "png16": ((4000, 4000), "PNG"),
        "jpeg50": ((8160, 6120), "JPEG"),
        "webp16": ((4000, 4000), "WEBP"),
    }[kind]
    out = io.BytesIO()
    Image.new("RGB", size, (200, 180, 40)).save(out, fmt)
    return out.getvalue()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


# --- HTTP on plain sockets ------------------------------------------------------------------------


def request(host: str, port: int, raw: bytes, timeout: float) -> tuple[int, bytes]:
    """Send one request on a connection of its own; the status and the body."""
    with socket.create_connection((host, port), timeout=timeout) as conn:
        conn.sendall(raw)
        answer = bytearray()
        while chunk := conn.recv(65536):
            answer += chunk
    head, _, body = bytes(answer).partition(b"\r\n\r\n")
    status_line = head.split(b"\r\n", 1)[0].split()
    if len(status_line) < 2 or not status_line[1].isdigit():
        raise OSError(f"not an HTTP answer: {bytes(answer[:40])!r}")
    if b"transfer-encoding: chunked" in head.lower():
        body = _unchunk(body)
    return int(status_line[1]), body


def _unchunk(body: bytes) -> bytes:
    out = bytearray()
    while body:
        size_line, _, rest = body.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            break
        out += rest[:size]
        body = rest[size + 2 :]
    return bytes(out)


def get_raw(host: str, path: str) -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode()


def post_photo_raw(host: str, photo: bytes) -> bytes:
    boundary = uuid.uuid4().hex
    body = (
        (
            f"--{boundary}\r\n"
            'Content-Disposition: form-data; name="photo"; filename="hostile.png"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        + photo
        + f"\r\n--{boundary}--\r\n".encode()
    )
    head = (
        f"POST /api/v1/verify?lang=en HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n"
        f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode()
    return head + body


def probe(host: str, port: int) -> float:
    """Seconds to the whole answer of GET /about (which must be a 200)."""
    started = time.perf_counter()
    status, _ = request(host, port, get_raw(host, "/about"), timeout=60)
    seconds = time.perf_counter() - started
    if status != 200:
        raise SystemExit(f"GET /about answered {status}")
    return seconds


# --- the server -----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def served(args: argparse.Namespace) -> Iterator[tuple[str, int]]:
    """(host, port) of the server: the one at --url, or gunicorn started here as scripts/run."""
    if args.url:
        url = urllib.parse.urlsplit(args.url)
        yield url.hostname or "127.0.0.1", url.port or 80
        return
    venv_bin = Path(sys.executable).parent
    with tempfile.TemporaryDirectory(prefix="bench-hostile-") as tmp:
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3",
            "SECRET_KEY": "bench",
            "RATELIMIT_STORAGE_URI": "memory://",
            "FLASK_PHOTO_VERIFY_RATE_LIMIT": "10000 per minute",
            "FLASK_APP": "app:create_app",
        }
        for command in (["db", "upgrade"], ["registry", "load-sample", "--if-empty"]):
            subprocess.run(
                [str(venv_bin / "flask"), *command], cwd=ROOT, env=env, check=True,
                capture_output=True,
            )  # fmt: skip
        port = args.port or free_port()
        command = [
            str(venv_bin / "gunicorn"),
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(args.workers),
            "--worker-class",
            "gthread",
            "--threads",
            str(args.threads),
            "--log-level",
            "warning",
            "app:create_app()",
        ]
        process = subprocess.Popen(command, cwd=ROOT, env=env)
        try:
            deadline = time.monotonic() + 120
            while True:
                try:
                    probe("127.0.0.1", port)
                    break
                except (OSError, SystemExit):
                    if time.monotonic() > deadline or process.poll() is not None:
                        raise SystemExit("the server did not start") from None
                    time.sleep(0.2)
            yield "127.0.0.1", port
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


# --- the two phases -------------------------------------------------------------------------------


@dataclass
class Attack:
    statuses: Counter[str] = field(default_factory=Counter)
    seconds: dict[str, list[float]] = field(default_factory=dict)
    decode_ms: list[float] = field(default_factory=list)
    seconds_total: float = 0.0


def idle_phase(host: str, port: int, probes: int, gap: float) -> list[float]:
    for _ in range(20):  # warm-up: every worker thread's first page
        probe(host, port)
    latencies = []
    for _ in range(probes):
        latencies.append(probe(host, port))
        time.sleep(gap)
    return latencies


def alone_phase(host: str, port: int, files: dict[str, bytes], timeout: float) -> None:
    """Each kind posted once with nothing else going on: what the server says decoding took."""
    for kind in sorted(files):
        started = time.perf_counter()
        status, body = request(host, port, post_photo_raw(host, files[kind]), timeout=timeout)
        seconds = time.perf_counter() - started
        decode_ms = json.loads(body).get("decode_ms") if status == 200 else None
        shown = "-" if decode_ms is None else f"{decode_ms:.0f} ms"
        print(f"  {kind}: {status} in {seconds * 1000:.0f} ms, decode_ms {shown}")


def hostile_phase(
    host: str, port: int, photos: list[bytes], kinds: list[str], args: argparse.Namespace
) -> tuple[list[float], Attack]:
    attack = Attack()
    lock = threading.Lock()
    todo = list(zip(kinds, photos, strict=True))
    done = threading.Event()

    def client() -> None:
        while True:
            with lock:
                if not todo:
                    return
                kind, photo = todo.pop(0)
            started = time.perf_counter()
            try:
                status, body = request(
                    host, port, post_photo_raw(host, photo), timeout=args.post_timeout
                )
                label = str(status)
            except OSError as error:
                status, body, label = 0, b"", type(error).__name__
            seconds = time.perf_counter() - started
            with lock:
                attack.statuses[f"{kind} {label}"] += 1
                attack.seconds.setdefault(f"{kind} {label}", []).append(seconds)
                if status == 200:
                    decode_ms = json.loads(body).get("decode_ms")
                    if decode_ms is not None:
                        attack.decode_ms.append(float(decode_ms))

    latencies: list[float] = []

    def prober() -> None:
        while not done.is_set():
            latencies.append(probe(host, port))
            time.sleep(args.probe_gap)

    watcher = threading.Thread(target=prober)
    clients = [threading.Thread(target=client) for _ in range(args.clients)]
    started = time.perf_counter()
    watcher.start()
    for thread in clients:
        thread.start()
    for thread in clients:
        thread.join()
    attack.seconds_total = time.perf_counter() - started
    done.set()
    watcher.join()
    return latencies, attack


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="a running server to load (default: start one here)")
    parser.add_argument("--port", type=int, default=0, help="port of the server started here")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (scripts/run)")
    parser.add_argument("--threads", type=int, default=4, help="threads a worker (scripts/run)")
    parser.add_argument("--kind", choices=(*KINDS, "mix"), default="mix")
    parser.add_argument("--photos", type=int, default=20, help="hostile photos in all")
    parser.add_argument("--clients", type=int, default=4, help="threads posting them")
    parser.add_argument("--probes", type=int, default=200, help="GET /about when idle")
    parser.add_argument("--probe-gap", type=float, default=0.02, help="seconds between probes")
    parser.add_argument("--post-timeout", type=float, default=60.0, help="seconds a post may take")
    args = parser.parse_args()

    kinds = [KINDS[n % len(KINDS)] if args.kind == "mix" else args.kind for n in range(args.photos)]
    files = {kind: hostile_photo(kind) for kind in set(kinds)}
    for kind in sorted(files):
        print(f"{kind}: {len(files[kind]) // 1024} KB")

    from barcode_db.decode import DEFAULT_WORK_BUDGET

    budget_ms = 3 * DEFAULT_WORK_BUDGET // 2 * NS_PER_WORK_UNIT / 1e6  # app.verification

    with served(args) as (host, port):
        workers = f"{args.workers} gthread workers × {args.threads} threads"
        where = args.url or f"gunicorn on 127.0.0.1:{port}, {workers}"
        print(f"server: {where}; {os.cpu_count()} cores")
        idle = idle_phase(host, port, args.probes, args.probe_gap)
        print(
            f"each kind alone (decoding budget {budget_ms:.0f} ms at {NS_PER_WORK_UNIT} ns a unit):"
        )
        alone_phase(host, port, files, args.post_timeout)
        hostile, attack = hostile_phase(host, port, [files[k] for k in kinds], kinds, args)

    idle_p50, idle_p95 = percentile(idle, 0.5) * 1000, percentile(idle, 0.95) * 1000
    hot_p50, hot_p95 = percentile(hostile, 0.5) * 1000, percentile(hostile, 0.95) * 1000
    print(f"\nGET /about idle:    n={len(idle)}  p50 {idle_p50:.1f} ms  p95 {idle_p95:.1f} ms")
    print(
        f"GET /about hostile: n={len(hostile)}  p50 {hot_p50:.1f} ms  p95 {hot_p95:.1f} ms  "
        f"max {max(hostile, default=0) * 1000:.1f} ms"
    )
    ratio = hot_p95 / idle_p95 if idle_p95 else float("inf")
    print(f"ratio p95 hostile / idle: {ratio:.2f} (target ≤ 3): {'ok' if ratio <= 3 else 'MISSED'}")
    print(
        f"\n{args.photos} hostile photos from {args.clients} clients, answered in "
        f"{attack.seconds_total:.1f} s:"
    )
    for label in sorted(attack.statuses):
        times = attack.seconds[label]
        print(
            f"  {label}: {attack.statuses[label]}  median {statistics.median(times) * 1000:.0f} ms"
            f"  max {max(times) * 1000:.0f} ms"
        )
    if attack.decode_ms:
        print(
            f"decode_ms reported: median {statistics.median(attack.decode_ms):.0f}, "
            f"max {max(attack.decode_ms):.0f} (budget {budget_ms:.0f} ms at "
            f"{NS_PER_WORK_UNIT} ns a work unit)"
        )


if __name__ == "__main__":
    main()
