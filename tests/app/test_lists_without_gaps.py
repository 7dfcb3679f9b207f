"""Lists without gaps (issue 13, item 13): the scan-signals page has no row without a barcode
(nor an "open a complaint" button for one), and the report names the barcodes the registry
knows."""

from __future__ import annotations

import datetime as dt
import re

from complaints.models import Signal
from tests.app.test_reports_pages import Q3, frozen, reports_app, reports_client  # noqa: F401
from tests.complaints.test_reports import G3, seed
from tests.support.factories import login
from tests.support.pages import check_page, text_of

GTIN = "8936024000127"


def test_photos_with_no_barcode_read_are_counted_not_listed(client, make_user, db_session) -> None:
    now = dt.datetime.now(dt.UTC)
    db_session.add(Signal(gtin=GTIN.zfill(14), code_seen=GTIN, level="MISMATCH", created_at=now))
    for hours, name in ((1, "Vinamlk"), (2, "Vinamlk"), (3, "")):
        # A photo of a label with a lookalike name and no barcode read: a signal with no code.
        db_session.add(
            Signal(
                gtin=None,
                code_seen="",
                level="LOOKALIKE",
                brand_seen=name,
                from_photo=True,
                created_at=now - dt.timedelta(hours=hours),
            )
        )
    db_session.commit()
    login(client, make_user("staff"))
    page = client.get("/staff/signals?lang=en")
    check_page(page, public=False)
    html = page.get_data(as_text=True)
    table = re.search(r'<table class="data" id="hot-spots">.*?</table>', html, flags=re.S).group(0)
    barcodes = re.findall(r"<tr>\s*<td><a [^>]*>([^<]*)</a></td>", table)
    # One row, the barcode's: there was a second one with an empty barcode.
    assert len(barcodes) == 1 and barcodes[0].lstrip("0") == GTIN, barcodes
    opened = re.findall(r'name="code" value="([^"]*)"', table)
    assert len(opened) == 1 and opened[0].lstrip("0") == GTIN, opened  # no button for ""
    assert "3 suspect scans read no barcode" in text_of(page)
    assert "Names read on their labels: Vinamlk." in text_of(page)


def test_the_reports_products_column_names_a_barcode_the_registry_knows(
    reports_client,  # noqa: F811
    db_session,
    make_user,
    registry,
    frozen,  # noqa: F811
) -> None:
    seed(db_session)  # nobody named the product of G3
    company = registry.company("Công ty Cổ phần Sữa TH", prefix="8930000")
    registry.product(company, G3, "Sữa tươi tiệt trùng TH true MILK 180 ml")
    login(reports_client, make_user("staff", province_code="79"))
    html = reports_client.get(Q3).get_data(as_text=True)
    table = re.search(r'<table class="data" id="top-gtins">.*?</table>', html, flags=re.S).group(0)
    rows = re.findall(r"<tr><td>\d+</td><td>([^<]*)</td><td>([^<]*)</td>", table)
    assert ("Sữa tươi tiệt trùng TH true MILK 180 ml") in [name for _code, name in rows]
    assert all(name for _code, name in rows), rows  # no empty product cell in this quarter
