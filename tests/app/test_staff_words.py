"""What staff, inspectors and registry administrators read (issue 13, items 10, 11, 14, 15): the
verdict and the source in words, not codes; a tracking code and a barcode in the one form the
reporter and the pack show; every date and time written one way (27/11/2026 10:18, a deadline
as a day); people by name; a staff page without the shopper's advice; an outcome form that says
which case it is about."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path

import openpyxl
import pytest
from pypdf import PdfReader

from barcode_db.gtin import parse_code
from barcode_db.matching import BrandEntry
from barcode_db.models import RegistryAction, RegistryEntity, RegistryEvent
from barcode_db.prefixes import default_table
from barcode_db.registry import CompanyFact, build_snapshot
from barcode_db.verdict import LabelClaims, Level, verdict_for
from complaints.api_tokens import issue_api_token
from complaints.models import Signal
from complaints.snapshot import verdict_snapshot
from complaints.tracking import format_tracking_code
from complaints.triage import assign, merge
from tests.support.factories import login
from tests.support.pages import check_page, text_of

ROOT = Path(__file__).resolve().parents[2]

#: A fixed moment: 03:18:06 UTC is 10:18:06 in Vietnam, on Friday 27 November 2026.
MOMENT = dt.datetime(2026, 11, 27, 3, 18, 6, tzinfo=dt.UTC)
SHOWN = "27/11/2026 10:18"
#: Seven working days after Friday 27/11/2026: the deadline, as a day.
DEADLINE = "08/12/2026"
#: As stored (14 digits) and as printed under the bars of the pack (13).
STORED_GTIN = "08936024000127"
PACK_GTIN = "8936024000127"

MISMATCH_WORDS = {
    "en": "Suspected counterfeit: brand and barcode do not match",
    "vi": "Nghi hàng giả: thương hiệu và mã vạch không khớp",
}
#: The shopper's advice after a suspected counterfeit, in both languages.
SHOPPER_ADVICE = ("Report it so the association can check", "Vui lòng phản ánh để Hội kiểm tra")
#: How Babel's default formats printed dates before: "27 thg 11, 2026", "10:18:06".
OLD_FORMATS = re.compile(r"\bthg\b|\d{1,2}:\d{2}:\d{2}|\b\d{4}-\d{2}-\d{2}\b|\d{2}/\d{2}/\d{2}\b")

MILK = CompanyFact(
    id=1,
    code="MILK",
    name="Công ty Sữa Thử",
    tax_code=None,
    address="",
    province_code="79",
    prefixes=("8934673",),
    brands=("Vinamilk",),
    is_sample=False,
    certifications=(),
)
REGISTRY = build_snapshot(
    version=1, companies=[MILK], products=[], brand_entries=[BrandEntry(10, "Vinamilk", 1)]
)


def mismatch_snapshot() -> dict:
    """The verdict a shopper got for a Vinamilk label on a number Vinamilk's owner does not hold:
    a suspected counterfeit, with the advice to report it."""
    verdict = verdict_for(
        parse_code(PACK_GTIN),
        prefixes=default_table(),
        registry=REGISTRY,
        today=MOMENT.date(),
        claims=LabelClaims(brand="Vinamilk"),
    )
    assert verdict.level is Level.MISMATCH
    return verdict_snapshot(verdict)


@pytest.fixture
def lan(make_user):
    return make_user("staff", username="lan", name="Nguyễn Thị Lan")


@pytest.fixture
def case(db_session, make_complaint, lan):
    """A referred case filed at MOMENT, assigned to Lan, with a duplicate merged into it."""
    complaint = make_complaint(
        status="REFERRED",
        gtin=STORED_GTIN,  # the factory keeps it as the code seen too: 14 digits
        verdict_level="MISMATCH",
        created_at=MOMENT,
        product_name="Sữa bột Ông Thọ",
        store_name="Tạp hóa Bà Tư",
    )
    complaint.verdict_snapshot = mismatch_snapshot()
    complaint.date_seen = dt.date(2026, 11, 25)
    duplicate = make_complaint(status="NEW", gtin=STORED_GTIN, created_at=MOMENT)
    assign(db_session, complaint, lan, actor=lan, now=MOMENT)
    merge(db_session, complaint, [duplicate], actor=lan, now=MOMENT)
    db_session.commit()
    return complaint, duplicate


def page(client, url: str):
    response = client.get(url)
    assert response.status_code == 200, url
    check_page(response, public=url.startswith(("/track", "/report")))
    return response


# --- item 10: words, not codes ---------------------------------------------------------------


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_queue_and_the_complaint_say_the_verdict_in_words(client, lan, case, lang) -> None:
    complaint, _ = case
    login(client, lan)
    queue = text_of(page(client, f"/staff/?lang={lang}"))
    detail = page(client, f"/staff/complaints/{complaint.id}?lang={lang}")
    detail_text = text_of(detail)
    for text in (queue, detail_text):
        assert MISMATCH_WORDS[lang] in text
        assert not re.search(r"\b(MISMATCH|TRUSTED|NOT_A_PRODUCT_ID|LOOKALIKE)\b", text)
    # The verdict filter offers every level by its words.
    assert {"vi": "Nghi hàng nhái nhãn mác", "en": "Suspected imitation label"}[lang] in queue
    assert "(web)" not in detail_text
    heading = re.search(r'id="verdict-at-filing">([^<]+)<', detail.get_data(as_text=True))
    assert heading and heading.group(1) == MISMATCH_WORDS[lang]


def test_the_complaint_says_how_it_came_in(client, lan, case) -> None:
    complaint, _ = case
    login(client, lan)
    html = page(client, f"/staff/complaints/{complaint.id}?lang=en").get_data(as_text=True)
    assert re.search(r'id="complaint-source">\(through the report form\)<', html)


def test_exports_give_the_verdict_in_words_and_the_code_beside_it(client, make_user, case) -> None:
    login(client, make_user("inspector"))
    text = client.get("/inspect/export.csv?lang=en").get_data(as_text=True)
    header, row = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))[:2]
    cells = dict(zip(header, row, strict=True))
    assert cells["Verdict"] == MISMATCH_WORDS["en"]
    assert cells["Verdict code"] == "MISMATCH"  # for machines, in a column of its own


# --- item 11: one printed form -----------------------------------------------------------------


def test_staff_pages_show_the_tracking_code_as_the_reporter_has_it(client, lan, case) -> None:
    complaint, duplicate = case
    login(client, lan)
    shown = format_tracking_code(complaint.tracking_code)  # e.g. D7ATM-VADJB
    assert "-" in shown
    queue = page(client, "/staff/?lang=en").get_data(as_text=True)
    detail = page(client, f"/staff/complaints/{complaint.id}?lang=en")
    assert f">{shown}</a>" in queue
    assert f'id="complaint-code">{shown}<' in detail.get_data(as_text=True)
    # The history names the report merged in by the code its reporter holds.
    timeline = detail.get_data(as_text=True).split('id="timeline"')[1]
    assert format_tracking_code(duplicate.tracking_code) in timeline
    for code in (complaint.tracking_code, duplicate.tracking_code):
        assert code not in text_of(detail)  # never the stored form without its hyphen


@pytest.mark.parametrize(
    ("stored", "pack"),
    [
        ("08936024000127", "8936024000127"),  # GTIN-13
        ("00012345678905", "012345678905"),  # UPC-A (GTIN-12): its own leading 0 stays
        ("00000096385074", "96385074"),  # GTIN-8
        ("8936024000127", "8936024000127"),  # already as printed
        ("10893602400012", "10893602400012"),  # a GTIN-14 is printed with 14 digits
        ("8934 6730 0001 7", "8934 6730 0001 7"),  # typed text: left as it was typed
    ],
)
def test_a_gtin_is_printed_as_on_the_pack(stored: str, pack: str) -> None:
    from barcode_db.gtin import printed_gtin  # the one rule, used by pages, exports and reports

    assert printed_gtin(stored) == pack


def test_a_gtin_stored_with_a_leading_zero_shows_as_on_the_pack(client, lan, case) -> None:
    complaint, _ = case
    login(client, lan)
    for url in ("/staff/?lang=en", f"/staff/complaints/{complaint.id}?lang=en"):
        text = text_of(page(client, url))
        assert PACK_GTIN in text and STORED_GTIN not in text, url


def test_exports_write_the_gtin_as_on_the_pack_in_a_text_cell(client, make_user, case) -> None:
    login(client, make_user("inspector"))
    text = client.get("/inspect/export.csv?lang=en").get_data(as_text=True)
    assert STORED_GTIN not in text
    header, row = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))[:2]
    cells = dict(zip(header, row, strict=True))
    assert cells["GTIN"] == PACK_GTIN and cells["Barcode as seen"] == PACK_GTIN

    response = client.get("/inspect/export.xlsx?lang=en")
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    columns = [c.value for c in sheet[1]]
    gtin = sheet.cell(row=2, column=columns.index("GTIN") + 1)
    assert gtin.value == PACK_GTIN and gtin.data_type == "s"  # text: Excel keeps every digit


def test_the_case_file_pdf_reads_as_people_write(client, make_user, case) -> None:
    complaint, _ = case
    login(client, make_user("inspector"))
    response = client.get(f"/inspect/cases/{complaint.id}.pdf?lang=en")
    assert response.status_code == 200
    reader = PdfReader(io.BytesIO(response.data))
    text = re.sub(r"\s+", " ", " ".join(p.extract_text() for p in reader.pages))
    assert PACK_GTIN in text and STORED_GTIN not in text
    assert SHOWN in text and not OLD_FORMATS.search(text)
    assert "(MISMATCH)" not in text and "Suspected counterfeit" in text
    assert "Nguyễn Thị Lan" in text  # who it was assigned to, by name
    assert not any(advice in text for advice in SHOPPER_ADVICE)


# --- item 14: one way to write a date ----------------------------------------------------------


def test_no_template_formats_a_date_its_own_way() -> None:
    """Every date a template shows goes through the ``moment`` or ``day`` filter."""
    offending = []
    for template in sorted((ROOT / "app/templates").rglob("*.html")):
        for number, line in enumerate(template.read_text("utf-8").splitlines(), start=1):
            if re.search(r"format_date(time)?\(|strftime|date_vn", line):
                offending.append(f"{template.relative_to(ROOT)}:{number}")
    assert offending == []


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_staff_pages_write_moments_and_deadlines_one_way(
    client, db_session, make_user, lan, case, lang
) -> None:
    complaint, _ = case
    admin = make_user("admin", province_code=None)
    inspector = make_user("inspector")
    issue_api_token(db_session, inspector, name="Hệ thống QLTT", actor=admin, now=MOMENT)
    db_session.add(
        Signal(gtin=STORED_GTIN, code_seen=PACK_GTIN, level="MISMATCH", created_at=MOMENT)
    )
    db_session.add(
        RegistryEvent(
            actor="lan",
            action=RegistryAction.IMPORT,
            entity=RegistryEntity.REGISTRY,
            changes={"rows": 1},
            created_at=MOMENT,
        )
    )
    db_session.commit()
    login(client, admin)
    urls = [
        f"/staff/?lang={lang}",
        f"/staff/complaints/{complaint.id}?lang={lang}",
        f"/staff/tokens?lang={lang}",
        f"/staff/signals?lang={lang}",
        f"/staff/registry/import?lang={lang}",
        f"/inspect/?lang={lang}",
        f"/inspect/cases/{complaint.id}/outcome?lang={lang}",
        f"/track/{complaint.tracking_code}?lang={lang}",
        f"/report/done/{complaint.tracking_code}?lang={lang}",
    ]
    for url in urls:
        text = text_of(page(client, url))
        assert SHOWN in text, url
        assert not OLD_FORMATS.search(text), (url, OLD_FORMATS.search(text))
    detail = page(client, f"/staff/complaints/{complaint.id}?lang={lang}")
    deadline = re.search(r'id="deadline">([^<]+)<', detail.get_data(as_text=True))
    assert deadline and deadline.group(1).startswith(f"{DEADLINE} — ")  # a day, no time
    assert "25/11/2026" in text_of(detail)  # the date seen


# --- item 15: wording --------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_history_names_people_by_name(client, lan, case, lang) -> None:
    complaint, _ = case
    login(client, lan)
    html = page(client, f"/staff/complaints/{complaint.id}?lang={lang}").get_data(as_text=True)
    timeline = text_of_html(html.split('id="timeline"')[1].split("</ol>")[0])
    assigned = {"en": "Assigned to Nguyễn Thị Lan", "vi": "Giao cho Nguyễn Thị Lan"}[lang]
    assert assigned in timeline
    assert "Giao cho lan" not in timeline and "Assigned to lan" not in timeline
    assert '<span class="person" title="lan">Nguyễn Thị Lan</span>' in html  # username on hover


def test_the_photos_are_titled_as_photos(client, lan, case, db_session) -> None:
    from complaints.models import Evidence

    complaint, _ = case
    db_session.add(
        Evidence(
            complaint_id=complaint.id,
            storage_key="missing.jpg",
            sha256_original="0" * 64,
            sha256_stored="0" * 64,
            original_format="JPEG",
            original_bytes=1,
            width=1,
            height=1,
            created_at=MOMENT,
        )
    )
    db_session.commit()
    login(client, lan)
    html = page(client, f"/staff/complaints/{complaint.id}?lang=vi").get_data(as_text=True)
    heading = re.search(r'class="card evidence">\s*<h2>([^<]+)</h2>', html)
    assert heading and heading.group(1) != "Số ảnh" and heading.group(1).startswith("Ảnh")


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_staff_page_leaves_out_the_shoppers_advice(client, lan, case, lang) -> None:
    complaint, _ = case
    login(client, lan)
    text = text_of(page(client, f"/staff/complaints/{complaint.id}?lang={lang}"))
    assert not any(advice in text for advice in SHOPPER_ADVICE)
    assert "A barcode check cannot prove" not in text  # a caveat for shoppers
    if lang == "en":
        assert "Counterfeits often look like this" in text  # the finding stays


def test_a_snapshot_stored_with_the_advice_in_its_sentence_shows_the_finding_only(
    client, db_session, lan, case
) -> None:
    complaint, _ = case
    snapshot = mismatch_snapshot()
    (reason,) = [r for r in snapshot["reasons"] if r["code"] == "brand_mismatch"]
    reason["msgid"] += " Report it so the association can check."  # as stored before
    complaint.verdict_snapshot = snapshot
    db_session.commit()
    login(client, lan)
    text = text_of(page(client, f"/staff/complaints/{complaint.id}?lang=en"))
    assert "Counterfeits often look like this" in text
    assert SHOPPER_ADVICE[0] not in text


def test_the_shopper_still_gets_the_advice(client, registry) -> None:
    registry.company(prefix="8934673", brands=("Vinamilk",))
    html = client.get(f"/verify?code={PACK_GTIN}&brand=Vinamilk&lang=en").get_data(as_text=True)
    assert "Counterfeits often look like this" in html
    assert "Report it so the association can check." in html


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_outcome_form_says_which_case_it_is_about(client, make_user, case, lang) -> None:
    complaint, _ = case
    login(client, make_user("inspector"))
    response = page(client, f"/inspect/cases/{complaint.id}/outcome?lang={lang}")
    summary = text_of_html(response.get_data(as_text=True).split('id="case-summary"')[1])
    assert f"#{complaint.id}" in text_of(response)  # inspectors name a case by its number
    for expected in (
        "Sữa bột Ông Thọ",
        PACK_GTIN,
        "Tạp hóa Bà Tư",
        "Thành phố Hồ Chí Minh",
        MISMATCH_WORDS[lang],
        SHOWN,
        "Hàng có dấu hiệu làm giả.",
    ):
        assert expected in summary, expected
    assert {"en": "Counterfeit goods", "vi": "Hàng giả"}[lang] in summary


def text_of_html(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()
