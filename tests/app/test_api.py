"""The JSON API and its OpenAPI document."""

from __future__ import annotations

import io

import jsonschema
import pytest

from tests.support.labels import render_label, to_jpeg_bytes

VINAMILK_PRODUCT = "8934673000017"


def test_verify_get_answers_the_documented_shape(client, sample_registry) -> None:
    body = client.get(f"/api/v1/verify?code={VINAMILK_PRODUCT}&lang=en").get_json()
    assert body["input"] == VINAMILK_PRODUCT
    assert body["gtin"] == VINAMILK_PRODUCT
    assert body["valid"] is True
    assert body["level"] == "TRUSTED"
    assert body["gs1"] == {
        "prefix": "893",
        "organisation": "GS1 Vietnam",
        "description": "GS1 Vietnam",
        "country_code": "VN",
        "country_name": "Vietnam",
        "kind": "country",
    }
    assert body["company"]["code"] == "VNM"
    assert body["company"]["sample_data"] is True
    assert {c["programme"] for c in body["certifications"]} == {"hvnclc", "national_brand"}
    assert all({"code", "message", "tone"} <= set(r) for r in body["reasons"])
    assert body["decoded"] == []


def test_messages_follow_lang(client, sample_registry) -> None:
    vi = client.get(f"/api/v1/verify?code={VINAMILK_PRODUCT}").get_json()
    en = client.get(f"/api/v1/verify?code={VINAMILK_PRODUCT}&lang=en").get_json()
    assert vi["gs1"]["country_name"] == "Việt Nam"
    assert en["gs1"]["country_name"] == "Vietnam"
    caveat_vi = next(r["message"] for r in vi["reasons"] if r["code"] == "prefix_caveat")
    caveat_en = next(r["message"] for r in en["reasons"] if r["code"] == "prefix_caveat")
    assert caveat_en.startswith("A barcode prefix tells")
    assert caveat_vi != caveat_en


def test_malformed_number_is_200_with_valid_false(client) -> None:
    response = client.get("/api/v1/verify?code=8934673000014&lang=en")
    assert response.status_code == 200
    body = response.get_json()
    assert body["valid"] is False
    assert body["level"] == "INVALID"
    assert body["reasons"][0] == {
        "code": "check_digit",
        "tone": "bad",
        "source": "barcode",
        "report_category": None,
        "message": "The last digit (the check digit) should be 7, not 4.",
    }


@pytest.mark.parametrize("url", ["/api/v1/verify", "/api/v1/verify?lang=en"])
def test_no_code_is_a_json_400(client, url) -> None:
    response = client.get(url)
    assert response.status_code == 400
    assert "code" in response.get_json()["error"]["message"]


def test_country_code_is_null_for_non_country_ranges(client) -> None:
    body = client.get("/api/v1/verify?code=9780306406157").get_json()
    assert body["level"] == "NOT_A_PRODUCT_ID"
    assert body["gs1"]["country_code"] is None
    assert body["gs1"]["kind"] == "isbn"


def test_photo_post(client, sample_registry) -> None:
    photo = to_jpeg_bytes(render_label(VINAMILK_PRODUCT))
    response = client.post(
        "/api/v1/verify?lang=en",
        data={"photo": (io.BytesIO(photo), "l.jpg")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    body = response.get_json()
    assert body["level"] == "TRUSTED"
    assert body["decoded"][0]["text"] == VINAMILK_PRODUCT
    assert body["decoded"][0]["engine"] in ("zxing-cpp", "zbar")
    assert body["decoded"][0]["pass"]
    assert 0 < body["decode_ms"] < 5000


def test_photo_post_not_an_image_is_422(client) -> None:
    response = client.post(
        "/api/v1/verify?lang=en",
        data={"photo": (io.BytesIO(b"%PDF-1.4 not a photo"), "x.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert response.get_json()["error"]["status"] == 422


def test_post_without_photo_or_code_is_400(client) -> None:
    response = client.post("/api/v1/verify", data={}, content_type="multipart/form-data")
    assert response.status_code == 400
    assert response.is_json


def test_unknown_api_path_is_json_404(client) -> None:
    response = client.get("/api/v1/nothing")
    assert response.status_code == 404
    assert response.get_json()["error"]["status"] == 404


def test_openapi_document_describes_verify(client) -> None:
    doc = client.get("/api/openapi.json").get_json()
    assert doc["openapi"].startswith("3.1")
    assert set(doc["paths"]["/api/v1/verify"]) == {"get", "post"}
    schema = doc["components"]["schemas"]["Verification"]
    assert {
        "input",
        "gtin",
        "valid",
        "level",
        "reasons",
        "gs1",
        "company",
        "brand",
        "certifications",
        "decoded",
    } <= set(schema["required"])
    assert "MISMATCH" in schema["properties"]["level"]["enum"]


def test_api_responses_match_the_schema(client, sample_registry) -> None:
    doc = client.get("/api/openapi.json").get_json()
    schema = {**doc["components"]["schemas"]["Verification"], "components": doc["components"]}
    for code in [VINAMILK_PRODUCT, "8934673000014", "9780306406157", "hello", ""]:
        body = client.get(f"/api/v1/verify?code={code}").get_json()
        jsonschema.validate(body, schema)
