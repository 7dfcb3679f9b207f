"""A shopper on a 390×844 phone finds the digits box at once, sees no empty camera box when there
is no camera, and tries again right on the verdict page (issue 13, items 3 and 4)."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from tests.e2e.conftest import PHONE
from tests.support.labels import render_label, to_jpeg_bytes

pytestmark = pytest.mark.e2e

VINAMILK_PRODUCT = "8934673000017"
#: A stand-in BarcodeDetector (Chromium on Linux has none): the camera section then shows at once,
#: without waiting for the vendored reader to compile.
DETECTOR = "window.BarcodeDetector = class { async detect() { return []; } };"


def on_first_screen(box: Locator) -> bool:
    """The element is in view without scrolling."""
    place = box.bounding_box()
    assert place is not None
    return place["y"] >= 0 and place["y"] + place["height"] <= PHONE["height"]


def test_the_digits_box_is_on_the_first_screen(page: Page, live_server: str) -> None:
    page.add_init_script(DETECTOR)
    page.goto(live_server + "/?lang=en")
    expect(page.locator("#camera-section")).to_be_visible()  # the camera card above it, shown
    expect(page.locator("#code")).to_be_visible()
    assert on_first_screen(page.locator("#code"))
    assert on_first_screen(page.locator("#code-submit"))


def test_no_camera_leaves_no_empty_video_box(page: Page, live_server: str) -> None:
    # A phone with no camera, or whose owner refused it: getUserMedia fails.
    page.add_init_script(
        DETECTOR
        + """navigator.mediaDevices.getUserMedia = () =>
               Promise.reject(new DOMException("Requested device not found", "NotFoundError"));"""
    )
    page.goto(live_server + "/?lang=en")
    page.click("#camera-start")
    status = page.locator("#camera-status")
    expect(status).to_have_text("The camera could not be opened. Use a photo or type the digits.")
    expect(page.locator("#camera-video")).to_be_hidden()
    expect(page.locator("#camera-stop")).to_be_hidden()  # nothing to stop
    expect(page.locator("#camera-start")).to_be_visible()  # and it may be tried again
    assert on_first_screen(status)


def test_a_working_camera_shows_its_picture(page: Page, live_server: str) -> None:
    # Chromium's fake camera: the video is shown once it plays.
    page.add_init_script(DETECTOR)
    page.goto(live_server + "/?lang=en")
    page.click("#camera-start")
    expect(page.locator("#camera-video")).to_be_visible()
    expect(page.locator("#camera-stop")).to_be_visible()
    page.click("#camera-stop")
    expect(page.locator("#camera-video")).to_be_hidden()


def test_a_wrong_check_digit_is_corrected_right_on_the_verdict(
    page: Page, live_server: str, sample_registry
) -> None:
    page.goto(live_server + "/?lang=en")
    page.fill("#code", "8934673000015")
    page.click("#code-submit")
    expect(page.locator("#verdict")).to_have_attribute("data-level", "INVALID")
    expect(page.locator("#reasons")).to_contain_text("should be 7, not 5")
    # The digits as typed, in a box on the first screen, with "take another photo" beside it.
    box = page.locator("#recheck-code")
    expect(box).to_have_value("8934673000015")
    assert on_first_screen(box)
    expect(page.locator("#retry label[for=retake-1]")).to_be_visible()
    box.fill(VINAMILK_PRODUCT)
    page.click("#recheck-submit")
    expect(page.locator("#verdict")).to_have_attribute("data-level", "TRUSTED")
    expect(page.locator("#verdict-gtin")).to_have_text(VINAMILK_PRODUCT)


@pytest.fixture
def blank_photo(tmp_path: Path) -> Path:
    from PIL import Image

    path = tmp_path / "mo.jpg"
    path.write_bytes(to_jpeg_bytes(Image.new("RGB", (800, 600), (200, 190, 180))))
    return path


@pytest.fixture
def label_photo(tmp_path: Path) -> Path:
    path = tmp_path / "nhan.jpg"
    path.write_bytes(to_jpeg_bytes(render_label(VINAMILK_PRODUCT, angle=3.0), quality=80))
    return path


def test_no_barcode_in_the_photo_takes_another_photo_without_javascript(
    browser: Browser, live_server: str, sample_registry, blank_photo: Path, label_photo: Path
) -> None:
    context = browser.new_context(java_script_enabled=False, viewport=PHONE)
    page = context.new_page()
    try:
        page.goto(live_server + "/?lang=en")
        page.set_input_files("#photo-1", blank_photo)
        page.click("#photo-submit")
        expect(page.locator("#verdict")).to_have_attribute("data-level", "UNKNOWN")
        expect(page.locator("#reasons")).to_contain_text("No barcode was found in the photo")
        # Right there: another photo, sent to the same photo check, no JavaScript needed.
        retake = page.locator("#retake-form")
        expect(retake).to_have_attribute("action", "/verify/photo")
        expect(page.locator("#recheck-code")).to_be_visible()
        page.set_input_files("#retake-1", label_photo)
        page.click("#retake-submit")
        expect(page.locator("#verdict")).to_have_attribute("data-level", "TRUSTED")
        expect(page.locator("#verdict-gtin")).to_have_text(VINAMILK_PRODUCT)
    finally:
        context.close()
