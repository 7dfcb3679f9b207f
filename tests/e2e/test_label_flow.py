"""Issue 9 in the browser at 390×844: label photo → what was read, as fields → corrected brand →
verdict; with and without JavaScript."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.support.labels import label_photo, to_jpeg_bytes

pytestmark = pytest.mark.e2e

HAO_HAO_PRODUCT = "8934563138165"


@pytest.fixture
def imitation_photos(tmp_path: Path) -> tuple[Path, Path]:
    """The barcode side and the front of a pack that copies Hảo Hảo's number as “Hảo Hạo”."""
    barcode_side = tmp_path / "ma-vach.jpg"
    barcode_side.write_bytes(to_jpeg_bytes(label_photo(None, [], code=HAO_HAO_PRODUCT)))
    front = tmp_path / "mat-truoc.jpg"
    front.write_bytes(
        to_jpeg_bytes(label_photo("Hảo Hạo", ["Mì tôm chua cay 75 g", "Xuất xứ: Việt Nam"]))
    )
    return barcode_side, front


def check_flow(page: Page, base: str, photos: tuple[Path, Path]) -> None:
    page.goto(base + "/?lang=en")
    page.set_input_files("#photo-1", photos[0])
    page.set_input_files("#photo-2", photos[1])
    page.click("#photo-submit")
    expect(page.locator("#verdict")).to_have_attribute("data-level", "LOOKALIKE")
    expect(page.locator("#reasons")).to_contain_text("“Hảo Hạo”")
    expect(page.locator("#label-brand")).to_contain_text("Hảo Hạo")
    # What was read is there to correct: the shopper's pack really says "Hảo Hảo".
    expect(page.locator("#recheck-code")).to_have_value(HAO_HAO_PRODUCT)
    brand = page.locator("#recheck-brand")
    expect(brand).to_have_value("Hảo Hạo")
    brand.fill("Hảo Hảo")
    page.click("#recheck-submit")
    expect(page.locator("#verdict")).to_have_attribute("data-level", "TRUSTED")
    expect(page.locator("#reasons")).to_contain_text("as you typed it")


def test_label_photo_to_fields_to_corrected_verdict(
    page: Page, live_server: str, sample_registry, imitation_photos
) -> None:
    check_flow(page, live_server, imitation_photos)
    # The page fits a phone: nothing wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_label_photo_flow_without_javascript(
    browser: Browser, live_server: str, sample_registry, imitation_photos
) -> None:
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844})
    try:
        check_flow(context.new_page(), live_server, imitation_photos)
    finally:
        context.close()
