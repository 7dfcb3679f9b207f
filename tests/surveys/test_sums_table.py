"""The sums kept by every answer equal the sums computed from the answers (surveys.sums), and
a rebuild restores them; the results read them."""

from __future__ import annotations

import math
import random

import pytest
import sqlalchemy as sa

from surveys.answering import AnswerRefused, Choice, Submitted, record_answer
from surveys.models import SurveySums
from surveys.questions import Dimension, Question
from surveys.sums import KEY, raw_sums, rebuild, stored_sums
from tests.support.surveys import NOW, TODAY


def by_key(rows):
    return {tuple(row[name] for name in KEY): row for row in rows}


def same(stored, raw) -> None:
    stored, raw = by_key(stored), by_key(raw)
    assert set(stored) == set(raw)
    for key, row in raw.items():
        for name, value in row.items():
            if name in KEY:
                continue
            assert math.isclose(stored[key][name], value, rel_tol=1e-9, abs_tol=1e-9), (key, name)


def answer_at_random(db_session, survey, catalogue, count: int, seed: int) -> None:
    rnd = random.Random(seed)
    products = [catalogue.milk_a, catalogue.milk_b, catalogue.sauce_a]
    for i in range(count):
        scores = {
            q: rnd.choice([None, *range(1, 11 if q in (Question.OVERALL, Question.IDEAL) else 6)])
            for q in (Question.OVERALL, Question.IDEAL, Question.QUALITY, Question.PRICE)
        }
        if all(v is None for v in scores.values()):
            scores[Question.PRICE] = 3
        choice = (
            Choice(product_id=rnd.choice(products).id)
            if i % 4
            else Choice(brand_id=rnd.choice([catalogue.milk, catalogue.sauce]).id)
        )
        paper = i % 5 == 0
        record_answer(
            db_session,
            survey,
            Submitted(
                choice=choice,
                scores=scores,
                choose_again=rnd.choice([None, True, False]),
                province_code=rnd.choice([None, "79", "01"]),
                age_group=rnd.choice([None, "25-34", "65+"]),
                channel=rnd.choice([None, "market", "supermarket", "online"]),
            ),
            today=TODAY,
            now=NOW,
            device_token=None if paper else f"{seed}-{i}",
            paper_ref=f"P{i}" if paper else None,
            entered_by="staff" if paper else None,
        )


def test_the_kept_sums_are_the_sums_of_the_answers(make_survey, catalogue, db_session) -> None:
    survey = make_survey()
    other = make_survey(title="Khác")
    answer_at_random(db_session, survey, catalogue, 60, seed=1)
    answer_at_random(db_session, other, catalogue, 10, seed=2)
    db_session.commit()
    stored = stored_sums(db_session, survey)
    # Every answer is in the row of no dimension once, and once under each dimension.
    for dimension in ("", *Dimension):
        assert sum(r["respondents"] for r in stored if r["dimension"] == dimension) == 60
    assert sum(r["paper"] for r in stored if r["dimension"] == "") == 12
    same(stored, raw_sums(db_session, survey))
    same(stored_sums(db_session, other), raw_sums(db_session, other))


def test_a_refused_answer_adds_nothing_and_a_rebuild_restores_the_sums(
    make_survey, catalogue, db_session
) -> None:
    survey = make_survey()
    answer_at_random(db_session, survey, catalogue, 20, seed=3)
    before = stored_sums(db_session, survey)
    with pytest.raises(AnswerRefused):  # the same device again: refused, nothing added
        answer_at_random(db_session, survey, catalogue, 2, seed=3)
    same(stored_sums(db_session, survey), before)
    db_session.execute(
        sa.update(SurveySums)
        .where(SurveySums.survey_id == survey.id)
        .values(respondents=SurveySums.respondents + 5)
    )
    rebuilt = rebuild(db_session, survey)
    assert rebuilt == len(before)
    same(stored_sums(db_session, survey), raw_sums(db_session, survey))
