"""Issue 14 on the verdict: "How Vietnamese is this?" (facts with their sources and dates) and
Vietnamese alternatives, on the page and in the API, in both languages."""

from __future__ import annotations

import datetime as dt
import html
import re

import jsonschema
import pytest
import sqlalchemy as sa

from barcode_db.models import Company
from barcode_db.registry import bump_registry_version
from tests.support.factories import with_check_digit
from tests.support.pages import check_page

VINAMILK = "8934673000017"  # sample registry: VNM, two certifications valid until 31/12/2026
TH_MILK = "8936024000127"  # sample registry: THM, part of TH Group (VN), one certification
FOREIGN = with_check_digit("300000000001")  # GS1 France, in no registry
UNKNOWN_893 = with_check_digit("893999912345")  # GS1 Vietnam, owner not in the registry
# The sample certifications run to 31/12/2026: the verdicts are given on a day before that.
TODAY = dt.date(2026, 11, 27)


@pytest.fixture(autouse=True)
def frozen_today(monkeypatch) -> None:
    monkeypatch.setattr("app.verification.local_today", lambda: TODAY)


@pytest.fixture
def th_checked(db_session, sample_registry) -> None:
    """The association checked TH's facts on 1 October 2026."""
    company = db_session.scalar(sa.select(Company).where(Company.code == "THM"))
    company.checked_on = dt.date(2026, 10, 1)
    bump_registry_version(db_session)
    db_session.commit()


def facts_on_page(response) -> list[tuple[str, str]]:
    """(fact code, what its box says) for each fact of the "How Vietnamese is this?" box."""
    found = re.findall(
        r'<dd data-fact="([a-z_]+)">(.*?)</dd>', response.get_data(as_text=True), re.S
    )
    return [(code, _text(inner)) for code, inner in found]


def alternatives_on_page(response) -> list[tuple[str, str, str]]:
    """(number, link, what the item says) for each alternative listed."""
    page = response.get_data(as_text=True)
    box = re.search(r'<section class="card" id="alternatives">(.*?)</section>', page, re.S)
    if box is None:
        return []
    items = re.findall(r'<li data-gtin="(\d+)">(.*?)</li>', box.group(1), re.S)
    return [
        (gtin, html.unescape(re.search(r'href="([^"]+)"', inner).group(1)), _text(inner))
        for gtin, inner in items
    ]


def _text(fragment: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment)).strip())


# ---- "How Vietnamese is this?" ------------------------------------------------------------------


def test_a_trusted_sample_product_s_facts_each_with_its_source_and_date(client, th_checked) -> None:
    response = client.get(f"/verify?code={TH_MILK}&lang=en")
    check_page(response)
    sample = "Source: Mẫu / sample: chưa đối chiếu / not checked · checked 01/10/2026"
    assert facts_on_page(response) == [
        (
            "barcode_licensed_by",
            "Prefix 893: GS1 Vietnam Source: GS1 prefix table · checked 23/03/2025",
        ),
        ("brand_owner", f"Công ty Cổ phần Sữa TH; no Vietnamese tax code on record {sample}"),
        ("owner_group", f"Part of the group TH Group (Vietnam) {sample}"),
        ("made_in", f"not recorded {sample}"),
        (
            "certification",
            "Vietnam National Brand 2024, valid until 31/12/2026 Source: Mẫu / sample",
        ),
    ]
    assert "How Vietnamese is this?" in response.get_data(as_text=True)


def test_the_facts_in_vietnamese(client, th_checked) -> None:
    facts = dict(facts_on_page(client.get(f"/verify?code={TH_MILK}")))
    assert "GS1 Việt Nam" in facts["barcode_licensed_by"]
    assert "23/03/2025" in facts["barcode_licensed_by"]
    assert "TH Group (Việt Nam)" in facts["owner_group"]
    assert "01/10/2026" in facts["brand_owner"]
    assert "Thương hiệu quốc gia Việt Nam 2024" in facts["certification"]


def test_the_api_gives_the_same_facts(client, th_checked) -> None:
    body = client.get(f"/api/v1/verify?code={TH_MILK}&lang=en").get_json()
    sample = "Mẫu / sample: chưa đối chiếu / not checked"
    assert body["provenance"] == [
        {
            "fact": "barcode_licensed_by",
            "value": "Prefix 893: GS1 Vietnam",
            "source": "GS1 prefix table",
            "checked_on": "2025-03-23",
        },
        {
            "fact": "brand_owner",
            "value": "Công ty Cổ phần Sữa TH; no Vietnamese tax code on record",
            "source": sample,
            "checked_on": "2026-10-01",
        },
        {
            "fact": "owner_group",
            "value": "Part of the group TH Group (Vietnam)",
            "source": sample,
            "checked_on": "2026-10-01",
        },
        {"fact": "made_in", "value": "not recorded", "source": sample, "checked_on": "2026-10-01"},
        {
            "fact": "certification",
            "value": "Vietnam National Brand 2024, valid until 31/12/2026",
            "source": "Mẫu / sample",
            "checked_on": None,
        },
    ]
    vi = client.get(f"/api/v1/verify?code={TH_MILK}").get_json()
    values = {f["fact"]: f["value"] for f in vi["provenance"]}
    assert "GS1 Việt Nam" in values["barcode_licensed_by"]
    assert "(Việt Nam)" in values["owner_group"]


def test_a_foreign_number_has_the_gs1_fact_only(client, sample_registry) -> None:
    response = client.get(f"/verify?code={FOREIGN}&lang=en")
    assert facts_on_page(response) == [
        (
            "barcode_licensed_by",
            "Prefix 300-379: GS1 France Source: GS1 prefix table · checked 23/03/2025",
        )
    ]
    # The prefix is said once, with its source, not again under "What we found".
    assert 'id="fact-prefix"' not in response.get_data(as_text=True)
    body = client.get(f"/api/v1/verify?code={FOREIGN}").get_json()
    assert body["provenance"] == [
        {
            "fact": "barcode_licensed_by",
            "value": body["provenance"][0]["value"],
            "source": body["provenance"][0]["source"],
            "checked_on": "2025-03-23",
        }
    ]
    assert "GS1 Pháp" in body["provenance"][0]["value"]


def test_no_facts_for_what_is_not_a_product_number(client) -> None:
    response = client.get("/verify?code=9780306406157&lang=en")  # a book number
    assert facts_on_page(response) == []
    assert 'id="fact-prefix"' in response.get_data(as_text=True)  # what the range is, still
    assert client.get("/api/v1/verify?code=8934673000014").get_json()["provenance"] == []


# ---- Vietnamese alternatives --------------------------------------------------------------------


def test_alternatives_on_a_foreign_verdict_in_the_category_the_shopper_names(
    client, sample_registry
) -> None:
    response = client.get(f"/verify?code={FOREIGN}&category=dairy&lang=en")
    check_page(response)
    assert alternatives_on_page(response) == [
        (
            VINAMILK,
            f"/products/{VINAMILK}",
            "Sữa tươi tiệt trùng Vinamilk 100% có đường 180 ml Vinamilk · Công ty Cổ phần Sữa "
            "Việt Nam High-quality Vietnamese goods (HVNCLC) 2025; Vietnam National Brand 2024 "
            "Sample",
        ),
        (
            TH_MILK,
            f"/products/{TH_MILK}",
            "Sữa tươi tiệt trùng TH true MILK 180 ml TH true MILK · Công ty Cổ phần Sữa TH "
            "Vietnam National Brand 2024 Sample",
        ),
    ]
    page = response.get_data(as_text=True)
    # The shopper's choice stays chosen, and a re-check with other label details keeps it.
    assert '<option value="dairy" selected>' in page
    recheck = re.search(
        r'<form method="get" action="/verify" id="recheck-form">(.*?)</form>', page, re.S
    )
    assert recheck and '<input type="hidden" name="category" value="dairy">' in recheck.group(1)


def test_alternatives_in_vietnamese(client, sample_registry) -> None:
    response = client.get(f"/verify?code={FOREIGN}&category=dairy")
    listed = alternatives_on_page(response)
    assert [gtin for gtin, _, _ in listed] == [VINAMILK, TH_MILK]
    assert "Hàng Việt Nam chất lượng cao (HVNCLC) 2025" in listed[0][2]
    assert "Dữ liệu mẫu" in listed[0][2]


def test_the_api_returns_the_alternatives(client, sample_registry) -> None:
    body = client.get(f"/api/v1/verify?code={FOREIGN}&category=dairy&lang=en").get_json()
    assert body["level"] == "FOREIGN"
    assert body["alternatives"] == [
        {
            "gtin": VINAMILK,
            "name": "Sữa tươi tiệt trùng Vinamilk 100% có đường 180 ml",
            "brand": "Vinamilk",
            "company_code": "VNM",
            "certifications": [
                {"programme": "hvnclc", "year": 2025, "valid_until": "2026-12-31"},
                {"programme": "national_brand", "year": 2024, "valid_until": "2026-12-31"},
            ],
            "url": f"https://localhost/products/{VINAMILK}",
            "sample_data": True,
        },
        {
            "gtin": TH_MILK,
            "name": "Sữa tươi tiệt trùng TH true MILK 180 ml",
            "brand": "TH true MILK",
            "company_code": "THM",
            "certifications": [
                {"programme": "national_brand", "year": 2024, "valid_until": "2026-12-31"}
            ],
            "url": f"https://localhost/products/{TH_MILK}",
            "sample_data": True,
        },
    ]


def test_an_alternative_s_link_opens_its_product_page(client, sample_registry) -> None:
    listed = alternatives_on_page(client.get(f"/verify?code={FOREIGN}&category=dairy&lang=en"))
    page = client.get(listed[0][1] + "?lang=en")
    assert page.status_code == 200
    assert "Sữa tươi tiệt trùng Vinamilk 100% có đường 180 ml" in _text(page.get_data(as_text=True))


def test_no_category_no_alternatives_but_the_shopper_is_asked(client, sample_registry) -> None:
    response = client.get(f"/verify?code={FOREIGN}&lang=en")
    page = response.get_data(as_text=True)
    assert alternatives_on_page(response) == []
    assert 'id="category-form"' in page and "What is it?" in page
    # The form checks the same number again (GET, no JavaScript needed), with the category.
    form = re.search(
        r'<form method="get" action="/verify" id="category-form">(.*?)</form>', page, re.S
    )
    assert form and f'name="code" value="{FOREIGN}"' in form.group(1)
    assert 'name="category"' in form.group(1)
    assert client.get(f"/api/v1/verify?code={FOREIGN}").get_json()["alternatives"] == []


def test_a_category_the_taxonomy_does_not_have_is_not_used(client, sample_registry) -> None:
    response = client.get(f"/verify?code={FOREIGN}&category=toys&lang=en")
    assert response.status_code == 200
    assert alternatives_on_page(response) == []
    refused = client.get(f"/api/v1/verify?code={FOREIGN}&category=toys&lang=en")
    assert refused.status_code == 400
    assert "category" in refused.get_json()["error"]["fields"]


def test_the_shopper_s_claims_are_kept_when_they_name_the_category(client, sample_registry) -> None:
    page = client.get(f"/verify?code={FOREIGN}&brand=Président&lang=en").get_data(as_text=True)
    form = re.search(r'id="category-form">(.*?)</form>', page, re.S).group(1)
    assert 'name="brand" value="Président"' in form


def test_none_on_a_trusted_verdict(client, sample_registry) -> None:
    response = client.get(f"/verify?code={VINAMILK}&category=dairy&lang=en")
    assert 'id="alternatives"' not in response.get_data(as_text=True)
    body = client.get(f"/api/v1/verify?code={VINAMILK}&category=dairy").get_json()
    assert body["level"] == "TRUSTED" and body["alternatives"] == []


def test_a_vietnamese_number_of_an_unknown_owner_gets_alternatives(client, sample_registry) -> None:
    body = client.get(f"/api/v1/verify?code={UNKNOWN_893}&category=beverages").get_json()
    assert body["level"] == "VIETNAMESE"
    # Beverages with a product in the sample registry: G7 coffee and Tân Cương tea.
    assert {a["gtin"] for a in body["alternatives"]} == {"8935024000151", "8939001000172"}


def test_a_suspect_registry_product_s_own_category_without_asking(client, sample_registry) -> None:
    # TH's number under the Vinamilk brand: a mismatch; TH's milk is dairy, so the other dairy
    # product is offered, never the scanned number itself, and the shopper is not asked.
    response = client.get(f"/verify?code={TH_MILK}&brand=Vinamilk&lang=en")
    assert 'data-level="MISMATCH"' in response.get_data(as_text=True)
    assert [gtin for gtin, _, _ in alternatives_on_page(response)] == [VINAMILK]
    assert 'id="category-form"' not in response.get_data(as_text=True)
    body = client.get(f"/api/v1/verify?code={TH_MILK}&brand=Vinamilk&category=footwear").get_json()
    assert [a["gtin"] for a in body["alternatives"]] == [VINAMILK]


# ---- the OpenAPI document -----------------------------------------------------------------------


def test_the_openapi_document_lists_alternatives_and_provenance(client, sample_registry) -> None:
    doc = client.get("/api/openapi.json").get_json()
    schemas = doc["components"]["schemas"]
    verification = schemas["Verification"]
    assert {"alternatives", "provenance"} <= set(verification["required"])
    parameters = {p["name"]: p for p in doc["paths"]["/api/v1/verify"]["get"]["parameters"]}
    assert "dairy" in parameters["category"]["schema"]["enum"]
    schema = {**verification, "components": doc["components"]}
    for query in (
        f"code={FOREIGN}&category=dairy",
        f"code={TH_MILK}",
        f"code={FOREIGN}",
        "code=9780306406157",
    ):
        jsonschema.validate(client.get(f"/api/v1/verify?{query}").get_json(), schema)


def test_the_about_page_publishes_the_ranking_rule(client) -> None:
    response = client.get("/about?lang=en")
    check_page(response)
    page = response.get_data(as_text=True)
    assert 'id="facts"' in page and 'id="alternatives"' in page
    text = _text(page)
    assert "we show up to 5 trusted Vietnamese products of the same kind" in text
    assert "the number of certifications held now" in text
    assert "then products holding the Vietnam National Brand first" in text
    assert "then the product’s name, in alphabetical order" in text
    assert "We give no single “how Vietnamese” score" in text
