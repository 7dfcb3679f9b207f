#!/usr/bin/env python3
"""Benchmark: GET /api/v1/verify served by one app node, then by two sharing the load (issue 16).

    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test \\
        .venv/bin/python scripts/bench_nodes.py [--clients 8] [--requests 4000] [--threads 4]
        [--warmup 200] [--redis-url redis://127.0.0.1:6379/0]

Loopback only, bounded: a fixed number of requests from a fixed number of clients. Builds a
schema of its own on PostgreSQL (``DATABASE_URL``, default the local ``test`` database; dropped
at the end) with the migrations and the sample registry (as ``bench_verify.py`` does), then
starts one node: gunicorn ``app:create_app()``, one gthread worker of ``--threads`` threads,
as a node of a two-machine deployment runs it; rate limits in Redis at ``--redis-url`` under
a key prefix of this run (removed at the end) with the verification limit far above what is
sent, or off when that Redis does not answer (``--redis-url ''`` too). ``--clients`` threads,
each holding one keep-alive connection to each node, send ``--requests`` requests in all
(everyday codes in turn: trusted, brand agreeing, unlisted, foreign; nothing is written but the
campaign counts) after ``--warmup`` requests per node that are not measured. Then a second
node, the same settings, and the same load again, each client sending its requests to the two
nodes in turn (a round-robin balancer).

Prints, for each: requests per second, latency p50/p95/max, and the requests that failed (an
answer other than 200) or were lost (no answer: the connection refused, reset or timed out);
both must be 0. Run by hand; the figures go in the issue notes, not in assertions. On a 2-core
machine two nodes cannot do twice the work of one: what this shows is that the load is shared
with nothing lost, and what a second node costs or gains there.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import os
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from bench_verify import (  # noqa: E402
    bench_database,
    build_database,
    everyday_inputs,
    free_port,
    percentile,
    verify_paths,
)

BIN = Path(sys.executable).parent
DEFAULT_DATABASE = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
#: A node is given this long to answer /healthz (a bound on a busy machine, not a target).
START_SECONDS = 120.0
#: A request not answered within this is lost.
REQUEST_TIMEOUT = 60.0


@dataclass
class Node:
    port: int
    process: subprocess.Popen[bytes]


@contextlib.contextmanager
def node(env: dict[str, str], threads: int) -> Iterator[Node]:
    """A node on a free loopback port: gunicorn, one gthread worker of ``threads`` threads."""
    port = free_port()
    command = [
        str(BIN / "gunicorn"),
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "1",
        "--worker-class",
        "gthread",
        "--threads",
        str(threads),
        "--log-level",
        "warning",
        "app:create_app()",
    ]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdin=subprocess.DEVNULL)
    try:
        started = Node(port, process)
        wait_until_healthy(started)
        yield started
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_until_healthy(started: Node) -> None:
    deadline = time.monotonic() + START_SECONDS
    while True:
        if started.process.poll() is not None:
            raise SystemExit(f"the node on port {started.port} exited")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", started.port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                connection.close()
                return
            connection.close()
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise SystemExit(f"the node on port {started.port} did not answer /healthz")
        time.sleep(0.2)


@dataclass
class Load:
    nodes: int
    clients: int
    seconds: float = 0.0
    statuses: Counter[int] = field(default_factory=Counter)
    #: Requests with no answer, by error.
    lost: Counter[str] = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)

    @property
    def sent(self) -> int:
        return sum(self.statuses.values()) + sum(self.lost.values())

    @property
    def failed(self) -> int:
        return sum(self.statuses.values()) - self.statuses[200]


def load(ports: list[int], paths: list[str], *, clients: int, requests: int) -> Load:
    """``requests`` requests from ``clients`` threads, each with a keep-alive connection to
    every node, sending to the nodes in turn; each client starts at another node and path."""
    result = Load(nodes=len(ports), clients=clients)
    lock = threading.Lock()
    shares = [requests // clients + (1 if i < requests % clients else 0) for i in range(clients)]

    def client(number: int, count: int) -> None:
        connections = {
            port: http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
            for port in ports
        }
        statuses: Counter[int] = Counter()
        lost: Counter[str] = Counter()
        latencies: list[float] = []
        for i in range(number, number + count):
            port = ports[i % len(ports)]
            connection = connections[port]
            t0 = time.perf_counter()
            try:
                connection.request("GET", paths[i % len(paths)])
                response = connection.getresponse()
                response.read()
            except (OSError, http.client.HTTPException) as error:
                lost[type(error).__name__] += 1
                connection.close()  # the next request opens a new connection
                continue
            latencies.append(time.perf_counter() - t0)
            statuses[response.status] += 1
        for connection in connections.values():
            connection.close()
        with lock:
            result.statuses.update(statuses)
            result.lost.update(lost)
            result.latencies.extend(latencies)

    threads = [threading.Thread(target=client, args=(i, shares[i])) for i in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.seconds = time.perf_counter() - started
    return result


def report(result: Load) -> None:
    lat = result.latencies or [0.0]
    other = {str(k): v for k, v in result.statuses.items() if k != 200}
    print(
        f"| {result.nodes} | {result.clients} | {result.sent} | {result.seconds:.1f} "
        f"| {len(result.latencies) / result.seconds:.0f} | {percentile(lat, 0.5) * 1000:.1f} "
        f"| {percentile(lat, 0.95) * 1000:.1f} | {max(lat) * 1000:.1f} "
        f"| {result.failed}{f' {other}' if other else ''} "
        f"| {sum(result.lost.values())}{f' {dict(result.lost)}' if result.lost else ''} |"
    )


def redis_answers(url: str) -> bool:
    if not url:
        return False
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False
    finally:
        client.close()


def forget_keys(url: str, pattern: str) -> None:
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=10)
    try:
        for key in client.scan_iter(match=pattern, count=1000):
            client.delete(key)
    finally:
        client.close()


def node_env(url: str, redis_url: str, run: str) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith("FLASK_")}
    for name in ("RATELIMIT_STORAGE_URI", "REDIS_URL", "JOBS_URL", "PROMETHEUS_MULTIPROC_DIR"):
        env.pop(name, None)
    env.update({"DATABASE_URL": url, "SECRET_KEY": f"bench-{run}", "LOG_FORMAT": "text"})
    if redis_url:
        env.update(
            {
                "REDIS_URL": redis_url,
                "JOBS_QUEUE_NAME": f"bench-nodes-{run}",
                "FLASK_RATELIMIT_KEY_PREFIX": f"bench-nodes-{run}",
                # Counted, as in production, but never reached.
                "FLASK_VERIFY_RATE_LIMIT": "100000000 per minute",
            }
        )
    else:
        env["FLASK_RATELIMIT_ENABLED"] = "false"
    return env


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients (threads)")
    parser.add_argument("--requests", type=int, default=4000, help="measured requests in all")
    parser.add_argument("--warmup", type=int, default=200, help="requests per node, not measured")
    parser.add_argument("--threads", type=int, default=4, help="gthread threads of a node")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    args = parser.parse_args()
    database = os.environ.get("DATABASE_URL") or DEFAULT_DATABASE
    if not database.startswith(("postgres://", "postgresql")):
        sys.exit("bench_nodes needs PostgreSQL (the nodes share it): set DATABASE_URL")
    run = secrets.token_hex(4)
    redis_url = args.redis_url if redis_answers(args.redis_url) else ""
    print(
        f"rate limits: {'Redis ' + redis_url + ', limit far above the load' if redis_url else 'off (no Redis)'}"
    )
    paths = verify_paths(everyday_inputs([]))
    results: list[Load] = []
    try:
        with tempfile.TemporaryDirectory() as tmp, bench_database(database, tmp) as url:
            build_database(url, [])
            env = node_env(url, redis_url, run)
            print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
            with node(env, args.threads) as a:
                load([a.port], paths, clients=args.clients, requests=args.warmup)
                results.append(load([a.port], paths, clients=args.clients, requests=args.requests))
                with node(env, args.threads) as b:
                    load([b.port], paths, clients=args.clients, requests=args.warmup)
                    results.append(
                        load([a.port, b.port], paths, clients=args.clients, requests=args.requests)
                    )
            print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    finally:
        if redis_url:
            forget_keys(redis_url, f"*bench-nodes-{run}*")
    print(
        f"\nGET /api/v1/verify, {len(paths)} everyday codes in turn, gunicorn gthread "
        f"1 worker × {args.threads} threads per node, keep-alive"
    )
    print(
        "| nodes | clients | requests | seconds | req/s | p50 ms | p95 ms | max ms | failed | lost |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for result in results:
        report(result)
    if any(r.failed or r.lost for r in results):
        print("NOT every request was answered with a 200.")
        sys.exit(1)


if __name__ == "__main__":
    main()
