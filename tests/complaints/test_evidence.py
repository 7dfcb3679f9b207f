"""complaints.evidence.prepare_photo: what is accepted for a complaint, and what is stored."""

from __future__ import annotations

import dataclasses
import hashlib
import io
from functools import cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import ExifTags, Image

from barcode_db.images import (
    ALLOWED_FORMATS,
    MSG_PHOTO_FORMAT_NOT_ALLOWED,
    ImageRejected,
    load_image,
    register_heif,
)
from complaints.evidence import (
    MAX_PHOTO_BYTES,
    PHOTO_FORMATS,
    STORED_LONG_SIDE,
    PreparedPhoto,
    prepare_photo,
)
from tests.support.labels import render_label, to_jpeg_bytes, with_check_digit

EAN13 = with_check_digit("893467300001")

# --- helpers --------------------------------------------------------------------------------------


def encode(image: Image.Image, fmt: str, **params: object) -> bytes:
    if fmt == "HEIF":
        register_heif()
    out = io.BytesIO()
    image.save(out, fmt, **params)
    return out.getvalue()


@cache
def small_photo() -> Image.Image:
    return render_label(EAN13, size=(320, 240), scale=0.3, seed=1)


def gps_exif(orientation: int | None = None) -> Image.Exif:
    """EXIF like a phone's: make, model, a GPS position in Hà Nội and maybe an orientation."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Hang Viet Test"
    exif[ExifTags.Base.Model] = "Label Camera"
    if orientation is not None:
        exif[ExifTags.Base.Orientation] = orientation
    exif.get_ifd(ExifTags.IFD.GPSInfo).update(
        {
            ExifTags.GPS.GPSLatitudeRef: "N",
            ExifTags.GPS.GPSLatitude: (21.0, 1.0, 43.0),
            ExifTags.GPS.GPSLongitudeRef: "E",
            ExifTags.GPS.GPSLongitude: (105.0, 51.0, 7.0),
        }
    )
    return exif


def stored_image(photo: PreparedPhoto) -> Image.Image:
    image = Image.open(io.BytesIO(photo.data))
    image.load()
    return image


def assert_no_metadata(photo: PreparedPhoto) -> None:
    image = stored_image(photo)
    assert image.format == "JPEG"
    assert not image.getexif()
    assert not image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    for key in ("exif", "xmp", "icc_profile", "comment", "photoshop"):
        assert key not in image.info, key
    for marker in (b"Exif", b"GPS", b"xmpmeta", b"ICC_PROFILE", b"Hang Viet", b"Label Camera"):
        assert marker not in photo.data, marker


def upright_test_card() -> Image.Image:
    """400×300, white, a red block in the top-left corner: shows both size and rotation."""
    card = Image.new("RGB", (400, 300), (255, 255, 255))
    card.paste((255, 0, 0), (0, 0, 80, 60))
    return card


def assert_upright_test_card(image: Image.Image) -> None:
    assert image.size == (400, 300)
    r, g, b = image.getpixel((20, 20))
    assert r > 200 and g < 60 and b < 60  # the red block is in the top-left corner
    assert image.getpixel((380, 280)) == pytest.approx((255, 255, 255), abs=8)


def rejection(data: bytes) -> ImageRejected:
    with pytest.raises(ImageRejected) as caught:
        prepare_photo(data)
    return caught.value


# --- what is stored -------------------------------------------------------------------------------


def test_gps_exif_is_not_stored() -> None:
    upload = to_jpeg_bytes(small_photo(), exif_gps=True)
    assert Image.open(io.BytesIO(upload)).getexif().get_ifd(ExifTags.IFD.GPSInfo)  # it was there
    assert b"Exif" in upload

    photo = prepare_photo(upload)

    assert_no_metadata(photo)
    assert (photo.width, photo.height) == (320, 240)


def test_xmp_comment_and_icc_profile_are_not_stored() -> None:
    from PIL import ImageCms

    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    upload = encode(
        small_photo(),
        "JPEG",
        exif=gps_exif(),
        xmp=b'<x:xmpmeta xmlns:x="adobe:ns:meta/">GPS 21.0287 105.8520</x:xmpmeta>',
        comment=b"Hang Viet Test, home of the shopper",
        icc_profile=srgb,
    )
    original = Image.open(io.BytesIO(upload))
    assert {"exif", "xmp", "comment", "icc_profile"} <= set(original.info)

    assert_no_metadata(prepare_photo(upload))


def test_metadata_of_png_and_webp_is_not_stored() -> None:
    png = encode(small_photo(), "PNG", exif=gps_exif())
    webp = encode(small_photo(), "WEBP", exif=gps_exif(), quality=80)
    for upload in (png, webp):
        assert Image.open(io.BytesIO(upload)).getexif().get_ifd(ExifTags.IFD.GPSInfo)
        assert_no_metadata(prepare_photo(upload))


def test_exif_orientation_is_applied_to_the_pixels() -> None:
    # Stored the way a phone held sideways stores it: pixels turned 90° counter-clockwise,
    # EXIF Orientation 6 ("rotate 90° clockwise to display").
    upload = to_jpeg_bytes(
        upright_test_card().transpose(Image.Transpose.ROTATE_90), quality=95, orientation=6
    )
    assert Image.open(io.BytesIO(upload)).size == (300, 400)

    photo = prepare_photo(upload)

    assert (photo.width, photo.height) == (400, 300)
    image = stored_image(photo)
    assert_upright_test_card(image)
    assert image.getexif().get(ExifTags.Base.Orientation) is None  # nothing left to rotate again


def test_large_photo_is_scaled_to_the_stored_long_side() -> None:
    big = Image.new("RGB", (6000, 4000), (240, 240, 230))
    big.paste((20, 40, 200), (0, 0, 3000, 2000))  # top-left quarter blue
    upload = encode(big, "PNG")

    photo = prepare_photo(upload)

    assert (photo.width, photo.height) == (STORED_LONG_SIDE, 1707)  # 4000 × 2560 / 6000 = 1706.7
    image = stored_image(photo)
    assert image.size == (2560, 1707)
    assert image.getpixel((100, 100)) == pytest.approx((20, 40, 200), abs=8)
    assert image.getpixel((2500, 1650)) == pytest.approx((240, 240, 230), abs=8)


def test_tall_photo_is_scaled_by_its_height() -> None:
    photo = prepare_photo(encode(Image.new("RGB", (1000, 3000), (9, 99, 199)), "PNG"))
    assert (photo.width, photo.height) == (853, STORED_LONG_SIDE)


def test_small_photo_is_not_upscaled() -> None:
    photo = prepare_photo(encode(Image.new("RGB", (300, 200), (200, 100, 50)), "PNG"))
    assert (photo.width, photo.height) == (300, 200)
    assert stored_image(photo).size == (300, 200)


def test_photo_at_the_limit_is_kept_at_its_size() -> None:
    photo = prepare_photo(encode(Image.new("RGB", (STORED_LONG_SIDE, 1000), "white"), "PNG"))
    assert (photo.width, photo.height) == (STORED_LONG_SIDE, 1000)


def test_hashes_sizes_and_format_describe_upload_and_stored_file() -> None:
    upload = to_jpeg_bytes(small_photo(), quality=90, exif_gps=True)

    photo = prepare_photo(upload)

    assert photo.sha256_original == hashlib.sha256(upload).hexdigest()
    assert photo.sha256_stored == hashlib.sha256(photo.data).hexdigest()
    assert photo.sha256_original != photo.sha256_stored
    assert photo.original_bytes == len(upload)
    assert photo.original_format == "JPEG"
    assert photo.data.startswith(b"\xff\xd8\xff")


def test_stored_jpeg_is_the_same_for_the_same_upload() -> None:
    upload = encode(small_photo(), "WEBP", quality=80)
    assert prepare_photo(upload) == prepare_photo(bytearray(upload))


def test_prepared_photo_is_frozen_and_its_repr_leaves_out_the_bytes() -> None:
    photo = prepare_photo(encode(small_photo(), "PNG"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        photo.width = 1  # type: ignore[misc]
    assert "data=" not in repr(photo)
    assert photo.sha256_stored in repr(photo)


def test_transparent_png_is_stored_on_white() -> None:
    drawing = Image.new("RGBA", (60, 40), (0, 0, 0, 0))
    drawing.paste((0, 0, 0, 255), (10, 0, 20, 40))
    image = stored_image(prepare_photo(encode(drawing, "PNG")))
    assert image.getpixel((2, 2)) == pytest.approx((255, 255, 255), abs=6)
    assert image.getpixel((15, 20)) == pytest.approx((0, 0, 0), abs=6)


def test_grayscale_photo_is_stored_as_grayscale_jpeg() -> None:
    photo = prepare_photo(encode(Image.new("L", (64, 48), 128), "PNG"))
    assert stored_image(photo).mode == "L"


# Debian's libgs-common ships this profile; scripts/test installs it.
ADOBE_RGB = Path("/usr/share/color/icc/ghostscript/a98.icc")


def test_wide_gamut_colour_is_converted_to_srgb_and_the_profile_dropped() -> None:
    colour = (40, 160, 60)  # a green that sRGB shows more saturated than Adobe RGB means it
    upload = encode(Image.new("RGB", (64, 48), colour), "PNG", icc_profile=ADOBE_RGB.read_bytes())

    photo = prepare_photo(upload)

    assert_no_metadata(photo)
    r, g, b = stored_image(photo).getpixel((32, 24))
    assert abs(r - colour[0]) + abs(g - colour[1]) + abs(b - colour[2]) > 20  # converted
    assert g > r and g > b  # and still green


# --- formats --------------------------------------------------------------------------------------


def test_webp_is_accepted() -> None:
    photo = prepare_photo(encode(small_photo(), "WEBP", quality=80))
    assert photo.original_format == "WEBP"
    assert (photo.width, photo.height) == (320, 240)


def test_png_is_accepted() -> None:
    assert prepare_photo(encode(small_photo(), "PNG")).original_format == "PNG"


def test_multi_picture_jpeg_counts_as_jpeg() -> None:
    first, second = Image.new("RGB", (64, 48), "red"), Image.new("RGB", (64, 48), "blue")
    upload = encode(first, "MPO", save_all=True, append_images=[second])
    photo = prepare_photo(upload)
    assert photo.original_format == "JPEG"
    assert_no_metadata(photo)


def test_heic_from_a_phone_is_accepted_without_its_gps() -> None:
    upload = encode(small_photo(), "HEIF", quality=80, exif=gps_exif().tobytes())
    assert upload[4:12] == b"ftypheic"
    assert b"Exif" in upload

    photo = prepare_photo(upload)

    assert photo.original_format == "HEIF"
    assert (photo.width, photo.height) == (320, 240)
    assert photo.sha256_original == hashlib.sha256(upload).hexdigest()
    assert_no_metadata(photo)


def test_heic_orientation_is_applied_once() -> None:
    stored_sideways = upright_test_card().transpose(Image.Transpose.ROTATE_90)
    upload = encode(stored_sideways, "HEIF", quality=90, exif=gps_exif(orientation=6).tobytes())

    photo = prepare_photo(upload)

    assert_upright_test_card(stored_image(photo))


@pytest.mark.parametrize("brand", [b"heic", b"heix", b"mif1", b"msf1"])
def test_heif_brands_are_accepted(brand: bytes) -> None:
    upload = encode(small_photo(), "HEIF", quality=80)
    upload = upload[:8] + brand + upload[12:]
    assert prepare_photo(upload).original_format == "HEIF"


def test_heif_is_opt_in_for_load_image() -> None:
    heic = encode(small_photo(), "HEIF", quality=80)
    with pytest.raises(ImageRejected) as caught:
        load_image(heic)  # barcode reading: the default formats
    assert caught.value.code == "format_not_allowed"
    assert caught.value.params == {"format": "HEIC"}
    assert load_image(heic, allowed_formats=["heif", "JPEG"]).size == (320, 240)


def test_register_heif_can_be_called_again() -> None:
    register_heif()
    register_heif()
    assert "HEIF" in Image.OPEN


def test_load_image_refuses_format_names_pillow_does_not_know() -> None:
    with pytest.raises(ValueError, match="NOPE"):
        load_image(b"\xff\xd8\xff", allowed_formats=("JPEG", "NOPE"))
    with pytest.raises(TypeError):
        load_image(b"\xff\xd8\xff", allowed_formats="JPEG")


@cache
def barcode_only_files() -> dict[str, bytes]:
    photo = small_photo()
    return {
        "GIF": encode(photo.convert("P"), "GIF"),
        "BMP": encode(photo, "BMP"),
        "TIFF": encode(photo, "TIFF"),
    }


@pytest.mark.parametrize("fmt", ["GIF", "BMP", "TIFF"])
def test_barcode_only_formats_are_refused_for_complaints(fmt: str) -> None:
    data = barcode_only_files()[fmt]
    assert fmt in ALLOWED_FORMATS
    assert load_image(data).size == (320, 240)  # still fine for reading a barcode

    error = rejection(data)

    assert error.code == "format_not_allowed"
    assert error.params == {"format": fmt}
    assert error.message.msgid == MSG_PHOTO_FORMAT_NOT_ALLOWED
    assert str(error) == (
        f"Images in {fmt} format are not accepted. Please send a JPEG, PNG, WebP or HEIC photo."
    )


def test_avif_is_refused_before_any_parser_sees_it() -> None:
    # A generic major brand (mif1) with AV1 inside: pillow-heif would take it by the brand.
    header = b"\x00\x00\x00\x1cftypmif1\x00\x00\x00\x00mif1avifmiaf" + b"\x00" * 64
    error = rejection(header)
    assert (error.code, error.params) == ("format_not_allowed", {"format": "AVIF"})


REFUSALS = [
    # (label, bytes, code, params)
    ("text", lambda: "Nước mắm Phú Quốc\n".encode() * 50, "not_an_image", {}),
    ("empty", lambda: b"", "not_an_image", {}),
    ("truncated JPEG", lambda: (d := to_jpeg_bytes(small_photo()))[: len(d) // 2],
     "broken_image", {}),
    ("truncated HEIC", lambda: (d := encode(small_photo(), "HEIF"))[: len(d) // 2],
     "broken_image", {}),
    ("over 10 MB", lambda: b"\xff\xd8\xff" + b"\0" * MAX_PHOTO_BYTES, "too_large", {"limit": 10}),
    ("ICO", lambda: encode(Image.new("RGB", (32, 32)), "ICO"), "format_not_allowed",
     {"format": "ICO"}),
    ("PDF", lambda: b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n", "format_not_allowed",
     {"format": "PDF"}),
]  # fmt: skip


@pytest.mark.parametrize(
    ("make", "code", "params"),
    [pytest.param(make, code, params, id=label) for label, make, code, params in REFUSALS],
)
def test_refusals(make, code: str, params: dict[str, object]) -> None:
    error = rejection(make())
    assert error.code == code
    assert dict(error.message.params) == params
    assert "%(" not in str(error)


def test_upload_of_exactly_the_limit_is_not_refused_for_its_size() -> None:
    data = to_jpeg_bytes(small_photo())
    padded = data + b"\0" * (MAX_PHOTO_BYTES - len(data))  # trailing bytes after the JPEG
    assert len(padded) == MAX_PHOTO_BYTES
    assert prepare_photo(padded).original_bytes == MAX_PHOTO_BYTES


# --- nothing but ImageRejected, whatever the bytes ------------------------------------------------

FUZZ = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)


@cache
def sample_upload(fmt: str) -> bytes:
    return encode(small_photo(), fmt, **({"quality": 60} if fmt in ("HEIF", "WEBP") else {}))


@FUZZ
@given(
    st.sampled_from(PHOTO_FORMATS),
    st.floats(0.0, 1.0),
    st.lists(st.tuples(st.floats(0.0, 1.0, exclude_max=True), st.integers(0, 255)), max_size=6),
)
def test_damaged_uploads_only_ever_raise_image_rejected(
    fmt: str, keep: float, changes: list[tuple[float, int]]
) -> None:
    data = bytearray(sample_upload(fmt))
    for where, value in changes:
        data[int(where * len(data))] = value
    data = data[: max(1, int(len(data) * keep))]
    try:
        photo = prepare_photo(bytes(data))
    except ImageRejected as error:
        assert error.code in {"not_an_image", "format_not_allowed", "broken_image"}
    else:
        assert_no_metadata(photo)
