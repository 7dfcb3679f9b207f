"""A shopper on a phone: scan → verdict, in real headless Chromium at 390×844."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.support.labels import render_label, to_jpeg_bytes

pytestmark = pytest.mark.e2e

VINAMILK_PRODUCT = "8934673000017"


@pytest.fixture
def label_photo(tmp_path: Path) -> Path:
    path = tmp_path / "nhan-sua.jpg"
    path.write_bytes(to_jpeg_bytes(render_label(VINAMILK_PRODUCT, angle=4.0), quality=80))
    return path


def test_photo_upload_gives_the_verdict(
    page: Page, live_server: str, sample_registry, label_photo: Path
) -> None:
    page.goto(live_server + "/")
    expect(page.locator("h1")).to_have_text("Kiểm tra sản phẩm")
    # Choosing a photo sends nothing yet: the shopper may add the front and the back first.
    page.set_input_files("#photo-1", label_photo)
    expect(page.locator("#photo-1-name")).to_have_text("nhan-sua.jpg")
    expect(page.locator("#verdict")).to_have_count(0)
    page.click("#photo-submit")
    expect(page.locator("#verdict")).to_have_attribute("data-level", "TRUSTED")
    expect(page.locator("#verdict-title")).to_have_text("Hàng Việt tin cậy")
    expect(page.locator("#verdict-gtin")).to_have_text(VINAMILK_PRODUCT)
    expect(page.locator("#reasons")).to_contain_text("GS1 Việt Nam")


def test_photo_upload_without_javascript(
    browser: Browser, live_server: str, sample_registry, label_photo: Path
) -> None:
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        page.goto(live_server + "/?lang=en")
        expect(page.locator("#camera-section")).to_be_hidden()
        page.set_input_files("#photo-1", label_photo)
        page.click("#photo-submit")
        expect(page.locator("#verdict")).to_have_attribute("data-level", "TRUSTED")
        expect(page.locator("#verdict-title")).to_have_text("Trusted Vietnamese goods")
    finally:
        context.close()


def test_typed_digits_with_a_lookalike_brand(page: Page, live_server: str, sample_registry) -> None:
    page.goto(live_server + "/?lang=en")
    page.fill("#code", "8939001000172")
    page.click("#code-form summary")
    page.fill("#code-brand", "Vinamllk")
    page.click("#code-form button[type=submit]")
    expect(page.locator("#verdict")).to_have_attribute("data-level", "LOOKALIKE")
    expect(page.locator("#reasons")).to_contain_text("looks like the trusted brand Vinamilk")


def test_live_camera_accepts_a_code_after_two_identical_valid_reads(
    page: Page, live_server: str, sample_registry
) -> None:
    # Chromium on Linux has no BarcodeDetector; stand one in that first reads a misread (bad
    # check digit: never accepted), then the real code twice. The camera is Chromium's fake one.
    page.add_init_script("""
        window.__reads = ["8934673000014", "8934673000017", "8934673000017"];
        window.BarcodeDetector = class {
          constructor(options) { window.__formats = options.formats; }
          async detect() {
            const next = window.__reads.shift();
            return next ? [{ rawValue: next, format: "ean_13" }] : [];
          }
        };
    """)
    page.goto(live_server + "/?lang=en")
    expect(page.locator("#camera-section")).to_be_visible()
    page.click("#camera-start")
    expect(page.locator("#camera-status")).to_contain_text(f"Read {VINAMILK_PRODUCT}.")
    with page.expect_navigation(url=f"**/verify?code={VINAMILK_PRODUCT}&via=camera"):
        page.click("#camera-check")
    expect(page.locator("#verdict")).to_have_attribute("data-level", "TRUSTED")


def test_live_camera_sends_a_still_of_the_label_with_the_number_read(
    page: Page, live_server: str, sample_registry
) -> None:
    page.add_init_script("""
        window.__reads = ["8934673000017", "8934673000017"];
        window.BarcodeDetector = class {
          async detect() {
            const next = window.__reads.shift();
            return next ? [{ rawValue: next, format: "ean_13" }] : [];
          }
        };
    """)
    page.goto(live_server + "/?lang=en")
    page.click("#camera-start")
    expect(page.locator("#camera-label")).to_be_visible()
    # The still of Chromium's fake camera holds no barcode and no text: the number read live
    # gives the verdict, and the page says what the photo did not show.
    with page.expect_navigation(url="**/verify/photo**"):
        page.click("#camera-label")
    expect(page.locator("#verdict")).to_have_attribute("data-level", "TRUSTED")
    expect(page.locator("#verdict-gtin")).to_have_text(VINAMILK_PRODUCT)
    expect(page.locator("#label-read")).to_be_visible()
