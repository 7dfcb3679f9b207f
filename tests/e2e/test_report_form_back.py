"""The report form on a 390×844 phone, as the walk-through used it: Back after sending shows the
receipt and files nothing again (with and without JavaScript); Back to a form not yet sent brings
back everything typed, with the same key; photos sent with a form that comes back with an error
are listed on it, can be removed, and are filed with the report; a 6th photo is refused before
anything is sent."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, Page, expect

from complaints.models import Complaint, Evidence
from tests.app.test_report import clean_uploads  # noqa: F401 (a fixture: no photo left behind)
from tests.e2e.conftest import PHONE
from tests.support.labels import render_label, to_jpeg_bytes

pytestmark = pytest.mark.e2e

TH_PRODUCT = "8936024000127"
TRACKING_CODE = re.compile(r"^[0-9A-Z]{5}-[0-9A-Z]{5}$")


def count(db_session, model) -> int:
    db_session.expire_all()
    return db_session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


@pytest.fixture
def photos(tmp_path: Path) -> list[Path]:
    paths = []
    for n in range(6):
        path = tmp_path / f"anh-{n + 1}.jpg"
        path.write_bytes(to_jpeg_bytes(render_label(TH_PRODUCT, seed=n), quality=70))
        paths.append(path)
    return paths


def fill_and_send(page: Page, *, commune: bool = True) -> str:
    """A report filled in and sent; the tracking code on the receipt."""
    page.check("input[name=category][value=counterfeit]")
    page.select_option("#province", "79")
    if commune:
        expect(page.locator("#commune option", has_text="Phường Sài Gòn")).to_have_count(1)
        page.select_option("#commune", label="Phường Sài Gòn")
    page.fill("#store_name", "Tạp hoá Cô Ba")
    page.fill("#description", "Hộp sữa in chữ Vinamilk nhưng mã vạch của hãng khác.")
    page.check("#anonymous")
    page.click("#report-submit")
    expect(page.locator("#tracking-code")).to_have_text(TRACKING_CODE)
    return page.locator("#tracking-code").inner_text()


def back_shows_the_receipt(page: Page, code: str, db_session) -> None:
    page.go_back()
    expect(page.locator("#already-sent")).to_have_text("This report was already sent")
    expect(page.locator("#tracking-code")).to_have_text(code)
    expect(page.locator("#report-form")).to_have_count(0)
    page.reload()
    expect(page.locator("#tracking-code")).to_have_text(code)
    assert count(db_session, Complaint) == 1
    page.click("#report-another")  # a new report is one tap away, on a new form
    expect(page.locator("#report-form")).to_be_visible()
    expect(page.locator("#description")).to_have_value("")


def test_back_after_sending_shows_the_receipt_and_files_nothing_again(
    page: Page, live_server: str, db_session
) -> None:
    page.goto(f"{live_server}/verify?code={TH_PRODUCT}&brand=Vinamilk&lang=en")
    page.click("#report-link")
    code = fill_and_send(page)
    back_shows_the_receipt(page, code, db_session)


def test_the_same_without_javascript(browser: Browser, live_server: str, db_session) -> None:
    context = browser.new_context(java_script_enabled=False, viewport=PHONE)
    page = context.new_page()
    try:
        page.goto(f"{live_server}/report?lang=en")
        # (The commune, optional, is left out: listing it without JavaScript is a POST, which
        # Back offers to send again; sent again, it gets the receipt too: the client tests.)
        code = fill_and_send(page, commune=False)
        back_shows_the_receipt(page, code, db_session)
    finally:
        context.close()


def test_back_to_a_form_not_yet_sent_brings_everything_back(
    page: Page, live_server: str, db_session
) -> None:
    page.goto(f"{live_server}/report?lang=en&code={TH_PRODUCT}")
    key = page.locator("input[name=idempotency_key]").input_value()
    page.check("input[name=category][value=expired]")
    page.select_option("#province", "79")
    expect(page.locator("#commune option", has_text="Phường Sài Gòn")).to_have_count(1)
    page.select_option("#commune", label="Phường Sài Gòn")
    page.fill("#store_name", "Tạp hoá Cô Ba")
    page.fill("#store_address", "12 Lê Lợi")
    page.fill("#brand", "Vinamilk")
    page.fill("#description", "Sữa chua hết hạn từ tuần trước vẫn bày bán.")
    page.fill("#contact_name", "Nguyễn Văn An")
    page.check("#consent")
    page.click("a[href^='/about']")  # away, e.g. to read who handles reports
    expect(page.locator("#report-form")).to_have_count(0)

    page.go_back()

    expect(page.locator("#report-form")).to_be_visible()
    assert page.locator("input[name=idempotency_key]").input_value() == key
    expect(page.locator("input[name=category][value=expired]")).to_be_checked()
    expect(page.locator("#province")).to_have_value("79")
    expect(page.locator("#commune")).to_have_value("26740")  # Phường Sài Gòn
    expect(page.locator("#store_name")).to_have_value("Tạp hoá Cô Ba")
    expect(page.locator("#store_address")).to_have_value("12 Lê Lợi")
    expect(page.locator("#code")).to_have_value(TH_PRODUCT)
    expect(page.locator("#brand")).to_have_value("Vinamilk")
    expect(page.locator("#description")).to_have_value(
        "Sữa chua hết hạn từ tuần trước vẫn bày bán."
    )
    expect(page.locator("#contact_name")).to_have_value("Nguyễn Văn An")
    expect(page.locator("#consent")).to_be_checked()
    page.click("#report-submit")
    expect(page.locator("#tracking-code")).to_have_text(TRACKING_CODE)
    assert count(db_session, Complaint) == 1


def test_photos_survive_a_form_error_and_are_filed_with_the_report(
    page: Page, live_server: str, db_session, photos: list[Path]
) -> None:
    page.goto(f"{live_server}/report?lang=en")
    page.check("input[name=category][value=counterfeit]")
    page.fill("#description", "Hộp sữa in chữ Vinamilk nhưng mã vạch của hãng khác.")
    page.check("#anonymous")

    page.set_input_files("#photos", photos)  # six: one too many, refused before sending
    expect(page.locator("#photos-refused")).to_have_text(
        "At most 5 photos can be sent with a report: you chose 6. Choose them again."
    )
    assert page.locator("#photos").evaluate("input => input.files.length") == 0

    page.set_input_files("#photos", photos[:3])
    expect(page.locator("#photos-refused")).to_be_hidden()
    page.click("#report-submit")  # the province was forgotten

    expect(page.locator("#form-error")).to_have_text("Please correct the marked fields.")
    expect(page.locator(".kept-name")).to_have_text(["anh-1.jpg", "anh-2.jpg", "anh-3.jpg"])
    expect(page.locator("#kept-photos-note")).to_contain_text("3 photos are kept with this form")
    for picture in page.locator(".kept-photo img").all():
        assert picture.evaluate("img => img.complete && img.naturalWidth > 0")
    assert count(db_session, Complaint) == 0

    page.click("button[aria-label='Remove the photo anh-2.jpg']")
    expect(page.locator(".kept-name")).to_have_text(["anh-1.jpg", "anh-3.jpg"])
    page.set_input_files("#photos", photos[2:6])  # 2 kept + 4 chosen: one too many
    expect(page.locator("#photos-refused")).to_have_text(
        "At most 5 photos can be sent with a report: 2 are kept already and you chose 4 more."
        " Choose them again."
    )
    page.set_input_files("#photos", photos[3:4])

    page.select_option("#province", "79")
    page.click("#report-submit")

    expect(page.locator("#tracking-code")).to_have_text(TRACKING_CODE)
    code = page.locator("#tracking-code").inner_text()
    expect(page.locator("#receipt")).to_contain_text("Photos")
    [complaint] = db_session.scalars(sa.select(Complaint)).all()
    assert complaint.photo_count == 3
    assert count(db_session, Evidence) == 3

    # Back to the form that came back with the error: the receipt, not the form sent again.
    page.go_back()
    expect(page.locator("#already-sent")).to_be_visible()
    expect(page.locator("#tracking-code")).to_have_text(code)
    assert count(db_session, Complaint) == 1
