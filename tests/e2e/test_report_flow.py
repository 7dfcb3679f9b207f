"""A shopper on a phone: suspect verdict → report with a photo → tracking code and QR →
tracking page; with and without JavaScript, at 390×844 in headless Chromium."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.support.labels import render_label, to_jpeg_bytes

pytestmark = pytest.mark.e2e

TH_PRODUCT = "8936024000127"


@pytest.fixture
def evidence_photo(tmp_path: Path) -> Path:
    path = tmp_path / "hop-sua.jpg"
    path.write_bytes(to_jpeg_bytes(render_label(TH_PRODUCT), quality=80, exif_gps=True))
    return path


def fill_report(page: Page, photo: Path, *, javascript: bool) -> None:
    expect(page.locator("#report-form")).to_be_visible()
    expect(page.locator("input[name=category][value=counterfeit]")).to_be_checked()
    page.select_option("#province", "79")
    if javascript:
        expect(page.locator("#refresh-area")).to_be_hidden()
        expect(page.locator("#commune option", has_text="Phường Sài Gòn")).to_have_count(1)
    else:
        page.click("#refresh-area")
        expect(page.locator("#commune option", has_text="Phường Sài Gòn")).to_have_count(1)
    page.select_option("#commune", label="Phường Sài Gòn")
    page.fill("#store_name", "Tạp hoá Cô Ba")
    page.fill("#description", "Hộp sữa in chữ Vinamilk nhưng mã vạch của hãng khác.")
    page.set_input_files("#photos", photo)
    page.check("#anonymous")
    page.click("#report-submit")


def follow_to_tracking(page: Page) -> str:
    expect(page.locator("#tracking-code")).to_have_text(
        __import__("re").compile(r"^[0-9A-Z]{5}-[0-9A-Z]{5}$")
    )
    code = page.locator("#tracking-code").inner_text()
    # The QR image loads after the page: wait for it (a busy machine serves it late).
    page.wait_for_function(
        "() => { const img = document.getElementById('tracking-qr');"
        " return img && img.complete && img.naturalWidth > 0; }"
    )
    page.click("#tracking-link")
    expect(page.locator("#status")).to_have_attribute("data-status", "NEW")
    return code


def test_suspect_verdict_to_report_to_tracking(
    page: Page, live_server: str, sample_registry, evidence_photo: Path
) -> None:
    page.goto(f"{live_server}/verify?code={TH_PRODUCT}&brand=Vinamilk")
    expect(page.locator("#verdict")).to_have_attribute("data-level", "MISMATCH")
    page.click("#report-link")
    fill_report(page, evidence_photo, javascript=True)
    code = follow_to_tracking(page)
    expect(page.locator("#tracking-code")).to_have_text(code)
    expect(page.locator("#status")).to_have_text("Đã nhận: đang chờ xem xét")


def test_the_same_without_javascript(
    browser: Browser, live_server: str, sample_registry, evidence_photo: Path
) -> None:
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        page.goto(f"{live_server}/verify?code={TH_PRODUCT}&brand=Vinamilk&lang=en")
        page.click("#report-link")
        fill_report(page, evidence_photo, javascript=False)
        follow_to_tracking(page)
        expect(page.locator("#status")).to_have_text("Received: waiting to be reviewed")
    finally:
        context.close()


def test_an_invisible_character_is_refused_and_back_brings_the_form_as_typed(
    page: Page, live_server: str, sample_registry
) -> None:
    """A store name pasted with a zero-width space: the form comes back as typed, the character
    taken out and named under the field; sent again, the report is filed."""
    page.goto(f"{live_server}/report?lang=en")
    page.check("input[name=category][value=counterfeit]")
    page.select_option("#province", "79")
    page.fill("#store_name", "Tạp hoá Cô\u200b Ba")
    page.fill("#description", "Hộp sữa in chữ Vinamilk nhưng mã vạch của hãng khác.")
    page.check("#anonymous")
    page.click("#report-submit")
    expect(page.locator("#report-form")).to_contain_text("U+200B ZERO WIDTH SPACE")
    expect(page.locator("#report-form")).to_contain_text("after “Tạp hoá Cô”")
    expect(page.locator("#store_name")).to_have_value("Tạp hoá Cô Ba")
    expect(page.locator("#description")).to_have_value(
        "Hộp sữa in chữ Vinamilk nhưng mã vạch của hãng khác."
    )
    page.click("#report-submit")
    expect(page.locator("#tracking-code")).to_be_visible()
