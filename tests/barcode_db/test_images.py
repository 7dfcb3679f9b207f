"""Behaviour of barcode_db.images.load_image: what it accepts, what it refuses and how."""

from __future__ import annotations

import io
import struct
import time
import zlib
from functools import cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import ExifTags, Image, ImageFile

from barcode_db.images import ALLOWED_FORMATS, ImageRejected, load_image
from barcode_db.messages import Message
from tests.support.labels import render_label, to_jpeg_bytes, with_check_digit

EAN13 = with_check_digit("893467300001")

# --- helpers --------------------------------------------------------------------------------------


def encode(image: Image.Image, fmt: str, **params: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **params)
    return out.getvalue()


def png_chunk(kind: bytes, payload: bytes) -> bytes:
    return (
        struct.pack(">I", len(payload))
        + kind
        + payload
        + struct.pack(">I", zlib.crc32(kind + payload))
    )


def png_claiming(width: int, height: int) -> bytes:
    """A well-formed PNG header (valid IHDR, CRCs) claiming ``width``×``height`` 8-bit gray
    pixels, with a tiny IDAT: a decompression bomb's calling card, a few dozen bytes long."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", ihdr)
        + png_chunk(b"IDAT", zlib.compress(b"\x00" * 1024))
        + png_chunk(b"IEND", b"")
    )


@cache
def small_photo() -> Image.Image:
    return render_label(EAN13, size=(320, 240), scale=0.3, seed=1)


@cache
def sample_files() -> dict[str, bytes]:
    """The same small photo in every allowed format."""
    photo = small_photo()
    return {
        "JPEG": encode(photo, "JPEG", quality=80),
        "PNG": encode(photo, "PNG"),
        "WEBP": encode(photo, "WEBP", quality=80),
        "GIF": encode(photo.convert("P"), "GIF"),
        "BMP": encode(photo, "BMP"),
        "TIFF": encode(photo, "TIFF"),
    }


def rejection(data: bytes, **limits: int) -> ImageRejected:
    with pytest.raises(ImageRejected) as caught:
        load_image(data, **limits)
    return caught.value


# --- accepted -------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ALLOWED_FORMATS)
def test_allowed_formats_load_as_rgb_or_l(fmt: str) -> None:
    image = load_image(sample_files()[fmt])
    assert image.size == (320, 240)
    assert image.mode in ("RGB", "L")
    image.tobytes()  # fully decoded, usable after the bytes are gone


def test_multi_picture_jpeg_from_a_phone_is_accepted() -> None:
    # Many phones save MPO: a JPEG followed by more pictures. Pillow opens it through JPEG.
    first, second = Image.new("RGB", (64, 48), "red"), Image.new("RGB", (64, 48), "blue")
    data = encode(first, "MPO", save_all=True, append_images=[second])
    assert Image.open(io.BytesIO(data)).format == "MPO"
    image = load_image(data)
    assert image.size == (64, 48)
    assert image.getpixel((1, 1))[0] > 240


@pytest.mark.parametrize(
    ("mode", "colour"),
    [("L", 128), ("1", 1), ("I;16", 40000), ("CMYK", (0, 0, 0, 0)), ("P", 5)],
)
def test_other_modes_come_back_as_rgb_or_l(mode: str, colour: object) -> None:
    fmt = "JPEG" if mode == "CMYK" else "TIFF" if mode == "I;16" else "PNG"
    image = load_image(encode(Image.new(mode, (40, 30), colour), fmt))
    assert image.mode in ("RGB", "L")
    assert image.size == (40, 30)


def test_sixteen_bit_gray_is_scaled_not_clipped() -> None:
    image = load_image(encode(Image.new("I;16", (8, 8), 0x8000), "PNG"))
    assert image.mode == "L"
    assert 120 <= image.getpixel((0, 0)) <= 136  # half of 65535 is half of 255


def test_transparent_background_becomes_white_not_black() -> None:
    # Black bars on a transparent background: the way barcode PNGs are often exported.
    drawing = Image.new("RGBA", (60, 40), (0, 0, 0, 0))
    drawing.paste((0, 0, 0, 255), (10, 0, 20, 40))
    image = load_image(encode(drawing, "PNG"))
    assert image.mode == "RGB"
    assert image.getpixel((0, 0)) == (255, 255, 255)
    assert image.getpixel((15, 20)) == (0, 0, 0)


def test_exif_orientation_is_applied() -> None:
    # An upright 400×300 picture with a red block in its top-left corner, stored the way a phone
    # held sideways stores it: pixels turned 90° counter-clockwise, EXIF Orientation 6 ("rotate
    # 90° clockwise to display").
    upright = Image.new("RGB", (400, 300), (255, 255, 255))
    upright.paste((255, 0, 0), (0, 0, 80, 60))
    stored = to_jpeg_bytes(upright.transpose(Image.Transpose.ROTATE_90), orientation=6)
    assert Image.open(io.BytesIO(stored)).size == (300, 400)

    image = load_image(stored)

    assert image.size == (400, 300)
    r, g, b = image.getpixel((20, 20))
    assert r > 200 and g < 60 and b < 60  # the red block is back in the top-left corner
    assert image.getpixel((380, 280)) == pytest.approx((255, 255, 255), abs=8)
    assert image.getexif().get(ExifTags.Base.Orientation, 1) == 1


def test_photo_with_gps_exif_loads() -> None:
    data = to_jpeg_bytes(small_photo(), exif_gps=True)
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(ExifTags.IFD.GPSInfo)  # helper works
    assert load_image(data).size == (320, 240)


def test_limits_are_parameters() -> None:
    data = sample_files()["PNG"]
    assert load_image(data, max_bytes=len(data), max_pixels=320 * 240).size == (320, 240)
    assert rejection(data, max_bytes=len(data) - 1).code == "too_large"
    assert rejection(data, max_pixels=320 * 240 - 1).code == "too_many_pixels"


# --- refused --------------------------------------------------------------------------------------


def _ico() -> bytes:
    return encode(Image.new("RGB", (32, 32), (200, 0, 0)), "ICO")


def _truncated_jpeg() -> bytes:
    data = sample_files()["JPEG"]
    return data[: len(data) // 2]


def _truncated_png() -> bytes:
    data = sample_files()["PNG"]
    return data[: len(data) * 2 // 3]


REFUSALS = [
    # (label, bytes, code, params)
    ("over 10 MB", lambda: b"\xff\xd8\xff" + b"\0" * (10 << 20), "too_large", {"limit": 10}),
    ("empty", lambda: b"", "not_an_image", {}),
    ("text file", lambda: "Nước mắm Phú Quốc\n".encode() * 50, "not_an_image", {}),
    ("html", lambda: b"<!doctype html><html><body>hi</body></html>", "not_an_image", {}),
    ("truncated JPEG", _truncated_jpeg, "broken_image", {}),
    ("truncated PNG", _truncated_png, "broken_image", {}),
    ("PNG with bad CRC", lambda: png_claiming(9, 9).replace(b"IEND", b"IENX"), "broken_image", {}),
    ("ICO", _ico, "format_not_allowed", {"format": "ICO"}),
    ("PDF", lambda: b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n", "format_not_allowed", {"format": "PDF"}),
    ("HEIC", lambda: b"\0\0\0\x18ftypheic\0\0\0\0mif1heic" + b"\0" * 64, "format_not_allowed",
     {"format": "HEIC"}),
    ("SVG", lambda: b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>',
     "format_not_allowed", {"format": "SVG"}),
    # 7000×7000 = 49 Mpx: over our limit, under Pillow's bomb threshold (our check answers).
    ("49 Mpx PNG header", lambda: png_claiming(7000, 7000), "too_many_pixels", {"limit": 40}),
    # 10000×10000: over Pillow's warning threshold (an error under pytest's filter).
    ("100 Mpx PNG header", lambda: png_claiming(10_000, 10_000), "too_many_pixels", {"limit": 40}),
    # 100000×100000: Pillow raises DecompressionBombError itself.
    ("10 Gpx PNG header", lambda: png_claiming(100_000, 100_000), "too_many_pixels", {"limit": 40}),
]  # fmt: skip


@pytest.mark.parametrize(
    ("make", "code", "params"),
    [pytest.param(make, code, params, id=label) for label, make, code, params in REFUSALS],
)
def test_refusals(make, code: str, params: dict[str, object]) -> None:
    error = rejection(make())
    assert isinstance(error, ValueError)
    assert error.code == code
    assert isinstance(error.message, Message)
    assert error.message.code == code
    assert dict(error.message.params) == params
    rendered = str(error)
    assert rendered == error.message.render() and "%(" not in rendered


def test_pixel_bomb_is_refused_from_the_header_without_decoding(monkeypatch) -> None:
    def no_decoding(self: ImageFile.ImageFile) -> None:
        raise AssertionError("pixels were decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", no_decoding)
    monkeypatch.setattr(Image.Image, "load", no_decoding)
    for side in (7000, 100_000):
        started = time.perf_counter()
        assert rejection(png_claiming(side, side)).code == "too_many_pixels"
        assert time.perf_counter() - started < 0.5


def test_messages_are_english_msgids_with_named_placeholders() -> None:
    cases = [r[1]() for r in REFUSALS]
    msgids = {rejection(data).message.msgid for data in cases}
    assert msgids == {
        "The image is larger than %(limit)s MB.",
        "The file is not an image, or not one in a format we can read.",
        "The image is damaged or incomplete. Please send it again.",
        "Images in %(format)s format are not accepted. Please send a JPEG, PNG, WebP, GIF, BMP "
        "or TIFF image.",
        "The image has too many pixels (more than %(limit)s megapixels).",
    }


# --- nothing but ImageRejected, whatever the bytes ------------------------------------------------

FUZZ = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)


def _loads_or_is_rejected(data: bytes) -> None:
    try:
        image = load_image(data)
    except ImageRejected as error:
        assert error.code in {
            "too_large",
            "not_an_image",
            "format_not_allowed",
            "broken_image",
            "too_many_pixels",
        }
    else:
        assert image.mode in ("RGB", "L")


@FUZZ
@given(st.binary(max_size=4096))
def test_random_bytes_only_ever_raise_image_rejected(data: bytes) -> None:
    _loads_or_is_rejected(data)


@FUZZ
@given(st.binary(max_size=64))
def test_random_bytes_after_a_real_signature(tail: bytes) -> None:
    for head in (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff\xe0", b"GIF89a", b"BM", b"II*\0", b"RIFF"):
        _loads_or_is_rejected(head + tail)


@FUZZ
@given(st.sampled_from(ALLOWED_FORMATS), st.floats(min_value=0.0, max_value=1.0))
def test_truncated_real_images(fmt: str, fraction: float) -> None:
    data = sample_files()[fmt]
    _loads_or_is_rejected(data[: int(len(data) * fraction)])


@FUZZ
@given(
    st.sampled_from(ALLOWED_FORMATS),
    st.lists(st.tuples(st.floats(0.0, 1.0, exclude_max=True), st.integers(0, 255)), max_size=8),
)
def test_corrupted_real_images(fmt: str, changes: list[tuple[float, int]]) -> None:
    data = bytearray(sample_files()[fmt])
    for where, value in changes:
        data[int(where * len(data))] = value
    _loads_or_is_rejected(bytes(data))


def test_a_truncated_image_is_refused_even_after_weasyprint_is_imported() -> None:
    """WeasyPrint switches Pillow to accept truncated images for the whole process."""
    import io

    import weasyprint  # noqa: F401
    from PIL import Image, ImageFile

    buffer = io.BytesIO()
    Image.new("RGB", (400, 300), (120, 60, 30)).save(buffer, format="JPEG", quality=90)
    ImageFile.LOAD_TRUNCATED_IMAGES = True  # what the import does
    try:
        with pytest.raises(ImageRejected) as refused:
            load_image(buffer.getvalue()[: len(buffer.getvalue()) // 2])
        assert refused.value.message.code == "broken_image"
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = False
