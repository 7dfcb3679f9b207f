"""A staff member's morning, in real Chromium: sign in, filter the queue, merge two duplicates,
refer a case with a public note; the shopper's tracking page shows that note."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from complaints.tracking import format_tracking_code
from tests.support.factories import PASSWORD

pytestmark = pytest.mark.e2e


def shown(complaint) -> str:
    """A tracking code as the staff pages show it: as the reporter was given it."""
    return format_tracking_code(complaint.tracking_code)


def test_triage_from_queue_to_tracking_page(
    browser: Browser, live_server: str, make_user, make_complaint
) -> None:
    staff = make_user("staff", province_code="79", name="Nguyễn Thị Lan")
    survivor = make_complaint(
        gtin="8936024000127", product_name="Sữa tươi TH giả", store_name="Tạp hoá Cô Ba"
    )
    duplicate = make_complaint(gtin="8936024000127", product_name="Sữa TH nghi giả")
    other = make_complaint(product_name="Nước mắm", category="expired")

    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    page = context.new_page()
    try:
        page.goto(f"{live_server}/staff/?lang=en")
        page.fill("#username", staff.username)
        page.fill("#password", PASSWORD)
        page.click("#login-form button[type=submit]")
        expect(page.locator("#queue")).to_be_visible()

        page.select_option("#f-category", "counterfeit")
        page.fill("#f-q", "sua")
        page.click("#apply-filters")
        expect(page.locator("#queue")).to_contain_text(shown(survivor))
        expect(page.locator("#queue")).to_contain_text(shown(duplicate))
        expect(page.locator("#queue")).not_to_contain_text(shown(other))

        page.click(f"text={shown(survivor)}")
        expect(page.locator("#duplicate-candidates")).to_contain_text(shown(duplicate))
        page.check(f"#duplicate-candidates input[value='{duplicate.id}']")
        page.click("#merge-submit")
        expect(page.locator("#timeline")).to_contain_text(shown(duplicate))

        page.select_option("#target", "TRIAGED")
        page.click("#move-submit")
        expect(page.locator("#complaint-status")).to_have_attribute("data-status", "TRIAGED")
        page.select_option("#target", "REFERRED")
        page.fill("#move-note", "Đã chuyển Đội Quản lý thị trường số 3 kiểm tra cửa hàng.")
        page.check("#move-public")
        page.click("#move-submit")
        expect(page.locator("#complaint-status")).to_have_attribute("data-status", "REFERRED")

        shopper = browser.new_context(viewport={"width": 390, "height": 844})
        tracking = shopper.new_page()
        tracking.goto(f"{live_server}/track/{duplicate.tracking_code}")
        expect(tracking.locator("#public-notes")).to_contain_text("Đội Quản lý thị trường số 3")
        expect(tracking.locator("#followed-status")).to_contain_text(
            "Đã chuyển lực lượng Quản lý thị trường"
        )
        shopper.close()
    finally:
        context.close()
