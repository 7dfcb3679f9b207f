"""A shopper on a phone (390×844) checks a product licensed abroad, says what it is, and finds
trusted Vietnamese goods of the same kind (issue 14): tap one, and its page opens."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.support.factories import with_check_digit

pytestmark = pytest.mark.e2e

FOREIGN = with_check_digit("300000000001")  # GS1 France, in no registry
VINAMILK = "8934673000017"
VINAMILK_NAME = "Sữa tươi tiệt trùng Vinamilk 100% có đường 180 ml"


@pytest.fixture(autouse=True)
def before_the_sample_certifications_end(monkeypatch) -> None:
    """The sample certifications run to 31/12/2026, and rank Vinamilk first until then."""
    monkeypatch.setattr("app.verification.local_today", lambda: dt.date(2026, 11, 27))


def test_foreign_product_then_its_category_then_an_alternative_s_page(
    page: Page, live_server: str, sample_registry
) -> None:
    page.goto(live_server + "/")
    page.fill("#code", FOREIGN)
    page.click("#code-submit")
    expect(page.locator("#verdict")).to_have_attribute("data-level", "FOREIGN")
    # Who licensed the number, with its source.
    expect(page.locator('#provenance [data-fact="barcode_licensed_by"]')).to_contain_text(
        "GS1 Pháp"
    )
    # Nobody knows yet what the product is: nothing offered, the shopper is asked.
    alternatives = page.locator("#alternatives")
    expect(alternatives.locator("li")).to_have_count(0)
    page.locator("#category").select_option("dairy")
    page.click("#category-submit")
    expect(page.locator("#verdict")).to_have_attribute("data-level", "FOREIGN")
    expect(page.locator("#category")).to_have_value("dairy")
    items = page.locator("#alternatives li")
    expect(items).to_have_count(2)
    expect(items.first).to_have_attribute("data-gtin", VINAMILK)
    link = items.first.locator("a")
    expect(link).to_have_text(VINAMILK_NAME)
    # A link a thumb can hit: at least 44 px tall, inside the phone's width.
    box = link.bounding_box()
    assert box is not None and box["height"] >= 44 and box["x"] + box["width"] <= 390
    link.tap()
    expect(page).to_have_url(f"{live_server}/products/{VINAMILK}")
    expect(page.locator("h1")).to_have_text(VINAMILK_NAME)


def test_the_category_choice_works_without_javascript(
    browser: Browser, live_server: str, sample_registry
) -> None:
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        page.goto(f"{live_server}/verify?code={FOREIGN}&lang=en")
        page.locator("#category").select_option("dairy")
        page.click("#category-submit")
        expect(page.locator("#alternatives li").first).to_have_attribute("data-gtin", VINAMILK)
        page.click("#alternatives li a >> nth=0")
        expect(page.locator("h1")).to_have_text(VINAMILK_NAME)
    finally:
        context.close()
