"""GET /api/v1/surveys/<code>/results: only a published survey, only its public figures."""

from __future__ import annotations

from surveys.answering import Choice, Submitted, record_answer
from surveys.design import Design, update_survey
from surveys.questions import Question
from tests.support.openapi import validate
from tests.support.surveys import NOW, TODAY


def answered(db_session, survey, catalogue, milk: int, sauce: int) -> None:
    for i in range(milk + sauce):
        product = catalogue.milk_a if i < milk else catalogue.sauce_a
        record_answer(
            db_session,
            survey,
            Submitted(
                choice=Choice(product_id=product.id),
                scores={Question.OVERALL: 5 + i % 6, Question.QUALITY: 1 + i % 5},
                choose_again=i % 3 != 0,
                comment="gọi tôi 0912345678",
            ),
            today=TODAY,
            now=NOW,
            device_token=f"api-{i}",
        )
    db_session.commit()


def test_an_unpublished_survey_answers_404_like_an_unknown_code(
    client, make_survey, catalogue, db_session
) -> None:
    survey = make_survey(minimum_n=5)
    answered(db_session, survey, catalogue, 6, 0)
    for code in (survey.code, "ZZZZZZ", "not-a-code"):
        response = client.get(f"/api/v1/surveys/{code}/results?lang=en")
        assert response.status_code == 404
        assert response.get_json()["error"]["message"] == "No published survey has this code."


def test_a_published_survey_gives_its_figures_and_leaves_out_small_groups(
    client, make_survey, catalogue, db_session
) -> None:
    survey = make_survey(minimum_n=10)
    answered(db_session, survey, catalogue, 12, 4)
    design = Design.of(survey)
    design.publish = True
    update_survey(db_session, survey, design, actor="staff", now=NOW)
    db_session.commit()
    response = client.get(f"/api/v1/surveys/{survey.code.lower()}/results?lang=en")
    assert response.status_code == 200
    body = response.get_json()
    validate(client, body, "SurveyResults")
    assert body["code"] == survey.code and body["url"].endswith(f"/s/{survey.code}")
    assert body["overall"]["respondents"] == 16
    index = body["overall"]["index"]
    assert index["n"] == 16 and index["low"] < index["value"] < index["high"]
    # The sauce brand has 4 answers, below the minimum of 10: not published at all.
    assert [b["name"] for b in body["brands"]] == ["Sữa Quê"]
    assert [c["key"] for c in body["categories"]] == ["dairy"]
    assert body["categories"][0]["name"] == "Milk and dairy products"
    assert "0912345678" not in response.get_data(as_text=True)
    assert "comment" not in response.get_data(as_text=True)
