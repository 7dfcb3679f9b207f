"""A shopper on a phone chooses their province for the campaign figures, checks a product, and
forgets the choice again (real headless Chromium at 390×844)."""

from __future__ import annotations

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from app.campaign import counts

pytestmark = pytest.mark.e2e

VINAMILK_PRODUCT = "8934673000017"


def test_a_chosen_province_goes_with_the_checks_until_it_is_forgotten(
    page: Page, live_server: str, sample_registry, app: Flask
) -> None:
    counted = counts(app)
    counted.discard()
    page.goto(live_server + "/")
    choice = page.locator("#province")
    expect(choice).to_have_value("")  # nothing chosen, nothing guessed
    choice.select_option(label="Thành phố Hồ Chí Minh")
    page.click("#province-save")
    expect(page.locator(".flash")).to_contain_text("Thành phố Hồ Chí Minh")
    expect(page.locator("#province")).to_have_value("79")  # remembered on the next visit

    page.fill("#code", VINAMILK_PRODUCT)
    page.click("#code-submit")
    expect(page.locator("#verdict")).to_have_attribute("data-level", "TRUSTED")
    assert [(k.province_code, k.channel, n) for k, n in counted.pending().items()] == [
        ("79", "typed", 1)
    ]

    page.goto(live_server + "/")
    page.locator("#province").select_option("")
    page.click("#province-save")
    expect(page.locator("#province")).to_have_value("")
    page.fill("#code", VINAMILK_PRODUCT)
    page.click("#code-submit")
    expect(page.locator("#verdict")).to_have_attribute("data-level", "TRUSTED")
    assert sorted((k.province_code, n) for k, n in counted.pending().items()) == [
        ("", 1),
        ("79", 1),
    ]
    counted.discard()
