#!/usr/bin/env python
"""Probe a running server over loopback with hostile input and hostile files, and print a table.

    .venv/bin/python scripts/probe_hostile.py --url http://127.0.0.1:8123 \\
        [--user admin --password '…'] [--max-requests 4000] [--max-seconds 600]

What it sends (the classes of the hardening issue; values from tests/support/hostile.py):

- every hostile value in every query parameter the pages and the API read (names taken from
  the app's own query schemas and from the server's /api/openapi.json), and in every path part;
- every hostile value in every field of the report form, the complaints API and the sign-in
  form (a valid report otherwise, so the value reaches the rules);
- hostile files (empty, truncated, a decompression bomb, a 40 MP flat PNG, SVG with script, a
  GIF/HTML polyglot, a fake HEIC, a PDF named .jpg) to every upload: the photo check (page and
  API) and the report (form and API).

Signed in (``--user``/``--password`` of a staff account, e.g. one made with ``flask users create``)
it probes the staff and inspectors' pages too; it also checks that each of those pages refuses
an anonymous visitor. A **server error** is any 5xx but the 503 of a busy photo slot; a **leak**
is a staff page answered to an anonymous visitor, or a body showing a traceback or a database
driver's message. Run it against a throwaway instance: it files complaints.
Exit status 1 when there is any server error or leak.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import io
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.hostile import ALL, FORBIDDEN  # noqa: E402

LEAK_MARKERS = ("Traceback (most recent call last)", "sqlalchemy.", "psycopg.", "werkzeug.")
STAFF_PREFIXES = ("/staff/", "/inspect/", "/reports/")
GOOD_CODE = "8934673000175"


@dataclass
class Tally:
    sent: int = 0
    by_class: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    server_errors: list[str] = field(default_factory=list)
    leaks: list[str] = field(default_factory=list)
    slowest: float = 0.0


class Probe:
    def __init__(self, base: str, max_requests: int, max_seconds: float) -> None:
        self.base = base.rstrip("/")
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect()
        )
        self.anonymous = urllib.request.build_opener(_NoRedirect())
        self.max_requests = max_requests
        self.deadline = time.monotonic() + max_seconds
        self.tallies: dict[str, Tally] = defaultdict(Tally)
        self.signed_in = False

    # ---- transport ------------------------------------------------------------------------

    def exhausted(self) -> bool:
        total = sum(t.sent for t in self.tallies.values())
        return total >= self.max_requests or time.monotonic() > self.deadline

    def request(
        self,
        kind: str,
        method: str,
        path: str,
        *,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        anonymous: bool = False,
    ) -> tuple[int, str]:
        if self.exhausted():
            return 0, ""
        url = path if path.startswith("http") else self.base + path
        request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
        started = time.monotonic()
        try:
            with (self.anonymous if anonymous else self.opener).open(request, timeout=60) as r:
                status, text = r.status, r.read(200_000).decode("utf-8", "replace")
        except urllib.error.HTTPError as error:
            status, text = error.code, error.read(200_000).decode("utf-8", "replace")
        except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
            status, text = 599, f"no answer: {error}"
        elapsed = time.monotonic() - started
        tally = self.tallies[kind]
        tally.sent += 1
        tally.by_class[f"{status // 100}xx"] += 1
        tally.slowest = max(tally.slowest, elapsed)
        where = f"{method} {path[:120]}"
        if status >= 500 and status != 503:
            tally.server_errors.append(f"{status} {where}")
        if any(marker in text for marker in LEAK_MARKERS):
            tally.leaks.append(f"{status} {where}: shows internals")
        return status, text

    def csrf(self, path: str) -> tuple[str, str]:
        """The CSRF token and, if any, the idempotency key of the form at ``path``."""
        _, page = self.request("setup", "GET", path)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]*)"', page) or re.search(
            r'id="csrf_token" name="csrf_token" type="hidden" value="([^"]*)"', page
        )
        key = re.search(r'name="idempotency_key" type="hidden" value="([^"]*)"', page) or re.search(
            r'id="idempotency_key" name="idempotency_key" type="hidden" value="([^"]*)"', page
        )
        return (token.group(1) if token else ""), (key.group(1) if key else "")

    def sign_in(self, user: str, password: str) -> None:
        token, _ = self.csrf("/staff/login")
        body = urllib.parse.urlencode(
            {"csrf_token": token, "username": user, "password": password}
        ).encode()
        status, _ = self.request(
            "setup",
            "POST",
            "/staff/login",
            body=body,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Referer": self.base + "/staff/login",
            },
        )
        self.signed_in = status in (302, 303)
        if not self.signed_in:
            raise SystemExit(f"sign-in as {user!r} failed ({status})")

    # ---- what is sent -------------------------------------------------------------------

    def query_names(self) -> dict[str, list[str]]:
        from app.query_args import CaseQuery, DaysQuery, InspectQuery, PageQuery, QueueQuery

        def names(schema: type) -> list[str]:
            return sorted(f.data_key or n for n, f in schema().load_fields.items())

        targets = {
            "/": ["code", "lang"],
            "/verify": ["code", "brand", "maker", "origin", "expires", "lang"],
            "/brands": names(PageQuery),
            "/track": ["code"],
            "/lang/vi": ["next"],
            "/report": ["code", "brand", "province", "level", "category", "unlabelled"],
            "/staff/login": ["next"],
        }
        _, text = self.request("setup", "GET", "/api/openapi.json")
        try:
            import json

            document = json.loads(text)
            for path, operations in document.get("paths", {}).items():
                if "{" in path:
                    continue
                get = operations.get("get", {}) if isinstance(operations, dict) else {}
                params = [p["name"] for p in get.get("parameters", []) if p["in"] == "query"]
                if params:
                    targets[path] = params
        except ValueError:
            pass
        if self.signed_in:
            targets.update(
                {
                    "/staff/": names(QueueQuery),
                    "/inspect/": names(InspectQuery),
                    "/inspect/export.csv": names(InspectQuery),
                    "/inspect/export.xlsx": names(CaseQuery),
                    "/staff/signals": names(DaysQuery),
                    "/staff/registry/": names(PageQuery),
                    "/reports/view": ["period", "province", "commune"],
                }
            )
        return targets

    def probe_queries(self) -> None:
        for path, names in self.query_names().items():
            for name in names:
                for kind, value in ALL.items():
                    query = urllib.parse.urlencode({name: value})
                    status, _ = self.request(f"query:{kind}", "GET", f"{path}?{query}")
                    self._expect_refused(kind, status, f"GET {path}?{name}=")

    def probe_paths(self) -> None:
        paths = [
            "/brands/{}",
            "/track/{}",
            "/api/v1/complaints/{}",
            "/api/v1/areas/{}/communes",
            "/staff/complaints/{}",
            "/inspect/cases/{}.pdf",
        ]
        for template in paths:
            for kind, value in ALL.items():
                if value:
                    part = urllib.parse.quote(value, safe="")
                    self.request(f"path:{kind}", "GET", template.format(part))

    def _expect_refused(self, kind: str, status: int, where: str) -> None:
        if kind in FORBIDDEN and status not in (0, 400, 401, 404, 422, 429):
            self.tallies[f"query:{kind}"].leaks.append(f"{status} {where}: not refused")

    def report_fields(self) -> dict[str, str]:
        return {
            "category": "counterfeit",
            "province": "79",
            "commune": "26740",
            "code": GOOD_CODE,
            "brand": "Vinamilk",
            "store_name": "Tạp hoá Cô Ba",
            "store_address": "12 Lê Lợi",
            "price": "15000",
            "quantity": "2",
            "description": "Hộp sữa in chữ Vinamilk nhưng mã vạch lạ, vỏ hộp mờ.",
        }

    def api_fields(self) -> dict[str, str]:
        names = {"province": "province_code", "commune": "commune_code", "price": "price_vnd"}
        fields = {names.get(k, k): v for k, v in self.report_fields().items()}
        fields["anonymous"] = "true"
        return fields

    def post_report(self, kind: str, fields: dict[str, str], files=()) -> int:
        token, key = self.csrf("/report")
        body, content_type = _multipart(
            {**fields, "csrf_token": token, "idempotency_key": key}, files
        )
        status, _ = self.request(
            kind,
            "POST",
            "/report",
            body=body,
            headers={"Content-Type": content_type, "Referer": self.base + "/report"},
        )
        return status

    def post_api_report(self, kind: str, fields: dict[str, str], files=()) -> int:
        body, content_type = _multipart(fields, files)
        status, _ = self.request(
            kind,
            "POST",
            "/api/v1/complaints",
            body=body,
            headers={"Content-Type": content_type, "Idempotency-Key": str(uuid.uuid4())},
        )
        return status

    def probe_forms(self) -> None:
        for name in self.report_fields():
            for kind, value in ALL.items():
                fields = {**self.report_fields(), name: value}
                status = self.post_report(f"form:{kind}", fields)
                self._expect_refused(kind, status, f"POST /report {name}=")
        for name in self.api_fields():
            for kind, value in ALL.items():
                status = self.post_api_report(f"api:{kind}", {**self.api_fields(), name: value})
                self._expect_refused(kind, status, f"POST /api/v1/complaints {name}=")
        for name in ("username", "password"):
            for kind, value in ALL.items():
                token, _ = self.csrf("/staff/login")
                fields = {"csrf_token": token, "username": "probe", "password": "x" * 12}
                fields[name] = value
                self.request(
                    f"form:{kind}",
                    "POST",
                    "/staff/login",
                    body=urllib.parse.urlencode(fields).encode(),
                    headers={
                        "Content-Type": "application/x-www-form-urlencoded",
                        "Referer": self.base + "/staff/login",
                    },
                    anonymous=True,
                )

    def probe_files(self) -> None:
        for kind, (name, data) in hostile_files().items():
            files = [("photo", data, name)]
            body, content_type = _multipart({}, files)
            self.request(
                f"file:{kind}",
                "POST",
                "/api/v1/verify",
                body=body,
                headers={"Content-Type": content_type},
            )
            token, _ = self.csrf("/")
            body, content_type = _multipart({"csrf_token": token}, files)
            self.request(
                f"file:{kind}",
                "POST",
                "/verify/photo",
                body=body,
                headers={"Content-Type": content_type, "Referer": self.base + "/"},
            )
            self.post_api_report(f"file:{kind}", self.api_fields(), [("photos", data, name)])
            self.post_report(f"file:{kind}", self.report_fields(), [("photos", data, name)])

    def probe_anonymous_access(self) -> None:
        for path in ("/staff/", "/inspect/", "/inspect/export.csv", "/reports/", "/staff/tokens",
                     "/staff/registry/", "/staff/signals", "/staff/duplicates"):  # fmt: skip
            status, _ = self.request("anonymous", "GET", path, anonymous=True)
            if status == 200:
                self.tallies["anonymous"].leaks.append(f"200 GET {path} without signing in")

    # ---- report ---------------------------------------------------------------------------

    def print_table(self) -> int:
        print(f"{'class':<34}{'sent':>6}{'2xx':>6}{'3xx':>6}{'4xx':>6}{'5xx':>6}"
              f"{'errors':>8}{'leaks':>7}{'slowest s':>11}")  # fmt: skip
        errors = leaks = 0
        for kind in sorted(self.tallies):
            t = self.tallies[kind]
            errors += len(t.server_errors)
            leaks += len(t.leaks)
            print(
                f"{kind:<34}{t.sent:>6}{t.by_class['2xx']:>6}{t.by_class['3xx']:>6}"
                f"{t.by_class['4xx']:>6}{t.by_class['5xx']:>6}{len(t.server_errors):>8}"
                f"{len(t.leaks):>7}{t.slowest:>11.2f}"
            )
        total = sum(t.sent for t in self.tallies.values())
        print(f"\n{total} requests, {errors} server errors, {leaks} leaks")
        for t in self.tallies.values():
            for line in (t.server_errors + t.leaks)[:10]:
                print("  ", line)
        if self.exhausted():
            print("(stopped at the request or time bound: raise --max-requests / --max-seconds)")
        return 1 if errors or leaks else 0


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


def _multipart(fields: dict[str, str], files=()) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    out = io.BytesIO()
    for name, value in fields.items():
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode())
        out.write(value.encode("utf-8", "surrogatepass") + b"\r\n")
    for name, data, filename in files:
        out.write(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode()
        )
        out.write(data + b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={boundary}"


def hostile_files() -> dict[str, tuple[str, bytes]]:
    """The hostile-file set: (file name, bytes) by class."""
    from PIL import Image

    def encoded(image: Image.Image, fmt: str, **options: object) -> bytes:
        buffer = io.BytesIO()
        image.save(buffer, fmt, **options)
        return buffer.getvalue()

    good = encoded(Image.new("RGB", (800, 600), "white"), "JPEG")
    bomb = encoded(Image.new("1", (30_000, 30_000)), "PNG", optimize=True)
    return {
        "zero_byte": ("empty.jpg", b""),
        "truncated_jpeg": ("cut.jpg", good[: len(good) // 3]),
        "decompression_bomb_900mp": ("bomb.png", bomb),
        "flat_40mp_png": ("flat.png", encoded(Image.new("L", (6300, 6300), 200), "PNG")),
        "svg_with_script": (
            "label.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        ),
        "gif_html_polyglot": ("label.gif", b"GIF89a/*<html><script>alert(1)</script>*/=1;"),
        "fake_heic": (
            "label.heic",
            b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00heicmif1" + b"\0" * 64,
        ),
        "pdf_named_jpg": ("label.jpg", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"),
        "extreme_aspect": ("strip.png", encoded(Image.new("L", (20_000, 2), 255), "PNG")),
        "good_jpeg_control": ("label.jpg", good),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:5000")
    parser.add_argument("--user")
    parser.add_argument("--password")
    parser.add_argument("--max-requests", type=int, default=6000)
    parser.add_argument("--max-seconds", type=float, default=900)
    args = parser.parse_args()
    probe = Probe(args.url, args.max_requests, args.max_seconds)
    probe.probe_anonymous_access()
    if args.user:
        probe.sign_in(args.user, args.password or "")
    for step in (probe.probe_queries, probe.probe_paths, probe.probe_forms, probe.probe_files):
        step()
    return probe.print_table()


if __name__ == "__main__":
    raise SystemExit(main())
