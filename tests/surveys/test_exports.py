"""The anonymised answers' export: what the association's analyst opens in a spreadsheet."""

from __future__ import annotations

import io

import openpyxl
import pytest

from surveys.answering import Choice, Submitted, record_answer
from surveys.exports import answers_xlsx, header, mask_contacts
from surveys.questions import Question
from tests.support.surveys import NOW, TODAY


@pytest.mark.parametrize(
    ("comment", "masked"),
    [
        ("Gọi tôi 0912 345 678 nhé", "Gọi tôi […] nhé"),
        ("số +84 912.345.678", "số […]"),
        ("mail an.nguyen@example.vn ạ", "mail […] ạ"),
        ("Hộp 500 ml, giá 35000 đồng, mua 2 hộp", "Hộp 500 ml, giá 35000 đồng, mua 2 hộp"),
        ("lô 20261127", "lô 20261127"),
    ],
)
def test_contacts_in_comments_are_masked_and_nothing_else(comment, masked) -> None:
    assert mask_contacts(comment) == masked


def test_the_sheet_has_one_row_per_answer_and_nothing_that_identifies_a_device(
    make_survey, catalogue, db_session
) -> None:
    survey = make_survey()
    record_answer(
        db_session,
        survey,
        Submitted(
            choice=Choice(product_id=catalogue.milk_a.id),
            scores={Question.OVERALL: 10, Question.QUALITY: 5},
            choose_again=True,
            comment='=HYPERLINK("http://x") gọi 0912345678',
            province_code="79",
            age_group="25-34",
            channel="market",
        ),
        today=TODAY,
        now=NOW,
        device_token="secret-device-token",
    )
    record_answer(
        db_session,
        survey,
        Submitted(choice=Choice(brand_id=catalogue.sauce.id), choose_again=False),
        today=TODAY,
        now=NOW,
        paper_ref="P-7",
        entered_by="staff1",
    )
    data = answers_xlsx(db_session, survey)
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0] == header(lambda m: m)
    web, paper = (dict(zip(rows[0], row, strict=True)) for row in rows[1:])
    assert len(rows) == 3
    assert web["How it came"] == "On the web" and web["Day"] == "27/11/2026"
    assert (web["Brand"], web["Product"], web["Category"]) == (
        "Sữa Quê",
        "Sữa tươi 1 L",
        "Milk and dairy products",
    )
    assert web["Overall satisfaction"] == 10 and web["Quality"] == 5
    assert web["Would choose it again"] == "Yes"
    assert web["Satisfaction index (0–100)"] == 100
    # Formula-looking text stays text; the phone number is masked.
    assert web["Comment"] == '\'=HYPERLINK("http://x") gọi […]'
    assert web["Province"] == "Thành phố Hồ Chí Minh" and web["Where bought"] == "Market"
    assert (paper["How it came"], paper["Paper questionnaire number"]) == (
        "Paper questionnaire",
        "P-7",
    )
    assert paper["Would choose it again"] == "No" and paper["Overall satisfaction"] is None
    flat = repr(rows)
    assert "secret-device-token" not in flat
    assert survey_hashes_absent(db_session, flat)


def survey_hashes_absent(db_session, flat: str) -> bool:
    import sqlalchemy as sa

    from surveys.models import SurveyResponse

    hashes = db_session.scalars(
        sa.select(SurveyResponse.device_hash).where(SurveyResponse.device_hash.is_not(None))
    ).all()
    return bool(hashes) and all(h not in flat for h in hashes)
