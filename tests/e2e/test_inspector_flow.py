"""An inspector, in real Chromium: sign in, filter the cases, download the CSV, the XLSX and a
PDF case file; the files are opened and checked."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from playwright.sync_api import Browser, expect
from pypdf import PdfReader

from complaints.tracking import format_tracking_code
from tests.support.factories import PASSWORD

pytestmark = pytest.mark.e2e


def test_inspector_filters_and_downloads(
    browser: Browser, live_server: str, make_user, make_complaint
) -> None:
    inspector = make_user("inspector", province_code="79")
    milk = make_complaint(
        status="REFERRED",
        product_name="Sữa bột Ông Thọ giả",
        store_name="Tạp hoá Cô Ba",
        category="counterfeit",
        contact_phone="0912 345 678",
    )
    sauce = make_complaint(
        status="CONFIRMED", product_name="Nước mắm nhái nhãn", category="imitation"
    )
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    try:
        page.goto(f"{live_server}/inspect/?lang=en")
        page.fill("#username", inspector.username)
        page.fill("#password", PASSWORD)
        page.click("#login-form button[type=submit]")
        # Inspectors name cases by number: the tracking code is the reporter's key.
        milk_link = page.locator(f"#cases a[href$='/staff/complaints/{milk.id}']")
        sauce_link = page.locator(f"#cases a[href$='/staff/complaints/{sauce.id}']")
        expect(milk_link).to_have_text(f"#{milk.id}")
        expect(page.locator("#cases")).not_to_contain_text(milk.tracking_code)
        expect(page.locator("#cases")).not_to_contain_text(format_tracking_code(milk.tracking_code))
        page.select_option("#i-category", "counterfeit")
        page.click("#i-apply")
        expect(milk_link).to_be_visible()
        expect(sauce_link).to_have_count(0)

        with page.expect_download() as csv_download:
            page.click("#export-csv")
        text = csv_download.value.path().read_text(encoding="utf-8-sig")
        rows = list(csv.reader(io.StringIO(text)))
        assert len(rows) == 2  # header and the one counterfeit case
        assert "Sữa bột Ông Thọ giả" in text and "0912" not in text

        with page.expect_download() as xlsx_download:
            page.click("#export-xlsx")
        book = openpyxl.load_workbook(io.BytesIO(xlsx_download.value.path().read_bytes()))
        cells = [str(c.value) for row in book.active.iter_rows() for c in row if c.value]
        assert "Tạp hoá Cô Ba" in cells and not any("0912" in c for c in cells)
        book.close()

        with page.expect_download() as pdf_download:
            page.click(".case-pdf")
        reader = PdfReader(pdf_download.value.path())
        pdf_text = " ".join(p.extract_text() for p in reader.pages)
        assert f"#{milk.id}" in pdf_text
        assert milk.tracking_code[:5] not in pdf_text.replace("\n", "")
        assert "Tạp hoá Cô Ba" in pdf_text and "0912" not in pdf_text
    finally:
        context.close()
