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
    CHANNEL_NAMES,
    Kind,
    asked,
)


@blueprint.get("/staff/surveys/<int:survey_id>/questionnaire")
@permission_required(Permission.READ)
def staff_questionnaire(survey_id: int) -> ResponseReturnValue:
    survey = _survey(survey_id)
    return render_template(
        "surveys/staff_questionnaire.html",
        survey=survey,
        questions=asked(survey.questions),
        scale=Kind.SCALE,
        yes_no=Kind.YES_NO,
        age_groups=AGE_GROUP_NAMES,
        channels=CHANNEL_NAMES,
    )
