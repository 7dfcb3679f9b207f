"""The results cache gives the figures computed last only while nothing they depend on changed."""

from __future__ import annotations

from surveys.answering import Choice, Submitted, record_answer
from surveys.design import Design, update_survey
from surveys.questions import Dimension, Question
from surveys.results import ResultsCache
from tests.support.surveys import NOW, TODAY


def answer(db_session, survey, product, i: int, overall: int = 8) -> None:
    record_answer(
        db_session,
        survey,
        Submitted(
            choice=Choice(product_id=product.id),
            scores={Question.OVERALL: overall},
            province_code="79",
        ),
        today=TODAY,
        now=NOW,
        device_token=f"cache-{i}",
    )


def test_new_answers_an_edit_and_a_registry_change_give_new_figures(
    make_survey, catalogue, db_session, registry, monkeypatch
) -> None:
    survey = make_survey(minimum_n=1)
    for i in range(3):
        answer(db_session, survey, catalogue.milk_a, i)
    cache = ResultsCache()
    computed = []
    import surveys.results as results

    real = results.survey_results
    monkeypatch.setattr(results, "survey_results", lambda *a: computed.append(1) or real(*a))
    first = cache.results(db_session, survey)
    assert cache.results(db_session, survey).answers == first.answers == 3
    assert len(computed) == 1  # the second read was kept
    answer(db_session, survey, catalogue.milk_a, 3, overall=2)
    assert cache.results(db_session, survey).answers == 4  # a new answer: computed again
    design = Design.of(survey)
    design.quotas = {Dimension.PROVINCE: {"79": 10}}
    design.weight_by = Dimension.PROVINCE
    update_survey(db_session, survey, design, actor="staff", now=NOW)
    weighted = cache.results(db_session, survey)
    assert weighted.overall.summary.weighting is not None  # an edit: computed again
    catalogue.milk.name = "Sữa Quê Mới"
    registry._changed()  # the registry's version moves with every registry change
    names = {g.name for g in cache.results(db_session, survey).groups["brand"]}
    assert names == {"Sữa Quê Mới"}
    assert len(computed) == 4
