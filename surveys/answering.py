"""Taking an answer: the one rule for the web form, paper questionnaires and the benchmark.

An answer is checked whole before anything is stored: the survey is open (web answers), the
product is one the survey is about, only the survey's questions are answered and each inside
its scale (:class:`surveys.statistics.Answer` refuses the rest), the optional facts are known
values, and the device (or the paper questionnaire's number) has not answered yet. A second answer
from the same device is refused even when both arrive at the same moment: the database's unique
key on (survey, device) decides, inside a savepoint, and the loser is told it already answered.

No Flask and no clock.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from barcode_db.areas import area_problem, province_names
from barcode_db.gtin import parse_code
from barcode_db.messages import N_, Message, Refusal
from barcode_db.models import Brand, Product
from surveys.design import Stage, stage
from surveys.models import Survey, SurveyEvent, SurveyResponse
from surveys.questions import (
    ACSI,
    COMMENT_LENGTH,
    CRITERIA,
    MEASURED,
    AgeGroup,
    AnswerSource,
    Question,
    SalesChannel,
    Subject,
)
from surveys.statistics import Answer, Criterion, satisfaction_index
from surveys.sums import add_answer

PAPER_REF = re.compile(r"[0-9A-Za-z][0-9A-Za-z/._-]{0,39}")


class AnswerRefused(Refusal):
    """An answer the rules refuse; ``field`` is the form field it is about, if one."""

    def __init__(self, message: Message, status: int = 400, field: str | None = None) -> None:
        super().__init__(message, status)
        self.field = field


ALREADY_ANSWERED = Message(
    "already_answered",
    N_("This device has already answered this survey. Thank you: one answer each keeps it fair."),
)
PAPER_ALREADY_ENTERED = Message(
    "paper_already_entered",
    N_("A questionnaire with this number is already typed in for this survey."),
)


@dataclass(frozen=True)
class Choice:
    """What the respondent rates: a product, or a brand (the product left open)."""

    brand_id: int | None = None
    product_id: int | None = None

    @classmethod
    def parse(cls, text: str) -> Choice | None:
        """``"b12"`` (brand 12) or ``"p34"`` (product 34), as the answer form's list gives them."""
        match = re.fullmatch(r"([bp])([0-9]{1,9})", text or "")
        if match is None:
            return None
        number = int(match.group(2))
        return cls(brand_id=number) if match.group(1) == "b" else cls(product_id=number)

    @property
    def value(self) -> str:
        return f"p{self.product_id}" if self.product_id is not None else f"b{self.brand_id}"


@dataclass(frozen=True)
class Submitted:
    """An answer as sent: what it is about, the answers by question, the respondent's facts."""

    choice: Choice | None = None
    gtin: str = ""  # or a barcode, typed or scanned
    scores: Mapping[Question, int | None] = field(default_factory=dict)
    choose_again: bool | None = None
    comment: str = ""
    age_group: str | None = None
    province_code: str | None = None
    commune_code: str | None = None
    channel: str | None = None


@dataclass(frozen=True)
class Subject_:
    brand: Brand | None
    product: Product | None

    @property
    def category(self) -> str | None:
        if self.product is not None and self.product.category:
            return self.product.category
        return self.brand.category if self.brand is not None else None


def device_hash(survey: Survey, device_token: str) -> str:
    """What is kept of a device: a SHA-256 of the survey and the device's random token."""
    return hashlib.sha256(f"survey:{survey.id}:{device_token}".encode()).hexdigest()


def has_answered(session: Session, survey: Survey, device_token: str | None) -> bool:
    if not device_token:
        return False
    return (
        session.scalar(
            sa.select(SurveyResponse.id).where(
                SurveyResponse.survey_id == survey.id,
                SurveyResponse.device_hash == device_hash(survey, device_token),
            )
        )
        is not None
    )


NOT_IN_SURVEY = Message(
    "not_in_survey",
    N_("This product is not one this survey is about: choose one from the list."),
)


def in_survey(survey: Survey, brand: Brand | None, product: Product | None) -> bool:
    """Whether a brand (or a product) is one the survey is about."""
    subject = Subject(survey.subject)
    category = (product.category if product is not None else None) or (
        brand.category if brand is not None else None
    )
    if subject is Subject.GENERAL:
        return brand is not None or product is not None
    if subject is Subject.CATEGORY:
        return category == survey.category
    if subject is Subject.BRANDS:
        return brand is not None and brand.id in set(survey.brand_ids)
    return product is not None and product.id in set(survey.product_ids)


def resolve_subject(session: Session, survey: Survey, submitted: Submitted) -> Subject_:
    """The registry's brand and product the answer is about, or a refusal."""
    product: Product | None = None
    brand: Brand | None = None
    if submitted.gtin.strip():
        parsed = parse_code(submitted.gtin)
        if not parsed.valid:
            raise AnswerRefused(
                Message(
                    "survey_bad_barcode",
                    N_(
                        "This is not a valid barcode number. Check the digits, or choose from the list."
                    ),
                ),
                field="gtin",
            )
        product = session.scalar(
            sa.select(Product).where(Product.gtin == parsed.gtin14, Product.retired_at.is_(None))
        )
        if product is None:
            raise AnswerRefused(
                Message(
                    "survey_barcode_unknown",
                    N_(
                        "This barcode is not in the registry of Vietnamese brands, so it cannot "
                        "be rated here. Choose the product from the list."
                    ),
                ),
                field="gtin",
            )
    elif submitted.choice is not None and submitted.choice.product_id is not None:
        product = session.get(Product, submitted.choice.product_id)
    elif submitted.choice is not None and submitted.choice.brand_id is not None:
        brand = session.get(Brand, submitted.choice.brand_id)
    else:
        raise AnswerRefused(
            Message("survey_no_product", N_("Choose the product you are rating.")), field="choice"
        )
    if product is not None:
        if product.retired_at is not None:
            product = None
        else:
            brand = product.brand
    if brand is not None and brand.retired_at is not None:
        brand = None
    if (product is None and brand is None) or not in_survey(survey, brand, product):
        raise AnswerRefused(NOT_IN_SURVEY, field="gtin" if submitted.gtin.strip() else "choice")
    return Subject_(brand, product)


def _checked_answer(survey: Survey, submitted: Submitted) -> Answer:
    asked = {Question(q) for q in survey.questions}
    given = {q for q, v in submitted.scores.items() if v is not None}
    if submitted.choose_again is not None:
        given.add(Question.CHOOSE_AGAIN)
    if submitted.comment.strip():
        given.add(Question.COMMENT)
    if given - asked:
        raise AnswerRefused(
            Message(
                "question_not_asked",
                N_("The answers name a question this survey does not ask. Nothing was saved."),
            )
        )
    if not given & MEASURED:
        raise AnswerRefused(
            Message("no_answer", N_("Answer at least one question before sending.")),
        )
    if len(submitted.comment) > COMMENT_LENGTH:
        raise AnswerRefused(
            Message(
                "comment_long",
                N_("The comment has at most %(most)s characters."),
                {"most": f"{COMMENT_LENGTH:,}".replace(",", ".")},
            ),
            field="comment",
        )
    try:
        return Answer(
            overall=submitted.scores.get(Question.OVERALL),
            expectations=submitted.scores.get(Question.EXPECTATIONS),
            ideal=submitted.scores.get(Question.IDEAL),
            criteria={Criterion(q.value): submitted.scores.get(q) for q in CRITERIA},
            choose_again=submitted.choose_again,
        )
    except ValueError:
        raise AnswerRefused(
            Message(
                "answer_out_of_scale",
                N_(
                    "An answer is outside its scale (1 to 10 for the first questions, 1 to 5 "
                    "for the others). Nothing was saved."
                ),
            )
        ) from None


def _checked_facts(submitted: Submitted) -> None:
    if submitted.age_group and submitted.age_group not in set(AgeGroup):
        raise AnswerRefused(
            Message("unknown_age_group", N_("Choose an age group from the list.")),
            field="age_group",
        )
    if submitted.channel and submitted.channel not in set(SalesChannel):
        raise AnswerRefused(
            Message("unknown_channel", N_("Choose where you bought it from the list.")),
            field="channel",
        )
    if submitted.province_code:
        problem = area_problem(submitted.province_code, submitted.commune_code or None)
        if problem is not None:
            field = "commune" if submitted.province_code in province_names() else "province"
            raise AnswerRefused(problem, field=field)
    elif submitted.commune_code:
        raise AnswerRefused(
            Message("commune_without_province", N_("Choose the province first.")), field="province"
        )


def record_answer(
    session: Session,
    survey: Survey,
    submitted: Submitted,
    *,
    today: dt.date,
    now: dt.datetime,
    device_token: str | None = None,
    paper_ref: str | None = None,
    entered_by: str | None = None,
) -> SurveyResponse:
    """Check and store one answer (a web answer with ``device_token``, a paper one with
    ``paper_ref`` and ``entered_by``); refused whole (:class:`AnswerRefused`) or stored whole."""
    paper = entered_by is not None
    if not paper and stage(survey, today) is not Stage.OPEN:
        status = stage(survey, today)
        raise AnswerRefused(
            Message("survey_not_open", N_("This survey is not open yet."))
            if status is Stage.UPCOMING
            else Message(
                "survey_closed",
                N_("This survey closed on %(day)s. Thank you for wanting to answer."),
                {"day": survey.closes_on},
            ),
            status=409 if status is Stage.CLOSED else 400,
        )
    if paper and (not paper_ref or not PAPER_REF.fullmatch(paper_ref)):
        raise AnswerRefused(
            Message(
                "paper_ref_missing",
                N_(
                    "Type the number written on the paper questionnaire (letters, digits, / - . _)."
                ),
            ),
            field="paper_ref",
        )
    answer = _checked_answer(survey, submitted)
    _checked_facts(submitted)
    subject = resolve_subject(session, survey, submitted)
    scores = {q: submitted.scores.get(q) for q in (*ACSI, *CRITERIA)}
    response = SurveyResponse(
        survey_id=survey.id,
        source=(AnswerSource.PAPER if paper else AnswerSource.WEB).value,
        created_at=now,
        device_hash=device_hash(survey, device_token) if device_token and not paper else None,
        paper_ref=paper_ref if paper else None,
        entered_by=entered_by,
        brand_id=subject.brand.id if subject.brand is not None else None,
        product_id=subject.product.id if subject.product is not None else None,
        category=subject.category,
        choose_again=submitted.choose_again,
        comment=submitted.comment.strip(),
        satisfaction_index=satisfaction_index(answer),
        age_group=submitted.age_group or None,
        province_code=submitted.province_code or None,
        commune_code=submitted.commune_code or None,
        channel=submitted.channel or None,
        **{q.value: value for q, value in scores.items()},
    )
    if response.device_hash is not None and has_answered(session, survey, device_token):
        raise AnswerRefused(ALREADY_ANSWERED, status=409)
    try:
        with session.begin_nested():
            session.add(response)
            session.flush()
            add_answer(session, response)  # the results' sums, in the same transaction
    except IntegrityError:
        # The same device (or paper number) at the same moment: the unique key decided.
        raise AnswerRefused(
            PAPER_ALREADY_ENTERED if paper else ALREADY_ANSWERED, status=409
        ) from None
    if paper:
        session.add(
            SurveyEvent(
                survey_id=survey.id,
                actor=entered_by or "",
                action="paper_answer",
                details={"response_id": response.id, "paper_ref": paper_ref},
                created_at=now,
            )
        )
        session.flush()
    return response
