"""One barcode, one answer (issue 10): what a shopper and an API client are told when a photo
shows two products, or one barcode read two different ways."""

from __future__ import annotations

import pytest

from barcode_db import decode
from barcode_db.gtin import parse_code
from tests.support import openapi
from tests.support.engines import placed, scripted
from tests.support.forms import REFERER, csrf_token, multipart
from tests.support.labels import label_photo, render_scene, to_png_bytes
from tests.support.pages import text_of

VINAMILK_PRODUCT = "8934673000017"
TH_PRODUCT = "8936024000127"
#: A misread of the Vinamilk code: right half right, left half wrong, check digit valid.
MISREAD = "8914873000017"
BARS = (300, 500, 700, 560)
LOWER = (310, 530, 690, 540)  # among the scanlines of BARS: the same bars


def post_photos(client, *photos: bytes, lang: str = "en"):
    body, content_type = multipart(
        {"csrf_token": csrf_token(client)},
        [("photo", data, f"photo{i}.png") for i, data in enumerate(photos)],
    )
    return client.post(
        f"/verify/photo?lang={lang}", data=body, content_type=content_type, headers=REFERER
    )


def api_photos(client, *photos: bytes):
    body, content_type = multipart(
        {}, [("photo", data, f"photo{i}.png") for i, data in enumerate(photos)]
    )
    response = client.post("/api/v1/verify?lang=en", data=body, content_type=content_type)
    assert response.status_code == 200
    openapi.validate(client, response.get_json(), "Verification")
    return response.get_json()


def read_two_ways(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each engine reads its own number on the same bars, on every pass."""
    script = {}
    for n in range(40):
        script[("zxing-cpp", n)] = [placed("EAN13", VINAMILK_PRODUCT, BARS)]
        script[("zbar", n)] = [placed("EAN13", MISREAD, LOWER)]
    scripted(monkeypatch, script)


def test_the_mock_misread_is_a_valid_number() -> None:
    assert parse_code(MISREAD).valid and MISREAD[7:] == VINAMILK_PRODUCT[7:]


def test_one_barcode_read_two_ways_gives_no_verdict(
    client, sample_registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    read_two_ways(monkeypatch)
    photo = to_png_bytes(label_photo(None, [], code=VINAMILK_PRODUCT))
    response = post_photos(client, photo)
    assert response.status_code == 200
    said = text_of(response)
    html = response.get_data(as_text=True)
    assert "The barcode is not clear enough" in said
    assert "We read the same barcode two different ways" in said
    assert "Trusted Vietnamese goods" not in said  # no verdict about either number
    assert 'id="verdict-gtin"' not in html
    choices = html.split('id="choices"')[1].split("</section>")[0]
    assert "Which number is printed under the bars?" in choices
    assert f"code={VINAMILK_PRODUCT}" in choices and f"code={MISREAD}" in choices

    vietnamese = text_of(post_photos(client, photo, lang="vi"))
    assert "Chúng tôi đọc cùng một mã vạch thành hai số khác nhau" in vietnamese


def test_the_api_says_why_there_is_no_chosen_number(
    client, sample_registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    read_two_ways(monkeypatch)
    body = api_photos(client, to_png_bytes(label_photo(None, [], code=VINAMILK_PRODUCT)))
    assert body["chosen"] is None
    assert body["chosen_reason"] == "unclear"
    assert [sorted(u) for u in body["unclear"]] == [sorted([VINAMILK_PRODUCT, MISREAD])]
    assert sorted(body["choices"]) == sorted([VINAMILK_PRODUCT, MISREAD])
    assert body["level"] == "UNKNOWN"
    assert body["reasons"][0]["code"] == "code_unclear"


def test_another_photo_reading_one_of_the_two_settles_it(
    client, sample_registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The first photo's barcode is read two ways; the second photo reads it once, clearly.
    script = {}
    for n in range(8):
        script[("zxing-cpp", n)] = [placed("EAN13", VINAMILK_PRODUCT, BARS)]
        script[("zbar", n)] = [placed("EAN13", MISREAD, LOWER)]
    scripted(monkeypatch, script)
    calls = {"n": 0}
    real = decode.read_barcodes

    def per_photo(image, *, work_budget):
        calls["n"] += 1
        if calls["n"] == 2:
            return decode.BarcodeReading(
                (decode.DecodedCode("EAN13", VINAMILK_PRODUCT, "zbar", "original", votes=2),)
            )
        return real(image, work_budget=work_budget)

    monkeypatch.setattr("app.verification.read_barcodes", per_photo)
    photo = to_png_bytes(label_photo(None, [], code=VINAMILK_PRODUCT))
    body = api_photos(client, photo, photo)
    assert body["chosen"] == VINAMILK_PRODUCT
    assert body["chosen_reason"] == "one_number"
    assert body["unclear"] == []


def test_two_products_in_one_photo_are_both_shown_and_the_shopper_chooses(
    client, sample_registry
) -> None:
    photo = to_png_bytes(render_scene([(VINAMILK_PRODUCT, "ean13"), (TH_PRODUCT, "ean13")], seed=6))
    body = api_photos(client, photo)
    assert sorted(d["text"] for d in body["decoded"]) == sorted([VINAMILK_PRODUCT, TH_PRODUCT])
    assert all(d["box"] is not None for d in body["decoded"])
    assert body["chosen"] is None and body["chosen_reason"] == "several_numbers"
    assert sorted(body["choices"]) == sorted([VINAMILK_PRODUCT, TH_PRODUCT])

    said = text_of(post_photos(client, photo))
    assert "different product numbers" in said
    assert "Trusted Vietnamese goods" not in said
    # One photo: it is not "the photos" that differ, and a closer photo is not the advice.
    assert "Several products in one photo" in said
    assert "This photo shows different product numbers" in said
    assert "photograph one product at a time" in said
    assert "Try a closer, sharper photo" not in said


def test_one_number_is_chosen_and_says_so(client, sample_registry) -> None:
    body = api_photos(client, to_png_bytes(label_photo(None, [], code=VINAMILK_PRODUCT)))
    assert body["chosen"] == VINAMILK_PRODUCT and body["chosen_reason"] == "one_number"
    assert body["decoded"][0]["votes"] >= 2


def test_a_typed_code_has_no_chosen_reason(client, sample_registry) -> None:
    body = client.get(f"/api/v1/verify?code={VINAMILK_PRODUCT}").get_json()
    assert body["chosen"] is None and body["chosen_reason"] is None
