"""The catalogue on a 390×844 phone, in real Chromium (issue 14, item 4).

A shopper opens the directory of trusted brands, chooses a kind of product, taps a company, one
of its products and from there a Vietnamese alternative; every page fits the phone's width and
ends with a share link and its QR code."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e


def fits_the_phone(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_directory_by_kind_to_a_company_a_product_and_an_alternative(
    page: Page, live_server: str, sample_registry
) -> None:
    page.goto(live_server + "/")
    page.get_by_role("link", name="Thương hiệu tin cậy").click()
    page.select_option("#category", label="Sữa và sản phẩm từ sữa")
    page.get_by_role("button", name="Tìm kiếm").click()
    expect(page.locator("#result-count")).to_have_text("2 doanh nghiệp")
    fits_the_phone(page)

    page.get_by_role("link", name="Công ty Cổ phần Sữa Việt Nam").click()
    expect(page).to_have_url(f"{live_server}/brands/VNM")
    expect(page.locator("#categories")).to_have_text("Sữa và sản phẩm từ sữa")
    fits_the_phone(page)

    page.get_by_role("link", name="Sữa tươi tiệt trùng Vinamilk 100% có đường 180 ml").click()
    expect(page).to_have_url(f"{live_server}/products/8934673000017")
    expect(page.locator("#product-gtin")).to_have_text("8934673000017")
    expect(page.locator("#brand-link")).to_have_text("Vinamilk")
    fits_the_phone(page)

    page.locator("#alternatives").get_by_role(
        "link", name="Sữa tươi tiệt trùng TH true MILK 180 ml"
    ).click()
    expect(page).to_have_url(f"{live_server}/products/8936024000127")
    expect(page.locator("h1")).to_have_text("Sữa tươi tiệt trùng TH true MILK 180 ml")
    fits_the_phone(page)
    page.locator("#share-qr").scroll_into_view_if_needed()
    expect(page.locator("#share-link")).to_have_text(f"{live_server}/products/8936024000127")
    # The QR image loaded (a broken image has no natural width).
    assert page.locator("#share-qr").evaluate("img => img.naturalWidth") > 0
