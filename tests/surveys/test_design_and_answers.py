"""Designing a survey and taking answers: the rules of surveys.design and surveys.answering."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from surveys.answering import AnswerRefused, Choice, Submitted, has_answered, record_answer
from surveys.design import (
    Design,
    DesignRefused,
    Stage,
    SurveyChanged,
    normalise_code,
    stage,
    update_survey,
)
from surveys.models import SurveyEvent, SurveyResponse
from surveys.questions import Dimension, Question, Subject
from tests.support.surveys import NOW, TODAY

FULL = {
    Question.OVERALL: 8,
    Question.EXPECTATIONS: 7,
    Question.IDEAL: 6,
    Question.QUALITY: 4,
    Question.PRICE: 3,
}


def answer(catalogue, **changes) -> Submitted:
    values = {
        "choice": Choice(product_id=catalogue.milk_a.id),
        "scores": FULL,
        "choose_again": True,
    }
    values.update(changes)
    return Submitted(**values)


def stored(db_session) -> int:
    return db_session.scalar(sa.select(sa.func.count()).select_from(SurveyResponse))


def test_a_survey_gets_a_short_code_that_reads_back_forgivingly(make_survey) -> None:
    survey = make_survey()
    assert len(survey.code) == 6
    typed = survey.code.lower().replace("0", "o").replace("1", "l")
    assert normalise_code(f" {typed[:3]}-{typed[3:]} ") == survey.code
    assert normalise_code("ABC") is None


def test_period_stage_by_local_date(make_survey) -> None:
    survey = make_survey()
    assert stage(survey, dt.date(2026, 9, 30)) is Stage.UPCOMING
    assert stage(survey, dt.date(2026, 10, 1)) is Stage.OPEN
    assert stage(survey, dt.date(2026, 12, 31)) is Stage.OPEN
    assert stage(survey, dt.date(2027, 1, 1)) is Stage.CLOSED


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": "  "}, "title"),
        ({"closes_on": dt.date(2026, 9, 1)}, "closes_on"),
        ({"closes_on": dt.date(2027, 12, 31)}, "closes_on"),
        ({"subject": Subject.CATEGORY, "category": "rockets"}, "category"),
        ({"subject": Subject.BRANDS, "brand_ids": []}, "brand_ids"),
        ({"subject": Subject.BRANDS, "brand_ids": [999_999]}, "brand_ids"),
        ({"subject": Subject.PRODUCTS, "product_ids": [999_999]}, "product_ids"),
        ({"questions": [Question.COMMENT]}, "questions"),
        ({"quotas": {Dimension.PROVINCE: {"99": 10}}}, "quotas"),
        ({"quotas": {Dimension.CHANNEL: {"market": 0}}}, "quotas"),
        ({"weight_by": Dimension.AGE_GROUP}, "weight_by"),
        ({"minimum_n": 0}, "minimum_n"),
    ],
)
def test_a_design_the_rules_refuse_saves_nothing(make_survey, db_session, changes, field) -> None:
    before = db_session.scalar(sa.select(sa.func.count()).select_from(SurveyEvent))
    with pytest.raises(DesignRefused) as refused:
        make_survey(**changes)
    assert field in refused.value.problems
    db_session.rollback()
    assert db_session.scalar(sa.select(sa.func.count()).select_from(SurveyEvent)) == before


def test_questions_and_subject_lock_once_answers_exist_but_the_period_does_not(
    make_survey, catalogue, db_session
) -> None:
    survey = make_survey()
    design = Design.of(survey)
    design.questions = [Question.OVERALL, Question.CHOOSE_AGAIN]
    update_survey(db_session, survey, design, actor="staff", now=NOW)  # no answers yet: allowed
    assert survey.questions == ["overall", "choose_again"]
    record_answer(
        db_session,
        survey,
        answer(catalogue, scores={Question.OVERALL: 9}),
        today=TODAY,
        now=NOW,
        device_token="d1",
    )
    locked = Design.of(survey)
    locked.questions = [Question.OVERALL]
    with pytest.raises(DesignRefused) as refused:
        update_survey(db_session, survey, locked, actor="staff", now=NOW)
    assert "questions" in refused.value.problems
    assert survey.questions == ["overall", "choose_again"]
    later = Design.of(survey)
    later.closes_on = dt.date(2027, 1, 15)
    later.quotas = {Dimension.PROVINCE: {"79": 100, "01": 100}}
    later.weight_by = Dimension.PROVINCE
    changes = update_survey(db_session, survey, later, actor="staff", now=NOW)
    assert set(changes) == {"closes_on", "quotas", "weight_by"}
    events = db_session.scalars(
        sa.select(SurveyEvent).where(SurveyEvent.survey_id == survey.id).order_by(SurveyEvent.id)
    ).all()
    assert [e.action for e in events] == ["created", "edited", "edited"]
    assert events[-1].details["closes_on"] == ["2026-12-31", "2027-01-15"]


def test_an_edit_from_an_old_form_is_refused(make_survey, db_session) -> None:
    survey = make_survey()
    old_version = survey.version
    design = Design.of(survey)
    design.title = "Một"
    update_survey(db_session, survey, design, actor="a", now=NOW, version=old_version)
    db_session.commit()
    design.title = "Hai"
    with pytest.raises(SurveyChanged):
        update_survey(db_session, survey, design, actor="b", now=NOW, version=old_version)
    assert survey.title == "Một"


def test_an_answer_is_stored_with_its_index_and_the_registry_subject(
    make_survey, catalogue, db_session
) -> None:
    survey = make_survey()
    response = record_answer(
        db_session, survey, answer(catalogue), today=TODAY, now=NOW, device_token="device-token-1"
    )
    assert response.brand_id == catalogue.milk.id
    assert response.category == "dairy"
    # (mean(8, 7, 6) − 1) / 9 · 100 = 6/9 · 100
    assert response.satisfaction_index == pytest.approx(600 / 9)
    assert response.device_hash and "device-token-1" not in response.device_hash
    assert has_answered(db_session, survey, "device-token-1")
    assert not has_answered(db_session, survey, "d2")


def test_a_barcode_picks_the_product(make_survey, catalogue, db_session) -> None:
    survey = make_survey()
    response = record_answer(
        db_session,
        survey,
        answer(catalogue, choice=None, gtin=catalogue.sauce_a.gtin.lstrip("0")),
        today=TODAY,
        now=NOW,
        device_token="d1",
    )
    assert (response.product_id, response.brand_id) == (catalogue.sauce_a.id, catalogue.sauce.id)


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"scores": {Question.OVERALL: 11}}, "answer_out_of_scale"),
        ({"scores": {Question.QUALITY: 0}}, "answer_out_of_scale"),
        ({"scores": {}, "choose_again": None}, "no_answer"),
        ({"choice": None}, "survey_no_product"),
        ({"choice": Choice(product_id=999_999)}, "not_in_survey"),
        ({"choice": None, "gtin": "8930001000019"}, "survey_bad_barcode"),
        ({"choice": None, "gtin": "4006381333931"}, "survey_barcode_unknown"),
        ({"age_group": "teen"}, "unknown_age_group"),
        ({"channel": "mall"}, "unknown_channel"),
        ({"province_code": "99"}, "province_unknown"),
        ({"province_code": "79", "commune_code": "00004"}, "commune_elsewhere"),
        ({"comment": "x" * 1001}, "comment_long"),
    ],
)
def test_bad_answers_are_refused_whole(make_survey, catalogue, db_session, changes, code) -> None:
    survey = make_survey()
    with pytest.raises(AnswerRefused) as refused:
        record_answer(
            db_session, survey, answer(catalogue, **changes), today=TODAY, now=NOW, device_token="d"
        )
    assert refused.value.message.code == code
    assert stored(db_session) == 0


def test_a_question_the_survey_does_not_ask_is_refused(make_survey, catalogue, db_session) -> None:
    survey = make_survey(questions=[Question.OVERALL])
    with pytest.raises(AnswerRefused) as refused:
        record_answer(db_session, survey, answer(catalogue), today=TODAY, now=NOW, device_token="d")
    assert refused.value.message.code == "question_not_asked"
    assert stored(db_session) == 0


@pytest.mark.parametrize(
    ("subject", "allowed", "refused"),
    [
        ({"subject": Subject.CATEGORY, "category": "dairy"}, "milk_b", "sauce_a"),
        ({"subject": Subject.BRANDS}, "milk_a", "sauce_a"),
        ({"subject": Subject.PRODUCTS}, "milk_a", "milk_b"),
    ],
)
def test_only_what_the_survey_is_about_can_be_rated(
    make_survey, catalogue, db_session, subject, allowed, refused
) -> None:
    if subject["subject"] is Subject.BRANDS:
        subject["brand_ids"] = [catalogue.milk.id]
    if subject["subject"] is Subject.PRODUCTS:
        subject["product_ids"] = [catalogue.milk_a.id]
    survey = make_survey(**subject)
    ok = getattr(catalogue, allowed)
    record_answer(
        db_session,
        survey,
        answer(catalogue, choice=Choice(product_id=ok.id)),
        today=TODAY,
        now=NOW,
        device_token="a",
    )
    with pytest.raises(AnswerRefused) as out:
        record_answer(
            db_session,
            survey,
            answer(catalogue, choice=Choice(product_id=getattr(catalogue, refused).id)),
            today=TODAY,
            now=NOW,
            device_token="b",
        )
    assert out.value.message.code == "not_in_survey"
    assert stored(db_session) == 1


def test_one_answer_per_device_and_closed_surveys_take_none(
    make_survey, catalogue, db_session
) -> None:
    survey = make_survey()
    record_answer(db_session, survey, answer(catalogue), today=TODAY, now=NOW, device_token="same")
    with pytest.raises(AnswerRefused) as again:
        record_answer(
            db_session, survey, answer(catalogue), today=TODAY, now=NOW, device_token="same"
        )
    assert (again.value.message.code, again.value.status) == ("already_answered", 409)
    with pytest.raises(AnswerRefused) as late:
        record_answer(
            db_session,
            survey,
            answer(catalogue),
            today=dt.date(2027, 1, 1),
            now=NOW,
            device_token="new",
        )
    assert late.value.message.code == "survey_closed"
    assert stored(db_session) == 1


def test_the_database_refuses_a_second_answer_that_slipped_past_the_check(
    make_survey, catalogue, db_session, monkeypatch
) -> None:
    # Two answers from one device at the same moment both pass has_answered; the unique key on
    # (survey, device) decides, and the loser is told it already answered.
    survey = make_survey()
    record_answer(db_session, survey, answer(catalogue), today=TODAY, now=NOW, device_token="same")
    monkeypatch.setattr("surveys.answering.has_answered", lambda *args: False)
    with pytest.raises(AnswerRefused) as raced:
        record_answer(
            db_session, survey, answer(catalogue), today=TODAY, now=NOW, device_token="same"
        )
    assert raced.value.message.code == "already_answered"
    assert stored(db_session) == 1


def test_paper_answers_name_who_typed_them_are_audited_and_not_entered_twice(
    make_survey, catalogue, db_session
) -> None:
    survey = make_survey()
    after_close = dt.date(2027, 1, 10)  # paper collected in the period may be typed in later
    response = record_answer(
        db_session,
        survey,
        answer(catalogue),
        today=after_close,
        now=NOW,
        paper_ref="HN-0042",
        entered_by="staff7",
    )
    assert (response.source, response.entered_by, response.device_hash) == ("paper", "staff7", None)
    event = db_session.scalars(
        sa.select(SurveyEvent).where(SurveyEvent.action == "paper_answer")
    ).one()
    assert event.details == {"response_id": response.id, "paper_ref": "HN-0042"}
    with pytest.raises(AnswerRefused) as twice:
        record_answer(
            db_session,
            survey,
            answer(catalogue),
            today=after_close,
            now=NOW,
            paper_ref="HN-0042",
            entered_by="staff8",
        )
    assert twice.value.message.code == "paper_already_entered"
    with pytest.raises(AnswerRefused) as unnumbered:
        record_answer(
            db_session,
            survey,
            answer(catalogue),
            today=after_close,
            now=NOW,
            paper_ref="",
            entered_by="staff8",
        )
    assert unnumbered.value.message.code == "paper_ref_missing"
    assert stored(db_session) == 1
