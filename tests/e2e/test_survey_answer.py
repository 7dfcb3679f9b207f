"""A shopper answers a survey on a 390×844 phone, from the address its poster's QR code holds,
with JavaScript and without: the scales are taps of at least 44 px, the communes of the province
come either way, the thanks page follows, the answer is stored once, and the same phone is then
told it already answered."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, Page, expect

from barcode_db.decode import decode_bytes
from surveys.models import SurveyResponse
from tests.e2e.conftest import PHONE
from tests.support.factories import freeze_today
from tests.support.surveys import TODAY

pytestmark = pytest.mark.e2e


@pytest.fixture
def survey(monkeypatch, catalogue, make_survey):
    freeze_today(monkeypatch, TODAY)
    return make_survey(description="Ý kiến của bạn giúp hàng Việt tốt hơn.")


def stored(db_session) -> list[SurveyResponse]:
    db_session.expire_all()
    return list(db_session.scalars(sa.select(SurveyResponse)))


def address_in_the_qr_code(page: Page, live_server: str, code: str) -> str:
    image = page.request.get(f"{live_server}/s/{code}/qr.png")
    assert image.ok and image.headers["content-type"] == "image/png"
    [decoded] = decode_bytes(image.body())
    return decoded.text


def tap_targets_are_large_enough(page: Page) -> None:
    for question, points in (("overall", 10), ("price", 5)):
        targets = page.locator(f"#question-{question} .scale-point")
        expect(targets).to_have_count(points)
        for n in range(points):
            box = targets.nth(n).bounding_box()
            assert box is not None
            assert box["width"] >= 44 and box["height"] >= 44, (question, n + 1, box)
            assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], (question, box)


def answer(page: Page, catalogue, *, javascript: bool) -> None:
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(page.locator("#survey-title")).to_have_text("Hài lòng với hàng Việt, quý 4/2026")
    page.select_option("#item", f"b{catalogue.milk.id}")
    for question, value in (("overall", 8), ("expectations", 7), ("price", 2)):
        radio = page.locator(f"input[value='{value}']")  # (inside the box: relative to it)
        page.locator(f"#question-{question} .scale-point", has=radio).click()  # a tap on the box
        expect(page.locator(f"#question-{question} input[value='{value}']")).to_be_checked()
    page.check("#choose_again-yes")
    page.fill("#comment", "Sữa ngon, giá hơi cao.")
    page.select_option("#age_group", "25-34")
    page.select_option("#province", "79")
    if javascript:
        expect(page.locator("#refresh-area")).to_have_count(0)  # the communes follow by themselves
    else:
        page.click("#refresh-area")  # without JavaScript: the page comes back with them
        expect(page.locator("#question-overall input[value='8']")).to_be_checked()
        expect(page.locator("#comment")).to_have_value("Sữa ngon, giá hơi cao.")
    expect(page.locator("#commune option", has_text="Phường Sài Gòn")).to_have_count(1)
    page.select_option("#commune", label="Phường Sài Gòn")
    page.select_option("#channel", "market")
    page.click("#survey-submit")
    expect(page.locator("#survey-thanks")).to_be_visible()
    expect(page.locator("#scan-another")).to_be_visible()


def the_answer_is_stored_once(page: Page, url: str, db_session, catalogue) -> None:
    [stored_answer] = stored(db_session)
    assert stored_answer.source == "web"
    assert stored_answer.brand_id == catalogue.milk.id
    assert (stored_answer.overall, stored_answer.expectations, stored_answer.price) == (8, 7, 2)
    assert stored_answer.choose_again is True
    assert stored_answer.comment == "Sữa ngon, giá hơi cao."
    assert (stored_answer.province_code, stored_answer.commune_code) == ("79", "26740")
    assert (stored_answer.age_group, stored_answer.channel) == ("25-34", "market")
    # The same phone, the same survey: thanked, no form.
    page.goto(url)
    expect(page.locator("#survey-answered")).to_be_visible()
    expect(page.locator("#survey-form")).to_have_count(0)
    assert len(stored(db_session)) == 1


def test_a_shopper_answers_from_the_poster_with_javascript(
    page: Page, live_server: str, db_session, catalogue, survey
) -> None:
    url = address_in_the_qr_code(page, live_server, survey.code)
    assert url == f"{live_server}/s/{survey.code}"
    page.goto(url)
    tap_targets_are_large_enough(page)
    answer(page, catalogue, javascript=True)
    the_answer_is_stored_once(page, url, db_session, catalogue)


def test_the_same_without_javascript(
    browser: Browser, live_server: str, db_session, catalogue, survey
) -> None:
    context = browser.new_context(java_script_enabled=False, viewport=PHONE, locale="vi-VN")
    page = context.new_page()
    try:
        url = address_in_the_qr_code(page, live_server, survey.code)
        page.goto(url)
        expect(page.locator("#refresh-area")).to_be_visible()
        tap_targets_are_large_enough(page)
        answer(page, catalogue, javascript=False)
        the_answer_is_stored_once(page, url, db_session, catalogue)
    finally:
        context.close()
