#!/usr/bin/env python3
"""Benchmark: barcode_db.decode.decode_image against plain pyzbar and default zxing-cpp.

    .venv/bin/python scripts/bench_decode.py [--per-class 20] [--seed 6] [--cache /tmp/...]

Renders (once, cached under ``--cache``) a seeded corpus of phone-like label photos from
``tests/support/corpus.py`` - one set per difficulty class - and runs three readers on every
image in the same process, one after the other:

* ``decode_image``: this project's reader (``barcode_db.decode.decode_image``, default budget);
* ``pyzbar``: ``pyzbar.pyzbar.decode(image, symbols=[EAN13, EAN8, UPCA, UPCE, QRCODE])``;
* ``zxing``: ``zxingcpp.read_barcodes(image)`` with default options.

An image counts as decoded when every code on it was returned; a false read is any returned code
that is not on the image (a wrong digit, an EAN-13 half read as UPC-E, mojibake QR text, another
symbology). 1-D reads are compared by GTIN (UPC-A = EAN-13 with a leading 0, UPC-E expanded), QR
by exact text. ``union`` is pyzbar or zxing (per code). Times are wall-clock per image on the
decoded PIL image (loading the file is not counted). Prints a Markdown table.

Run by hand; figures go in scripts/README.md and the issue notes, not in assertions.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import zxingcpp  # noqa: E402
from PIL import Image  # noqa: E402
from pyzbar import pyzbar  # noqa: E402
from pyzbar.wrapper import ZBarSymbol  # noqa: E402

from barcode_db.decode import decode_image  # noqa: E402
from tests.support.corpus import ALL_CLASSES, CLASSES, HARD_CLASSES, Sample, build_corpus  # noqa: E402
from tests.support.labels import upce_to_upca  # noqa: E402

READERS = ("decode_image", "pyzbar", "zxing")
_ZBAR_SYMBOLS = [
    ZBarSymbol.EAN13,
    ZBarSymbol.EAN8,
    ZBarSymbol.UPCA,
    ZBarSymbol.UPCE,
    ZBarSymbol.QRCODE,
]


def _key_1d(symbology: str, text: str) -> str:
    text = text.strip()
    if not text.isdigit() or not text.isascii():
        return f"bad:{symbology}:{text}"
    if symbology == "UPCE" and len(text) == 8:
        return "gtin:" + (upce_to_upca(text) + text[-1]).zfill(14)
    if len(text) > 14:
        return f"bad:{symbology}:{text}"
    return "gtin:" + text.zfill(14)


def read_decode_image(image: Image.Image) -> list[str]:
    return [
        ("qr:" + c.text) if c.symbology == "QR" else ("gtin:" + str(c.gtin))
        for c in decode_image(image)
    ]


def read_pyzbar(image: Image.Image) -> list[str]:
    keys = []
    for result in pyzbar.decode(image, symbols=_ZBAR_SYMBOLS):
        if result.type == "QRCODE":
            keys.append("qr:" + result.data.decode("utf-8", "replace"))
        else:
            keys.append(_key_1d(result.type, result.data.decode("ascii", "replace")))
    return keys


_ZX_1D = {
    zxingcpp.BarcodeFormat.EAN13: "EAN13",
    zxingcpp.BarcodeFormat.EAN8: "EAN8",
    zxingcpp.BarcodeFormat.UPCA: "UPCA",
    zxingcpp.BarcodeFormat.UPCE: "UPCE",
}


def read_zxing(image: Image.Image) -> list[str]:
    keys = []
    for result in zxingcpp.read_barcodes(image):
        if result.format in _ZX_1D:
            keys.append(_key_1d(_ZX_1D[result.format], result.text))
        elif "QR" in str(result.format) and "Micro" not in str(result.format):
            keys.append("qr:" + result.text)
        else:
            keys.append(f"other:{result.format}:{result.text}")
    return keys


READ: dict[str, Callable[[Image.Image], list[str]]] = {
    "decode_image": read_decode_image,
    "pyzbar": read_pyzbar,
    "zxing": read_zxing,
}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def run(samples: list[Sample], readers: tuple[str, ...], log: Callable[[str], None]) -> list[dict]:
    rows = []
    warm = samples[0].load()
    for name in readers:  # first-call costs (library loading) are not what we measure
        READ[name](warm)
    for n, sample in enumerate(samples, 1):
        image = sample.load()
        expected = {code.key for code in sample.codes}
        row: dict = {
            "cls": sample.cls,
            "index": sample.index,
            "expected": sorted(expected),
            "pixels": image.width * image.height,
        }
        for name in readers:
            started = time.perf_counter()
            keys = READ[name](image)
            seconds = time.perf_counter() - started
            row[name] = {"keys": sorted(set(keys)), "seconds": seconds}
        rows.append(row)
        if n % 20 == 0:
            log(f"  {n}/{len(samples)}")
    return rows


def summarise(rows: list[dict], readers: tuple[str, ...]) -> str:
    columns = list(readers)
    union = "pyzbar" in readers and "zxing" in readers
    header = ["class", "n"]
    for name in columns:
        header += [f"{name} rate", "false imgs", "med ms", "p95 ms", "max ms"]
    if union:
        header.append("union rate")
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    groups = [(cls, [r for r in rows if r["cls"] == cls]) for cls in ALL_CLASSES]
    groups = [(cls, g) for cls, g in groups if g] + [("**overall**", rows)]
    twelve = [r for r in rows if r.get("pixels", 0) >= 12_000_000]
    if twelve:
        groups.append(("12 MP photos", twelve))
    for cls, group in groups:
        cells = [cls, str(len(group))]
        for name in columns:
            ok = sum(set(r["expected"]) <= set(r[name]["keys"]) for r in group)
            false = sum(bool(set(r[name]["keys"]) - set(r["expected"])) for r in group)
            times = [r[name]["seconds"] * 1000 for r in group]
            cells += [
                f"{100 * ok / len(group):.0f}%",
                str(false),
                f"{statistics.median(times):.0f}",
                f"{percentile(times, 0.95):.0f}",
                f"{max(times):.0f}",
            ]
        if union:
            ok = sum(
                set(r["expected"]) <= set(r["pyzbar"]["keys"]) | set(r["zxing"]["keys"])
                for r in group
            )
            cells.append(f"{100 * ok / len(group):.0f}%")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--per-class", type=int, default=20)
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--cache", type=Path, default=Path("/tmp/hangviet-decode-corpus"))
    parser.add_argument(
        "--classes", nargs="*", default=list(ALL_CLASSES), choices=(*ALL_CLASSES, "hard", "first")
    )
    parser.add_argument("--readers", nargs="*", default=list(READERS), choices=READERS)
    parser.add_argument("--jobs", type=int, default=2, help="processes rendering the corpus")
    parser.add_argument("--json", type=Path, help="also write every read and time here")
    parser.add_argument("--failures", action="store_true", help="list images decode_image missed")
    args = parser.parse_args()

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    aliases = {"hard": HARD_CLASSES, "first": CLASSES}
    classes = [c for name in args.classes for c in aliases.get(name, (name,))]
    samples = build_corpus(
        args.cache,
        seed=args.seed,
        per_class=args.per_class,
        classes=classes,
        jobs=args.jobs,
        progress=log,
    )
    readers = tuple(args.readers)
    log(f"decoding {len(samples)} images with {', '.join(readers)} ...")
    rows = run(samples, readers, log)
    print(summarise(rows, readers))
    if args.json:
        args.json.write_text(json.dumps(rows, ensure_ascii=False, indent=1))
    if args.failures and "decode_image" in readers:
        by_path = {(s.cls, s.index): s for s in samples}
        for r in rows:
            got = set(r["decode_image"]["keys"])
            if not set(r["expected"]) <= got or got - set(r["expected"]):
                s = by_path[(r["cls"], r["index"])]
                others = {n: r[n]["keys"] for n in readers if n != "decode_image"}
                print(f"{s.path} expected={r['expected']} got={sorted(got)} {others} {s.params}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
