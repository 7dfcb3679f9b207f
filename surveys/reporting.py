"""The satisfaction section of the quarterly, half-yearly and yearly reports.

For a report on one province and period: every survey that ran during the period (its dates
overlap it) and belongs to that province or to the whole country, with its figures as the
results page gives them (weighted where the survey weights) and the brands with enough answers
to be shown. The figures are the whole survey's: a survey samples for its own area, and the
answers from one province of a national survey are not a sample of that province; the number of
answers from the report's province is given beside them.

No Flask and no clock.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from surveys.models import Survey, SurveyResponse
from surveys.results import BRAND, GroupFigures, survey_results


@dataclass(frozen=True)
class SurveyInReport:
    survey: Survey
    answers: int
    answers_in_province: int
    overall: GroupFigures
    brands: list[GroupFigures]  # only those with at least the survey's minimum n
    weighted_by: str | None


def surveys_in_period(
    session: Session, first_day: dt.date, last_day: dt.date, province_code: str
) -> list[SurveyInReport]:
    """The surveys that ran in the period, for the province or the whole country, oldest first."""
    surveys = session.scalars(
        sa.select(Survey)
        .where(
            Survey.opens_on <= last_day,
            Survey.closes_on >= first_day,
            sa.or_(Survey.province_code.is_(None), Survey.province_code == province_code),
        )
        .order_by(Survey.opens_on, Survey.id)
    ).all()
    section = []
    for survey in surveys:
        results = survey_results(session, survey)
        in_province = session.scalar(
            sa.select(sa.func.count()).where(
                SurveyResponse.survey_id == survey.id,
                SurveyResponse.province_code == province_code,
            )
        )
        section.append(
            SurveyInReport(
                survey=survey,
                answers=results.answers,
                answers_in_province=in_province or 0,
                overall=results.overall,
                brands=[g for g in results.groups[BRAND] if g.summary.shown],
                weighted_by=survey.weight_by,
            )
        )
    return section
