"""The label photo flow (issue 9): up to three photos, what was read shown as editable fields, a
re-check with corrected text that sends no photo again, and the ``label`` object of the API."""

from __future__ import annotations

import re

import pytest
from PIL import Image

from tests.support import openapi
from tests.support.factories import with_check_digit
from tests.support.forms import REFERER, csrf_token, multipart
from tests.support.labels import label_photo, to_jpeg_bytes, to_png_bytes
from tests.support.pages import check_page, text_of

VINAMILK_PRODUCT = "8934673000017"
HAO_HAO_PRODUCT = "8934563138165"
TH_PRODUCT = "8936024000127"
SWISS = with_check_digit("761234500001")

GENUINE = label_photo(
    "Vinamilk",
    [
        "Sữa tươi tiệt trùng 180 ml",
        "Sản xuất bởi: Công ty Cổ phần Sữa Việt Nam",
        "Xuất xứ: Việt Nam",
    ],
    code=VINAMILK_PRODUCT,
)
IMITATION = label_photo(
    "Hảo Hạo", ["Mì tôm chua cay 75 g", "Xuất xứ: Việt Nam"], code=HAO_HAO_PRODUCT
)
IMPORTED = label_photo(
    "Alpine Choco",
    ["Milk chocolate 100 g", "Made in Switzerland", "Best before: 12/2027"],
    code=SWISS,
)


def post_photos(client, *photos: bytes, lang: str = "en", **fields):
    body, content_type = multipart(
        {"csrf_token": csrf_token(client), **fields},
        [("photo", data, f"photo{i}.png") for i, data in enumerate(photos)],
    )
    return client.post(
        f"/verify/photo?lang={lang}", data=body, content_type=content_type, headers=REFERER
    )


def api_photos(client, *photos: bytes, **fields):
    body, content_type = multipart(
        fields, [("photo", data, f"photo{i}.png") for i, data in enumerate(photos)]
    )
    return client.post("/api/v1/verify?lang=en", data=body, content_type=content_type)


def recheck_fields(html: str) -> dict[str, str]:
    """The values of the verdict page's "is this what your label says?" form."""
    form = html.split('id="recheck-form"')[1].split("</form>")[0]
    return {name: value for name, value in re.findall(r'name="(\w+)"[^>]*?value="([^"]*)"', form)}


def test_a_genuine_label_photo_shows_what_was_read_and_a_trusted_verdict(
    client, sample_registry
) -> None:
    response = post_photos(client, to_png_bytes(GENUINE))
    assert response.status_code == 200
    check_page(response)
    html = response.get_data(as_text=True)
    assert 'data-level="TRUSTED"' in html
    said = text_of(response)
    assert "What we read on the label" in said
    assert "The brand on the label, Vinamilk, belongs to the owner of this number." in said
    assert (
        "The maker named on the label, “Công ty Cổ phần Sữa Việt Nam”, is Công ty Cổ phần Sữa "
        "Việt Nam, the owner of this number." in said
    )
    fields = recheck_fields(html)
    assert fields["code"] == VINAMILK_PRODUCT
    assert fields["brand"] == "Vinamilk"
    assert fields["maker"] == "Công ty Cổ phần Sữa Việt Nam"
    assert fields["origin"] == "Việt Nam"


def test_an_imitation_label_on_a_genuine_barcode_is_a_lookalike(client, sample_registry) -> None:
    response = post_photos(client, to_png_bytes(IMITATION))
    html = response.get_data(as_text=True)
    assert 'data-level="LOOKALIKE"' in html
    said = text_of(response)
    assert "“Hảo Hạo”" in said and "Hảo Hảo" in said
    assert 'data-source="label"' in html  # the reason says it rests on the photo
    assert "read on the label photo" in said
    # The one-tap report carries the number and the name as read.
    report = html.split('id="report-link" href="')[1].split('"')[0]
    assert "code=8934563138165" in report and "level=LOOKALIKE" in report


def test_the_shopper_corrects_the_brand_and_checks_again_without_the_photo(
    client, sample_registry
) -> None:
    fields = recheck_fields(post_photos(client, to_png_bytes(IMITATION)).get_data(as_text=True))
    fields["brand"] = "Hảo Hảo"  # "my pack says Hảo Hảo": the shopper's word now
    response = client.get("/verify", query_string={**fields, "lang": "en"})
    assert 'data-level="TRUSTED"' in response.get_data(as_text=True)
    assert "as you typed it" in text_of(response)


def test_imported_goods_without_a_vietnamese_sub_label_are_flagged(client) -> None:
    response = post_photos(client, to_png_bytes(IMPORTED))
    html = response.get_data(as_text=True)
    assert 'data-level="FOREIGN"' in html
    said = text_of(response)
    assert "We could not find a Vietnamese sub-label (nhãn phụ) on this photo." in said
    assert "Decree 43/2017" in said
    hinted = html.split('id="report-hinted" href="')[1].split('"')[0]
    assert "category=unlabelled" in hinted
    # The report form opens with that category chosen.
    form = client.get(hinted.replace("&amp;", "&"), follow_redirects=True).get_data(as_text=True)
    assert re.search(
        r'<input[^>]*checked[^>]*value="unlabelled"|value="unlabelled"[^>]*checked', form
    )


def test_a_photo_of_only_the_barcode_says_so(client, sample_registry) -> None:
    only_code = label_photo(None, [], code=VINAMILK_PRODUCT)
    said = text_of(post_photos(client, to_png_bytes(only_code)))
    assert "The photo shows the barcode but no label text we could read" in said
    assert "who is responsible for these goods" not in said


def test_three_photos_of_one_product_are_read_as_one_label(client, sample_registry) -> None:
    barcode_side = label_photo(None, [], code=VINAMILK_PRODUCT)
    front = label_photo("Vinamilk", ["Sữa tươi tiệt trùng 180 ml"])
    back = label_photo(None, ["Sản xuất bởi: Công ty Cổ phần Sữa Việt Nam", "Xuất xứ: Việt Nam"])
    response = post_photos(client, *(to_png_bytes(p) for p in (barcode_side, front, back)))
    html = response.get_data(as_text=True)
    assert 'data-level="TRUSTED"' in html
    fields = recheck_fields(html)
    assert (fields["brand"], fields["maker"], fields["origin"]) == (
        "Vinamilk",
        "Công ty Cổ phần Sữa Việt Nam",
        "Việt Nam",
    )


def test_photos_of_different_products_get_no_verdict_but_a_choice(client, sample_registry) -> None:
    first = label_photo(None, [], code=VINAMILK_PRODUCT)
    second = label_photo(None, [], code=TH_PRODUCT)
    response = post_photos(client, to_png_bytes(first), to_png_bytes(second))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    said = text_of(response)
    assert "The photos show different product numbers" in said
    assert "Trusted Vietnamese goods" not in said  # no verdict about either number
    choices = html.split('id="choices"')[1].split("</section>")[0]
    assert f"code={VINAMILK_PRODUCT}" in choices and f"code={TH_PRODUCT}" in choices


def test_more_than_three_photos_are_refused_before_reading(client) -> None:
    photo = to_png_bytes(label_photo(None, [], code=VINAMILK_PRODUCT))
    response = post_photos(client, photo, photo, photo, photo)
    assert response.status_code == 400
    assert "Up to 3 photos of one product" in text_of(response)


@pytest.mark.parametrize(
    ("image", "says"),
    [
        # No text at all, no barcode.
        (Image.new("RGB", (1200, 900), (200, 190, 180)), "No barcode was found in the photo"),
        # Text in another script only: nothing in it is a brand, a maker or a date.
        (
            label_photo(None, ["Молоко пастеризованное 3,2%", "Срок годности 10 суток"]),
            "No barcode was found in the photo",
        ),
        # A 12 MP photo of a plain wall.
        (Image.new("RGB", (4000, 3000), (120, 130, 140)), "No barcode was found in the photo"),
    ],
)
def test_photos_with_nothing_to_read_never_make_up_a_finding(client, image, says) -> None:
    response = post_photos(client, to_jpeg_bytes(image))
    assert response.status_code == 200
    said = text_of(response)
    assert says in said
    reasons = response.get_data(as_text=True).split('id="reasons"')[1].split("</ul>")[0]
    for finding in ("imitation", "expired", "match", "sub-label", "who is responsible"):
        assert finding not in reasons.lower()


def test_typed_label_claims_on_the_digits_path(client, sample_registry) -> None:
    response = client.get(
        "/verify",
        query_string={
            "code": TH_PRODUCT,
            "maker": "Công ty Cổ phần Sữa Việt Nam",
            "expires": "2020-01-31",
            "lang": "en",
        },
    )
    html = response.get_data(as_text=True)
    assert 'data-level="MISMATCH"' in html
    said = text_of(response)
    assert "Công ty Cổ phần Sữa Việt Nam as the maker, but this number is registered to" in said
    assert "expired on 31/01/2020" in said


def test_a_malformed_expiry_date_is_explained_and_changes_nothing(client) -> None:
    response = client.get(
        "/verify", query_string={"code": TH_PRODUCT, "expires": "31/02/2020", "lang": "en"}
    )
    assert response.status_code == 400
    check_page(response)
    said = text_of(response)
    assert "Something you typed needs correcting" in said
    assert "The expiry date must be a real date, e.g. 2027-03-12." in said
    api = client.get("/api/v1/verify", query_string={"code": TH_PRODUCT, "expires": "nope"})
    assert api.status_code == 400
    assert "expires" in api.get_json()["error"]["message"]


def test_the_api_returns_the_label_object_of_its_schema(client, sample_registry) -> None:
    response = api_photos(client, to_png_bytes(IMITATION))
    assert response.status_code == 200
    body = response.get_json()
    openapi.validate(client, body, "Verification")
    label = body["label"]
    assert label["brands"][0]["text"] == "Hảo Hạo"
    assert label["brands"][0]["match"] == "close"
    assert label["brands"][0]["registry_brand"] == "Hảo Hảo"
    assert label["brands"][0]["company_code"] == "ACV"
    assert label["origin"] == {"text": "Việt Nam", "country_code": "VN"}
    assert label["vietnamese_text"] is True
    assert label["ocr_ms"] > 0
    assert body["chosen"] == HAO_HAO_PRODUCT
    lookalike = next(r for r in body["reasons"] if r["code"] == "brand_lookalike")
    assert (lookalike["source"], lookalike["report_category"]) == ("label", "imitation")


def test_the_api_refuses_four_photos_and_reports_two_numbers(client, sample_registry) -> None:
    photo = to_png_bytes(label_photo(None, [], code=VINAMILK_PRODUCT))
    assert api_photos(client, photo, photo, photo, photo).status_code == 400
    other = to_png_bytes(label_photo(None, [], code=TH_PRODUCT))
    body = api_photos(client, photo, other).get_json()
    assert sorted(body["choices"]) == sorted([VINAMILK_PRODUCT, TH_PRODUCT])
    assert body["chosen"] is None


def test_a_12_mp_photo_of_a_label_is_read_like_a_small_one(client, sample_registry) -> None:
    big = Image.new("RGB", (4000, 3000), (90, 110, 95))
    big.paste(GENUINE.resize((2400, 1800)), (800, 600))
    response = post_photos(client, to_jpeg_bytes(big, quality=90))
    assert 'data-level="TRUSTED"' in response.get_data(as_text=True)
    assert recheck_fields(response.get_data(as_text=True))["brand"] == "Vinamilk"


def test_an_imitation_label_with_no_barcode_is_still_called_a_lookalike(
    client, sample_registry
) -> None:
    no_code = label_photo("Hảo Hạo", ["Mì tôm chua cay 75 g", "Xuất xứ: Việt Nam"])
    response = post_photos(client, to_png_bytes(no_code))
    html = response.get_data(as_text=True)
    assert 'data-level="LOOKALIKE"' in html
    said = text_of(response)
    assert "No barcode was found in the photo" in said and "“Hảo Hạo”" in said


def test_every_report_a_reason_suggests_is_a_complaint_category() -> None:
    # The verdict core cannot import the complaints core: the two vocabularies must agree here.
    from barcode_db.verdict import ReportHint
    from complaints.workflow import Category

    assert {hint.value for hint in ReportHint} <= {category.value for category in Category}


def test_a_green_verdict_with_an_expired_pack_says_so_at_the_top(client, sample_registry) -> None:
    response = client.get(
        "/verify", query_string={"code": VINAMILK_PRODUCT, "expires": "2025-09-12", "lang": "en"}
    )
    html = response.get_data(as_text=True)
    assert 'data-level="TRUSTED"' in html
    alarm = html.split('id="verdict-alarm"')[1].split("</p>")[0]
    assert "expired on 12/09/2025" in alarm
    # A pack in date gets no such line.
    fine = client.get("/verify", query_string={"code": VINAMILK_PRODUCT, "expires": "2030-01-01"})
    assert 'id="verdict-alarm"' not in fine.get_data(as_text=True)


def test_three_large_photos_in_one_check_are_read(client, sample_registry) -> None:
    # Three phone photos of a few MB each: more than 10 MB together, each under the limit.
    import numpy as np

    noise = np.random.default_rng(3).integers(0, 255, (1500, 2000, 3), dtype=np.uint8)
    heavy = to_jpeg_bytes(Image.fromarray(noise), quality=95)
    assert 3 * len(heavy) > 10 * 1024 * 1024 > len(heavy)
    response = api_photos(client, heavy, heavy, to_png_bytes(GENUINE))
    assert response.status_code == 200
    assert response.get_json()["chosen"] == VINAMILK_PRODUCT


def test_a_brand_read_unsure_is_a_hint_to_type_never_a_prefilled_value(
    client, sample_registry
) -> None:
    # Bold "ll" is where Tesseract wavers ("Vinamllk" read "Vinamilk", "Vinamillk"...).
    wavering = label_photo(
        "Vinamllk",
        [
            "Sữa tươi tiệt trùng 180 ml",
            "Sản xuất bởi: Công ty Cổ phần Sữa Việt Nam",
            "Xuất xứ: Việt Nam",
            "NSX: 12/03/2025  HSD: 12/09/2025",
        ],
        code=VINAMILK_PRODUCT,
    )
    response = post_photos(client, to_jpeg_bytes(wavering))
    html = response.get_data(as_text=True)
    assert 'data-code="brand_unsure"' in html
    assert "not sure we read it right" in text_of(response)
    form = html.split('id="recheck-form"')[1].split("</form>")[0]
    brand_input = form.split('id="recheck-brand"')[1].split(">")[0]
    assert 'value=""' in brand_input  # sent back unchanged, it says nothing
    assert "Type what your label says" in brand_input
