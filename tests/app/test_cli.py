"""``flask registry import`` and ``flask registry load-sample``."""

from __future__ import annotations

import sqlalchemy as sa

from barcode_db.models import Company

HEADER = (
    "record,company_code,name,tax_code,address,province_code,website,prefix,brand,gtin,"
    "programme,year,stars,valid_until,evidence_ref\n"
)


def test_import_command_reports_counts(runner, db_session, tmp_path) -> None:
    path = tmp_path / "list.csv"
    path.write_text(
        "\ufeff" + HEADER + "company,ACME,Công ty Thử,,,79,,,,,,,,,\n", encoding="utf-8"
    )
    result = runner.invoke(args=["registry", "import", str(path), "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "Created: 1 company" in result.output
    assert db_session.scalar(sa.select(Company.name)) == "Công ty Thử"


def test_import_command_fails_whole_with_line_numbers(runner, db_session, tmp_path) -> None:
    path = tmp_path / "list.csv"
    path.write_text(
        HEADER + "company,ACME,Công ty Thử,,,79,,,,,,,,,\nprefix,ACME,,,,,,12345,,,,,,,\n",
        encoding="utf-8",
    )
    result = runner.invoke(args=["registry", "import", str(path), "--lang", "en"])
    assert result.exit_code == 1
    assert "line 3:" in result.output
    assert "nothing was imported" in result.output
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Company)) == 0


def test_import_command_in_vietnamese(runner, db_session, tmp_path) -> None:
    path = tmp_path / "list.csv"
    path.write_text(HEADER + "prefix,ACME,,,,,,12345,,,,,,,\n", encoding="utf-8")
    result = runner.invoke(args=["registry", "import", str(path)])
    assert result.exit_code == 1
    assert "không phải" in result.output  # the row error, from the Vietnamese catalog


def test_import_refuses_a_non_utf8_file(runner, db_session, tmp_path) -> None:
    path = tmp_path / "list.csv"
    path.write_bytes(HEADER.encode() + "company,A,Công ty,,,,,,,,,,,,\n".encode("cp1258"))
    result = runner.invoke(args=["registry", "import", str(path)])
    assert result.exit_code != 0
    assert "UTF-8" in result.output


def test_load_sample_only_into_an_empty_registry(runner, db_session) -> None:
    first = runner.invoke(args=["registry", "load-sample", "--if-empty"])
    assert first.exit_code == 0, first.output
    companies = db_session.scalar(sa.select(sa.func.count()).select_from(Company))
    assert companies >= 10
    assert all(db_session.scalars(sa.select(Company.is_sample)))
    again = runner.invoke(args=["registry", "load-sample", "--if-empty"])
    assert "already has companies" in again.output
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Company)) == companies
