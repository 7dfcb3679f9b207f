"""How survey figures read, in the reader's language: one place for the staff results, the
public brand pages, the periodic report and the API's numbers.

An index reads "72,4 (68,1–76,7)", a criterion "3,8 (3,6–4,0)", a share "81,0 % (74,2–86,4 %)";
a figure withheld below the minimum n reads "fewer than 30 answers". Numbers are rounded half
away from zero (:func:`surveys.statistics.round_for_display`), never by ``round``.
"""

from __future__ import annotations

import functools
from typing import Any

from babel import numbers
from flask import Flask
from flask_babel import get_locale, gettext

from app.surveys import blueprint
from barcode_db.messages import N_
from surveys.design import STAGE_NAMES, Stage
from surveys.questions import (
    AGE_GROUP_NAMES,
    BANK,
    CHANNEL_NAMES,
    DIMENSION_NAMES,
    SHORT_NAMES,
    SOURCE_NAMES,
    SUBJECT_NAMES,
    AgeGroup,
    Dimension,
    SalesChannel,
)
from surveys.statistics import Comparison, Estimate, Result, round_for_display

NO_VALUE = "–"


@functools.cache
def _symbols(locale: Any) -> tuple[str, str, str]:
    """The decimal, group and minus signs of a locale (CLDR, through Babel)."""
    return (
        numbers.get_decimal_symbol(locale),
        numbers.get_group_symbol(locale),
        numbers.get_minus_sign_symbol(locale),
    )


Symbols = tuple[str, str, str]


def _current_symbols() -> Symbols:
    return _symbols(get_locale() or "vi")  # a babel Locale (hashable), or the default


def number(value: float | None, digits: int = 1, symbols: Symbols | None = None) -> str:
    """A figure with ``digits`` decimals in the reader's notation (72,4 in Vietnamese): what
    Babel's ``format_decimal`` writes, without its cost (a results page shows thousands).
    ``symbols``: the locale's signs, when the caller has them already."""
    if value is None:
        return NO_VALUE
    rounded = round_for_display(value, digits)
    decimal, group, minus = symbols or _current_symbols()
    text = f"{abs(rounded):,.{digits}f}".replace(",", "\0").replace(".", decimal)
    text = text.replace("\0", group)
    return minus + text if rounded < 0 else text


def interval(
    estimate: Estimate | None,
    *,
    share: bool = False,
    digits: int = 1,
    symbols: Symbols | None = None,
) -> str:
    """The 95 % interval of an estimate: "68,1–76,7" (or "74,2–86,4 %"); "–" without one."""
    if estimate is None or estimate.low is None or estimate.high is None:
        return NO_VALUE
    symbols = symbols or _current_symbols()
    scale = 100 if share else 1
    low = number(estimate.low * scale, digits, symbols)
    text = f"{low}–{number(estimate.high * scale, digits, symbols)}"
    return f"{text} %" if share else text


def value(
    estimate: Estimate | None,
    *,
    share: bool = False,
    digits: int = 1,
    symbols: Symbols | None = None,
) -> str:
    if estimate is None:
        return NO_VALUE
    text = number(estimate.value * (100 if share else 1), digits, symbols)
    return f"{text} %" if share else text


def figure(result: Result, *, share: bool = False, digits: int = 1) -> str:
    """A published figure with its interval, or why it is withheld ("–": nobody answered)."""
    if result.n == 0:
        return NO_VALUE
    if not result.shown or result.estimate is None:
        return gettext(
            "fewer than %(minimum)s answers (%(n)s)", minimum=result.minimum_n, n=result.n
        )
    symbols = _current_symbols()
    shown = value(result.estimate, share=share, digits=digits, symbols=symbols)
    if result.estimate.low is None:
        return shown
    spread = interval(result.estimate, share=share, digits=digits, symbols=symbols)
    return f"{shown} ({spread})"


def change(comparison: Comparison | None, *, share: bool = False) -> str:
    """ "+4,2 (1,1 to 7,3): a clear rise" — the change since the period before, in words."""
    if comparison is None:
        return NO_VALUE
    scale = 100 if share else 1
    sign = "+" if comparison.difference > 0 else ""
    values = {
        "change": sign + number(comparison.difference * scale),
        "low": number(comparison.low * scale),
        "high": number(comparison.high * scale),
    }
    if share:
        text = gettext("%(change)s points (%(low)s to %(high)s)", **values)
    else:
        text = gettext("%(change)s (%(low)s to %(high)s)", **values)
    if not comparison.clear:
        return gettext("%(text)s: no clear change", text=text)
    if comparison.difference > 0:
        return gettext("%(text)s: a clear rise", text=text)
    return gettext("%(text)s: a clear fall", text=text)


def stratum_name(dimension: str, code: str | None) -> str:
    """A quota stratum in words: a province's name, an age group, a sales channel."""
    from barcode_db.areas import province_names

    if code is None:
        return gettext("not given")
    if dimension == Dimension.PROVINCE:
        return province_names().get(code, code)
    if dimension == Dimension.AGE_GROUP and code in set(AgeGroup):
        return gettext(AGE_GROUP_NAMES[AgeGroup(code)])
    if dimension == Dimension.CHANNEL and code in set(SalesChannel):
        return gettext(CHANNEL_NAMES[SalesChannel(code)])
    return code


INDEX_NAME = N_("Satisfaction index (0–100)")
CHOOSE_AGAIN_NAME = N_("Would choose it again")
INTERVAL_NOTE = N_(
    "In brackets: the 95 %% confidence interval. A figure is shown only from %(minimum)s answers."
)


def init_app(app: Flask) -> None:
    """Template helpers: ``survey_figure``, ``survey_change``, ``stratum_name`` and the names."""
    app.jinja_env.globals.update(
        survey_figure=figure,
        survey_change=change,
        survey_number=number,
        stratum_name=stratum_name,
        survey_question_bank=BANK,
        survey_question_names=SHORT_NAMES,
        survey_stage_names=STAGE_NAMES,
        survey_subject_names=SUBJECT_NAMES,
        survey_dimension_names=DIMENSION_NAMES,
        survey_source_names=SOURCE_NAMES,
        survey_age_group_names=AGE_GROUP_NAMES,
        survey_channel_names=CHANNEL_NAMES,
    )


@blueprint.record_once
def _register(state: Any) -> None:
    init_app(state.app)


__all__ = ["Stage", "change", "figure", "interval", "number", "stratum_name", "value"]
