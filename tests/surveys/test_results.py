"""A survey's figures as the database sums them, against the statistics core on the same
answers; publishing rules; the comparison with the survey before."""

from __future__ import annotations

import datetime as dt
import math

from surveys.answering import Choice, Submitted, record_answer
from surveys.design import Design, update_survey
from surveys.questions import Dimension, Question
from surveys.results import (
    BRAND,
    CATEGORY,
    PRODUCT,
    public_results,
    published_brand_figures,
    survey_results,
)
from surveys.statistics import Answer, Criterion, summarise
from tests.support.surveys import NOW, TODAY


def fill(db_session, survey, rows, prefix="d"):
    """Store answers: (product, overall, quality, choose_again, province)."""
    answers = []
    for i, (product, overall, quality, again, province) in enumerate(rows):
        record_answer(
            db_session,
            survey,
            Submitted(
                choice=Choice(product_id=product.id),
                scores={Question.OVERALL: overall, Question.QUALITY: quality},
                choose_again=again,
                province_code=province,
            ),
            today=TODAY,
            now=NOW,
            device_token=f"{prefix}{i}",
        )
        answers.append(
            Answer(
                overall=overall,
                criteria={Criterion.QUALITY: quality},
                choose_again=again,
                stratum=province,
            )
        )
    db_session.commit()
    return answers


def rows_for(catalogue, n_milk=36, n_sauce=8):
    rows = []
    for i in range(n_milk):
        product = catalogue.milk_a if i % 3 else catalogue.milk_b
        rows.append((product, 1 + (i * 7) % 10, 1 + i % 5, i % 4 != 0, "79" if i % 3 else "01"))
    for i in range(n_sauce):
        rows.append((catalogue.sauce_a, 3 + i % 5, 2 + i % 3, i % 2 == 0, None if i % 2 else "48"))
    return rows


def close(a, b):
    assert (a is None) == (b is None)
    if a is not None:
        assert math.isclose(a.value, b.value, rel_tol=1e-9)
        assert math.isclose(a.low, b.low, rel_tol=1e-7)
        assert math.isclose(a.high, b.high, rel_tol=1e-7)


def test_unweighted_figures_match_the_core_on_the_same_answers(
    make_survey, catalogue, db_session
) -> None:
    survey = make_survey(minimum_n=5)
    answers = fill(db_session, survey, rows_for(catalogue))
    results = survey_results(db_session, survey)
    expected = summarise(answers, None, 5)
    assert results.answers == 44
    assert results.by_source == {"web": 44, "paper": 0}
    close(results.overall.summary.index.estimate, expected.index.estimate)
    close(results.overall.summary.choose_again.estimate, expected.choose_again.estimate)
    brands = {g.key: g for g in results.groups[BRAND]}
    milk = brands[catalogue.milk.id]
    assert milk.name == "Sữa Quê"
    close(milk.summary.index.estimate, summarise(answers[:36], None, 5).index.estimate)
    assert [g.key for g in results.groups[CATEGORY]] == ["dairy", "seasonings"]
    assert {g.key for g in results.groups[PRODUCT]} == {
        catalogue.milk_a.id,
        catalogue.milk_b.id,
        catalogue.sauce_a.id,
    }


def test_weighted_figures_report_the_design_effect_and_who_was_not_weighted(
    make_survey, catalogue, db_session
) -> None:
    survey = make_survey(
        minimum_n=5,
        quotas={Dimension.PROVINCE: {"79": 50, "01": 30, "48": 20}},
        weight_by=Dimension.PROVINCE,
    )
    answers = fill(db_session, survey, rows_for(catalogue))
    results = survey_results(db_session, survey)
    expected = summarise(answers, {"79": 50.0, "01": 30.0, "48": 20.0}, 5)
    summary = results.overall.summary
    assert summary.not_weighted == 4  # the sauce answers with no province
    assert summary.weighting is not None
    assert math.isclose(summary.weighting.deff, expected.weighting.deff)
    assert summary.weighting.deff > 1
    close(summary.index.estimate, expected.index.estimate)
    progress = {
        line.stratum: (line.target, line.achieved) for line in results.quotas[Dimension.PROVINCE]
    }
    assert progress == {"79": (50, 24), "01": (30, 12), "48": (20, 4)}


def test_the_minimum_n_withholds_a_brand_and_publishing_hides_it(
    make_survey, catalogue, db_session
) -> None:
    survey = make_survey(minimum_n=30)
    fill(db_session, survey, rows_for(catalogue))
    results = survey_results(db_session, survey)
    brands = {g.key: g for g in results.groups[BRAND]}
    assert brands[catalogue.milk.id].summary.shown  # 36 answers
    sauce = brands[catalogue.sauce.id].summary
    assert not sauce.shown and sauce.index.estimate is None and sauce.index.n == 8
    assert public_results(db_session, survey) is None  # not published
    assert published_brand_figures(db_session, catalogue.milk.id, TODAY) is None
    design = Design.of(survey)
    design.publish = True
    update_survey(db_session, survey, design, actor="staff", now=NOW)
    public = public_results(db_session, survey)
    assert [g.key for g in public.groups[BRAND]] == [catalogue.milk.id]
    figures = published_brand_figures(db_session, catalogue.milk.id, TODAY)
    assert figures is not None and figures.survey.id == survey.id
    assert figures.figures.summary.respondents == 36
    assert published_brand_figures(db_session, catalogue.sauce.id, TODAY) is None


def test_each_group_is_compared_with_the_survey_before(make_survey, catalogue, db_session) -> None:
    before = make_survey(
        title="Quý 3", opens_on=dt.date(2026, 7, 1), closes_on=dt.date(2026, 9, 30), minimum_n=5
    )
    # Quý 3: milk rated low everywhere.
    rows = [(catalogue.milk_a, 2 + i % 2, 2, False, "79") for i in range(40)]
    for i, row in enumerate(rows):
        record_answer(
            db_session,
            before,
            Submitted(
                choice=Choice(product_id=row[0].id),
                scores={Question.OVERALL: row[1], Question.QUALITY: row[2]},
                choose_again=row[3],
            ),
            today=dt.date(2026, 8, 1),
            now=NOW,
            device_token=f"q3-{i}",
        )
    survey = make_survey(minimum_n=5, previous_id=before.id)
    fill(db_session, survey, rows_for(catalogue))
    results = survey_results(db_session, survey)
    assert results.previous_survey.id == before.id
    milk = next(g for g in results.groups[BRAND] if g.key == catalogue.milk.id)
    assert milk.previous is not None and milk.previous.respondents == 40
    change = milk.index_change
    assert change is not None and change.clear and change.difference > 0
    assert milk.choose_again_change is not None and milk.choose_again_change.clear
    sauce = next(g for g in results.groups[BRAND] if g.key == catalogue.sauce.id)
    assert sauce.previous is None and sauce.index_change is None
