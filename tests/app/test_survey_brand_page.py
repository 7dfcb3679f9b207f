"""A brand's public page shows what consumers said only from a published survey with enough
answers about that brand."""

from __future__ import annotations

from surveys.answering import Choice, Submitted, record_answer
from surveys.design import Design, update_survey
from surveys.questions import Question
from surveys.statistics import Answer, round_for_display, summarise
from tests.support.pages import text_of
from tests.support.surveys import NOW, TODAY


def vi(x: float) -> str:
    return str(round_for_display(x)).replace(".", ",")


def test_published_figures_appear_on_the_brand_page_only_with_enough_answers(
    client, make_survey, catalogue, db_session
) -> None:
    survey = make_survey(title="Khảo sát quý 4", minimum_n=8)
    answers = []
    for i in range(10):
        product = catalogue.milk_a if i < 8 else catalogue.sauce_a
        scores = {Question.OVERALL: 3 + i % 8, Question.EXPECTATIONS: 2 + i % 9}
        record_answer(
            db_session,
            survey,
            Submitted(choice=Choice(product_id=product.id), scores=scores, choose_again=i % 2 == 0),
            today=TODAY,
            now=NOW,
            device_token=f"bp{i}",
        )
        if i < 8:
            answers.append(
                Answer(
                    overall=scores[Question.OVERALL],
                    expectations=scores[Question.EXPECTATIONS],
                    choose_again=i % 2 == 0,
                )
            )
    db_session.commit()
    milk_page = f"/brands/{catalogue.company.code}/{catalogue.milk.id}"
    sauce_page = f"/brands/{catalogue.company.code}/{catalogue.sauce.id}"
    assert "Khảo sát quý 4" not in text_of(client.get(milk_page))  # not published yet
    design = Design.of(survey)
    design.publish = True
    update_survey(db_session, survey, design, actor="staff", now=NOW)
    db_session.commit()
    text = text_of(client.get(milk_page))
    expected = summarise(answers, None, 8).index.estimate
    assert "Khảo sát quý 4" in text
    assert f"{vi(expected.value)} ({vi(expected.low)}–{vi(expected.high)})" in text
    # Two answers about the sauce brand: below the minimum, nothing shown on its page.
    assert "Khảo sát quý 4" not in text_of(client.get(sauce_page))
