"""``flask surveys list`` and ``flask surveys export``."""

from __future__ import annotations

import io

import openpyxl

from surveys.answering import Choice, Submitted, record_answer
from surveys.questions import Question
from tests.support.surveys import NOW, TODAY


def test_export_writes_the_answers_and_list_names_the_survey(
    runner, make_survey, catalogue, db_session, tmp_path
) -> None:
    survey = make_survey(title="Khảo sát sữa")
    record_answer(
        db_session,
        survey,
        Submitted(choice=Choice(product_id=catalogue.milk_a.id), scores={Question.OVERALL: 7}),
        today=TODAY,
        now=NOW,
        device_token="cli",
    )
    db_session.commit()
    listed = runner.invoke(args=["surveys", "list"])
    assert listed.exit_code == 0
    assert survey.code in listed.output and "Khảo sát sữa" in listed.output
    result = runner.invoke(
        args=["surveys", "export", survey.code.lower(), "--out", str(tmp_path), "--lang", "en"]
    )
    assert result.exit_code == 0, result.output
    path = tmp_path / result.output.strip().split("/")[-1]
    sheet = openpyxl.load_workbook(io.BytesIO(path.read_bytes())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Answer number" and len(rows) == 2
    assert rows[1][rows[0].index("Overall satisfaction")] == 7


def test_export_of_an_unknown_code_says_so(runner, db_session, tmp_path) -> None:
    result = runner.invoke(
        args=["surveys", "export", "ZZZZZZ", "--out", str(tmp_path), "--lang", "en"]
    )
    assert result.exit_code != 0
    assert "No survey has the code ZZZZZZ." in result.output
    assert not list(tmp_path.iterdir())


def test_rebuild_sums_recomputes_them_from_the_answers(
    runner, make_survey, catalogue, db_session
) -> None:
    import sqlalchemy as sa

    from surveys.models import SurveySums
    from surveys.sums import raw_sums, stored_sums

    survey = make_survey()
    record_answer(
        db_session,
        survey,
        Submitted(choice=Choice(product_id=catalogue.milk_a.id), scores={Question.OVERALL: 7}),
        today=TODAY,
        now=NOW,
        device_token="rebuild",
    )
    db_session.execute(sa.delete(SurveySums))
    db_session.commit()
    assert stored_sums(db_session, survey) == []
    result = runner.invoke(args=["surveys", "rebuild-sums", survey.code])
    assert result.exit_code == 0, result.output
    assert f"{survey.code}: 4 rows" in result.output
    assert len(stored_sums(db_session, survey)) == len(raw_sums(db_session, survey)) == 4
