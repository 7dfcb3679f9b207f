"""The report's "most complained about products" name each barcode as the registry knows it
(issue 13, item 13): a column left empty for a barcode the registry knows is a gap."""

from __future__ import annotations

from complaints.reports import TopItem, build_report, parse_period
from tests.complaints.test_reports import G1, G2, G3, HCM, NOW, seed


def test_top_barcodes_are_named_from_the_registry(db_session, registry) -> None:
    seed(db_session)
    company = registry.company("Công ty Cổ phần Sữa TH", prefix="8930000")
    registry.product(company, G1, "Sữa tươi tiệt trùng TH true MILK 180 ml")
    # A product the registry lists without a name: its brand names it.
    registry.product(company, G3, "", brand=registry.brand(company, "TH true MILK"))
    report = build_report(db_session, parse_period("2026-Q3"), HCM, now=NOW)
    assert report.top_gtins == [
        # The registry's name, not the reporters' "Sữa tươi TH": what the barcode is.
        TopItem(G1, "Sữa tươi tiệt trùng TH true MILK 180 ml", 3),
        TopItem(G2, "Nước mắm", 2),  # unknown to the registry: the name reporters gave
        TopItem(G3, "TH true MILK", 2),  # no reporter named it; was empty
    ]
