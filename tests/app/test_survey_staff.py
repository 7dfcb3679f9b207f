"""The staff side of the satisfaction surveys (issue 15): designing a survey with quotas and
weighting through the form, typing in paper questionnaires, reading the results with their
intervals, who may do what where, and the refusals (a stale edit, locked questions, bad input)
that leave everything as it was."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook
from werkzeug.datastructures import MultiDict

from app.surveys.display import figure
from surveys.answering import Choice, Submitted, record_answer
from surveys.design import Design, update_survey
from surveys.models import Survey, SurveyEvent, SurveyResponse
from surveys.questions import Dimension, Question
from surveys.results import survey_results
from tests.support.factories import login
from tests.support.forms import REFERER, hidden_value
from tests.support.pages import check_page, text_of
from tests.support.surveys import NOW, TODAY

ALL_QUESTIONS = [q.value for q in Question]


def html_of(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return response.get_data(as_text=True)


def design_form(page: str, **fields) -> MultiDict:
    """The design form as a person fills it in (the fields given replace the defaults)."""
    values = {
        "csrf_token": hidden_value(page, "csrf_token"),
        "title": "Hài lòng với sữa Việt, quý 1/2027",
        "description": "Vài câu hỏi ngắn về sản phẩm bạn dùng.",
        "opens_on": "2027-01-01",
        "closes_on": "2027-03-31",
        "subject": "general",
        "category": "",
        "questions": ALL_QUESTIONS,
        "weight_by": "",
        "minimum_n": "30",
        "previous_id": "",
        "province_code": "",
    }
    if 'name="version"' in page:
        values["version"] = hidden_value(page, "version")
    values.update(fields)
    data = MultiDict()
    for key, value in values.items():
        for one in value if isinstance(value, list) else [value]:
            data.add(key, one)
    return data


def count(db_session, model) -> int:
    db_session.expire_all()
    return db_session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


def answer(db_session, survey, product, i: int, *, overall: int, province: str | None = "79"):
    return record_answer(
        db_session,
        survey,
        Submitted(
            choice=Choice(product_id=product.id),
            scores={Question.OVERALL: overall, Question.QUALITY: 1 + i % 5},
            choose_again=i % 4 != 0,
            province_code=province,
        ),
        today=TODAY,
        now=NOW,
        device_token=f"device-{survey.id}-{i}",
    )


# ---- designing a survey ---------------------------------------------------------------------


def test_staff_design_a_survey_with_province_quotas_and_weighting(
    app, client, db_session, make_user
) -> None:
    staff = make_user("staff", province_code="79", name="Chị Lan")
    login(client, staff)
    response = client.get("/staff/surveys/new?lang=en")
    assert response.status_code == 200
    check_page(response, public=False)
    page = response.get_data(as_text=True)
    for question in ALL_QUESTIONS:  # the whole bank is ticked by default
        assert re.search(rf'id="question-{question}" checked', page), question
    minimum = app.config["SURVEY_MINIMUM_N"]
    assert (
        f'id="minimum_n" inputmode="numeric" maxlength="6" name="minimum_n" type="text" value="{minimum}"'
        in page
    )
    assert 'name="quota-province-01"' in page and 'name="quota-age_group-18-24"' in page
    assert "Thành phố Hồ Chí Minh" in text_of(response)  # the province is the staff's own

    before = count(db_session, Survey)
    response = client.post(
        "/staff/surveys/new",
        data=design_form(
            page,
            **{
                "quota-province-79": "300",
                "quota-province-01": "200",
                "quota-channel-market": "",
                "weight_by": "province",
                "minimum_n": "25",
                "publish": "y",
            },
        ),
        headers=REFERER,
    )
    assert response.status_code == 303, text_of(response)[:800]
    assert count(db_session, Survey) == before + 1
    survey = db_session.scalars(sa.select(Survey).order_by(Survey.id.desc())).first()
    assert response.headers["Location"].endswith(f"/staff/surveys/{survey.id}")
    assert survey.title == "Hài lòng với sữa Việt, quý 1/2027"
    assert survey.quotas == {"province": {"01": 200, "79": 300}}
    assert survey.weight_by == "province"
    assert survey.minimum_n == 25
    assert survey.publish is True
    assert survey.province_code == "79"
    assert survey.questions == ALL_QUESTIONS
    events = db_session.scalars(
        sa.select(SurveyEvent).where(SurveyEvent.survey_id == survey.id)
    ).all()
    assert [(e.action, e.actor) for e in events] == [("created", staff.username)]

    overview = client.get(response.headers["Location"])
    assert overview.status_code == 200
    check_page(overview, public=False)
    words = text_of(overview)
    assert "The survey was created." in words
    assert f"https://localhost/s/{survey.code}" in words  # the short link, absolute
    assert "Created the survey." in words and "Chị Lan" in words
    assert "Province: 2 targets, 500 answers in all" in words


def test_an_admin_chooses_the_province_and_an_edit_is_in_the_audit_trail(
    client, db_session, make_user, make_survey
) -> None:
    admin = make_user("admin", province_code=None, name="Anh Quản trị")
    login(client, admin)
    page = html_of(client, "/staff/surveys/new?lang=en")
    assert 'id="province_code"' in page  # administrators choose whose survey it is
    response = client.post(
        "/staff/surveys/new", data=design_form(page, province_code="01"), headers=REFERER
    )
    assert response.status_code == 303
    survey = db_session.scalars(sa.select(Survey).order_by(Survey.id.desc())).first()
    assert survey.province_code == "01"

    page = html_of(client, f"/staff/surveys/{survey.id}/edit")
    response = client.post(
        f"/staff/surveys/{survey.id}/edit",
        data=design_form(
            page, province_code="01", title="Sữa Việt, quý 1/2027", closes_on="2027-03-15"
        ),
        headers=REFERER,
    )
    assert response.status_code == 303
    db_session.expire_all()
    assert survey.title == "Sữa Việt, quý 1/2027"
    assert survey.closes_on == dt.date(2027, 3, 15)
    words = text_of(client.get(f"/staff/surveys/{survey.id}"))
    assert "The survey was saved." in words
    assert "Title: Hài lòng với sữa Việt, quý 1/2027 → Sữa Việt, quý 1/2027" in words
    assert "Closes on: 31/03/2027 → 15/03/2027" in words


# ---- paper questionnaires ---------------------------------------------------------------------


def test_staff_type_in_a_paper_questionnaire(
    client, db_session, make_user, make_survey, catalogue
) -> None:
    survey = make_survey(province_code="79")
    staff = make_user("staff", province_code="79")
    login(client, staff)
    response = client.get(f"/staff/surveys/{survey.id}/paper?lang=en")
    assert response.status_code == 200
    check_page(response, public=False)
    page = response.get_data(as_text=True)
    # Vietnamese goods in general: the brands are listed, a product is named by its barcode.
    assert f'value="b{catalogue.milk.id}"' in page and f'value="b{catalogue.sauce.id}"' in page
    fields = {
        "csrf_token": hidden_value(page, "csrf_token"),
        "paper_ref": "HCM-0001",
        "product": "",
        "gtin": catalogue.milk_a.gtin.lstrip("0"),
        "q-overall": "8",
        "q-expectations": "7",
        "q-quality": "4",
        "choose_again": "yes",
        "comment": "Sữa ngon, giá hợp lý.",
        "age_group": "25-34",
        "province": "79",
        "channel": "market",
    }
    response = client.post(f"/staff/surveys/{survey.id}/paper", data=fields, headers=REFERER)
    assert response.status_code == 303, text_of(response)[:800]
    again = client.get(response.headers["Location"])
    assert "Questionnaire HCM-0001 was saved. Type in the next one." in text_of(again)
    assert 'id="paper_ref" maxlength="40" name="paper_ref" type="text" value=""' in again.get_data(
        as_text=True
    )  # a blank form for the next questionnaire

    db_session.expire_all()
    stored = db_session.scalars(
        sa.select(SurveyResponse).where(SurveyResponse.survey_id == survey.id)
    ).one()
    assert (stored.source, stored.paper_ref, stored.entered_by) == (
        "paper",
        "HCM-0001",
        staff.username,
    )
    assert (stored.product_id, stored.overall, stored.quality, stored.choose_again) == (
        catalogue.milk_a.id,
        8,
        4,
        True,
    )
    assert (stored.age_group, stored.province_code, stored.channel) == ("25-34", "79", "market")
    assert stored.device_hash is None
    event = db_session.scalars(
        sa.select(SurveyEvent).where(
            SurveyEvent.survey_id == survey.id, SurveyEvent.action == "paper_answer"
        )
    ).one()
    assert event.actor == staff.username and event.details["paper_ref"] == "HCM-0001"
    assert "Typed in the paper questionnaire HCM-0001." in text_of(
        client.get(f"/staff/surveys/{survey.id}")
    )

    # The same number again: refused, the typed values kept, nothing stored twice.
    response = client.post(
        f"/staff/surveys/{survey.id}/paper", data={**fields, "q-overall": "3"}, headers=REFERER
    )
    assert response.status_code == 409
    assert "A questionnaire with this number is already typed in" in text_of(response)
    assert '<option value="3" selected>3</option>' in response.get_data(as_text=True)
    # An answer outside its scale (a forged 11): refused under no field, nothing stored.
    response = client.post(
        f"/staff/surveys/{survey.id}/paper",
        data={**fields, "paper_ref": "HCM-0002", "q-overall": "11"},
        headers=REFERER,
    )
    assert response.status_code == 400
    assert "An answer is outside its scale" in text_of(response)
    # No product chosen: the problem is under the product list.
    response = client.post(
        f"/staff/surveys/{survey.id}/paper",
        data={**fields, "paper_ref": "HCM-0003", "gtin": ""},
        headers=REFERER,
    )
    assert response.status_code == 400
    assert re.search(
        r'id="product-error">Choose the product you are rating\.<', text_of_html(response)
    )
    assert count(db_session, SurveyResponse) == 1


def test_a_paper_answer_names_a_product_of_the_survey(
    client, db_session, make_user, make_survey, catalogue
) -> None:
    from surveys.questions import Subject

    survey = make_survey(
        province_code="79",
        subject=Subject.PRODUCTS,
        product_ids=[catalogue.milk_a.id, catalogue.sauce_a.id],
    )
    login(client, make_user("staff", province_code="79"))
    page = html_of(client, f"/staff/surveys/{survey.id}/paper?lang=en")
    assert f'value="p{catalogue.milk_a.id}"' in page and f'value="p{catalogue.sauce_a.id}"' in page
    assert f'value="p{catalogue.milk_b.id}"' not in page
    fields = {
        "csrf_token": hidden_value(page, "csrf_token"),
        "paper_ref": "7",
        "product": f"p{catalogue.milk_b.id}",  # forged: not a product of the survey
        "q-overall": "6",
    }
    response = client.post(f"/staff/surveys/{survey.id}/paper", data=fields, headers=REFERER)
    assert response.status_code == 400
    assert re.search(
        r'id="product-error">This product is not one this survey is about', text_of_html(response)
    )
    assert count(db_session, SurveyResponse) == 0
    fields["product"] = f"p{catalogue.sauce_a.id}"
    response = client.post(f"/staff/surveys/{survey.id}/paper", data=fields, headers=REFERER)
    assert response.status_code == 303
    stored = db_session.scalars(sa.select(SurveyResponse)).one()
    assert (stored.product_id, stored.brand_id, stored.overall) == (
        catalogue.sauce_a.id,
        catalogue.sauce.id,
        6,
    )


def text_of_html(response) -> str:
    return response.get_data(as_text=True)


# ---- results ----------------------------------------------------------------------------------


def test_the_results_show_n_the_index_with_its_interval_and_the_weighting(
    app, client, db_session, make_user, make_survey, catalogue
) -> None:
    survey = make_survey(
        province_code="79",
        quotas={Dimension.PROVINCE: {"79": 300, "01": 100, "48": 50}},
        weight_by=Dimension.PROVINCE,
    )
    for i in range(40):
        answer(
            db_session,
            survey,
            catalogue.milk_a if i % 2 else catalogue.sauce_a,
            i,
            overall=1 + (i * 7) % 10,
            province="79" if i % 3 else ("01" if i % 2 else None),
        )
    db_session.commit()
    viewer = make_user("viewer", province_code="79")
    login(client, viewer)
    response = client.get(f"/staff/surveys/{survey.id}/results?lang=en")
    assert response.status_code == 200
    check_page(response, public=False)
    words = text_of(response)
    results = survey_results(db_session, survey)
    with app.test_request_context("/?lang=en"):
        index = figure(results.overall.summary.index)
        share = figure(results.overall.summary.choose_again, share=True)
    assert re.fullmatch(r"\d+\.\d \(\d+\.\d–\d+\.\d\)", index), index
    assert f"Satisfaction index (0–100) {index}" in words
    assert share in words and "%" in share
    assert "Answers (n) 40" in words
    not_weighted = results.overall.summary.not_weighted
    assert not_weighted > 0
    assert "Weighted to the province targets; design effect" in words
    assert f"{not_weighted} answers not weighted (no province given)." in words
    assert "No answer yet in: Thành phố Đà Nẵng." in words  # 48 has a target, no answer
    # Each brand's figures: the sauce's 20 answers are below the minimum of 30.
    assert "fewer than 30 answers (20)" in words
    # Quota progress: target, achieved, share.
    achieved_79 = sum(1 for i in range(40) if i % 3)
    assert f"Thành phố Hồ Chí Minh 300 {achieved_79} {round(achieved_79 / 3)} %" in words
    assert "not drawn at random" in words and "95 % confidence interval" in words


# ---- who may do what, where -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "province", "survey_province", "manages", "reads"),
    [
        ("admin", None, "79", True, True),
        ("admin", None, None, True, True),
        ("staff", "79", "79", True, True),
        ("staff", "79", "01", False, False),
        ("staff", "79", None, False, True),  # the whole country's: read, managed by admins
        ("inspector", "79", "79", False, True),
        ("viewer", None, "01", False, True),
        ("viewer", "79", "01", False, False),
    ],
)  # fmt: skip
def test_the_access_rule(role, province, survey_province, manages, reads) -> None:
    from complaints.accounts import Role, User
    from surveys.access import may_manage, may_read

    user = User(username="u", name="u", role=Role(role), province_code=province)
    assert may_manage(user, survey_province) is manages
    assert may_read(user, survey_province) is reads


@pytest.mark.parametrize("role", ["viewer", "inspector"])
def test_readers_read_the_results_but_manage_nothing(
    client, db_session, make_user, make_survey, role
) -> None:
    survey = make_survey(province_code="79")
    login(client, make_user(role, province_code="79"))
    for path in ("/staff/surveys", f"/staff/surveys/{survey.id}", f"/staff/surveys/{survey.id}/results",
                 f"/staff/surveys/{survey.id}/poster"):  # fmt: skip
        assert client.get(path).status_code == 200, path
    overview = client.get(f"/staff/surveys/{survey.id}").get_data(as_text=True)
    assert "/edit" not in overview and "/paper" not in overview and "answers.xlsx" not in overview
    assert 'id="new-survey"' not in client.get("/staff/surveys").get_data(as_text=True)
    for path in ("/staff/surveys/new", f"/staff/surveys/{survey.id}/edit",
                 f"/staff/surveys/{survey.id}/paper", f"/staff/surveys/{survey.id}/answers.xlsx"):  # fmt: skip
        assert client.get(path).status_code == 403, path
    page = client.get("/staff/surveys").get_data(as_text=True)
    token = hidden_value(client.get("/staff/").get_data(as_text=True), "csrf_token")
    for path in ("/staff/surveys/new", f"/staff/surveys/{survey.id}/edit",
                 f"/staff/surveys/{survey.id}/paper"):  # fmt: skip
        assert client.post(path, data={"csrf_token": token}, headers=REFERER).status_code == 403
    assert survey.title in page


def test_staff_of_another_province_do_not_see_the_survey(
    client, db_session, make_user, make_survey
) -> None:
    survey = make_survey(province_code="79", title="Khảo sát TP HCM")
    country = make_survey(title="Khảo sát toàn quốc")
    login(client, make_user("staff", province_code="01"))
    for suffix in ("", "/edit", "/results", "/paper", "/poster", "/answers.xlsx"):
        assert client.get(f"/staff/surveys/{survey.id}{suffix}").status_code == 404, suffix
    listing = text_of(client.get("/staff/surveys"))
    assert "Khảo sát TP HCM" not in listing and "Khảo sát toàn quốc" in listing
    # The whole country's survey: read, not managed (administrators manage it).
    assert client.get(f"/staff/surveys/{country.id}/results").status_code == 200
    assert client.get(f"/staff/surveys/{country.id}/edit").status_code == 403
    assert client.get(f"/staff/surveys/{country.id}/paper").status_code == 403


def test_the_staff_menu_links_the_surveys_for_every_role(app, db_session, make_user) -> None:
    for role in ("admin", "staff", "inspector", "viewer"):
        client = app.test_client()
        login(client, make_user(role))
        page = client.get("/staff/?lang=en").get_data(as_text=True)
        assert '<a href="/staff/surveys">Surveys</a>' in page, role


# ---- refusals ---------------------------------------------------------------------------------


def test_a_stale_edit_is_refused_and_nothing_is_saved(
    client, db_session, make_user, make_survey
) -> None:
    survey = make_survey(province_code="79")
    login(client, make_user("staff", province_code="79"))
    page = html_of(client, f"/staff/surveys/{survey.id}/edit?lang=en")
    assert hidden_value(page, "version") == str(survey.version)
    # Someone else saves the survey meanwhile.
    changed = Design.of(survey)
    changed.title = "Tên do người khác đặt"
    update_survey(db_session, survey, changed, actor="someone", now=NOW)
    db_session.commit()
    events = count(db_session, SurveyEvent)
    response = client.post(
        f"/staff/surveys/{survey.id}/edit",
        data=design_form(page, title="Tên của tôi", opens_on="2026-10-01", closes_on="2026-12-31"),
        headers=REFERER,
    )
    assert response.status_code == 409
    assert "Someone changed this survey after you opened it. Nothing was saved" in text_of(response)
    assert 'value="Tên của tôi"' in response.get_data(as_text=True)  # what was typed is kept
    db_session.expire_all()
    assert survey.title == "Tên do người khác đặt"
    assert count(db_session, SurveyEvent) == events


def test_questions_are_locked_once_answers_exist(
    client, db_session, make_user, make_survey, catalogue
) -> None:
    survey = make_survey(province_code="79")
    answer(db_session, survey, catalogue.milk_a, 1, overall=7)
    db_session.commit()
    login(client, make_user("staff", province_code="79"))
    page = html_of(client, f"/staff/surveys/{survey.id}/edit?lang=en")
    assert (
        "This survey has answers: what it is about and its questions can no longer change" in page
    )
    assert 'id="question-overall" checked disabled' in page
    assert (
        '<input checked disabled id="subject-0" name="subject" type="radio" value="general">'
        in page
    )
    events = count(db_session, SurveyEvent)

    # A forged POST asking fewer questions: refused by the core, nothing changed.
    forged = design_form(page, questions=["overall"], opens_on="2026-10-01", closes_on="2026-12-31")
    response = client.post(f"/staff/surveys/{survey.id}/edit", data=forged, headers=REFERER)
    assert response.status_code == 400
    assert (
        "This survey has answers: its questions and what it is about can no longer change"
        in text_of(response)
    )
    db_session.expire_all()
    assert survey.questions == ALL_QUESTIONS
    assert count(db_session, SurveyEvent) == events

    # As the browser sends the form (the locked fields disabled, so not sent): the title and
    # the period still change.
    allowed = design_form(
        page, title="Hàng Việt, quý 4 (sửa)", opens_on="2026-10-01", closes_on="2026-12-20"
    )
    for locked in ("questions", "subject", "category"):
        allowed.poplist(locked)
    response = client.post(f"/staff/surveys/{survey.id}/edit", data=allowed, headers=REFERER)
    assert response.status_code == 303, text_of(response)[:600]
    db_session.expire_all()
    assert survey.title == "Hàng Việt, quý 4 (sửa)"
    assert survey.closes_on == dt.date(2026, 12, 20)
    assert survey.questions == ALL_QUESTIONS


@pytest.mark.parametrize(
    ("fields", "field", "says"),
    [
        ({"opens_on": "2027-03-01", "closes_on": "2027-02-01"}, "closes_on",
         "The survey cannot close before it opens."),
        ({"quota-province-99": "10"}, "quotas", "A quota target names something unknown: 99."),
        ({"quota-channel-market": "-5"}, "quotas", "A quota target is a whole number of answers."),
        ({"minimum_n": "0"}, "minimum_n", "The minimum number of answers is from 1 to 10.000."),
        ({"minimum_n": "²"}, "minimum_n", "The minimum number of answers is from 1 to 10.000."),
        ({"opens_on": "0001-01-01"}, "opens_on", "Choose a day between 01/01/2000 and 31/12/2099."),
        ({"weight_by": "age_group"}, "weight_by",
         "Figures can only be weighted to quota targets that are set."),
        ({"subject": "brands"}, "brand_ids", "Choose at least one brand from the registry."),
        ({"subject": "products", "product_ids": ["999999"]}, "product_ids",
         "Something chosen is not in the registry"),
        ({"questions": ["comment"]}, "questions", "Choose at least one question with a scale"),
        ({"previous_id": "²"}, "previous_id", "Choose an earlier survey to compare with."),
        ({"title": "  "}, "title", "Give the survey a title."),
    ],
)  # fmt: skip
def test_bad_input_is_refused_under_its_field_and_nothing_is_saved(
    client, db_session, make_user, fields, field, says
) -> None:
    login(client, make_user("staff", province_code="79"))
    page = html_of(client, "/staff/surveys/new?lang=en")
    before, events = count(db_session, Survey), count(db_session, SurveyEvent)
    response = client.post("/staff/surveys/new", data=design_form(page, **fields), headers=REFERER)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    error = re.search(rf'id="{field}-error">([^<]*)<', html)
    assert error and says in error.group(1), html[:3000]
    assert "Nothing was saved: see the problems marked below." in html
    assert "Vài câu hỏi ngắn về sản phẩm bạn dùng." in html  # the rest as typed
    assert count(db_session, Survey) == before and count(db_session, SurveyEvent) == events


# ---- poster and export ----------------------------------------------------------------------


def test_the_poster_carries_the_qr_code_and_the_short_link(
    client, db_session, make_user, make_survey
) -> None:
    survey = make_survey(province_code="79")
    login(client, make_user("staff", province_code="79"))
    response = client.get(f"/staff/surveys/{survey.id}/poster?lang=en")
    assert response.status_code == 200
    check_page(response, public=False)
    html = response.get_data(as_text=True)
    assert f'src="/s/{survey.code}/qr.png"' in html
    assert f'id="poster-link">localhost/s/{survey.code}<' in html
    assert "Scan to answer — under two minutes, no account" in text_of(response)
    qr = client.get(f"/s/{survey.code}/qr.png")
    assert qr.status_code == 200 and qr.mimetype == "image/png"


def test_the_answers_download_as_xlsx(
    client, db_session, make_user, make_survey, catalogue
) -> None:
    survey = make_survey(province_code="79")
    for i in range(3):
        answer(db_session, survey, catalogue.milk_a, i, overall=5 + i)
    db_session.commit()
    login(client, make_user("staff", province_code="79"))
    response = client.get(f"/staff/surveys/{survey.id}/answers.xlsx")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert f"survey-{survey.code}-answers-" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"
    sheet = load_workbook(io.BytesIO(response.data), read_only=True).active
    assert len(list(sheet.iter_rows())) == 1 + 3  # a header and the three answers
