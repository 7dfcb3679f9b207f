"""Live scanning without a native BarcodeDetector (iOS Safari, Firefox): the vendored ZXing
WebAssembly ponyfill under app/static/vendor/barcode-detector/ stands in, served by us, never a CDN.

Needs 'wasm-unsafe-eval' in the CSP's script-src (app/security.py) for WebAssembly to compile."""

from __future__ import annotations

import base64
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, Request, expect

from tests.support.labels import render_label, to_png_bytes

pytestmark = pytest.mark.e2e

VINAMILK_PRODUCT = "8934673000017"
VENDOR = "/static/vendor/barcode-detector/3.2.2/"

# Decode an image (PNG bytes, base64) with the ponyfill the page loaded, with the page's formats.
DETECT = """
async (pngBase64) => {
  const bytes = Uint8Array.from(atob(pngBase64), (c) => c.charCodeAt(0));
  const blob = new Blob([bytes], { type: "image/png" });
  const Detector = window.BarcodeDetectionAPI.BarcodeDetector;
  const detector = new Detector({ formats: ["ean_13", "ean_8", "upc_a", "upc_e", "qr_code"] });
  const codes = await detector.detect(blob);
  return codes.map((c) => ({ rawValue: c.rawValue, format: c.format }));
}
"""


def _watch_requests(page: Page) -> list[str]:
    urls: list[str] = []

    def record(request: Request) -> None:
        urls.append(request.url)

    page.on("request", record)
    return urls


def _foreign(urls: list[str], live_server: str) -> list[str]:
    ours = urlsplit(live_server).netloc
    return [
        u for u in urls if urlsplit(u).scheme not in ("data", "blob") and urlsplit(u).netloc != ours
    ]


def test_without_native_detector_the_vendored_zxing_scans(
    page: Page, live_server: str, sample_registry
) -> None:
    urls = _watch_requests(page)
    page.add_init_script("delete window.BarcodeDetector;")
    page.goto(live_server + "/?lang=en")
    assert page.evaluate("() => 'BarcodeDetector' in window") is False

    # Shown only once the ponyfill is loaded and ZXing's WebAssembly compiled under our CSP.
    expect(page.locator("#camera-section")).to_be_visible()
    assert any(u.endswith(VENDOR + "barcode-detector.ponyfill.iife.js") for u in urls), urls
    assert any(u.endswith(VENDOR + "zxing_reader.wasm") for u in urls), urls

    png = to_png_bytes(render_label(VINAMILK_PRODUCT))
    codes = page.evaluate(DETECT, base64.b64encode(png).decode("ascii"))
    assert codes == [{"rawValue": VINAMILK_PRODUCT, "format": "ean_13"}]

    # The live loop runs on the fake camera (a test pattern, no barcode: no navigation).
    page.click("#camera-start")
    expect(page.locator("#camera-video")).to_be_visible()
    page.wait_for_timeout(500)
    assert "/verify" not in page.url

    assert _foreign(urls, live_server) == []


def test_camera_section_stays_hidden_when_zxing_cannot_load(
    page: Page, live_server: str, sample_registry
) -> None:
    urls = _watch_requests(page)
    page.add_init_script("delete window.BarcodeDetector;")
    page.route("**/zxing_reader.wasm", lambda route: route.fulfill(status=404, body="missing"))
    with page.expect_response(lambda r: r.url.endswith("zxing_reader.wasm")):
        page.goto(live_server + "/?lang=en")
    page.wait_for_timeout(500)
    expect(page.locator("#camera-section")).to_be_hidden()
    # The photo form still works as before.
    expect(page.locator("#photo-1")).to_be_attached()
    assert _foreign(urls, live_server) == []
