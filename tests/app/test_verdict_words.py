"""The verdict page and the API say a GS1 prefix in the reader's words (issue 13, item 6): no GS1
English shown raw, a GS1 Global Office GTIN-8 not called "licensed abroad" (the page and the API
agree), and the caveat that a prefix is no origin once, only where it applies."""

from __future__ import annotations

import pytest

from tests.support.factories import with_check_digit
from tests.support.pages import check_page, text_of

VINAMILK_PRODUCT = "8934673000017"
GLOBAL_OFFICE_GTIN8 = "96385074"
IN_STORE = "2001234567893"
BOOK = "9780306406157"

#: The caveat, as each language says it (reasons and facts together).
CAVEAT = {
    "en": "not where the goods were made",
    "vi": "không cho biết hàng được sản xuất ở đâu",
}
#: GS1's own English for the ranges, which a reader never sees.
GS1_ENGLISH = ("Restricted Circulation", "MO defined", "Global Office - GTIN-8", "Bookland")


def page(client, code: str, lang: str):
    response = client.get(f"/verify?code={code}&lang={lang}")
    assert response.status_code == 200
    check_page(response)
    return response


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_caveat_is_said_once_on_a_vietnamese_verdict(client, sample_registry, lang) -> None:
    assert text_of(page(client, VINAMILK_PRODUCT, lang)).count(CAVEAT[lang]) == 1


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("code", [IN_STORE, BOOK, GLOBAL_OFFICE_GTIN8])
def test_no_caveat_where_the_prefix_names_no_country(client, db_session, code, lang) -> None:
    text = text_of(page(client, code, lang))
    assert CAVEAT[lang] not in text
    for english in GS1_ENGLISH:
        assert english not in text


@pytest.mark.parametrize(
    ("lang", "says"),
    [
        (
            "vi",
            "Mã dùng nội bộ trong cửa hàng hoặc doanh nghiệp (lưu hành hạn chế), không phải mã "
            "sản phẩm",
        ),
        (
            "en",
            "Numbers for use inside a shop or a company (restricted circulation), not product numbers",
        ),
    ],
)
def test_an_in_store_number_is_described_in_the_readers_language(
    client, db_session, lang, says
) -> None:
    response = page(client, IN_STORE, lang)
    html = response.get_data(as_text=True)
    assert 'data-level="NOT_A_PRODUCT_ID"' in html
    fact = html.split('id="fact-prefix">')[1].split("</dd>")[0]
    assert fact == f"200-299 · {says}"


@pytest.mark.parametrize(
    ("lang", "abroad", "fact"),
    [
        ("vi", "cấp ở nước ngoài", "GS1 Quốc tế (GS1 Global Office)"),
        ("en", "licensed abroad", "GS1 Global Office (no country)"),
    ],
)
def test_a_global_office_gtin8_is_not_called_licensed_abroad(
    client, db_session, lang, abroad, fact
) -> None:
    response = page(client, GLOBAL_OFFICE_GTIN8, lang)
    html = response.get_data(as_text=True)
    assert 'data-level="NO_COUNTRY"' in html
    text = text_of(response)
    assert abroad not in text.lower()
    assert fact in text
    api = client.get(f"/api/v1/verify?code={GLOBAL_OFFICE_GTIN8}&lang={lang}").get_json()
    # One rule, in the core: the API says what the page says.
    assert api["level"] == "NO_COUNTRY"
    assert api["title"] in text
    assert api["gs1"]["description"] in text
    assert api["gs1"]["country_code"] is None


def test_a_foreign_organisation_is_named_by_its_country(client, db_session) -> None:
    text = text_of(page(client, with_check_digit("400638133393"), "vi"))
    assert "Mã số do GS1 Đức cấp." in text
    assert "GS1 Germany" not in text


def test_the_photo_verdict_names_the_kind_of_barcode_not_the_decoder(
    client, sample_registry
) -> None:
    from tests.support.labels import render_label, to_jpeg_bytes

    from .test_verify_pages import _post_photo

    response = _post_photo(client, to_jpeg_bytes(render_label(VINAMILK_PRODUCT), quality=85))
    html = response.get_data(as_text=True)
    read = html.split('class="decoded">')[1].split("</ul>")[0]
    assert "EAN-13" in read
    assert "zbar" not in read and "zxing" not in read
