"""Survey figures read as Babel writes numbers in the reader's language, rounded half away from
zero (app/surveys/display.py)."""

from __future__ import annotations

import pytest
from flask_babel import force_locale, format_decimal

from app.surveys.display import figure, number
from surveys.statistics import Estimate, Result, round_for_display

VALUES = [0.0, 0.04, 0.05, 2.675, 9.95, -3.849, -0.04, 72.45, 1234.5, -98765.4321, 1e6 + 0.25]


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("digits", [0, 1, 2])
def test_numbers_read_as_babel_writes_them(app, lang, digits) -> None:
    pattern = "#,##0." + "0" * digits if digits else "#,##0"
    with app.test_request_context(), force_locale(lang):
        for value in VALUES:
            expected = format_decimal(round_for_display(value, digits), format=pattern)
            assert number(value, digits) == expected, (value, digits)


def test_a_figure_reads_with_its_interval_or_why_it_is_withheld(app) -> None:
    with app.test_request_context(), force_locale("vi"):
        shown = Result(40, 30, Estimate(72.45, 68.05, 76.849, 40))
        assert figure(shown) == "72,5 (68,1–76,8)"
        assert figure(Result(40, 30, Estimate(0.8125, 0.66, 0.9, 40)), share=True) == (
            "81,3 % (66,0–90,0 %)"
        )
        assert figure(Result(12, 30, None)) == "chưa đủ 30 câu trả lời (12)"
        assert figure(Result(0, 30, None)) == "–"
