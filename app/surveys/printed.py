"""The printable paper questionnaire of a survey: the same questions, in the same order and
words, as its web page, with boxes to tick and a number to write on each copy (the number staff
type in with the answers, which the paper entry form requires once per survey)."""

from __future__ import annotations

from flask import render_template
from flask.typing import ResponseReturnValue

from app.auth.access import permission_required
from app.surveys import blueprint
from app.surveys.staff import _survey
from complaints.permissions import Permission
from surveys.questions import (
    AGE_GROUP_NAMES,
    BANK,
    CHANNEL_NAMES,
    Kind,
    Question,
)


@blueprint.get("/staff/surveys/<int:survey_id>/questionnaire")
@permission_required(Permission.READ)
def staff_questionnaire(survey_id: int) -> ResponseReturnValue:
    survey = _survey(survey_id)
    asked = set(survey.questions)
    questions = [BANK[q] for q in Question if q.value in asked]
    return render_template(
        "surveys/staff_questionnaire.html",
        survey=survey,
        questions=questions,
        scale=Kind.SCALE,
        yes_no=Kind.YES_NO,
        age_groups=AGE_GROUP_NAMES,
        channels=CHANNEL_NAMES,
    )
