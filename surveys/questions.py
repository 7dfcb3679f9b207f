"""The fixed question bank of the satisfaction surveys, and the respondent's optional facts.

Staff choose questions from this bank; they never write a question or a scale. The same wording
and the same scales in every survey is what makes a quarter comparable with the next, and one
province with another. How the answers become figures is :mod:`surveys.statistics`.

The bank (English msgids; the Vietnamese catalog holds what respondents read):

- Three satisfaction questions in the style of the American Customer Satisfaction Index (ACSI),
  each answered from 1 to 10: overall satisfaction, the product against what was expected, the
  product against an ideal product of its kind. Together they make the 0–100 satisfaction index.
- The six criteria of VINASTAS's consumer vote ("Hàng hóa, dịch vụ người tiêu dùng tin cậy"),
  each from 1 (very poor) to 5 (very good): quality; information on the label; choice (range of
  products); design and packaging; price; customer care and complaint handling.
- "Would you choose this Vietnamese product again?" (yes / no).
- One optional comment (at most 1,000 characters; never published, and exported with phone
  numbers and e-mail addresses masked).

The respondent may also give an age group, a province (and commune) and where they bought the
product (the sales channel). These are the strata quota targets are set on.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass

from barcode_db.messages import N_
from surveys.statistics import CRITERION_SCALE, INDEX_SCALE, Criterion


class Question(enum.StrEnum):
    OVERALL = "overall"
    EXPECTATIONS = "expectations"
    IDEAL = "ideal"
    QUALITY = Criterion.QUALITY.value
    LABEL_INFORMATION = Criterion.LABEL_INFORMATION.value
    CHOICE = Criterion.CHOICE.value
    DESIGN = Criterion.DESIGN.value
    PRICE = Criterion.PRICE.value
    CUSTOMER_CARE = Criterion.CUSTOMER_CARE.value
    CHOOSE_AGAIN = "choose_again"
    COMMENT = "comment"


class Kind(enum.StrEnum):
    SCALE = "scale"
    YES_NO = "yes_no"
    TEXT = "text"


@dataclass(frozen=True)
class QuestionSpec:
    key: Question
    kind: Kind
    text: str  # msgid
    low_label: str = ""  # msgid: what the lowest answer means
    high_label: str = ""  # msgid: what the highest answer means
    scale: tuple[int, int] | None = None


_CRITERION_LOW = N_("Very poor")
_CRITERION_HIGH = N_("Very good")

BANK: dict[Question, QuestionSpec] = {
    spec.key: spec
    for spec in (
        QuestionSpec(
            Question.OVERALL,
            Kind.SCALE,
            N_("Overall, how satisfied are you with this product?"),
            N_("Not at all satisfied"),
            N_("Very satisfied"),
            INDEX_SCALE,
        ),
        QuestionSpec(
            Question.EXPECTATIONS,
            Kind.SCALE,
            N_("How well does this product meet what you expected of it?"),
            N_("Falls far short"),
            N_("Far exceeds"),
            INDEX_SCALE,
        ),
        QuestionSpec(
            Question.IDEAL,
            Kind.SCALE,
            N_("Think of an ideal product of this kind. How close to it is this product?"),
            N_("Very far from it"),
            N_("Very close to it"),
            INDEX_SCALE,
        ),
        QuestionSpec(
            Question.QUALITY,
            Kind.SCALE,
            N_("Quality"),
            _CRITERION_LOW,
            _CRITERION_HIGH,
            CRITERION_SCALE,
        ),
        QuestionSpec(
            Question.LABEL_INFORMATION,
            Kind.SCALE,
            N_("Information on the label"),
            _CRITERION_LOW,
            _CRITERION_HIGH,
            CRITERION_SCALE,
        ),
        QuestionSpec(
            Question.CHOICE,
            Kind.SCALE,
            N_("Choice (range of products)"),
            _CRITERION_LOW,
            _CRITERION_HIGH,
            CRITERION_SCALE,
        ),
        QuestionSpec(
            Question.DESIGN,
            Kind.SCALE,
            N_("Design and packaging"),
            _CRITERION_LOW,
            _CRITERION_HIGH,
            CRITERION_SCALE,
        ),
        QuestionSpec(
            Question.PRICE,
            Kind.SCALE,
            N_("Price"),
            _CRITERION_LOW,
            _CRITERION_HIGH,
            CRITERION_SCALE,
        ),
        QuestionSpec(
            Question.CUSTOMER_CARE,
            Kind.SCALE,
            N_("Customer care and complaint handling"),
            _CRITERION_LOW,
            _CRITERION_HIGH,
            CRITERION_SCALE,
        ),
        QuestionSpec(
            Question.CHOOSE_AGAIN,
            Kind.YES_NO,
            N_("Would you choose this Vietnamese product again?"),
        ),
        QuestionSpec(
            Question.COMMENT,
            Kind.TEXT,
            N_("Anything else you want to tell the association? (optional)"),
        ),
    )
}


def asked(keys: Iterable[str]) -> list[QuestionSpec]:
    """The questions a survey asks (``Survey.questions``), in the bank's order: the order of the
    web page, the paper questionnaire and the paper entry form alike."""
    chosen = set(keys)
    return [spec for question, spec in BANK.items() if question.value in chosen]


ACSI: tuple[Question, ...] = (Question.OVERALL, Question.EXPECTATIONS, Question.IDEAL)
CRITERIA: tuple[Question, ...] = tuple(Question(criterion.value) for criterion in Criterion)
#: A new survey asks the whole bank; staff untick what they do not want.
DEFAULT_QUESTIONS: tuple[Question, ...] = tuple(Question)
#: The questions that make figures: a survey asks at least one of them.
MEASURED: frozenset[Question] = frozenset({*ACSI, *CRITERIA, Question.CHOOSE_AGAIN})
COMMENT_LENGTH = 1000

#: Where the short name of a question is needed (tables, column heads): msgids.
SHORT_NAMES: dict[Question, str] = {
    Question.OVERALL: N_("Overall satisfaction"),
    Question.EXPECTATIONS: N_("Against expectations"),
    Question.IDEAL: N_("Against an ideal"),
    Question.QUALITY: N_("Quality"),
    Question.LABEL_INFORMATION: N_("Information on the label"),
    Question.CHOICE: N_("Choice (range of products)"),
    Question.DESIGN: N_("Design and packaging"),
    Question.PRICE: N_("Price"),
    Question.CUSTOMER_CARE: N_("Customer care and complaint handling"),
    Question.CHOOSE_AGAIN: N_("Would choose it again"),
    Question.COMMENT: N_("Comment"),
}


class AgeGroup(enum.StrEnum):
    UNDER_18 = "u18"
    FROM_18 = "18-24"
    FROM_25 = "25-34"
    FROM_35 = "35-44"
    FROM_45 = "45-54"
    FROM_55 = "55-64"
    FROM_65 = "65+"


AGE_GROUP_NAMES: dict[AgeGroup, str] = {
    AgeGroup.UNDER_18: N_("Under 18"),
    AgeGroup.FROM_18: N_("18 to 24"),
    AgeGroup.FROM_25: N_("25 to 34"),
    AgeGroup.FROM_35: N_("35 to 44"),
    AgeGroup.FROM_45: N_("45 to 54"),
    AgeGroup.FROM_55: N_("55 to 64"),
    AgeGroup.FROM_65: N_("65 or older"),
}


class SalesChannel(enum.StrEnum):
    MARKET = "market"  # chợ
    SUPERMARKET = "supermarket"  # siêu thị
    GROCERY = "grocery"  # tạp hóa
    ONLINE = "online"
    OTHER = "other"


CHANNEL_NAMES: dict[SalesChannel, str] = {
    SalesChannel.MARKET: N_("Market"),
    SalesChannel.SUPERMARKET: N_("Supermarket"),
    SalesChannel.GROCERY: N_("Grocery shop"),
    SalesChannel.ONLINE: N_("Online"),
    SalesChannel.OTHER: N_("Elsewhere"),
}


class Dimension(enum.StrEnum):
    """What quota targets can be set on (and the figures weighted to)."""

    PROVINCE = "province"
    AGE_GROUP = "age_group"
    CHANNEL = "channel"


DIMENSION_NAMES: dict[Dimension, str] = {
    Dimension.PROVINCE: N_("Province"),
    Dimension.AGE_GROUP: N_("Age group"),
    Dimension.CHANNEL: N_("Where bought"),
}


class Subject(enum.StrEnum):
    """What a survey is about."""

    GENERAL = "general"  # Vietnamese goods in general: any product of the registry
    CATEGORY = "category"  # the registry's products of one category
    BRANDS = "brands"  # a list of brands of the registry
    PRODUCTS = "products"  # a list of products of the registry


SUBJECT_NAMES: dict[Subject, str] = {
    Subject.GENERAL: N_("Vietnamese goods in general"),
    Subject.CATEGORY: N_("A kind of product"),
    Subject.BRANDS: N_("Some brands"),
    Subject.PRODUCTS: N_("Some products"),
}


class AnswerSource(enum.StrEnum):
    WEB = "web"  # answered on the survey's page
    PAPER = "paper"  # a paper questionnaire typed in by staff


SOURCE_NAMES: dict[AnswerSource, str] = {
    AnswerSource.WEB: N_("On the web"),
    AnswerSource.PAPER: N_("Paper questionnaire"),
}
