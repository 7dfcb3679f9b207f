"""Reports to the province as pages, PDF and workbook; who may read which; ``flask reports
build``. The figures are those hand-counted in tests/complaints/test_reports.py."""

from __future__ import annotations

import io
import re
import unicodedata

import pytest
import time_machine
from openpyxl import load_workbook
from PIL import ImageFile
from pypdf import PdfReader

from app.extensions import db
from app.reports import blueprint
from app.reports.views import reports_cli
from tests.complaints.test_reports import AN_NHON, NOW, seed
from tests.conftest import IsolatedClient, make_test_app
from tests.support.factories import login
from tests.support.pages import check_page, text_of

Q3 = "/reports/view?period=2026-Q3&province=79"


@pytest.fixture
def reports_app(app, database, tmp_path):
    """The app with the reports blueprint: the session's own once ``create_app`` registers it,
    until then a test app of its own with the blueprint added."""
    if "reports" in app.blueprints:
        yield app
        return
    other = make_test_app(database, tmp_path)
    other.register_blueprint(blueprint, url_prefix="/reports")
    yield other
    with other.app_context():
        db.engine.dispose()


@pytest.fixture
def reports_client(reports_app, db_session):
    reports_app.test_client_class = IsolatedClient
    return reports_app.test_client()


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def cell(html: str, element_id: str) -> str:
    match = re.search(rf'id="{element_id}">([^<]*)<', html)
    assert match, f"no element {element_id}"
    return match.group(1)


def test_report_page_shows_the_figures_the_vietnamese_way(
    reports_client, db_session, make_user, frozen
) -> None:
    seed(db_session)
    login(reports_client, make_user("staff", province_code="79"))
    response = reports_client.get(Q3)
    assert response.status_code == 200
    check_page(response, public=False)
    assert response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    assert "Thành phố Hồ Chí Minh" in text_of(response)
    assert "01/07/2026 – 30/09/2026" in text_of(response)
    expected = {
        "headline-complaints": "10",
        "previous-complaints": "3",
        "change-complaints": "+7",
        "total": "10",
        "category-counterfeit": "5",
        "category-unlabelled": "0",
        "status-CONFIRMED": "4",
        "outcome-open": "4",
        "take-up-median": "1,5",  # a decimal comma
        "take-up-p90": "5,6",
        "close-median": "12,5",
        "close-p90": "25,0",
        "change-take_up_median_days": "−1,5",
        "overdue": "3",
        "ratings-count": "4",
        "ratings-average": "4,0",
        "stars-5": "2",
        "scans-unknown-MISMATCH": "2",
        "scans-province-LOOKALIKE": "1",
    }
    assert {key: cell(html, key) for key in expected} == expected
    assert html.count('src="data:image/png;base64,') == 4  # comparison, categories, outcomes, scans
    assert "Sữa tươi TH" in html and "Tạp hóa Minh Anh" in html and "Vinamilk" in html


def test_report_page_in_english(reports_client, db_session, make_user, frozen) -> None:
    seed(db_session)
    login(reports_client, make_user("admin", province_code=None))
    html = reports_client.get(Q3 + "&lang=en").get_data(as_text=True)
    assert (cell(html, "take-up-median"), cell(html, "close-median")) == ("1.5", "12.5")
    assert "Key figures" in html


def test_form_offers_recent_periods_and_the_users_province(
    reports_client, db_session, make_user, frozen
) -> None:
    login(reports_client, make_user("viewer", province_code="79"))
    response = reports_client.get("/reports/")
    assert response.status_code == 200
    page = check_page(response, public=False)
    assert page.forms[-1]["method"] == "get"  # the report form (the first signs out)
    html = response.get_data(as_text=True)
    assert '<option value="2026-Q3" selected>' in html  # the last complete quarter
    for label in ("2026-Q4", "2025-Q1", "2026-H2", "2025-H1", "2026", "2024"):
        assert f'<option value="{label}"' in html
    provinces = re.search(r'<select id="r-province".*?</select>', html, re.S).group(0)
    assert re.findall(r'<option value="(\d+)"', provinces) == ["79"]
    assert AN_NHON in html  # the province's communes are listed
    again = reports_client.get("/reports/?period=2026-H1&province=79").get_data(as_text=True)
    assert '<option value="2026-H1" selected>' in again  # back from a report: as it was


def test_pdf_is_a4_and_names_the_province(reports_client, db_session, make_user, frozen) -> None:
    seed(db_session)
    login(reports_client, make_user("inspector", province_code="79"))
    strict = ImageFile.LOAD_TRUNCATED_IMAGES
    response = reports_client.get(Q3.replace("/view", "/report.pdf"))
    assert response.status_code == 200
    assert ImageFile.LOAD_TRUNCATED_IMAGES is strict  # importing WeasyPrint sets it to True
    assert response.mimetype == "application/pdf"
    assert "report-2026-Q3-79.pdf" in response.headers["Content-Disposition"]
    data = response.get_data()
    assert data.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(data))
    width, height = (float(x) for x in reader.pages[0].mediabox.upper_right)
    assert (round(width), round(height)) == (595, 842)  # A4 in points
    text = unicodedata.normalize("NFC", "\n".join(p.extract_text() for p in reader.pages))
    assert "Thành phố Hồ Chí Minh" in text
    assert "2026-Q3" in text
    assert "Tạp hóa Minh Anh" in text


def test_workbook_has_a_sheet_per_section_with_the_counts(
    reports_client, db_session, make_user, frozen
) -> None:
    seed(db_session)
    login(reports_client, make_user("staff", province_code="79"))
    response = reports_client.get(Q3.replace("/view", "/report.xlsx"))
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    book = load_workbook(io.BytesIO(response.get_data()))
    assert len(book.worksheets) == 17  # 12 sections, 4 of campaign figures, the charts

    def rows(index: int) -> dict[str, tuple]:
        """A sheet's rows by the code in column A."""
        return {
            str(row[0]): row[1:]
            for row in book.worksheets[index].iter_rows(values_only=True)
            if row and row[0] is not None
        }

    summary = rows(0)
    assert summary["complaints"][1:] == (10, 3, 7)
    assert summary["take_up_median_days"][1:] == (1.5, 3.0, -1.5)
    assert summary["average_rating"][1:] == (4.0, 3.0, 1.0)
    assert rows(1)["counterfeit"][1] == 5
    assert rows(2)["CONFIRMED"][1] == 4
    assert rows(3)["open"][1] == 4
    times = rows(4)
    assert times["take_up"][1:] == (9, 1.5, 5.6)
    assert times["close"][1:] == (6, 12.5, 25.0)
    assert times["overdue"][1] == 3
    top_products = book.worksheets[5]
    # The barcode as printed on the pack (13 digits, not the stored 14), as a text cell.
    assert [c.value for c in top_products[2]] == [1, "8930000000011", "Sữa tươi TH", 3]
    assert top_products.cell(row=2, column=2).data_type == "s"
    assert all(c.font.bold for c in top_products[1])  # the header row
    assert top_products.column_dimensions["C"].width > 40
    assert [c.value for c in book.worksheets[7][2]] == [1, "Cửa hàng Bình Minh", 3]
    assert book.worksheets[8].max_row == 4  # header and the three confirmed counterfeits
    assert book.worksheets[10].title == "Khảo sát"
    scans = rows(11)
    assert scans["MISMATCH"][1:] == (0, 2)
    assert scans["LOOKALIKE"][1:] == (1, 0)


def test_users_see_only_their_area(reports_client, db_session, make_user, frozen) -> None:
    seed(db_session)
    assert reports_client.get(Q3).status_code == 302  # signed out: sent to sign in
    login(reports_client, make_user("staff", province_code="79"))
    assert reports_client.get("/reports/view?period=2026-Q3&province=01").status_code == 403
    assert reports_client.get("/reports/report.pdf?period=2026-Q3&province=01").status_code == 403
    assert reports_client.get("/reports/report.xlsx?period=2026-Q3&province=01").status_code == 403
    assert reports_client.get("/reports/view?period=2026-Q3").status_code == 200  # their own


def test_commune_staff_see_only_their_communes(
    reports_client, db_session, make_user, frozen
) -> None:
    seed(db_session)
    login(reports_client, make_user("staff", province_code="79", communes=(AN_NHON,)))
    assert reports_client.get(Q3).status_code == 403  # the whole province is more than theirs
    response = reports_client.get(f"{Q3}&commune={AN_NHON}")
    assert response.status_code == 200
    assert cell(response.get_data(as_text=True), "headline-complaints") == "2"
    form = reports_client.get("/reports/").get_data(as_text=True)
    communes = re.search(r'<select id="r-commune".*?</select>', form, re.S).group(0)
    assert re.findall(r'<option value="(\d*)"', communes) == [AN_NHON]


def test_national_viewers_and_admins_choose_any_province(
    reports_client, db_session, make_user, frozen
) -> None:
    seed(db_session)
    login(reports_client, make_user("viewer", province_code=None))
    response = reports_client.get("/reports/view?period=2026-Q3&province=01")
    assert response.status_code == 200
    assert cell(response.get_data(as_text=True), "headline-complaints") == "2"
    assert "Thành phố Hà Nội" in text_of(response)


@pytest.mark.parametrize(
    ("query", "shown"),
    [
        ("period=2026-Q5&province=79", "2026-Q5"),
        ("period=&province=79", "“”"),
        ("period=2026-Q3&province=99", "99"),
        ("period=2026-Q3&province=79&commune=00004", "00004"),  # a commune of Hà Nội
    ],
)
def test_bad_period_province_or_commune_is_a_400_page(
    reports_client, db_session, make_user, query: str, shown: str
) -> None:
    login(reports_client, make_user("admin", province_code=None))
    for path in ("/reports/view", "/reports/report.pdf", "/reports/report.xlsx"):
        response = reports_client.get(f"{path}?{query}")
        assert response.status_code == 400
        check_page(response, public=False)
        assert shown in cell(response.get_data(as_text=True), "error-message")


def test_cli_writes_the_pdf_workbook_and_charts(runner, db_session, tmp_path, frozen) -> None:
    seed(db_session)
    out = tmp_path / "out"
    result = runner.invoke(
        reports_cli, ["build", "--period", "2026-Q3", "--province", "79", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    names = sorted(path.name for path in out.iterdir())
    assert names == [
        "report-2026-Q3-79-categories.png",
        "report-2026-Q3-79-comparison.png",
        "report-2026-Q3-79-outcomes.png",
        "report-2026-Q3-79-scans.png",
        "report-2026-Q3-79.pdf",
        "report-2026-Q3-79.xlsx",
    ]
    assert str(out / "report-2026-Q3-79.pdf") in result.output
    assert (out / "report-2026-Q3-79.pdf").read_bytes().startswith(b"%PDF")
    assert (out / "report-2026-Q3-79-categories.png").read_bytes().startswith(b"\x89PNG")
    book = load_workbook(out / "report-2026-Q3-79.xlsx")
    assert (
        next(r for r in book.worksheets[0].iter_rows(values_only=True) if r[0] == "complaints")[2]
        == 10
    )
    text = "\n".join(p.extract_text() for p in PdfReader(out / "report-2026-Q3-79.pdf").pages)
    assert "Hồ Chí Minh" in unicodedata.normalize("NFC", text)


def test_cli_for_a_commune_and_refusals(runner, db_session, tmp_path) -> None:
    seed(db_session)
    result = runner.invoke(
        reports_cli,
        [
            "build",
            "--period",
            "2026-q3",
            "--province",
            "79",
            "--commune",
            AN_NHON,
            "--out",
            str(tmp_path),
            "--lang",
            "en",
        ],
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / f"report-2026-Q3-79-{AN_NHON}.pdf").exists()
    bad = runner.invoke(reports_cli, ["build", "--period", "2026-Q9", "--province", "79"])
    assert bad.exit_code != 0 and "2026-Q9" in bad.output
    bad = runner.invoke(reports_cli, ["build", "--period", "2026", "--province", "7"])
    assert bad.exit_code != 0 and "“7”" in bad.output


def test_the_report_has_a_section_for_the_surveys_of_the_period(
    reports_client, db_session, make_user, make_survey, catalogue, frozen
) -> None:
    import datetime as dt

    from surveys.answering import Choice, Submitted, record_answer
    from surveys.questions import Question
    from surveys.statistics import Answer, summarise

    seed(db_session)
    survey = make_survey(
        title="Khảo sát hài lòng quý 3",
        opens_on=dt.date(2026, 7, 1),
        closes_on=dt.date(2026, 9, 30),
        minimum_n=10,
    )
    make_survey(
        title="Khảo sát năm sau", opens_on=dt.date(2027, 1, 1), closes_on=dt.date(2027, 3, 31)
    )
    make_survey(
        title="Khảo sát Hà Nội",
        province_code="01",
        opens_on=dt.date(2026, 7, 1),
        closes_on=dt.date(2026, 9, 30),
    )
    answers = []
    for i in range(12):
        overall = 4 + i % 7
        record_answer(
            db_session,
            survey,
            Submitted(
                choice=Choice(product_id=catalogue.milk_a.id),
                scores={Question.OVERALL: overall},
                choose_again=i % 4 != 0,
                province_code="79" if i < 9 else "01",
            ),
            today=dt.date(2026, 8, 1),
            now=NOW,
            device_token=f"r{i}",
        )
        answers.append(Answer(overall=overall, choose_again=i % 4 != 0))
    db_session.commit()
    expected = summarise(answers, None, 10).index.estimate
    login(reports_client, make_user("staff", province_code="79"))
    response = reports_client.get(Q3)
    text = text_of(response)
    assert "Khảo sát hài lòng quý 3" in text
    assert "Khảo sát năm sau" not in text and "Khảo sát Hà Nội" not in text
    from surveys.statistics import round_for_display

    def vi(x: float) -> str:
        return str(round_for_display(x)).replace(".", ",")

    shown = f"{vi(expected.value)} ({vi(expected.low)}–{vi(expected.high)})"
    assert shown in text
    assert "Sữa Quê" in text  # the brand has 12 answers, above the survey's minimum of 10
    book = load_workbook(
        io.BytesIO(reports_client.get(Q3.replace("/view", "/report.xlsx")).get_data())
    )
    sheet = book["Khảo sát"]
    values = [row for row in sheet.iter_rows(values_only=True) if row and row[0]]
    index_row = next(row for row in values if row[1] == "Chỉ số hài lòng (0–100)")
    assert index_row[2] == 12 and index_row[3] == shown
    assert index_row[4] == pytest.approx(expected.low)
    from_province = next(row for row in values if row[1] == "từ tỉnh này")
    assert from_province[2] == 9
