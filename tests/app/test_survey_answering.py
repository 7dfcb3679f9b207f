"""A shopper answers a survey on its short link /s/<code> (issue 15): the page, one answer per
device, the refusals, the rate limit, the QR code, and the invitation on a trusted verdict."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from app.extensions import db, limiter
from barcode_db.decode import decode_bytes
from barcode_db.gtin import printed_gtin
from barcode_db.text_safety import forbidden_character
from surveys.invitations import invitation, invitation_for_gtin
from surveys.models import SurveyResponse
from surveys.questions import Question, Subject
from tests.support.factories import freeze_today, with_check_digit
from tests.support.forms import REFERER
from tests.support.hostile import ALL, FORBIDDEN
from tests.support.pages import check_page, text_of
from tests.support.surveys import TODAY

#: A Vietnamese number whose owner is not in the registry.
UNLISTED = with_check_digit("893999912345")
ALREADY = "You have already answered this survey. Thank you."


@pytest.fixture(autouse=True)
def today(monkeypatch) -> dt.date:
    freeze_today(monkeypatch, TODAY)
    return TODAY


def stored(db_session) -> list[SurveyResponse]:
    db_session.expire_all()
    return list(db_session.scalars(sa.select(SurveyResponse).order_by(SurveyResponse.id)))


def form_page(client, survey, query: str = "?lang=en"):
    response = client.get(f"/s/{survey.code}{query}")
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    check_page(response)
    return response


def token_of(response) -> str:
    html = response.get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]*)"', html) or re.search(
        r'id="csrf_token" name="csrf_token" type="hidden" value="([^"]*)"', html
    )
    assert match, "the form carries a CSRF token"
    return match.group(1)


def answers(client, survey, catalogue, **overrides) -> dict[str, str]:
    """A whole answer, as the page sends it once filled in."""
    data = {
        "csrf_token": token_of(form_page(client, survey)),
        "item": f"b{catalogue.milk.id}",
        "gtin": "",
        "overall": "8",
        "expectations": "7",
        "ideal": "6",
        "quality": "4",
        "label_information": "5",
        "choice": "3",
        "design": "4",
        "price": "2",
        "customer_care": "3",
        "choose_again": "yes",
        "comment": "Sữa ngon, giá hơi cao.",
        "age_group": "25-34",
        "province": "79",
        "commune": "26740",  # Phường Sài Gòn
        "channel": "supermarket",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def send(client, survey, data: dict[str, str]):
    return client.post(f"/s/{survey.code}?lang=en", data=data, headers=REFERER)


# ---- answering -------------------------------------------------------------------------------


def test_the_page_shows_the_survey_and_the_questions_it_asks(
    client, catalogue, make_survey
) -> None:
    survey = make_survey(description="Ý kiến của bạn về hàng Việt.")
    response = form_page(client, survey)
    text = text_of(response)
    assert "Hài lòng với hàng Việt, quý 4/2026" in text
    assert "Ý kiến của bạn về hàng Việt." in text
    assert "It takes under two minutes. No account, no personal data." in text
    # A general survey lists the registry's brands; a barcode may be typed instead.
    html = response.get_data(as_text=True)
    assert f'<option value="b{catalogue.milk.id}">Sữa Quê</option>' in html
    assert f'<option value="b{catalogue.sauce.id}">Mắm Biển</option>' in html
    assert 'id="gtin"' in html and 'inputmode="numeric"' in html
    # The 1–10 questions as ten radio buttons with what the ends mean; the 1–5 criteria as five.
    assert "Overall, how satisfied are you with this product?" in text
    assert "1 = Not at all satisfied" in text and "10 = Very satisfied" in text
    assert len(re.findall(r'type="radio" name="overall" value="\d+"', html)) == 10
    assert len(re.findall(r'type="radio" name="price" value="\d+"', html)) == 5
    assert "1 = Very poor" in text and "5 = Very good" in text
    assert "Would you choose this Vietnamese product again?" in text
    assert "Please do not write your name, phone number or address" in text
    # The optional facts, and the way to the communes without JavaScript.
    assert 'name="refresh_area"' in html
    assert "Under 18" in text and "Supermarket" in text


def test_answering_stores_one_answer_with_its_values(
    client, db_session, catalogue, make_survey
) -> None:
    survey = make_survey()
    response = send(client, survey, answers(client, survey, catalogue))
    assert response.status_code == 303
    assert response.headers["Location"] == f"/s/{survey.code}/thanks"
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("hv_respondent=")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/s/" in cookie
    assert f"Max-Age={365 * 24 * 3600}" in cookie

    thanks = client.get(f"/s/{survey.code}/thanks?lang=en")
    check_page(thanks)
    assert "Thank you!" in text_of(thanks)
    assert 'href="/" id="scan-another"' in thanks.get_data(as_text=True)

    [answer] = stored(db_session)
    assert answer.survey_id == survey.id
    assert answer.source == "web"
    assert (answer.brand_id, answer.product_id) == (catalogue.milk.id, None)
    assert answer.category == "dairy"
    assert (answer.overall, answer.expectations, answer.ideal) == (8, 7, 6)
    assert (answer.quality, answer.label_information, answer.choice) == (4, 5, 3)
    assert (answer.design, answer.price, answer.customer_care) == (4, 2, 3)
    assert answer.choose_again is True
    assert answer.comment == "Sữa ngon, giá hơi cao."
    assert (answer.age_group, answer.province_code, answer.commune_code, answer.channel) == (
        "25-34",
        "79",
        "26740",
        "supermarket",
    )
    assert answer.satisfaction_index is not None
    assert answer.device_hash and len(answer.device_hash) == 64


def test_a_survey_of_brands_lists_them_with_their_products(
    client, db_session, catalogue, make_survey
) -> None:
    survey = make_survey(subject=Subject.BRANDS, brand_ids=[catalogue.milk.id])
    html = form_page(client, survey).get_data(as_text=True)
    group = re.search(r'<optgroup label="Sữa Quê">(.*?)</optgroup>', html, re.S)
    assert group, "the brand's products are grouped under its name"
    options = re.findall(r'<option value="([bp]\d+)">([^<]*)</option>', group.group(1))
    assert options == [
        (f"b{catalogue.milk.id}", "Sữa Quê: the brand in general"),
        (f"p{catalogue.milk_b.id}", "Sữa chua"),
        (f"p{catalogue.milk_a.id}", "Sữa tươi 1 L"),
    ]
    assert "Mắm Biển" not in html and "Nước mắm 500 ml" not in html
    data = answers(client, survey, catalogue, item=f"p{catalogue.milk_b.id}")
    assert send(client, survey, data).status_code == 303
    [answer] = stored(db_session)
    assert (answer.brand_id, answer.product_id) == (catalogue.milk.id, catalogue.milk_b.id)


def test_a_barcode_typed_instead_of_the_list_is_rated(
    client, db_session, catalogue, make_survey
) -> None:
    survey = make_survey()
    gtin = printed_gtin(catalogue.sauce_a.gtin)
    page = form_page(client, survey, f"?lang=en&gtin={gtin}")
    assert f'value="{gtin}"' in page.get_data(as_text=True)  # prefilled from the link
    data = answers(client, survey, catalogue, item="", gtin=gtin)
    assert send(client, survey, data).status_code == 303
    [answer] = stored(db_session)
    assert (answer.product_id, answer.brand_id) == (catalogue.sauce_a.id, catalogue.sauce.id)


def test_the_device_cookie_blocks_a_second_answer(
    app, client, db_session, catalogue, make_survey
) -> None:
    survey = make_survey()
    data = answers(client, survey, catalogue)
    assert send(client, survey, data).status_code == 303

    again = client.get(f"/s/{survey.code}?lang=en")
    assert again.status_code == 200
    check_page(again)
    assert ALREADY in text_of(again)
    assert 'id="survey-form"' not in again.get_data(as_text=True)

    second = send(client, survey, data)
    assert second.status_code == 409
    assert ALREADY in text_of(second)
    assert len(stored(db_session)) == 1

    # Another phone (no cookie) answers too.
    other = app.test_client()
    assert send(other, survey, answers(other, survey, catalogue)).status_code == 303
    assert len(stored(db_session)) == 2


def test_a_tampered_cookie_is_no_token(app, client, db_session, catalogue, make_survey) -> None:
    survey = make_survey()
    assert send(client, survey, answers(client, survey, catalogue)).status_code == 303
    # A cookie edited by hand (another token, its signature not matching): not this device's.
    client.set_cookie("hv_respondent", "forged.token", path="/s/")
    page = client.get(f"/s/{survey.code}?lang=en")
    assert ALREADY not in text_of(page)
    assert 'id="survey-form"' in page.get_data(as_text=True)


@pytest.mark.parametrize("value", ["11", "0", "ten", "99999999999999999999"])
def test_an_answer_off_its_scale_is_refused(
    client, db_session, catalogue, make_survey, value
) -> None:
    survey = make_survey()
    response = send(client, survey, answers(client, survey, catalogue, overall=value))
    assert response.status_code == 400
    check_page(response)
    assert "An answer is outside its scale" in text_of(response)
    assert stored(db_session) == []


def test_a_product_the_survey_is_not_about_is_refused_under_the_list(
    client, db_session, catalogue, make_survey
) -> None:
    survey = make_survey(subject=Subject.PRODUCTS, product_ids=[catalogue.milk_a.id])
    page = form_page(client, survey).get_data(as_text=True)
    assert f'value="p{catalogue.milk_a.id}"' in page
    assert f'value="p{catalogue.sauce_a.id}"' not in page  # only the survey's products
    forged = answers(client, survey, catalogue, item=f"p{catalogue.sauce_a.id}")
    response = send(client, survey, forged)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    message = "This product is not one this survey is about: choose one from the list."
    # Under the list, and everything typed kept.
    assert re.search(r'<select id="item".*?</select>\s*<p class="error field-error"[^>]*>'
                     + re.escape(message), html, re.S)  # fmt: skip
    assert "Please correct the marked fields." in html
    assert "Sữa ngon, giá hơi cao." in html
    assert re.search(r'name="overall" value="8" checked', html)
    assert stored(db_session) == []


def test_a_barcode_from_a_link_that_the_survey_is_not_about_is_refused_under_the_box(
    client, db_session, catalogue, make_survey
) -> None:
    survey = make_survey(subject=Subject.BRANDS, brand_ids=[catalogue.milk.id])
    gtin = printed_gtin(catalogue.sauce_a.gtin)
    form_page(client, survey, f"?lang=en&gtin={gtin}")
    response = send(client, survey, answers(client, survey, catalogue, item="", gtin=gtin))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert re.search(r'id="gtin"[^>]*>\s*<small id="gtin-hint">[^<]*</small>\s*'
                     r'<p class="error field-error"[^>]*>This product is not one this survey',
                     html)  # fmt: skip
    assert stored(db_session) == []


def test_a_question_the_survey_does_not_ask_is_refused(
    client, db_session, catalogue, make_survey
) -> None:
    survey = make_survey(questions=[Question.OVERALL, Question.CHOOSE_AGAIN])
    page = form_page(client, survey)
    html = page.get_data(as_text=True)
    assert 'id="question-overall"' in html and 'id="question-choose_again"' in html
    assert 'id="question-price"' not in html and 'id="question-comment"' not in html
    data = answers(client, survey, catalogue, price="3")
    # Only what the page offers, plus the forged answer to "price".
    data = {k: v for k, v in data.items() if k not in ("expectations", "ideal", "quality",
            "label_information", "choice", "design", "customer_care", "comment")}  # fmt: skip
    response = send(client, survey, data)
    assert response.status_code == 400
    assert "The answers name a question this survey does not ask." in text_of(response)
    assert stored(db_session) == []
    # Without the forged answer it is taken.
    del data["price"]
    assert send(client, survey, data).status_code == 303
    assert len(stored(db_session)) == 1


def test_choose_again_is_yes_or_no(client, db_session, catalogue, make_survey) -> None:
    survey = make_survey()
    response = send(client, survey, answers(client, survey, catalogue, choose_again="maybe"))
    assert response.status_code == 400
    assert "Answer yes or no." in text_of(response)
    assert stored(db_session) == []


def test_an_answer_without_a_product_is_refused(client, db_session, catalogue, make_survey):
    survey = make_survey()
    response = send(client, survey, answers(client, survey, catalogue, item=""))
    assert response.status_code == 400
    assert "Choose the product you are rating." in text_of(response)
    assert stored(db_session) == []


@pytest.mark.parametrize(
    ("day", "status", "says"),
    [
        (dt.date(2027, 1, 1), 410, "This survey closed on 31/12/2026."),
        (dt.date(2026, 9, 30), 200, "This survey opens on 01/10/2026."),
    ],
)
def test_a_survey_not_open_shows_that_and_takes_no_answer(
    client, db_session, catalogue, make_survey, monkeypatch, day, status, says
) -> None:
    survey = make_survey()
    data = answers(client, survey, catalogue)  # the form, from while it was open
    freeze_today(monkeypatch, day)
    page = client.get(f"/s/{survey.code}?lang=en")
    assert page.status_code == status
    check_page(page)
    assert says in text_of(page)
    assert 'id="survey-form"' not in page.get_data(as_text=True)
    refused = send(client, survey, data)
    assert refused.status_code == (410 if status == 410 else 409)
    assert says in text_of(refused)
    assert stored(db_session) == []


def test_an_answer_without_the_csrf_token_is_refused(
    client, db_session, catalogue, make_survey
) -> None:
    survey = make_survey()
    data = answers(client, survey, catalogue)
    del data["csrf_token"]
    response = send(client, survey, data)
    assert response.status_code == 400
    assert "The form expired or did not come from this site." in text_of(response)
    assert stored(db_session) == []


def test_an_invisible_character_is_named_and_taken_out(
    client, db_session, catalogue, make_survey
) -> None:
    survey = make_survey()
    data = answers(client, survey, catalogue, comment="Sữa\u200b ngon")
    response = send(client, survey, data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "U+200B ZERO WIDTH SPACE" in page
    assert "Sữa ngon" in page and "\u200b" not in page
    assert stored(db_session) == []


def test_answers_are_rate_limited_but_showing_the_communes_is_not(
    app, client, db_session, catalogue, make_survey, monkeypatch
) -> None:
    monkeypatch.setitem(app.config, "SURVEY_ANSWER_RATE_LIMIT", "2 per minute")
    survey = make_survey()
    refused = answers(client, survey, catalogue, overall="11")
    for _ in range(3):  # "show the communes" taps are not counted
        assert send(client, survey, {**refused, "refresh_area": "1"}).status_code == 200
    assert send(client, survey, refused).status_code == 400
    assert send(client, survey, refused).status_code == 400
    limited = send(client, survey, answers(client, survey, catalogue))
    assert limited.status_code == 429
    check_page(limited)
    assert "Too many requests" in text_of(limited)
    assert send(client, survey, {**refused, "refresh_area": "1"}).status_code == 200
    assert stored(db_session) == []


def test_showing_the_communes_without_javascript_keeps_what_was_typed(
    client, db_session, catalogue, make_survey
) -> None:
    survey = make_survey()
    data = answers(client, survey, catalogue, commune="", refresh_area="1")
    response = send(client, survey, data)
    assert response.status_code == 200
    check_page(response)
    html = response.get_data(as_text=True)
    commune_list = re.search(r'<select[^>]*id="commune".*?</select>', html, re.S)
    assert commune_list and "Phường Sài Gòn" in commune_list.group(0)
    assert f'<option value="b{catalogue.milk.id}" selected>Sữa Quê</option>' in html
    assert re.search(r'name="overall" value="8" checked', html)
    assert re.search(r'name="price" value="2" checked', html)
    assert re.search(r'name="choose_again" value="yes" id="choose_again-yes" checked', html)
    assert "Sữa ngon, giá hơi cao." in html
    assert re.search(r'<option selected value="79">', html)
    assert stored(db_session) == []


def test_the_page_is_vietnamese_first_and_english_on_request(
    app, db_session, catalogue, make_survey
) -> None:
    survey = make_survey()
    vietnamese = app.test_client().get(f"/s/{survey.code}")
    page = check_page(vietnamese)
    assert page.html_lang == "vi"
    text = text_of(vietnamese)
    assert "— chọn —" in text and "Hiện các xã, phường, đặc khu của tỉnh, thành phố này" in text
    assert "— choose —" not in text
    english = app.test_client().get(f"/s/{survey.code}?lang=en")
    assert check_page(english).html_lang == "en"
    assert "It takes under two minutes. No account, no personal data." in text_of(english)
    assert "Show the communes of this province" in text_of(english)


def test_a_code_reads_forgivingly_and_an_unknown_one_is_a_page_in_words(
    client, db_session, make_survey
) -> None:
    survey = make_survey()
    loose = f"{survey.code[:3].lower()}-{survey.code[3:].lower()}"
    moved = client.get(f"/s/{loose}?gtin=8930001000016&lang=en")
    assert moved.status_code == 301
    assert moved.headers["Location"] == f"/s/{survey.code}?lang=en&gtin=8930001000016"
    missing = client.get("/s/ZZZZZZ?lang=en")
    assert missing.status_code == 404
    check_page(missing)
    assert "There is no survey at this address." in text_of(missing)
    assert client.get("/s/not-a-code?lang=en").status_code == 404
    assert client.get("/s/ZZZZZZ/qr.png").status_code == 404


def test_the_qr_code_opens_the_short_link(client, db_session, make_survey) -> None:
    survey = make_survey()
    response = client.get(f"/s/{survey.code}/qr.png")
    assert response.status_code == 200
    assert response.mimetype == "image/png"
    [decoded] = decode_bytes(response.data)
    assert re.fullmatch(rf"https?://[^/]+/s/{survey.code}", decoded.text)


# ---- the invitation on a verdict -------------------------------------------------------------


def verdict_text(client, gtin: str) -> tuple[str, str]:
    response = client.get(f"/verify?code={printed_gtin(gtin)}&lang=en")
    assert response.status_code == 200
    check_page(response)
    return text_of(response), response.get_data(as_text=True)


def test_a_trusted_product_invites_to_an_open_survey_about_it(
    client, db_session, catalogue, make_survey
) -> None:
    survey = make_survey(invite_on_verdict=True)
    text, html = verdict_text(client, catalogue.milk_a.gtin)
    assert "Trusted Vietnamese goods" in text
    assert "Rate this product" in text
    assert "A short survey of the association (under two minutes)." in text
    gtin = printed_gtin(catalogue.milk_a.gtin)
    link = f'href="/s/{survey.code}?gtin={gtin}"'
    assert link in html
    # The link opens the survey with the barcode in its box.
    page = form_page(client, survey, f"?gtin={gtin}&lang=en")
    assert f'value="{gtin}"' in page.get_data(as_text=True)


def test_no_invitation_when_invitations_are_off_or_the_survey_is_not_about_it(
    client, db_session, catalogue, make_survey, monkeypatch
) -> None:
    make_survey()  # open, invitations off
    make_survey(invite_on_verdict=True, subject=Subject.PRODUCTS, product_ids=[catalogue.milk_b.id])
    make_survey(invite_on_verdict=True, closes_on=dt.date(2026, 11, 26))  # closed yesterday
    text, _html = verdict_text(client, catalogue.milk_a.gtin)
    assert "Trusted Vietnamese goods" in text
    assert "Rate this product" not in text
    # The product of the product survey is invited to it.
    text, _html = verdict_text(client, catalogue.milk_b.gtin)
    assert "Rate this product" in text


def test_only_a_trusted_product_of_the_registry_invites(
    client, db_session, catalogue, make_survey
) -> None:
    make_survey(invite_on_verdict=True)
    text, _html = verdict_text(client, UNLISTED)
    assert "Vietnamese barcode" in text
    assert "Rate this product" not in text


def test_the_invitation_costs_one_query_and_picks_the_narrowest_survey(
    db_session, catalogue, make_survey
) -> None:
    general = make_survey(invite_on_verdict=True)
    by_brand = make_survey(
        invite_on_verdict=True, subject=Subject.BRANDS, brand_ids=[catalogue.milk.id]
    )
    milk_a, sauce_a = catalogue.milk_a.gtin, catalogue.sauce_a.gtin
    seen: list[str] = []

    def count(conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
        seen.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        found = invitation_for_gtin(db_session, milk_a, today=TODAY)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    assert found is not None and found.id == by_brand.id
    assert len([s for s in seen if not s.startswith(("SAVEPOINT", "RELEASE"))]) == 1
    # The sauce is not of the brand survey: the general survey invites.
    sauce = invitation_for_gtin(db_session, sauce_a, today=TODAY)
    assert sauce is not None and sauce.id == general.id
    assert invitation_for_gtin(db_session, UNLISTED.zfill(14), today=TODAY) is None
    # By ids, the same rule: a brand alone is not covered by a survey of products.
    make_survey(invite_on_verdict=True, subject=Subject.PRODUCTS, product_ids=[catalogue.milk_b.id])
    assert invitation(
        db_session, brand_id=catalogue.milk.id, product_id=None, category="dairy", today=TODAY
    ).id == by_brand.id  # fmt: skip
    chosen = invitation(
        db_session,
        brand_id=catalogue.milk.id,
        product_id=catalogue.milk_b.id,
        category="dairy",
        today=TODAY,
    )
    assert chosen is not None and chosen.subject == Subject.PRODUCTS
    assert invitation(
        db_session, brand_id=None, product_id=None, category=None, today=TODAY
    ) is None  # fmt: skip


# ---- hostile input ---------------------------------------------------------------------------


@pytest.mark.slow
def test_every_field_of_the_answer_form_survives_hostile_input(
    app, db_session, catalogue, make_survey, monkeypatch
) -> None:
    """Each field of a whole answer, in turn, holding each value of the hostile table (the
    app-wide probe reaches /s/<code> only with a code that names no survey): never a server
    error, a refused character always refused, and never stored."""
    survey = make_survey()
    whole = answers(app.test_client(), survey, catalogue)
    del whole["csrf_token"]
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)
    monkeypatch.setattr(limiter, "enabled", False)
    failures = []
    for name in [*whole, "refresh_area"]:
        for kind, value in ALL.items():
            response = send(app.test_client(), survey, {**whole, name: value})  # a new phone
            if response.status_code >= 500 or (kind in FORBIDDEN and response.status_code != 400):
                failures.append(f"{name}={kind}: {response.status_code}")
            if response.status_code != 303:
                assert "<script>alert(1)</script>" not in response.get_data(as_text=True)
    assert failures == []
    texts = [
        value
        for answer in stored(db_session)
        for value in (answer.comment, answer.age_group, answer.province_code, answer.channel)
        if isinstance(value, str)
    ]
    assert texts, "the probe stored the answers that are fine"
    assert [t for t in texts if forbidden_character(t)] == []


# ---- scanning the product from the survey ---------------------------------------------------


def test_scanning_from_the_survey_leads_back_to_it_with_the_product(
    client, db_session, catalogue, make_survey
) -> None:
    # Invitations off: only the shopper who came from the survey is led back to it.
    survey = make_survey(subject=Subject.BRANDS, brand_ids=[catalogue.milk.id])
    page = form_page(client, survey, "?lang=en").get_data(as_text=True)
    link = re.search(r'href="([^"]+)" id="survey-scan-link"', page)
    assert link and link.group(1) == f"/?survey={survey.code}"
    scan = client.get(link.group(1) + "&lang=en").get_data(as_text=True)
    # The typed-digits form, the photo form and the camera's link all carry the survey.
    assert scan.count(f'<input type="hidden" name="survey" value="{survey.code}">') == 2
    assert f'data-verify-url="/verify?survey={survey.code}"' in scan
    gtin = printed_gtin(catalogue.milk_a.gtin)
    verdict = client.get(f"/verify?code={gtin}&survey={survey.code.lower()}&lang=en")
    html = verdict.get_data(as_text=True)
    assert "Rate this product" in text_of(verdict)
    assert f'href="/s/{survey.code}?gtin={gtin}"' in html
    # A product the survey is not about: no invitation, even from the survey.
    sauce = client.get(
        f"/verify?code={printed_gtin(catalogue.sauce_a.gtin)}&survey={survey.code}&lang=en"
    )
    assert "Rate this product" not in text_of(sauce)
    # Without the survey in the address, invitations off: nothing.
    assert "Rate this product" not in verdict_text(client, catalogue.milk_a.gtin)[0]
