"""Controls a thumb has to hit on a 390×844 phone: the photo buttons show their own words (not
the browser's "Choose File / No file chosen" inside them), and the 1–5 rating is big enough to
tap."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.support.labels import render_label, to_jpeg_bytes

pytestmark = pytest.mark.e2e

#: The smallest tap target the platform guidelines accept (Apple 44 pt, Material 48 dp).
TAP = 44


def test_the_photo_buttons_show_only_their_words_and_the_chosen_file(
    page: Page, live_server: str, tmp_path: Path
) -> None:
    photo = tmp_path / "mat-sau.jpg"
    photo.write_bytes(to_jpeg_bytes(render_label("8934673000017"), quality=80))
    page.goto(live_server + "/?lang=en")
    for slot in ("photo-1", "photo-2", "photo-3"):
        box = page.locator(f"#{slot}").bounding_box()
        assert box is not None and box["width"] <= 2 and box["height"] <= 2, slot
        button = page.locator(f"label[for={slot}]").bounding_box()
        assert button is not None and button["height"] >= TAP, slot
    expect(page.locator("label[for=photo-1]")).to_have_text("Barcode side")
    page.set_input_files("#photo-2", photo)
    expect(page.locator("#photo-2-name")).to_have_text("mat-sau.jpg")


def test_the_rating_is_big_enough_to_tap(page: Page, live_server: str, make_complaint) -> None:
    closed = make_complaint(status="DISMISSED")
    page.goto(f"{live_server}/track/{closed.tracking_code}?lang=en")
    options = page.locator("#rating-form label.check")
    expect(options).to_have_count(5)
    for index in range(5):
        label = options.nth(index).bounding_box()
        radio = options.nth(index).locator("input").bounding_box()
        assert label is not None and label["height"] >= TAP, index
        assert radio is not None and radio["width"] >= 24 and radio["height"] >= 24, index
