#!/usr/bin/env python3
"""Benchmark: the label reader (barcode_db.label.read_label) on generated photos of product labels.

    .venv/bin/python scripts/bench_label.py --per-class 20 --seed 9 [--split tune|holdout|all]
        [--today 2026-11-27] [--classes clean scale ...] [--json out.json] [--failures]

Renders (once, cached under ``--cache``) the seeded corpus of ``tests/support/label_corpus.py``:
genuine, lookalike, foreign (with and without a Vietnamese sub-label) and text-less labels,
photographed clean, small in a 12 MP frame, rotated, in perspective, blurred, JPEG-crushed, in bad
light, round a can, noisy, and all of that at once (``hard``). Needs requirements-dev:
python-barcode draws the barcodes, as for bench_decode.

Each photo goes through the app's loader (``barcode_db.images.load_image``), then
``read_label([image], registry=snapshot)`` and ``decode_image(image)`` one after the other, each
timed (wall clock; loading is not counted). The registry snapshot is the sample registry
(``barcode_db/data/sample_registry.csv``) imported into a temporary SQLite database made by the
migrations. Scores, per class and overall:

* brand: genuine labels with an EXACT finding of the printed registry brand;
* lookalike: lookalike labels with a CLOSE finding whose brand is the one imitated;
* maker: labels whose maker line names a registry company, read as that company;
* origin: labels with an origin line, read as that country; expiry: labels with an expiry date,
  read as that date (month-only dates mean the month's last day, "12 tháng kể từ NSX" NSX + 12
  months); VN text: every label, ``vietnamese_text`` as printed;
* false findings, one per label and kind: (a) on a genuine label a CLOSE finding or an EXACT
  finding of a brand not printed on it (a brand inside the maker's name is printed), (b) an
  expiry date before ``--today`` on a label that is not expired, (c) a maker matched to a
  registry company other than the printed one (or to any, when the maker is not a registry
  company), (d) a foreign label with a Vietnamese sub-label read as having no Vietnamese text,
  (e) a registry brand (CLOSE, or EXACT and not printed) found on a foreign or text-less label.

Then a line for the clean-to-moderate classes (all but ``hard``) against the goals. ``--failures``
lists every miss, false finding and read_label error (an exception counts as a miss on every check
and the run goes on) with what was printed, what was read and the OCR text.

Run by hand; figures go in scripts/README.md and the issue notes, not in assertions.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import logging
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PIL import Image  # noqa: E402

from barcode_db.decode import decode_image  # noqa: E402
from barcode_db.images import load_image  # noqa: E402
from barcode_db.label import LabelReading, read_label  # noqa: E402
from barcode_db.matching import MatchKind  # noqa: E402
from barcode_db.registry import RegistrySnapshot  # noqa: E402
from tests.support.label_corpus import (  # noqa: E402
    CLASSES,
    CLEAN_TO_MODERATE,
    DEFAULT_CACHE,
    DEFAULT_TODAY,
    LabelSample,
    LabelTruth,
    build_label_corpus,
)

GOALS = {"brand": 95.0, "lookalike": 90.0, "origin": 90.0, "expiry": 90.0}
GOAL_FALSE = 0
GOAL_P50_MS = 1500.0
GOAL_P95_MS = 3000.0
CHECKS = ("brand", "lookalike", "maker", "origin", "expiry", "vn_text", "code")
FALSE_KINDS = {
    "a": "wrong brand finding on a genuine label",
    "b": "expiry in the past on a label that is not expired",
    "c": "maker matched to the wrong registry company",
    "d": "Vietnamese sub-label read as no Vietnamese text",
    "e": "registry brand found on a foreign or text-less label",
}
TWELVE_MP = 12_000_000

Reader = Callable[[Sequence[Image.Image]], LabelReading]
Decoder = Callable[[Image.Image], list[str]]


# --- the registry ---------------------------------------------------------------------------------


def sample_registry_snapshot() -> RegistrySnapshot:
    """The sample registry as the app sees it: migrations, the CSV importer, load_snapshot."""
    import flask_migrate

    from app import create_app
    from app.extensions import db
    from barcode_db.importer import import_registry, read_rows
    from barcode_db.registry import load_snapshot

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(
            {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/registry.sqlite3", "SECRET_KEY": "bench"}
        )
        with app.app_context():
            logging.disable(logging.INFO)  # migrations/env.py sets up its own INFO logging
            try:
                flask_migrate.upgrade()
            finally:
                logging.disable(logging.NOTSET)
            text = (ROOT / "barcode_db/data/sample_registry.csv").read_text("utf-8")
            rows, errors = read_rows(text)
            if errors:
                raise SystemExit(f"sample registry: {errors}")
            report = import_registry(db.session, rows, is_sample=True)
            if not report.ok:
                raise SystemExit(f"sample registry: {report}")
            db.session.commit()
            snapshot = load_snapshot(db.session)
            db.session.remove()
            db.engine.dispose()
    return snapshot


# --- scoring one label ----------------------------------------------------------------------------


@dataclass
class Score:
    """Per check: True (right), False (missed), None (does not apply); false findings by kind."""

    checks: dict[str, bool | None] = field(default_factory=dict)
    false: dict[str, str] = field(default_factory=dict)  # kind letter -> what was found


def _brand_name(finding: Any) -> str | None:
    return finding.entry.name if finding.entry is not None else None


def score(truth: LabelTruth, reading: LabelReading, codes: Iterable[str], today: dt.date) -> Score:
    """What the reading got right, missed and found falsely on a label with this truth."""
    result = Score()
    checks = result.checks
    # What the verdict rests on: findings two readings agreed on. Unsure ones are only shown to
    # the shopper in an editable field, so they are neither a recognition nor a false finding.
    brands = [f for f in reading.brands if f.certain]
    exact = [f for f in brands if f.kind == MatchKind.EXACT]
    close = [f for f in brands if f.kind == MatchKind.CLOSE]

    checks["brand"] = (
        any(_brand_name(f) == truth.brand for f in exact) if truth.kind == "genuine" else None
    )
    checks["lookalike"] = (
        any(_brand_name(f) == truth.lookalike_of for f in close)
        if truth.kind == "lookalike"
        else None
    )
    company = reading.maker.company if reading.maker is not None else None
    checks["maker"] = (
        company is not None and company.code == truth.maker_company_code
        if truth.maker_company_code
        else None
    )
    country = reading.origin.country_code if reading.origin is not None else None
    checks["origin"] = country == truth.origin_country if truth.origin_country else None
    # An expiry date the verdict may say "expired" on: read, and confirmed by a second reading.
    expires = reading.dates.expires if reading.dates_certain else None
    checks["expiry"] = expires == truth.expires if truth.expires else None
    checks["vn_text"] = bool(reading.vietnamese_text) == truth.vietnamese_text
    checks["code"] = (truth.gtin.zfill(14) in set(codes)) if truth.gtin else None

    printed = {truth.brand, *truth.other_brands}  # brands really on the label
    if truth.kind == "genuine":
        wrong = close + [f for f in exact if _brand_name(f) not in printed]
        if wrong:
            result.false["a"] = ", ".join(f"{f.kind} {f.text!r}→{_brand_name(f)}" for f in wrong)
    if expires is not None and expires < today and not truth.expired:
        result.false["b"] = f"expires {expires.isoformat()}"
    if company is not None and company.code != truth.maker_company_code:
        result.false["c"] = f"{reading.maker.text!r}→{company.code}"  # type: ignore[union-attr]
    # The "no Vietnamese sub-label" warning is given only when the photo showed text.
    if (
        truth.kind == "foreign_with_vn_sublabel"
        and reading.has_text
        and not reading.vietnamese_text
    ):
        result.false["d"] = "vietnamese_text False"
    if truth.kind in ("foreign_with_vn_sublabel", "foreign_without_vn_sublabel", "no_text"):
        found = [f for f in close if f.entry is not None]
        found += [f for f in exact if _brand_name(f) not in printed]
        if found:
            result.false["e"] = ", ".join(f"{f.kind} {f.text!r}→{_brand_name(f)}" for f in found)
    return result


# --- running --------------------------------------------------------------------------------------


def reading_json(reading: LabelReading) -> dict[str, Any]:
    dates = reading.dates
    return {
        "brands": [
            {
                "text": f.text,
                "kind": str(f.kind),
                "brand": _brand_name(f),
                "confidence": round(f.confidence, 1),
                "certain": f.certain,
            }
            for f in reading.brands
        ],
        "maker": None
        if reading.maker is None
        else {
            "role": str(reading.maker.role),
            "text": reading.maker.text,
            "company": reading.maker.company.code if reading.maker.company else None,
        },
        "origin": None
        if reading.origin is None
        else {"text": reading.origin.text, "country": reading.origin.country_code},
        "manufactured": dates.manufactured.isoformat() if dates.manufactured else None,
        "expires": dates.expires.isoformat() if dates.expires else None,
        "expires_text": dates.expires_text,
        "vietnamese_text": reading.vietnamese_text,
        "ocr_ms": round(reading.ocr_ms, 1),
        "text": reading.text,
    }


def decoded_gtins(image: Image.Image) -> list[str]:
    return [code.gtin for code in decode_image(image) if code.gtin]


def run(
    samples: Sequence[LabelSample],
    read: Reader,
    decode: Decoder,
    today: dt.date,
    *,
    warm: bool = True,
    log: Callable[[str], None] = lambda message: None,
) -> list[dict[str, Any]]:
    """Read and decode every sample; one row per sample with its truth, reading, score, times."""
    rows = []
    if warm and samples:  # loading the OCR model and the decoders is not what is measured
        image = load_image(samples[0].image_bytes)
        read([image])
        decode(image)
    for n, sample in enumerate(samples, 1):
        started = time.perf_counter()
        image = load_image(sample.image_bytes)
        load_s = time.perf_counter() - started
        error = None
        started = time.perf_counter()
        try:
            reading = read([image])
        except Exception as exc:  # one crash is reported with the sample, not the end of the run
            reading = LabelReading(lines=())
            error = f"{type(exc).__name__}: {exc}"
        read_s = time.perf_counter() - started
        started = time.perf_counter()
        codes = decode(image)
        decode_s = time.perf_counter() - started
        result = score(sample.truth, reading, codes, today)
        if error:  # every check missed, but nothing was claimed
            result.false.clear()
            for check, ok in result.checks.items():
                if ok is not None and check != "code":
                    result.checks[check] = False
        rows.append(
            {
                "key": sample.key,
                "cls": sample.cls,
                "index": sample.index,
                "split": sample.split,
                "kind": sample.truth.kind,
                "size": list(sample.size),
                "path": sample.path,
                "plan": sample.plan,
                "truth": sample.truth.to_json(),
                "read": reading_json(reading),
                "codes": codes,
                "checks": result.checks,
                "false": result.false,
                "error": error,
                "ms": {
                    "load": round(load_s * 1000, 1),
                    "read_label": round(read_s * 1000, 1),
                    "decode": round(decode_s * 1000, 1),
                    "total": round((read_s + decode_s) * 1000, 1),
                },
            }
        )
        if n % 20 == 0:
            log(f"  {n}/{len(samples)}")
    return rows


# --- reporting ------------------------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def rate(rows: Sequence[dict[str, Any]], check: str) -> tuple[int, int]:
    """(right, applicable) for one check over rows."""
    applicable = [r["checks"][check] for r in rows if r["checks"][check] is not None]
    return sum(1 for ok in applicable if ok), len(applicable)


def _cell(right: int, total: int) -> str:
    return f"{100 * right / total:.0f}% {right}/{total}" if total else "–"


def _is_12mp(row: dict[str, Any]) -> bool:
    return row["size"][0] * row["size"][1] >= TWELVE_MP


def false_count(rows: Sequence[dict[str, Any]]) -> int:
    return sum(len(r["false"]) for r in rows)


def table(rows: Sequence[dict[str, Any]]) -> str:
    header = [
        "class",
        "n",
        "brand",
        "lookalike",
        "maker",
        "origin",
        "expiry",
        "VN text",
        "false (a/b/c/d/e)",
        "errors",
        "ocr p50",
        "ocr p95",
        "total p50",
        "total p95",
        "12 MP p95",
        "code",
    ]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    groups = [(cls, [r for r in rows if r["cls"] == cls]) for cls in CLASSES]
    groups = [(cls, g) for cls, g in groups if g]
    groups.append(("**overall**", list(rows)))
    for name, group in groups:
        ocr = [r["ms"]["read_label"] for r in group]
        total = [r["ms"]["total"] for r in group]
        big = [r["ms"]["total"] for r in group if _is_12mp(r)]
        by_kind = "/".join(str(sum(k in r["false"] for r in group)) for k in FALSE_KINDS)
        cells = [
            name,
            str(len(group)),
            *(_cell(*rate(group, c)) for c in ("brand", "lookalike", "maker", "origin", "expiry")),
            _cell(*rate(group, "vn_text")),
            f"{false_count(group)} ({by_kind})",
            str(sum(1 for r in group if r["error"])),
            f"{percentile(ocr, 0.5):.0f}",
            f"{percentile(ocr, 0.95):.0f}",
            f"{percentile(total, 0.5):.0f}",
            f"{percentile(total, 0.95):.0f}",
            f"{percentile(big, 0.95):.0f}" if big else "–",
            _cell(*rate(group, "code")),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def goals_line(rows: Sequence[dict[str, Any]]) -> str:
    """The clean-to-moderate classes against the goals."""
    group = [r for r in rows if r["cls"] in CLEAN_TO_MODERATE]
    if not group:
        return "clean-to-moderate: no samples"
    parts = []
    met_all = True
    for check, goal in GOALS.items():
        right, total = rate(group, check)
        if not total:
            parts.append(f"{check} – (no label to score)")
            continue
        value = 100 * right / total
        met = value >= goal
        met_all &= met
        parts.append(f"{check} {value:.0f}% (goal ≥ {goal:.0f}%: {'met' if met else 'NOT met'})")
    falses = false_count(group)
    met = falses <= GOAL_FALSE
    met_all &= met
    parts.append(f"false findings {falses} (goal {GOAL_FALSE}: {'met' if met else 'NOT met'})")
    total_ms = [r["ms"]["total"] for r in group]
    p50, p95 = percentile(total_ms, 0.5), percentile(total_ms, 0.95)
    for label, value, goal in (("p50", p50, GOAL_P50_MS), ("p95", p95, GOAL_P95_MS)):
        met = value <= goal
        met_all &= met
        parts.append(
            f"OCR+decode {label} {value / 1000:.2f} s (goal ≤ {goal / 1000:.1f} s: "
            f"{'met' if met else 'NOT met'})"
        )
    errors = sum(1 for r in group if r["error"])
    if errors:
        met_all = False
        parts.append(f"{errors} read_label errors")
    verdict = "all goals met" if met_all else "goals NOT met"
    return f"clean-to-moderate, n={len(group)}: " + "; ".join(parts) + f". {verdict}."


def failures(rows: Sequence[dict[str, Any]]) -> str:
    """Every miss and false finding, with the truth, the reading and the OCR text."""
    out = []
    for r in rows:
        missed = [c for c, ok in r["checks"].items() if ok is False]
        if not missed and not r["false"] and not r["error"]:
            continue
        t, read = r["truth"], r["read"]
        out.append(f"### {r['key']} ({r['kind']}, {r['split']}) {r['path'] or ''}")
        out.append(f"    plan: {json.dumps(r['plan'], ensure_ascii=False)}")
        if r["error"]:
            out.append(f"    read_label error: {r['error']}")
        if missed:
            out.append(f"    missed: {', '.join(missed)}")
        for letter, what in r["false"].items():
            out.append(f"    false ({letter}) {FALSE_KINDS[letter]}: {what}")
        out.append(
            "    truth: "
            + json.dumps(
                {
                    k: t[k]
                    for k in (
                        "brand",
                        "brand_text",
                        "lookalike_text",
                        "lookalike_of",
                        "maker_company_code",
                        "maker_text",
                        "origin_country",
                        "origin_text",
                        "expires",
                        "expired",
                        "vietnamese_text",
                        "gtin",
                    )
                    if t.get(k) not in (None, False)
                },
                ensure_ascii=False,
            )
        )
        summary = {k: v for k, v in read.items() if k != "text"}
        out.append(f"    read: {json.dumps(summary, ensure_ascii=False)}  codes: {r['codes']}")
        out.append("    OCR text:")
        out.extend(f"      | {line}" for line in (read["text"] or "").splitlines()[:40])
    return "\n".join(out) if out else "no misses, no false findings"


# --- main -----------------------------------------------------------------------------------------


def bench_checks(samples: Sequence[LabelSample], photos: int, log: Callable[[str], None]) -> str:
    """Whole photo checks through the app: ``photos`` photos (12 MP first) in one
    ``POST /api/v1/verify``, timed from request to answer, rate limits off."""
    import flask_migrate

    from app import create_app

    big = sorted(samples, key=lambda s: -(s.size[0] * s.size[1]))
    groups = [big[i : i + photos] for i in range(0, len(big) - photos + 1, photos)][:10]
    times: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/checks.sqlite3",
                "SECRET_KEY": "bench",
                "RATELIMIT_ENABLED": False,
            }
        )
        with app.app_context():
            logging.disable(logging.INFO)
            try:
                flask_migrate.upgrade()
            finally:
                logging.disable(logging.NOTSET)
        client = app.test_client()
        for group in groups:
            data = {"photo": [(io.BytesIO(s.image_bytes), f"{s.index}.jpg") for s in group]}
            started = time.perf_counter()
            response = client.post("/api/v1/verify", data=data, content_type="multipart/form-data")
            times.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise SystemExit(f"{response.status_code}: {response.get_data(as_text=True)}")
            log(f"  {len(times)}/{len(groups)}: {times[-1]:.0f} ms")
    sizes = sorted({f"{s.size[0]}×{s.size[1]}" for g in groups for s in g})
    return (
        f"{len(groups)} checks of {photos} photos ({', '.join(sizes)}) through POST /api/v1/verify: "
        f"p50 {statistics.median(times):.0f} ms, p95 {percentile(times, 0.95):.0f} ms, "
        f"max {max(times):.0f} ms"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--per-class", type=int, default=20)
    parser.add_argument("--seed", type=int, default=9)
    parser.add_argument("--classes", nargs="*", default=list(CLASSES), choices=CLASSES)
    parser.add_argument("--split", choices=("tune", "holdout", "all"), default="all")
    parser.add_argument(
        "--today",
        type=dt.date.fromisoformat,
        default=DEFAULT_TODAY,
        help="the date the label dates are drawn around and expiry is judged on (YYYY-MM-DD)",
    )
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--jobs", type=int, default=2, help="processes rendering the corpus")
    parser.add_argument("--json", type=Path, help="also write every reading, score and time here")
    parser.add_argument("--failures", action="store_true", help="list every miss, false finding")
    parser.add_argument(
        "--checks",
        type=int,
        metavar="PHOTOS",
        help="instead: time whole photo checks of PHOTOS photos each (largest first) through the API",
    )
    args = parser.parse_args()

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    samples = build_label_corpus(
        args.seed,
        args.per_class,
        args.classes,
        args.today,
        args.cache,
        jobs=args.jobs,
        progress=log,
    )
    if args.split != "all":
        samples = [s for s in samples if s.split == args.split]
    if args.checks:
        print(bench_checks(samples, args.checks, log))
        return 0
    log("building the sample registry snapshot ...")
    snapshot = sample_registry_snapshot()
    log(f"reading {len(samples)} label photos (split {args.split}, today {args.today}) ...")
    rows = run(
        samples,
        lambda images: read_label(images, registry=snapshot),
        decoded_gtins,
        args.today,
        log=log,
    )
    print(
        f"label corpus seed {args.seed}, {args.per_class} per class, split {args.split}, "
        f"today {args.today}; times in ms (wall clock: read_label, read_label + decode_image)\n"
    )
    print(table(rows))
    print()
    print(goals_line(rows))
    if args.json:
        args.json.write_text(json.dumps(rows, ensure_ascii=False, indent=1), "utf-8")
    if args.failures:
        print()
        print(failures(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
