"""Designing a survey: its rules, in one place for the staff form, the command line and the tests.

A survey has a title, a period (``opens_on`` to ``closes_on``, both days included, Vietnamese
local dates), a subject (:class:`~surveys.questions.Subject`), questions from the bank, optional
quota targets by province, age group or sales channel, and the dimension its figures are weighted
to. Once a survey has answers, what they answered is locked: the questions and the subject
(changing them would mix answers to two different surveys); the title, the period, the quotas,
the weighting, the minimum n and publishing may still change. Every change is in the survey's
audit trail (:class:`~surveys.models.SurveyEvent`).

No Flask and no clock: the caller passes ``today`` and ``now``.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from barcode_db.areas import province_names
from barcode_db.categories import BY_CODE as CATEGORIES
from barcode_db.messages import N_, Message, Refusal
from barcode_db.models import Brand, Product
from surveys.models import Survey, SurveyEvent, SurveyResponse
from surveys.questions import (
    DEFAULT_QUESTIONS,
    MEASURED,
    AgeGroup,
    Dimension,
    Question,
    SalesChannel,
    Subject,
)
from surveys.statistics import DEFAULT_MINIMUM_N

#: Crockford base 32, as tracking codes: no I, L, O, U. Six characters: 2³⁰ codes.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 6
_CONFUSABLES = str.maketrans({"O": "0", "I": "1", "L": "1"})
_STRIP = re.compile(r"[\s\-_.]")

TITLE_LENGTH = 200
DESCRIPTION_LENGTH = 2000
MAX_MINIMUM_N = 10_000
MAX_TARGET = 1_000_000
#: A survey runs for at most this long (a year's survey is the longest the reports know).
LONGEST_PERIOD = dt.timedelta(days=366)

#: What may still change once a survey has answers.
LOCKED_WITH_ANSWERS = ("questions", "subject", "category", "brand_ids", "product_ids")


class Stage(enum.StrEnum):
    UPCOMING = "upcoming"
    OPEN = "open"
    CLOSED = "closed"


STAGE_NAMES: dict[Stage, str] = {
    Stage.UPCOMING: N_("Not open yet"),
    Stage.OPEN: N_("Open"),
    Stage.CLOSED: N_("Closed"),
}


def stage(survey: Survey, today: dt.date) -> Stage:
    """Whether the survey takes answers on the web ``today`` (a local date)."""
    if today < survey.opens_on:
        return Stage.UPCOMING
    if today > survey.closes_on:
        return Stage.CLOSED
    return Stage.OPEN


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def find_survey(session: Session, code: str) -> Survey | None:
    """The survey of a code as typed, linked or printed (forgivingly read); None if none."""
    normalised = normalise_code(code)
    if normalised is None:
        return None
    return session.scalar(sa.select(Survey).where(Survey.code == normalised))


def normalise_code(text: str) -> str | None:
    """The stored form of a survey code as typed or linked, or None if it cannot be one."""
    code = _STRIP.sub("", text or "").upper().translate(_CONFUSABLES)
    if len(code) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in code):
        return None
    return code


@dataclass
class Design:
    """Everything staff set on a survey."""

    title: str
    opens_on: dt.date
    closes_on: dt.date
    subject: Subject = Subject.GENERAL
    description: str = ""
    category: str | None = None
    brand_ids: list[int] = field(default_factory=list)
    product_ids: list[int] = field(default_factory=list)
    questions: list[Question] = field(default_factory=lambda: list(DEFAULT_QUESTIONS))
    quotas: dict[Dimension, dict[str, int]] = field(default_factory=dict)
    weight_by: Dimension | None = None
    minimum_n: int = DEFAULT_MINIMUM_N
    publish: bool = False
    invite_on_verdict: bool = False
    province_code: str | None = None
    previous_id: int | None = None

    @classmethod
    def of(cls, survey: Survey) -> Design:
        """The design a stored survey has (the start of an edit form)."""
        return cls(
            title=survey.title,
            opens_on=survey.opens_on,
            closes_on=survey.closes_on,
            subject=Subject(survey.subject),
            description=survey.description,
            category=survey.category,
            brand_ids=list(survey.brand_ids),
            product_ids=list(survey.product_ids),
            questions=[Question(q) for q in survey.questions],
            quotas={Dimension(k): dict(v) for k, v in survey.quotas.items()},
            weight_by=Dimension(survey.weight_by) if survey.weight_by else None,
            minimum_n=survey.minimum_n,
            publish=survey.publish,
            invite_on_verdict=survey.invite_on_verdict,
            province_code=survey.province_code,
            previous_id=survey.previous_id,
        )

    def stored(self) -> dict[str, Any]:
        """The columns of :class:`Survey` this design sets (JSON-ready values)."""
        return {
            "title": self.title.strip(),
            "description": self.description.strip(),
            "opens_on": self.opens_on,
            "closes_on": self.closes_on,
            "subject": self.subject.value,
            "category": self.category if self.subject is Subject.CATEGORY else None,
            "brand_ids": sorted(set(self.brand_ids)) if self.subject is Subject.BRANDS else [],
            "product_ids": (
                sorted(set(self.product_ids)) if self.subject is Subject.PRODUCTS else []
            ),
            # In the bank's order, whatever order they were ticked in.
            "questions": [q.value for q in Question if q in set(self.questions)],
            "quotas": {
                d.value: {k: int(v) for k, v in sorted(targets.items())}
                for d, targets in sorted(self.quotas.items())
                if targets
            },
            "weight_by": self.weight_by.value if self.weight_by else None,
            "minimum_n": self.minimum_n,
            "publish": self.publish,
            "invite_on_verdict": self.invite_on_verdict,
            "province_code": self.province_code,
            "previous_id": self.previous_id,
        }


class DesignRefused(Refusal):
    """A design the rules refuse; ``problems`` names each field's problem (first is ``message``)."""

    def __init__(self, problems: Mapping[str, Message]) -> None:
        super().__init__(next(iter(problems.values())))
        self.problems = dict(problems)


class SurveyChanged(Refusal):
    status = 409


STRATA_CHECKS: dict[Dimension, Any] = {
    Dimension.PROVINCE: lambda code: code in province_names(),
    Dimension.AGE_GROUP: lambda code: code in set(AgeGroup),
    Dimension.CHANNEL: lambda code: code in set(SalesChannel),
}


def _quota_problem(quotas: Mapping[Dimension, Mapping[str, int]]) -> Message | None:
    for dimension, targets in quotas.items():
        for stratum, target in targets.items():
            if not STRATA_CHECKS[dimension](stratum):
                return Message(
                    "unknown_stratum",
                    N_("A quota target names something unknown: %(stratum)s."),
                    {"stratum": stratum},
                )
            if isinstance(target, bool) or not isinstance(target, int):
                return Message("bad_target", N_("A quota target is a whole number of answers."))
            if not 1 <= target <= MAX_TARGET:
                return Message(
                    "target_range",
                    N_("A quota target is from 1 to %(most)s answers."),
                    {"most": f"{MAX_TARGET:,}".replace(",", ".")},
                )
    return None


def design_problems(
    session: Session, design: Design, survey: Survey | None = None
) -> dict[str, Message]:
    """Each field's problem (field name → message); empty when the design may be saved."""
    problems: dict[str, Message] = {}
    title = design.title.strip()
    if not title:
        problems["title"] = Message("title_missing", N_("Give the survey a title."))
    elif len(title) > TITLE_LENGTH:
        problems["title"] = Message(
            "title_long", N_("A title has at most %(most)s characters."), {"most": TITLE_LENGTH}
        )
    if len(design.description.strip()) > DESCRIPTION_LENGTH:
        problems["description"] = Message(
            "description_long",
            N_("The introduction has at most %(most)s characters."),
            {"most": DESCRIPTION_LENGTH},
        )
    if design.closes_on < design.opens_on:
        problems["closes_on"] = Message(
            "period_backwards", N_("The survey cannot close before it opens.")
        )
    elif design.closes_on - design.opens_on >= LONGEST_PERIOD:
        problems["closes_on"] = Message(
            "period_long", N_("A survey runs for at most a year: split it into periods.")
        )
    if design.subject is Subject.CATEGORY and design.category not in CATEGORIES:
        problems["category"] = Message(
            "category_missing", N_("Choose the kind of product the survey is about.")
        )
    # A brand or product retired after it was chosen stays chosen (the survey can still be
    # edited); only newly chosen ones must be active entries of the registry.
    if design.subject is Subject.BRANDS:
        kept = survey.brand_ids if survey is not None else ()
        problem = _registry_problem(session, Brand, design.brand_ids, kept)
        if problem:
            problems["brand_ids"] = problem
    if design.subject is Subject.PRODUCTS:
        kept = survey.product_ids if survey is not None else ()
        problem = _registry_problem(session, Product, design.product_ids, kept)
        if problem:
            problems["product_ids"] = problem
    if not MEASURED & set(design.questions):
        problems["questions"] = Message(
            "no_measured_question",
            N_("Choose at least one question with a scale or the 'choose it again' question."),
        )
    quota_problem = _quota_problem(design.quotas)
    if quota_problem:
        problems["quotas"] = quota_problem
    if design.weight_by is not None and not design.quotas.get(design.weight_by):
        problems["weight_by"] = Message(
            "weight_without_targets",
            N_("Figures can only be weighted to quota targets that are set."),
        )
    if not 1 <= design.minimum_n <= MAX_MINIMUM_N:
        problems["minimum_n"] = Message(
            "minimum_n_range",
            N_("The minimum number of answers is from 1 to %(most)s."),
            {"most": f"{MAX_MINIMUM_N:,}".replace(",", ".")},
        )
    if design.province_code is not None and design.province_code not in province_names():
        problems["province_code"] = Message("unknown_province", N_("Choose a province."))
    if design.previous_id is not None:
        previous = session.get(Survey, design.previous_id)
        if previous is None or (survey is not None and previous.id == survey.id):
            problems["previous_id"] = Message(
                "previous_unknown", N_("Choose an earlier survey to compare with.")
            )
        elif previous.opens_on >= design.opens_on:
            problems["previous_id"] = Message(
                "previous_not_earlier",
                N_("The survey compared with must have opened before this one."),
            )
    return problems


def _registry_problem(
    session: Session,
    model: type[Brand] | type[Product],
    ids: list[int],
    kept: Iterable[int] = (),
) -> Message | None:
    if not ids:
        if model is Brand:
            return Message("brands_missing", N_("Choose at least one brand from the registry."))
        return Message("products_missing", N_("Choose at least one product from the registry."))
    new = set(ids) - set(kept)
    found = set(
        session.scalars(sa.select(model.id).where(model.id.in_(new), model.retired_at.is_(None)))
    )
    if found != new:
        return Message(
            "registry_entry_unknown",
            N_("Something chosen is not in the registry (or was retired): choose again."),
        )
    return None


def answer_count(session: Session, survey: Survey) -> int:
    return (
        session.scalar(sa.select(sa.func.count()).where(SurveyResponse.survey_id == survey.id)) or 0
    )


def _event(
    session: Session,
    survey: Survey,
    actor: str,
    action: str,
    details: dict[str, Any],
    now: dt.datetime,
) -> None:
    session.add(
        SurveyEvent(
            survey_id=survey.id, actor=actor, action=action, details=details, created_at=now
        )
    )


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def create_survey(session: Session, design: Design, *, actor: str, now: dt.datetime) -> Survey:
    """A new survey with a fresh public code; refused (:class:`DesignRefused`) if not valid."""
    problems = design_problems(session, design)
    if problems:
        raise DesignRefused(problems)
    code = new_code()
    while session.scalar(sa.select(Survey.id).where(Survey.code == code)) is not None:
        code = new_code()
    survey = Survey(code=code, created_by=actor, **design.stored())
    session.add(survey)
    session.flush()
    _event(
        session,
        survey,
        actor,
        "created",
        {k: _jsonable(v) for k, v in design.stored().items()},
        now,
    )
    session.flush()
    return survey


def update_survey(
    session: Session,
    survey: Survey,
    design: Design,
    *,
    actor: str,
    now: dt.datetime,
    version: int | None = None,
) -> dict[str, tuple[Any, Any]]:
    """Save a changed design; what changed (column → (before, after)).

    ``version`` is the version the editor's form was made from: if the survey was saved since,
    the edit is refused (409) rather than silently undoing the other person's change.
    """
    if version is not None and version != survey.version:
        raise SurveyChanged(
            Message(
                "survey_changed",
                N_(
                    "Someone changed this survey after you opened it. Nothing was saved: "
                    "reload the page to see their change."
                ),
            )
        )
    problems = design_problems(session, design, survey)
    if problems:
        raise DesignRefused(problems)
    wanted = design.stored()
    changes = {
        name: (getattr(survey, name), value)
        for name, value in wanted.items()
        if getattr(survey, name) != value
    }
    locked = [name for name in LOCKED_WITH_ANSWERS if name in changes]
    if locked and answer_count(session, survey):
        raise DesignRefused(
            {
                locked[0]: Message(
                    "survey_locked",
                    N_(
                        "This survey has answers: its questions and what it is about can no "
                        "longer change (the answers would no longer match). Make a new survey "
                        "instead; the title, the period, the quotas and publishing may still change."
                    ),
                )
            }
        )
    if not changes:
        return {}
    for name, (_before, after) in changes.items():
        setattr(survey, name, after)
    _event(
        session,
        survey,
        actor,
        "edited",
        {name: [_jsonable(before), _jsonable(after)] for name, (before, after) in changes.items()},
        now,
    )
    session.flush()
    return changes


def previous_candidate(session: Session, design: Design) -> Survey | None:
    """The latest survey about the same thing that opened before this one: the default
    "period before" of a new survey."""
    statement = (
        sa.select(Survey)
        .where(Survey.opens_on < design.opens_on, Survey.subject == design.subject.value)
        .order_by(Survey.opens_on.desc(), Survey.id.desc())
    )
    if design.subject is Subject.CATEGORY:
        statement = statement.where(Survey.category == design.category)
    if design.province_code is None:
        statement = statement.where(Survey.province_code.is_(None))
    else:
        statement = statement.where(Survey.province_code == design.province_code)
    return session.scalars(statement.limit(1)).first()
