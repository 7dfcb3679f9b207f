"""Campaign figures through the app: every check a shopper makes is counted once, by how it was
made, with the province they chose (and only then); counts are written by an explicit flush
that adds up and never fails a shopper's request; the report shows the hand-counted figures."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import sqlalchemy as sa
import time_machine
from openpyxl import load_workbook
from sqlalchemy.exc import OperationalError

import app.campaign as campaign_module
from app.campaign import PROVINCE_COOKIE, counts
from app.clock import LOCAL_TZ
from complaints.campaign import NONE, CountKey, VerificationDay
from tests.complaints.test_campaign import HCM, seed_counts
from tests.support.factories import login
from tests.support.forms import REFERER, csrf_token, multipart
from tests.support.labels import barcode_image, to_jpeg_bytes
from tests.support.pages import check_page, text_of

VINAMILK_PRODUCT = "8934673000017"  # sample registry: trusted, a dairy product
#: A morning in Vietnam; 23:30 UTC the evening before is already this day there.
TODAY = dt.date(2026, 8, 15)
MORNING = dt.datetime(2026, 8, 15, 9, 0, tzinfo=LOCAL_TZ)


@pytest.fixture
def tally(app, db_session):
    """The session app's counts, starting from nothing (a test app writes only on flush())."""
    found = counts(app)
    found.discard()
    yield found
    found.discard()


@pytest.fixture
def morning():
    with time_machine.travel(MORNING, tick=False):
        yield


def trusted_dairy(channel: str, province: str = NONE, day: dt.date = TODAY) -> CountKey:
    return CountKey(day, "TRUSTED", "vietnam", "dairy", province, channel)


def barcode_photo(code: str = VINAMILK_PRODUCT) -> bytes:
    return to_jpeg_bytes(barcode_image(code, scale=2.0), quality=90)


def post_photo_form(client, photo: bytes, **fields: str):
    return client.post(
        "/verify/photo",
        data={
            "csrf_token": csrf_token(client),
            "photo": (io.BytesIO(photo), "label.jpg"),
            **fields,
        },
        content_type="multipart/form-data",
        headers=REFERER,
    )


def post_photo_api(client, photo: bytes | None, query: str = "", **fields: str):
    files = [("photo", photo, "label.jpg")] if photo else []
    body, content_type = multipart(fields, files)
    return client.post(f"/api/v1/verify{query}", data=body, content_type=content_type)


# ---- counted once, by channel ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("check", "channel"),
    [
        # the scan page's box
        (lambda c: c.get(f"/verify?code={VINAMILK_PRODUCT}"), "typed"),
        # the live camera's "Check this number" link
        (lambda c: c.get(f"/verify?code={VINAMILK_PRODUCT}&via=camera"), "camera"),
        # the JSON API, typed or scanned by an app
        (lambda c: c.get(f"/api/v1/verify?code={VINAMILK_PRODUCT}"), "typed"),
        (lambda c: post_photo_api(c, None, code=VINAMILK_PRODUCT), "typed"),
        # a photo: the form and the API
        (lambda c: post_photo_form(c, barcode_photo()), "photo"),
        (lambda c: post_photo_api(c, barcode_photo()), "photo"),
        # the live camera's "Photograph the label too": its number comes with the photo
        (lambda c: post_photo_form(c, barcode_photo(), code=VINAMILK_PRODUCT), "camera"),
    ],
    ids=[
        "page",
        "page-camera",
        "api-get",
        "api-post-code",
        "photo-form",
        "photo-api",
        "camera-label",
    ],
)
def test_each_check_is_counted_once_by_how_it_was_made(
    client, sample_registry, tally, morning, check, channel
) -> None:
    assert check(client).status_code == 200
    assert tally.pending() == {trusted_dairy(channel): 1}


def test_an_answer_served_again_is_counted_again(client, sample_registry, tally, morning) -> None:
    for _ in range(3):  # the second and third come from the answer cache
        assert client.get(f"/api/v1/verify?code={VINAMILK_PRODUCT}").status_code == 200
    assert tally.pending() == {trusted_dairy("typed"): 3}


def test_a_camera_still_sent_only_to_read_the_number_is_not_a_check(
    client, sample_registry, tally, morning
) -> None:
    response = post_photo_api(client, barcode_photo(), "?counted=false")
    assert response.json["chosen"] == VINAMILK_PRODUCT
    assert tally.pending() == {}


def test_every_verdict_is_counted_not_only_good_ones(client, sample_registry, tally, morning):
    client.get("/verify?code=8934673000014")  # a wrong check digit
    client.get("/verify?code=8934673000015")  # another
    assert tally.pending() == {CountKey(TODAY, "INVALID", "none", NONE, NONE, "typed"): 2}


def test_the_day_is_vietnams(client, sample_registry, tally) -> None:
    with time_machine.travel(dt.datetime(2026, 8, 14, 23, 30, tzinfo=dt.UTC), tick=False):
        client.get(f"/verify?code={VINAMILK_PRODUCT}")
    assert tally.pending() == {trusted_dairy("typed", day=TODAY): 1}


def test_a_complaint_is_not_a_check(client, sample_registry, tally) -> None:
    from tests.support.forms import file_complaint_by_api

    assert file_complaint_by_api(client, VINAMILK_PRODUCT).status_code == 201
    assert tally.pending() == {}


# ---- the province --------------------------------------------------------------------------------


def choose(client, province: str):
    return client.post(
        "/province",
        data={"csrf_token": csrf_token(client), "province": province},
        headers=REFERER,
    )


def test_without_a_choice_no_province_is_counted(client, sample_registry, tally, morning):
    # Whatever address the shopper comes from: the province is never guessed from it.
    client.get(f"/verify?code={VINAMILK_PRODUCT}", environ_base={"REMOTE_ADDR": "14.160.0.1"})
    client.get(
        f"/api/v1/verify?code={VINAMILK_PRODUCT}&brand=Vinamilk",
        headers={"X-Forwarded-For": "113.160.0.1"},
    )
    assert tally.pending() == {trusted_dairy("typed"): 2}


def test_a_chosen_province_is_remembered_and_counted(client, sample_registry, tally, morning):
    response = choose(client, HCM)
    assert response.status_code == 302
    cookie = client.get_cookie(PROVINCE_COOKIE)
    assert cookie is not None and cookie.value == HCM and cookie.http_only
    page = client.get("/")
    check_page(page)
    html = page.get_data(as_text=True)
    assert '<option selected value="79">' in html
    flash = html.split('class="flash flash-success"')[1].split("</p>")[0]
    assert "Thành phố Hồ Chí Minh" in flash  # which one is remembered

    client.get(f"/verify?code={VINAMILK_PRODUCT}")
    client.get(f"/verify?code={VINAMILK_PRODUCT}&via=camera")
    post_photo_form(client, barcode_photo())
    # The JSON API takes no cookies: its checks carry no province.
    client.get(f"/api/v1/verify?code={VINAMILK_PRODUCT}")
    assert tally.pending() == {
        trusted_dairy("typed", HCM): 1,
        trusted_dairy("camera", HCM): 1,
        trusted_dairy("photo", HCM): 1,
        trusted_dairy("typed"): 1,
    }


def test_the_shopper_can_forget_the_province(client, sample_registry, tally, morning) -> None:
    choose(client, HCM)
    assert choose(client, "").status_code == 302
    assert client.get_cookie(PROVINCE_COOKIE) is None
    assert '<option selected value="">' in client.get("/").get_data(as_text=True)
    client.get(f"/verify?code={VINAMILK_PRODUCT}")
    assert tally.pending() == {trusted_dairy("typed"): 1}


def test_a_cookie_that_names_no_province_counts_as_none(client, sample_registry, tally, morning):
    client.set_cookie(PROVINCE_COOKIE, "99")
    client.get(f"/verify?code={VINAMILK_PRODUCT}")
    assert tally.pending() == {trusted_dairy("typed"): 1}


def test_an_unknown_province_is_refused(client, tally) -> None:
    assert choose(client, "99").status_code == 400
    assert client.get_cookie(PROVINCE_COOKIE) is None


def test_the_choice_is_on_the_scan_page_and_not_in_a_verdicts_address(client) -> None:
    html = client.get("/").get_data(as_text=True)
    assert 'action="/province"' in html and 'name="province"' in html
    # The check forms do not carry it: a shared verdict link never sets someone else's province.
    check_form = html.split('id="code-form"')[1].split("</form>")[0]
    assert 'name="province"' not in check_form


# ---- writing the counts --------------------------------------------------------------------------


def stored(db_session) -> dict[CountKey, int]:
    db_session.expire_all()
    return {
        CountKey(r.day, r.level, r.gs1, r.category, r.province_code, r.channel): r.count
        for r in db_session.scalars(sa.select(VerificationDay))
    }


def test_two_flushes_add_up(client, sample_registry, tally, db_session, morning) -> None:
    client.get(f"/verify?code={VINAMILK_PRODUCT}")
    client.get(f"/verify?code={VINAMILK_PRODUCT}")
    assert tally.flush()
    assert tally.pending() == {}
    assert stored(db_session) == {trusted_dairy("typed"): 2}
    for _ in range(3):
        client.get(f"/verify?code={VINAMILK_PRODUCT}")
    client.get(f"/verify?code={VINAMILK_PRODUCT}&via=camera")
    assert tally.flush()
    assert stored(db_session) == {trusted_dairy("typed"): 5, trusted_dairy("camera"): 1}


def test_a_failed_write_keeps_the_counts_for_the_next(
    client, sample_registry, tally, db_session, morning, monkeypatch, caplog
) -> None:
    real = campaign_module.add_counts

    def down(session, counted):
        raise OperationalError("INSERT", {}, Exception("the database is down"))

    client.get(f"/verify?code={VINAMILK_PRODUCT}")
    monkeypatch.setattr(campaign_module, "add_counts", down)
    assert tally.flush() is False
    assert "could not write 1 verification counts" in caplog.text
    assert tally.pending() == {trusted_dairy("typed"): 1}
    monkeypatch.setattr(campaign_module, "add_counts", real)
    client.get(f"/verify?code={VINAMILK_PRODUCT}")
    assert tally.flush()
    assert stored(db_session) == {trusted_dairy("typed"): 2}


def test_a_failed_write_never_fails_the_shoppers_check(
    client, sample_registry, tally, db_session, morning, monkeypatch
) -> None:
    # "each" writes inside the request: the one mode where a shopper could notice.
    monkeypatch.setattr(tally, "mode", "each")

    def down(session, counted):
        raise OperationalError("INSERT", {}, Exception("the database is down"))

    monkeypatch.setattr(campaign_module, "add_counts", down)
    response = client.get(f"/verify?code={VINAMILK_PRODUCT}&lang=en")
    assert response.status_code == 200
    assert "Trusted Vietnamese goods" in text_of(response)
    assert tally.pending() == {trusted_dairy("typed"): 1}


@pytest.mark.real_transactions  # the write commits beside the request's own transaction
def test_written_at_once_in_each_mode(
    client, sample_registry, tally, db_session, morning, monkeypatch
) -> None:
    monkeypatch.setattr(tally, "mode", "each")
    client.get(f"/api/v1/verify?code={VINAMILK_PRODUCT}")
    assert tally.pending() == {}
    assert stored(db_session) == {trusted_dairy("typed"): 1}


def test_off_counts_nothing(client, sample_registry, tally, monkeypatch) -> None:
    monkeypatch.setattr(tally, "mode", "off")
    client.get(f"/verify?code={VINAMILK_PRODUCT}")
    assert tally.pending() == {}


# ---- the report ----------------------------------------------------------------------------------

Q3 = "/reports/view?period=2026-Q3&province=79"


@pytest.fixture
def after_q3():
    """Early in Q4 2026, when the Q3 report is made (the staff sign-in included)."""
    with time_machine.travel(dt.datetime(2026, 10, 5, 10, tzinfo=LOCAL_TZ), tick=False):
        yield


def cell(html: str, element_id: str) -> str:
    start = html.index(f'id="{element_id}">') + len(f'id="{element_id}">')
    return html[start : html.index("<", start)]


def test_the_report_shows_the_campaign_figures(client, db_session, make_user, after_q3) -> None:
    seed_counts(db_session)
    login(client, make_user("staff", province_code="79"))
    response = client.get(Q3)
    assert response.status_code == 200
    check_page(response, public=False)
    html = response.get_data(as_text=True)
    expected = {
        # In Hồ Chí Minh City: 28 checks against 12; 19 of 25 product numbers Vietnamese-licensed
        # against 8 of 12; 15 of 25 trusted against 8 of 12.
        "campaign-province-checks": "28",
        "campaign-province-previous-checks": "12",
        "campaign-province-change-checks": "+16",
        "campaign-province-product_numbers": "25",
        "campaign-province-vietnamese_share": "76,0 %",
        "campaign-province-previous-vietnamese_share": "66,7 %",
        "campaign-province-trusted_share": "60,0 %",
        # The whole country: 59 against 20; 28 of 54 Vietnamese-licensed, 22 of 54 trusted.
        "campaign-country-checks": "59",
        "campaign-country-previous-checks": "20",
        "campaign-country-vietnamese_share": "51,9 %",
        "campaign-country-trusted_share": "40,7 %",
        "campaign-country-previous-trusted_share": "77,8 %",
        "campaign-level-TRUSTED": "22",
        "campaign-level-FOREIGN": "26",
        "campaign-level-previous-FOREIGN": "4",
        "campaign-category-dairy": "17",
        "campaign-category-trusted-dairy": "88,2 %",
        "campaign-category-beverages": "13",
        "campaign-category-none": "29",
        "campaign-province-79": "28",
        "campaign-province-01": "7",
        "campaign-province-none": "24",
        "campaign-province-vietnamese-none": "9,1 %",
    }
    assert {key: cell(html, key) for key in expected} == expected
    # Shares change by percentage points: 76,0 − 66,7 and 60,0 − 66,7.
    assert cell(html, "campaign-province-change-vietnamese_share").startswith("+9,3")
    assert cell(html, "campaign-province-change-trusted_share").startswith("−6,7")
    assert cell(html, "campaign-country-change-vietnamese_share").startswith("−25,9")
    # The gap the report stated before (suspect scans being "not all the verifications") is gone.
    assert "not all the verifications" not in html
    assert "không phải toàn bộ" not in html


def test_the_workbook_has_the_campaign_sheets(client, db_session, make_user, after_q3) -> None:
    seed_counts(db_session)
    login(client, make_user("staff", province_code="79"))
    response = client.get(Q3.replace("/view", "/report.xlsx") + "&lang=en")
    book = load_workbook(io.BytesIO(response.get_data()))

    def rows(title: str) -> dict[str, tuple]:
        sheet = next(s for s in book.worksheets if s.title == title)
        return {str(r[0]): r[1:] for r in sheet.iter_rows(values_only=True) if r and r[0]}

    key = rows("Campaign figures")
    assert key["checks"][1:] == (28, 12, 59, 20)
    assert key["vietnamese_share"][1:] == (76.0, 66.7, 51.9, 77.8)
    assert rows("Checks by verdict level")["FOREIGN"][1:] == (26, 4, 22)
    assert rows("Checks by category")["dairy"][1:] == (17, 14, 3, 100.0, 88.2)
    assert rows("Checks by province")["79"][1:] == (28, 12, 16, 76.0, 60.0)
