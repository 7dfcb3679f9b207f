"""Finding a report by its code, in real Chromium (issue 13, items 7 and 9).

A shopper on a 390×844 phone mistypes her tracking code: the page says no report has it, with the
box to type it again, and the right code reaches her report. A report staff merged into another
shows the case going on, with no closing date. A staff member on a 1366×900 desktop types a
tracking code in the queue's search box, with or without its hyphen, and lands on that
complaint; a code from outside her area opens nothing.

(The 1–5 rating's tap targets on a closed report are tests/e2e/test_phone_controls.py's.)"""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect

from complaints.tracking import ALPHABET, format_tracking_code
from complaints.triage import merge, move
from complaints.workflow import Status
from tests.support.factories import PASSWORD

pytestmark = pytest.mark.e2e

DESKTOP: ViewportSize = {"width": 1366, "height": 900}
FILED = dt.datetime(2026, 11, 20, 2, 0, tzinfo=dt.UTC)
MERGED = dt.datetime(2026, 11, 27, 3, 18, tzinfo=dt.UTC)


def mistyped(code: str) -> str:
    """``code`` with its last character read wrong (another character of the alphabet)."""
    wrong = ALPHABET[(ALPHABET.index(code[-1]) + 1) % len(ALPHABET)]
    return code[:-1] + wrong


def test_a_mistyped_code_says_so_and_the_right_one_reaches_the_report(
    page: Page, live_server: str, make_complaint
) -> None:
    mine = make_complaint()
    wrong = mistyped(mine.tracking_code)
    page.goto(live_server + "/")
    page.get_by_role("link", name="Tra cứu phản ánh").click()
    page.fill("#track-code", format_tracking_code(wrong))
    page.get_by_role("button", name="Xem tình trạng xử lý").click()

    alert = page.locator("#track-form [role=alert]")
    expect(alert).to_have_text(
        f"Không có phản ánh nào mang mã {format_tracking_code(wrong)}. "
        "Hãy đối chiếu với biên nhận rồi nhập lại."
    )
    expect(page.locator("main")).not_to_contain_text("Trang này không tồn tại")
    box = page.locator("#track-code")
    expect(box).to_be_in_viewport()
    # What was typed is kept, to be corrected in place, in the form the receipt prints.
    assert box.input_value() == format_tracking_code(wrong)

    box.fill(format_tracking_code(mine.tracking_code))
    page.get_by_role("button", name="Xem tình trạng xử lý").click()
    expect(page).to_have_url(f"{live_server}/track/{mine.tracking_code}")
    expect(page.locator("#tracking-code")).to_have_text(format_tracking_code(mine.tracking_code))
    expect(page.locator("#status")).to_have_text("Đã nhận: đang chờ xem xét")


def test_a_merged_report_shows_its_case_going_on_without_a_closing_date(
    page: Page, live_server: str, db_session, make_user, make_complaint
) -> None:
    case = make_complaint(status="TRIAGED", created_at=FILED)
    mine = make_complaint(created_at=FILED + dt.timedelta(days=1))
    staff = make_user("staff")
    merge(db_session, case, [mine], actor=staff, now=MERGED)
    move(db_session, case, Status.REFERRED, actor=staff, now=MERGED + dt.timedelta(hours=1))
    db_session.commit()

    page.goto(f"{live_server}/track/{mine.tracking_code}")
    expect(page.locator("#status")).to_have_text("Đã gộp với phản ánh khác về cùng sản phẩm")
    followed = page.locator("#followed-status")
    expect(followed).to_contain_text(
        "Phản ánh của bạn đã được gộp với các phản ánh khác về cùng sản phẩm"
    )
    expect(followed).to_contain_text("Vụ việc: Đã chuyển lực lượng Quản lý thị trường")
    facts = page.locator("#tracking dl.facts")
    expect(facts).to_contain_text("Ngày tiếp nhận")
    expect(facts).not_to_contain_text("Ngày kết thúc")


def staff_page(browser: Browser, live_server: str, user) -> Page:
    """A signed-in staff member's queue on a desktop screen."""
    context = browser.new_context(viewport=DESKTOP, locale="vi-VN")
    page = context.new_page()
    page.goto(f"{live_server}/staff/")
    page.fill("#username", user.username)
    page.fill("#password", PASSWORD)
    page.click("#login-form button[type=submit]")
    expect(page.locator("#queue")).to_be_visible()
    return page


@pytest.mark.parametrize("hyphen", [True, False], ids=["with-hyphen", "without-hyphen"])
def test_a_tracking_code_in_the_queue_search_opens_its_complaint(
    browser: Browser, live_server: str, make_user, make_complaint, hyphen: bool
) -> None:
    staff = make_user("staff", province_code="79")
    wanted = make_complaint(province_code="79", product_name="Sữa tươi TH giả")
    make_complaint(province_code="79", product_name="Nước mắm")  # the queue holds more than one
    shown = format_tracking_code(wanted.tracking_code)
    page = staff_page(browser, live_server, staff)
    try:
        page.fill("#f-q", shown if hyphen else wanted.tracking_code)
        page.click("#apply-filters")
        expect(page).to_have_url(f"{live_server}/staff/complaints/{wanted.id}")
        expect(page.locator("#complaint-code")).to_have_text(shown)
        expect(page.locator("main")).to_contain_text("Sữa tươi TH giả")
    finally:
        page.context.close()


def test_a_tracking_code_from_another_area_opens_nothing(
    browser: Browser, live_server: str, make_user, make_complaint
) -> None:
    staff = make_user("staff", province_code="79")
    elsewhere = make_complaint(province_code="01", product_name="Sữa tươi TH giả")
    page = staff_page(browser, live_server, staff)
    try:
        page.fill("#f-q", format_tracking_code(elsewhere.tracking_code))
        page.click("#apply-filters")
        expect(page.locator("#queue-count")).to_have_text("Có 0 phản ánh phù hợp.")
        expect(page.locator("#queue")).to_contain_text(
            "Không có phản ánh nào phù hợp với điều kiện lọc."
        )
        assert f"/staff/complaints/{elsewhere.id}" not in page.url
        expect(page.locator("main")).not_to_contain_text("Sữa tươi TH giả")
    finally:
        page.context.close()
