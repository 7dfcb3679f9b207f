"""The anonymised answers of a survey, as one XLSX sheet for the association's own analysis.

One row per answer: its number, how it came (web or paper, and the paper's number), the local
day, what was rated (brand, product, GTIN, category), every question of the bank (blank where not
asked or not answered), the comment with phone numbers and e-mail addresses masked, and the
respondent's optional facts (age group, province, commune, where bought). Nothing identifies a
respondent: the device's hash is never exported. Cells go through the same writer as the
inspectors' exports (formula-looking text stays text; memory stays flat).

No Flask: the caller passes ``translate`` (a gettext of the reader's language).
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from barcode_db.areas import commune, province_names
from barcode_db.categories import category as category_named
from barcode_db.gtin import printed_gtin
from barcode_db.messages import N_
from barcode_db.models import Brand, Product
from complaints.deadlines import VIETNAM
from complaints.exports import write_xlsx
from surveys.models import Survey, SurveyResponse
from surveys.questions import (
    ACSI,
    AGE_GROUP_NAMES,
    CHANNEL_NAMES,
    CRITERIA,
    SHORT_NAMES,
    SOURCE_NAMES,
    AgeGroup,
    AnswerSource,
    Question,
    SalesChannel,
)

Translate = Callable[[str], str]

#: A phone number as people write them (0912 345 678, +84 912.345.678) or an e-mail address.
_PHONE = re.compile(r"(?<![0-9])(?:\+?84|0)(?:[ .-]?[0-9]){8,10}(?![0-9])")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
MASK = "[…]"

HEAD: tuple[str, ...] = (
    N_("Answer number"),
    N_("How it came"),
    N_("Paper questionnaire number"),
    N_("Day"),
    N_("Brand"),
    N_("Product"),
    N_("GTIN"),
    N_("Category"),
    *(SHORT_NAMES[q] for q in (*ACSI, *CRITERIA, Question.CHOOSE_AGAIN)),
    N_("Satisfaction index (0–100)"),
    SHORT_NAMES[Question.COMMENT],
    N_("Age group"),
    N_("Province"),
    N_("Commune"),
    N_("Where bought"),
)
WIDTHS = (10, 14, 14, 12, 22, 30, 16, 24, *([12] * 10), 12, 50, 12, 24, 24, 14)


def mask_contacts(text: str) -> str:
    """The comment with phone numbers and e-mail addresses replaced by "[…]"."""
    return _PHONE.sub(MASK, _EMAIL.sub(MASK, text))


def _yes_no(value: bool | None, translate: Translate) -> str | None:
    if value is None:
        return None
    return translate("Yes") if value else translate("No")


def answer_rows(session: Session, survey: Survey, translate: Translate) -> Iterator[list[Any]]:
    """The rows of the sheet, oldest answer first, read in batches."""
    answered = sa.select(SurveyResponse.brand_id).where(SurveyResponse.survey_id == survey.id)
    brands = {
        brand_id: name
        for brand_id, name in session.execute(
            sa.select(Brand.id, Brand.name).where(Brand.id.in_(answered))
        )
    }
    statement = (
        sa.select(SurveyResponse, Product.name, Product.gtin)
        .outerjoin(Product, Product.id == SurveyResponse.product_id)
        .where(SurveyResponse.survey_id == survey.id)
        .order_by(SurveyResponse.id)
        .execution_options(yield_per=2000)
    )
    provinces = province_names()
    for response, product_name, gtin in session.execute(statement).tuples():
        kind = category_named(response.category)
        place = commune(response.commune_code) if response.commune_code else None
        yield [
            response.id,
            translate(SOURCE_NAMES[AnswerSource(response.source)]),
            response.paper_ref,
            response.created_at.astimezone(VIETNAM).date().strftime("%d/%m/%Y"),
            brands.get(response.brand_id) if response.brand_id else None,
            product_name,
            printed_gtin(gtin) if gtin else None,
            translate(kind.name) if kind else response.category,
            *(getattr(response, q.value) for q in (*ACSI, *CRITERIA)),
            _yes_no(response.choose_again, translate),
            (
                round(response.satisfaction_index, 2)
                if response.satisfaction_index is not None
                else None
            ),
            mask_contacts(response.comment) or None,
            (
                translate(AGE_GROUP_NAMES[AgeGroup(response.age_group)])
                if response.age_group in set(AgeGroup)
                else response.age_group
            ),
            provinces.get(response.province_code or "", response.province_code),
            place.name if place else None,
            (
                translate(CHANNEL_NAMES[SalesChannel(response.channel)])
                if response.channel in set(SalesChannel)
                else response.channel
            ),
        ]


def header(translate: Translate) -> list[str]:
    return [translate(title) for title in HEAD]


def answers_xlsx(
    session: Session, survey: Survey, translate: Translate = lambda msgid: msgid
) -> bytes:
    """The survey's anonymised answers as an XLSX file (bytes)."""
    buffer = io.BytesIO()
    write_xlsx(
        answer_rows(session, survey, translate),
        header(translate),
        buffer,
        sheet_name=survey.code,
        widths=WIDTHS,
    )
    return buffer.getvalue()


def file_name(survey: Survey, today: dt.date) -> str:
    return f"survey-{survey.code}-answers-{today.isoformat()}.xlsx"


__all__: Sequence[str] = ("answer_rows", "answers_xlsx", "file_name", "header", "mask_contacts")
