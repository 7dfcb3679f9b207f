"""Surveys, their answers and their audit trail.

An answer holds no personal data: no name, no contact, no address, no IP address. The
one-answer-per-device rule keeps only a SHA-256 of the survey and a random token the browser
holds in a signed cookie (``device_hash``), so answers of one device to two surveys cannot be
linked. A paper answer names who typed it in and the questionnaire's number on paper.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from barcode_db.base import Base, TimestampMixin, UTCDateTime
from surveys.questions import ACSI, CRITERIA

_SCALE_CHECKS = [
    sa.CheckConstraint(
        f"{q.value} IS NULL OR ({q.value} BETWEEN 1 AND 10)", name=f"{q.value}_scale"
    )
    for q in ACSI
] + [
    sa.CheckConstraint(f"{q.value} IS NULL OR ({q.value} BETWEEN 1 AND 5)", name=f"{q.value}_scale")
    for q in CRITERIA
]


class Survey(TimestampMixin, Base):
    __tablename__ = "survey"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The short public code of its link (/s/<code>) and QR poster.
    code: Mapped[str] = mapped_column(sa.String(12), unique=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    opens_on: Mapped[dt.date]
    closes_on: Mapped[dt.date]  # the last day answers are taken on the web (local time)
    subject: Mapped[str] = mapped_column(sa.String(10))  # questions.Subject
    category: Mapped[str | None] = mapped_column(sa.String(40))
    brand_ids: Mapped[list[int]] = mapped_column(sa.JSON, default=list)
    product_ids: Mapped[list[int]] = mapped_column(sa.JSON, default=list)
    questions: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    #: {"province": {"01": 300, …}, "age_group": {…}, "channel": {…}}: target answers by stratum.
    quotas: Mapped[dict[str, dict[str, int]]] = mapped_column(sa.JSON, default=dict)
    #: The dimension the figures are weighted to (post-stratification); None: not weighted.
    weight_by: Mapped[str | None] = mapped_column(sa.String(12))
    minimum_n: Mapped[int] = mapped_column(default=30)
    #: Figures on the public brand pages and the API (still only from ``minimum_n`` answers).
    publish: Mapped[bool] = mapped_column(default=False)
    #: A verdict on a trusted Vietnamese product of the survey invites the shopper to answer.
    invite_on_verdict: Mapped[bool] = mapped_column(default=False)
    #: Whose survey: staff of a province manage its surveys; None is the whole country's.
    province_code: Mapped[str | None] = mapped_column(sa.String(2), index=True)
    #: The survey of the period before, which the results compare with.
    previous_id: Mapped[int | None] = mapped_column(sa.ForeignKey("survey.id"))
    created_by: Mapped[str] = mapped_column(sa.String(120), default="")

    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's own convention

    previous: Mapped[Survey | None] = relationship(remote_side=[id])


class SurveyResponse(Base):
    """One respondent's answers to one survey."""

    __tablename__ = "survey_response"
    __table_args__ = (
        *_SCALE_CHECKS,
        sa.UniqueConstraint("survey_id", "device_hash", name="uq_survey_response_device"),
        sa.UniqueConstraint("survey_id", "paper_ref", name="uq_survey_response_paper"),
        sa.Index("ix_survey_response_survey_brand", "survey_id", "brand_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(sa.ForeignKey("survey.id"), index=True)
    source: Mapped[str] = mapped_column(sa.String(10))  # questions.AnswerSource
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    device_hash: Mapped[str | None] = mapped_column(sa.String(64))
    paper_ref: Mapped[str | None] = mapped_column(sa.String(40))
    entered_by: Mapped[str | None] = mapped_column(sa.String(120))

    # What the answers are about.
    brand_id: Mapped[int | None] = mapped_column(sa.ForeignKey("brand.id"))
    product_id: Mapped[int | None] = mapped_column(sa.ForeignKey("product.id"))
    category: Mapped[str | None] = mapped_column(sa.String(40))

    overall: Mapped[int | None] = mapped_column(sa.SmallInteger)
    expectations: Mapped[int | None] = mapped_column(sa.SmallInteger)
    ideal: Mapped[int | None] = mapped_column(sa.SmallInteger)
    quality: Mapped[int | None] = mapped_column(sa.SmallInteger)
    label_information: Mapped[int | None] = mapped_column(sa.SmallInteger)
    choice: Mapped[int | None] = mapped_column(sa.SmallInteger)
    design: Mapped[int | None] = mapped_column(sa.SmallInteger)
    price: Mapped[int | None] = mapped_column(sa.SmallInteger)
    customer_care: Mapped[int | None] = mapped_column(sa.SmallInteger)
    choose_again: Mapped[bool | None]
    comment: Mapped[str] = mapped_column(sa.String(1000), default="")
    #: The respondent's 0–100 index (surveys.statistics.satisfaction_index), kept so that the
    #: database can sum it.
    satisfaction_index: Mapped[float | None] = mapped_column(sa.Float)

    # The respondent's optional facts (quota strata).
    age_group: Mapped[str | None] = mapped_column(sa.String(10))
    province_code: Mapped[str | None] = mapped_column(sa.String(2))
    commune_code: Mapped[str | None] = mapped_column(sa.String(5))
    channel: Mapped[str | None] = mapped_column(sa.String(12))

    survey: Mapped[Survey] = relationship()


class SurveyEvent(Base):
    """The audit trail of a survey: created, edited (what changed), paper answers typed in."""

    __tablename__ = "survey_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(sa.ForeignKey("survey.id"), index=True)
    actor: Mapped[str] = mapped_column(sa.String(120))
    action: Mapped[str] = mapped_column(sa.String(20))
    details: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class SurveySums(Base):
    """The answers of a survey summed by what they rate and by one quota dimension's stratum:
    the count, sum and sum of squares of each figure's answers (surveys.sums). Kept up to date
    by every answer (an upsert adding the answer), so that the results read a few thousand rows,
    never every answer; ``flask surveys rebuild-sums`` recomputes them from the answers.

    The key columns hold 0 or "" for "none" (a primary key has no NULLs): ``dimension`` "" is
    the row of no dimension (every answer once), ``stratum`` "" an answer that did not give it.
    """

    __tablename__ = "survey_sums"

    survey_id: Mapped[int] = mapped_column(sa.ForeignKey("survey.id"), primary_key=True)
    brand_id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(primary_key=True)
    category: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    dimension: Mapped[str] = mapped_column(sa.String(12), primary_key=True)
    stratum: Mapped[str] = mapped_column(sa.String(12), primary_key=True)
    respondents: Mapped[int] = mapped_column(sa.BigInteger)
    paper: Mapped[int] = mapped_column(sa.BigInteger)
    index_n: Mapped[int] = mapped_column(sa.BigInteger)
    index_total: Mapped[float] = mapped_column(sa.Float)
    index_squares: Mapped[float] = mapped_column(sa.Float)
    quality_n: Mapped[int] = mapped_column(sa.BigInteger)
    quality_total: Mapped[float] = mapped_column(sa.Float)
    quality_squares: Mapped[float] = mapped_column(sa.Float)
    label_information_n: Mapped[int] = mapped_column(sa.BigInteger)
    label_information_total: Mapped[float] = mapped_column(sa.Float)
    label_information_squares: Mapped[float] = mapped_column(sa.Float)
    choice_n: Mapped[int] = mapped_column(sa.BigInteger)
    choice_total: Mapped[float] = mapped_column(sa.Float)
    choice_squares: Mapped[float] = mapped_column(sa.Float)
    design_n: Mapped[int] = mapped_column(sa.BigInteger)
    design_total: Mapped[float] = mapped_column(sa.Float)
    design_squares: Mapped[float] = mapped_column(sa.Float)
    price_n: Mapped[int] = mapped_column(sa.BigInteger)
    price_total: Mapped[float] = mapped_column(sa.Float)
    price_squares: Mapped[float] = mapped_column(sa.Float)
    customer_care_n: Mapped[int] = mapped_column(sa.BigInteger)
    customer_care_total: Mapped[float] = mapped_column(sa.Float)
    customer_care_squares: Mapped[float] = mapped_column(sa.Float)
    again_n: Mapped[int] = mapped_column(sa.BigInteger)
    again_yes: Mapped[int] = mapped_column(sa.BigInteger)
