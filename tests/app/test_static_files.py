"""Static files: compressed, cached for a year under names that change with their content, the
barcode reader's wasm fetched once (app/static_files.py, issue 16 item 5)."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import brotli
import pytest

from app.static_files import build, hashed_name, manifest

STATIC = Path(__file__).resolve().parents[2] / "app" / "static"
WASM = "/static/vendor/barcode-detector/3.2.2/zxing_reader.wasm"


def test_pages_link_static_files_by_names_that_carry_their_content_hash(client) -> None:
    html = client.get("/").get_data(as_text=True)
    css = re.search(r'href="(/static/css/app\.[0-9a-f]{12}\.css)"', html)
    script = re.search(r'src="(/static/js/scan\.[0-9a-f]{12}\.js)"', html)
    assert css and script, "the scan page links hashed names"
    assert manifest(STATIC)["css/app.css"] == css.group(1).removeprefix("/static/")


@pytest.mark.parametrize(("accept", "encoding"), [("br, gzip", "br"), ("gzip", "gzip"), ("", None)])
def test_a_hashed_file_is_compressed_and_cached_for_good(client, accept, encoding) -> None:
    url = "/static/" + manifest(STATIC)["css/app.css"]
    response = client.get(url, headers={"Accept-Encoding": accept})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "max-age=315360000, public, immutable"
    assert response.headers.get("Content-Encoding") == encoding
    assert "Accept-Encoding" in response.headers.get("Vary", "")
    body = response.get_data()
    unpacked = {"br": brotli.decompress, "gzip": gzip.decompress, None: bytes}[encoding](body)
    assert unpacked == (STATIC / "css" / "app.css").read_bytes()
    if encoding:
        assert len(body) < len(unpacked) / 2


def test_a_plain_name_is_checked_again_every_time(client) -> None:
    response = client.get("/static/css/app.css")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-cache"


def test_the_scanner_wasm_keeps_its_name_is_compressed_and_fetched_once(client) -> None:
    response = client.get(WASM, headers={"Accept-Encoding": "br, gzip"})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/wasm"
    assert response.headers["Cache-Control"] == "max-age=315360000, public, immutable"
    assert response.headers["Content-Encoding"] == "br"
    original = (STATIC / WASM.removeprefix("/static/")).read_bytes()
    assert brotli.decompress(response.get_data()) == original
    assert len(response.get_data()) < 0.5 * len(original)


def test_a_changed_file_gets_a_new_name_and_old_builds_go(tmp_path) -> None:
    static = tmp_path / "static"
    (static / "css").mkdir(parents=True)
    (static / "css" / "site.css").write_text("body { color: red; }\n" * 50, encoding="utf-8")
    first, names = build(static, tmp_path / "build")
    assert (first / names["css/site.css"]).exists() and (first / "css/site.css").exists()
    assert (first / (names["css/site.css"] + ".br")).exists()
    assert build(static, tmp_path / "build")[0] == first  # unchanged: the same folder, reused
    (static / "css" / "site.css").write_text("body { color: blue; }\n" * 50, encoding="utf-8")
    second, renamed = build(static, tmp_path / "build")
    assert renamed["css/site.css"] != names["css/site.css"]
    # The build before stays for workers of the previous version; the one before that goes.
    assert second != first and first.exists()
    (static / "css" / "site.css").write_text("body { color: green; }\n" * 50, encoding="utf-8")
    third, _names = build(static, tmp_path / "build")
    assert third.exists() and second.exists() and not first.exists()
    assert hashed_name("js/scan.js", "0123456789abcdef") == "js/scan.0123456789ab.js"


def test_the_barcode_reader_keeps_its_versioned_names_in_pages(client) -> None:
    html = client.get("/").get_data(as_text=True)
    assert (
        'data-ponyfill-url="/static/vendor/barcode-detector/3.2.2/barcode-detector.ponyfill.iife.js"'
        in html
    )
    script = client.get(
        "/static/vendor/barcode-detector/3.2.2/barcode-detector.ponyfill.iife.js",
        headers={"Accept-Encoding": "gzip"},
    )
    assert script.headers["Cache-Control"] == "max-age=315360000, public, immutable"
    assert script.headers["Content-Encoding"] == "gzip"
