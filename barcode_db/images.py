"""Safe loading of uploaded images.

An upload is untrusted bytes. :func:`load_image` checks the size in bytes, lets Pillow try only the
allowed formats, reads the dimensions from the header and refuses too many pixels *before* any
pixel is decoded, runs ``verify()`` (CRCs, structure) and only then decodes the image, applies the
EXIF orientation and returns it as RGB or L. Whatever goes wrong ends as :class:`ImageRejected`
carrying a translatable :class:`~barcode_db.messages.Message`; nothing else escapes.

Pillow warns (``DecompressionBombWarning``) on images above ``Image.MAX_IMAGE_PIXELS`` and raises
``DecompressionBombError`` above twice that; both are caught (the warning only when a filter turns
it into an error), but the ``max_pixels`` check, lower than Pillow's, normally answers first.
"""

from __future__ import annotations

import io
from typing import Any, Final

from PIL import Image, ImageOps, UnidentifiedImageError

from barcode_db.messages import N_, Message

__all__ = ["ALLOWED_FORMATS", "ImageRejected", "load_image"]

ALLOWED_FORMATS: Final = ("JPEG", "PNG", "WEBP", "GIF", "BMP", "TIFF")
"""Pillow format names accepted from uploads."""

MSG_TOO_LARGE: Final = N_("The image is larger than %(limit)s MB.")
MSG_NOT_AN_IMAGE: Final = N_("The file is not an image, or not one in a format we can read.")
MSG_FORMAT_NOT_ALLOWED: Final = N_(
    "Images in %(format)s format are not accepted. Please send a JPEG, PNG, WebP, GIF, BMP "
    "or TIFF image."
)
MSG_BROKEN_IMAGE: Final = N_("The image is damaged or incomplete. Please send it again.")
MSG_TOO_MANY_PIXELS: Final = N_("The image has too many pixels (more than %(limit)s megapixels).")

# Known image (or image-like) formats we do not take, by their first bytes, so that the user hears
# "send a JPEG instead" rather than "not an image". Identified here, not by Pillow: handing
# untrusted bytes to the parsers of formats we refuse is what ``formats=`` is there to avoid.
_REFUSED_SIGNATURES: Final[tuple[tuple[int, bytes, str], ...]] = (
    (0, b"\x00\x00\x01\x00", "ICO"),
    (0, b"\x00\x00\x02\x00", "CUR"),
    (0, b"%PDF-", "PDF"),
    (0, b"8BPS", "PSD"),
    (0, b"%!PS", "PostScript"),
    (0, b"\xc5\xd0\xd3\xc6", "EPS"),
    (0, b"icns", "ICNS"),
    (0, b"DDS ", "DDS"),
    (0, b"qoif", "QOI"),
    (0, b"\xff\x0a", "JPEG XL"),
    (4, b"JXL ", "JPEG XL"),
    (4, b"jP  ", "JPEG 2000"),
    (0, b"\xff\x4f\xff\x51", "JPEG 2000"),
    (0, b"\x8aMNG", "MNG"),
)
_HEIF_BRANDS: Final = {
    b"heic": "HEIC",
    b"heix": "HEIC",
    b"hevc": "HEIC",
    b"heim": "HEIC",
    b"heis": "HEIC",
    b"mif1": "HEIF",
    b"msf1": "HEIF",
    b"avif": "AVIF",
    b"avis": "AVIF",
}


class ImageRejected(ValueError):
    """The upload is not an image we accept; ``message`` says why, in the reader's language."""

    def __init__(self, code: str, msgid: str, params: dict[str, Any] | None = None) -> None:
        self.code = code
        self.msgid = msgid
        self.params: dict[str, Any] = dict(params or {})
        self.message = Message(code, msgid, self.params)
        super().__init__(code, msgid)

    def __str__(self) -> str:
        return str(self.message)


def _megabytes(limit: int, unit: int) -> int | float:
    value = limit / unit
    return int(value) if value == int(value) else round(value, 1)


def _refused_format(data: bytes) -> str | None:
    for offset, signature, name in _REFUSED_SIGNATURES:
        if data[offset : offset + len(signature)] == signature:
            return name
    if data[4:8] == b"ftyp":
        return _HEIF_BRANDS.get(data[8:12])
    head = data[:512].lstrip().lower()
    if head.startswith(b"<svg") or (head.startswith(b"<?xml") and b"<svg" in head):
        return "SVG"
    return None


def _too_many_pixels(max_pixels: int) -> ImageRejected:
    return ImageRejected(
        "too_many_pixels", MSG_TOO_MANY_PIXELS, {"limit": _megabytes(max_pixels, 1_000_000)}
    )


def _broken() -> ImageRejected:
    return ImageRejected("broken_image", MSG_BROKEN_IMAGE)


def _open(data: bytes, max_pixels: int) -> Image.Image:
    """Open (header only) and check the dimensions; no pixel is decoded here."""
    try:
        image = Image.open(io.BytesIO(data), formats=ALLOWED_FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels(max_pixels) from None
    except UnidentifiedImageError:
        refused = _refused_format(data)
        if refused is not None:
            raise ImageRejected(
                "format_not_allowed", MSG_FORMAT_NOT_ALLOWED, {"format": refused}
            ) from None
        raise ImageRejected("not_an_image", MSG_NOT_AN_IMAGE) from None
    except Exception:
        raise _broken() from None
    width, height = image.size
    if width <= 0 or height <= 0:
        raise _broken()
    if width * height > max_pixels:
        raise _too_many_pixels(max_pixels)
    return image


def _as_rgb_or_l(image: Image.Image) -> Image.Image:
    if image.mode in ("RGB", "L"):
        return image
    if image.mode in ("I;16", "I;16L", "I;16B", "I;16N", "I"):
        # 16-bit grayscale (PNG, TIFF): scale to 8 bits; a plain convert("L") would clip to white.
        return image.convert("I").point(lambda value: value * (1 / 256)).convert("L")
    if image.mode == "1":
        return image.convert("L")
    if image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or (
        image.mode == "P" and "transparency" in image.info
    ):
        # Transparent pixels become white paper, not black: a transparent PNG of black bars
        # flattened onto black would be unreadable.
        rgba = (image.convert("LA") if image.mode == "La" else image).convert("RGBA")
        paper = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(paper, rgba).convert("RGB")
    return image.convert("RGB")


def load_image(
    data: bytes, *, max_bytes: int = 10 * 1024 * 1024, max_pixels: int = 40_000_000
) -> Image.Image:
    """Decode an uploaded image safely; an RGB or L image, upright per its EXIF orientation.

    Raises :class:`ImageRejected` (and nothing else) with code ``too_large``, ``not_an_image``,
    ``format_not_allowed``, ``broken_image`` or ``too_many_pixels``.
    """
    if len(data) > max_bytes:
        raise ImageRejected(
            "too_large", MSG_TOO_LARGE, {"limit": _megabytes(max_bytes, 1024 * 1024)}
        )
    if not data:
        raise ImageRejected("not_an_image", MSG_NOT_AN_IMAGE)
    data = bytes(data)

    with _open(data, max_pixels) as image:
        try:
            image.verify()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _too_many_pixels(max_pixels) from None
        except Exception:
            raise _broken() from None

    # verify() leaves the image unusable; open again, this time to decode.
    image = _open(data, max_pixels)
    try:
        image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels(max_pixels) from None
    except Exception:
        raise _broken() from None

    try:
        upright = ImageOps.exif_transpose(image)
    except Exception:
        upright = image  # a malformed EXIF block does not spoil the pixels
    try:
        return _as_rgb_or_l(upright)
    except Exception:
        raise _broken() from None
