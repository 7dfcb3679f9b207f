"""The shopper's scan and verdict pages, through HTTP."""

from __future__ import annotations

import io

import pytest

from tests.support.factories import with_check_digit
from tests.support.labels import render_label, to_jpeg_bytes
from tests.support.pages import check_page, text_of

VINAMILK_PRODUCT = "8934673000017"  # in the sample registry
TH_PRODUCT = "8936024000127"


def test_scan_page_offers_camera_photo_and_digits(client) -> None:
    response = client.get("/")
    assert response.status_code == 200
    check_page(response)
    html = response.get_data(as_text=True)
    assert 'accept="image/*"' in html and 'capture="environment"' in html
    assert 'name="code"' in html and 'inputmode="numeric"' in html
    assert 'id="camera-section" hidden' in html  # revealed by JavaScript only where it works


def test_scan_page_is_vietnamese_first(client) -> None:
    response = client.get("/")
    page = check_page(response)
    assert page.html_lang == "vi"
    assert "Kiểm tra sản phẩm" in text_of(response)


def test_english_switch_is_remembered(client) -> None:
    response = client.get("/lang/en?next=/brands")
    assert response.status_code == 302
    assert response.headers["Location"] == "/brands"
    page = check_page(client.get("/"))
    assert page.html_lang == "en"


def test_language_switch_is_not_an_open_redirect(client) -> None:
    response = client.get("/lang/en?next=//evil.example/")
    assert response.headers["Location"] == "/"


def test_trusted_verdict_shows_owner_and_caveat(client, sample_registry) -> None:
    response = client.get(f"/verify?code={VINAMILK_PRODUCT}&lang=en")
    assert response.status_code == 200
    check_page(response)
    text = text_of(response)
    assert "Trusted Vietnamese goods" in text
    assert "Công ty Cổ phần Sữa Việt Nam" in text
    assert "not where the goods were made" in text
    assert "Sample data" in text  # the sample registry says what it is


def test_verdict_in_vietnamese(client, sample_registry) -> None:
    text = text_of(client.get(f"/verify?code={VINAMILK_PRODUCT}"))
    assert "Hàng Việt tin cậy" in text
    assert "GS1 Việt Nam" in text


def test_mismatch_from_typed_brand(client, sample_registry) -> None:
    response = client.get(f"/verify?code={TH_PRODUCT}&brand=Vinamilk&lang=en")
    text = text_of(response)
    assert 'data-level="MISMATCH"' in response.get_data(as_text=True)
    assert "a trusted brand of Công ty Cổ phần Sữa Việt Nam" in text
    assert "cannot prove" in text


@pytest.mark.parametrize(
    ("code", "says"),
    [
        ("8934673000014", "The last digit (the check digit) should be 7, not 4."),
        ("89346730000", "A barcode number has 8, 12, 13 or 14 digits; 11 given."),
        ("89346730x0017", "these characters do not belong: “x”"),
    ],
)
def test_malformed_numbers_are_explained(client, code, says) -> None:
    response = client.get(f"/verify?code={code}&lang=en")
    assert response.status_code == 200
    assert says in text_of(response)
    assert "Invalid barcode number" in text_of(response)


def test_upc_a_starting_893_is_not_vietnamese(client) -> None:
    text = text_of(client.get("/verify?code=893869000423&lang=en"))
    assert "licensed by GS1 United States" in text
    assert "Barcode licensed abroad" in text


def _post_photo(client, data: bytes, filename: str = "label.jpg", **fields):
    token_page = client.get("/")
    html = token_page.get_data(as_text=True)
    token = html.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    # The test client speaks https (PREFERRED_URL_SCHEME), where Flask-WTF also wants a
    # same-site Referer, as a browser sends.
    return client.post(
        "/verify/photo?lang=en",
        data={
            "csrf_token": token,
            "photo": (io.BytesIO(data), filename),
            **fields,
        },
        content_type="multipart/form-data",
        headers={"Referer": "https://localhost/"},
    )


def test_photo_of_a_label_gives_a_verdict(client, sample_registry) -> None:
    photo = to_jpeg_bytes(render_label(VINAMILK_PRODUCT), quality=85)
    response = _post_photo(client, photo)
    assert response.status_code == 200
    text = text_of(response)
    assert "Trusted Vietnamese goods" in text
    assert VINAMILK_PRODUCT in text


def test_photo_without_barcode_says_what_to_do(client) -> None:
    from PIL import Image

    blank = Image.new("RGB", (800, 600), (200, 190, 180))
    response = _post_photo(client, to_jpeg_bytes(blank))
    assert response.status_code == 200
    text = text_of(response)
    assert "No barcode was found in the photo" in text
    assert "type the digits" in text


@pytest.mark.parametrize(
    ("data", "filename", "status", "says"),
    [
        (b"hello, this is text", "note.txt", 400, "not an image"),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 100, "zeros.jpg", 400, "not an image"),
        (to_jpeg_bytes(render_label("8934673000017"))[:3000], "cut.jpg", 400, "damaged"),
    ],
)
def test_bad_uploads_are_refused_with_a_reason(client, data, filename, status, says) -> None:
    response = _post_photo(client, data, filename)
    assert response.status_code == status
    check_page(response)
    assert says in text_of(response).lower()


def test_oversized_upload_is_413(client) -> None:
    # The body is built by hand: the test client would spool it to a temporary file that the
    # app, refusing it unread, never closes.
    body = (
        b'--b\r\nContent-Disposition: form-data; name="photo"; filename="big.jpg"\r\n'
        b"Content-Type: image/jpeg\r\n\r\n"
        + b"\xff\xd8"
        + b"\x00" * (31 * 1024 * 1024)  # more than three photos of 10 MB: refused unread
        + b"\r\n--b--\r\n"
    )
    response = client.post(
        "/verify/photo?lang=en", data=body, content_type="multipart/form-data; boundary=b"
    )
    assert response.status_code == 413
    assert "10 MB" in text_of(response)


def test_one_photo_over_10_mb_among_three_is_413(client) -> None:
    from tests.support.forms import REFERER, csrf_token, multipart

    small = to_jpeg_bytes(render_label("8934673000017"))
    big = b"\xff\xd8" + b"\x00" * (11 * 1024 * 1024)
    body, content_type = multipart(
        {"csrf_token": csrf_token(client)},
        [("photo", small, "a.jpg"), ("photo", big, "b.jpg"), ("photo", small, "c.jpg")],
    )
    response = client.post(
        "/verify/photo?lang=en", data=body, content_type=content_type, headers=REFERER
    )
    assert response.status_code == 413
    assert "10 MB" in text_of(response)


def test_forged_photo_post_without_csrf_is_refused(client) -> None:
    photo = to_jpeg_bytes(render_label(VINAMILK_PRODUCT))
    response = client.post(
        "/verify/photo?lang=en",
        data={"photo": (io.BytesIO(photo), "a.jpg")},
        content_type="multipart/form-data",
        headers={"Referer": "https://localhost/"},
    )
    assert response.status_code == 400
    assert "did not come from this site" in text_of(response)


def test_valid_digits_with_different_check_digit_still_valid(client) -> None:
    code = with_check_digit("893999912345")
    text = text_of(client.get(f"/verify?code={code}&lang=en"))
    assert "Vietnamese barcode" in text
    assert "not in our registry of trusted brands" in text


def test_brand_directory_searches_without_diacritics(client, sample_registry) -> None:
    response = client.get("/brands?q=trung+nguyen&lang=en")
    check_page(response)
    text = text_of(response)
    assert "Công ty Cổ phần Tập đoàn Trung Nguyên" in text
    assert "Công ty Cổ phần Sữa Việt Nam" not in text
    assert "Sample data" in text


def test_brand_directory_filters_by_province(client, sample_registry) -> None:
    text = text_of(client.get("/brands?province=19&lang=en"))
    assert "Hợp tác xã Chè Tân Cương" in text
    assert "1 company" in text


def test_company_page_lists_prefixes_and_certifications(client, sample_registry) -> None:
    response = client.get("/brands/HTX-TC?lang=en")
    check_page(response)
    text = text_of(response)
    assert "89390010" in text
    assert "OCOP" in text and "4 ★" in text


def test_unknown_company_is_404(client) -> None:
    response = client.get("/brands/NOPE")
    assert response.status_code == 404
    check_page(response)


def test_security_headers(client) -> None:
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self' 'nonce-" in csp
    assert "object-src 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "camera=(self)" in response.headers["Permissions-Policy"]


def test_twelve_digits_starting_893_are_hinted_on_the_verdict_page(client, db_session) -> None:
    response = client.get("/verify?code=893467300017")
    assert response.status_code == 200
    text = text_of(response)
    assert "vốn có 13 chữ số" in text and "hãy kiểm tra lại và nhập lại mã" in text


def test_the_site_has_an_icon(client) -> None:
    """Browsers ask for /favicon.ico on every first visit; pages name a PNG icon too."""
    import re

    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response.data[:4] == b"\x00\x00\x01\x00"  # ICO
    html = client.get("/").get_data(as_text=True)
    for href in re.findall(r'<link rel="(?:icon|apple-touch-icon)"[^>]*href="([^"]+)"', html):
        icon = client.get(href)
        assert icon.status_code == 200 and icon.data[:8] == b"\x89PNG\r\n\x1a\n", href
