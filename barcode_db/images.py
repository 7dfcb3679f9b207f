"""Safe loading of uploaded images.

An upload is untrusted bytes. :func:`load_image` checks the size in bytes, lets Pillow try only the
allowed formats, reads the dimensions from the header and refuses too many pixels *before* any
pixel is decoded, runs ``verify()`` (CRCs, structure) and only then decodes the image, applies the
EXIF orientation and returns it as RGB or L. Whatever goes wrong ends as :class:`ImageRejected`
carrying a translatable :class:`~barcode_db.messages.Message`; nothing else escapes.

HEIF/HEIC (phone photos) is not in :data:`ALLOWED_FORMATS`; a caller that wants it passes
``allowed_formats`` including ``"HEIF"``, and :func:`register_heif` (pillow-heif) is then called on
first use. Bytes of a format the caller does not allow are never handed to that format's parser.

Pillow warns (``DecompressionBombWarning``) on images above ``Image.MAX_IMAGE_PIXELS`` and raises
``DecompressionBombError`` above twice that; both are caught (the warning only when a filter turns
it into an error), but the ``max_pixels`` check, lower than Pillow's, normally answers first.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Collection
from typing import Any, Final

from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

from barcode_db.messages import N_, Message, Refusal

__all__ = ["ALLOWED_FORMATS", "ImageRejected", "load_image", "register_heif"]

ALLOWED_FORMATS: Final = ("JPEG", "PNG", "WEBP", "GIF", "BMP", "TIFF")
"""Pillow format names accepted from uploads unless the caller says otherwise."""

MSG_TOO_LARGE: Final = N_("The image is larger than %(limit)s MB.")
MSG_NOT_AN_IMAGE: Final = N_("The file is not an image, or not one in a format we can read.")
MSG_FORMAT_NOT_ALLOWED: Final = N_(
    "Images in %(format)s format are not accepted. Please send a JPEG, PNG, WebP, GIF, BMP "
    "or TIFF image."
)
MSG_PHOTO_FORMAT_NOT_ALLOWED: Final = N_(
    "Images in %(format)s format are not accepted. Please send a JPEG, PNG, WebP or HEIC photo."
)
MSG_FORMAT_NOT_ALLOWED_PLAIN: Final = N_("Images in %(format)s format are not accepted.")
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
# Formats Pillow can read, by their first bytes: named when a caller has not allowed them.
_READABLE_SIGNATURES: Final[tuple[tuple[bytes, str], ...]] = (
    (b"\xff\xd8\xff", "JPEG"),
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
    (b"II+\x00", "TIFF"),
    (b"MM\x00+", "TIFF"),
)
# Sizes of the BMP info headers Pillow reads; "BM" alone is too weak a signature.
_BMP_HEADER_SIZES: Final = frozenset((12, 40, 52, 56, 64, 108, 124))
# ISO base media ("ftyp") brands of still-image formats: the name we show, per brand.
_ISOBMFF_BRANDS: Final = {
    b"heic": "HEIC",
    b"heix": "HEIC",
    b"heim": "HEIC",
    b"heis": "HEIC",
    b"hevc": "HEIC",
    b"hevx": "HEIC",
    b"hevm": "HEIC",
    b"hevs": "HEIC",
    b"mif1": "HEIF",
    b"msf1": "HEIF",
    b"avif": "AVIF",
    b"avis": "AVIF",
}
# The Pillow format that reads each of those (pillow-heif registers "HEIF").
_ISOBMFF_PILLOW_FORMAT: Final = {"HEIC": "HEIF", "HEIF": "HEIF", "AVIF": "AVIF"}

# What to tell the user, depending on what the caller accepts.
_FORMAT_NOT_ALLOWED_MSGIDS: Final = {
    frozenset(ALLOWED_FORMATS): MSG_FORMAT_NOT_ALLOWED,
    frozenset(("JPEG", "PNG", "WEBP", "HEIF")): MSG_PHOTO_FORMAT_NOT_ALLOWED,
}

_heif_lock = threading.Lock()
_heif_registered = False


def register_heif() -> None:
    """Let Pillow open HEIF/HEIC files through pillow-heif; calling it again does nothing."""
    global _heif_registered
    if _heif_registered:
        return
    with _heif_lock:
        if _heif_registered:
            return
        import pillow_heif  # imported here: only callers that accept HEIF need it

        # Only the primary picture is wanted: leave thumbnails, depth maps and auxiliary images
        # unparsed (less untrusted data handled, and draft() never swaps in a thumbnail).
        pillow_heif.register_heif_opener(thumbnails=False, depth_images=False, aux_images=False)
        _heif_registered = True


class ImageRejected(Refusal, ValueError):
    """The upload is not an image we accept; ``message`` says why, in the reader's language.

    A file over the size limit is 413 (Payload Too Large), anything else 422."""

    def __init__(self, code: str, msgid: str, params: dict[str, Any] | None = None) -> None:
        self.code = code
        self.msgid = msgid
        self.params: dict[str, Any] = dict(params or {})
        super().__init__(Message(code, msgid, self.params), 413 if code == "too_large" else 422)


def _megabytes(limit: int, unit: int) -> int | float:
    value = limit / unit
    return int(value) if value == int(value) else round(value, 1)


def _isobmff_format(data: bytes) -> str | None:
    """``HEIC``, ``HEIF`` or ``AVIF`` from an ISO base media ``ftyp`` box; None for anything else."""
    if data[4:8] != b"ftyp":
        return None
    kind = _ISOBMFF_BRANDS.get(data[8:12])
    if kind != "HEIF":
        return kind
    # A generic major brand (mif1, msf1): the compatible brands say which codec is inside.
    end = min(int.from_bytes(data[:4], "big"), len(data), 16 + 4 * 64)
    compatible = {_ISOBMFF_BRANDS.get(data[i : i + 4]) for i in range(16, end - 3, 4)}
    for specific in ("HEIC", "AVIF"):
        if specific in compatible:
            return specific
    return kind


def _refused_format(data: bytes, allowed: tuple[str, ...]) -> str | None:
    """The name of a format recognised by its first bytes that ``allowed`` does not include."""
    for offset, signature, name in _REFUSED_SIGNATURES:
        if data[offset : offset + len(signature)] == signature:
            return name
    container = _isobmff_format(data)
    if container is not None:
        return None if _ISOBMFF_PILLOW_FORMAT[container] in allowed else container
    readable = next((name for sig, name in _READABLE_SIGNATURES if data.startswith(sig)), None)
    if readable is None and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        readable = "WEBP"
    if (
        readable is None
        and data[:2] == b"BM"
        and int.from_bytes(data[14:18], "little") in _BMP_HEADER_SIZES
    ):
        readable = "BMP"
    if readable is not None:
        return None if readable in allowed else readable
    head = data[:512].lstrip().lower()
    if head.startswith(b"<svg") or (head.startswith(b"<?xml") and b"<svg" in head):
        return "SVG"
    return None


def _format_not_allowed(name: str, allowed: tuple[str, ...]) -> ImageRejected:
    msgid = _FORMAT_NOT_ALLOWED_MSGIDS.get(frozenset(allowed), MSG_FORMAT_NOT_ALLOWED_PLAIN)
    return ImageRejected("format_not_allowed", msgid, {"format": name})


def _too_many_pixels(max_pixels: int) -> ImageRejected:
    return ImageRejected(
        "too_many_pixels", MSG_TOO_MANY_PIXELS, {"limit": _megabytes(max_pixels, 1_000_000)}
    )


def _broken() -> ImageRejected:
    return ImageRejected("broken_image", MSG_BROKEN_IMAGE)


def _open(data: bytes, max_pixels: int, formats: tuple[str, ...]) -> Image.Image:
    """Open (header only) and check the dimensions; no pixel is decoded here."""
    container = _isobmff_format(data)
    if container is not None and _ISOBMFF_PILLOW_FORMAT[container] not in formats:
        # pillow-heif would take an AVIF with a generic brand: refuse before it parses anything.
        raise _format_not_allowed(container, formats)
    try:
        image = Image.open(io.BytesIO(data), formats=formats)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels(max_pixels) from None
    except UnidentifiedImageError:
        refused = _refused_format(data, formats)
        if refused is not None:
            raise _format_not_allowed(refused, formats) from None
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


def _pillow_formats(allowed_formats: Collection[str]) -> tuple[str, ...]:
    if isinstance(allowed_formats, str):
        raise TypeError("allowed_formats must be a collection of format names, not a string")
    formats = tuple(dict.fromkeys(name.upper() for name in allowed_formats))
    if "HEIF" in formats:
        register_heif()
    Image.init()
    unknown = [name for name in formats if name not in Image.OPEN]
    if unknown:
        raise ValueError(f"Pillow cannot open {', '.join(unknown)}")
    return formats


def load_image(
    data: bytes,
    *,
    max_bytes: int = 10 * 1024 * 1024,
    max_pixels: int = 40_000_000,
    allowed_formats: Collection[str] = ALLOWED_FORMATS,
) -> Image.Image:
    """Decode an uploaded image safely; an RGB or L image, upright per its EXIF orientation.

    ``allowed_formats`` are Pillow format names; ``"HEIF"`` (HEIC photos) is opt-in. Raises
    :class:`ImageRejected` (and nothing else, for valid arguments) with code ``too_large``,
    ``not_an_image``, ``format_not_allowed``, ``broken_image`` or ``too_many_pixels``.
    """
    formats = _pillow_formats(allowed_formats)
    # A truncated upload is refused, never half-decoded. Pillow's switch for this is global and
    # some libraries turn it on for the whole process when imported (WeasyPrint does), so it is
    # set here, before every decode.
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    if len(data) > max_bytes:
        raise ImageRejected(
            "too_large", MSG_TOO_LARGE, {"limit": _megabytes(max_bytes, 1024 * 1024)}
        )
    if not data:
        raise ImageRejected("not_an_image", MSG_NOT_AN_IMAGE)
    data = bytes(data)

    with _open(data, max_pixels, formats) as image:
        try:
            image.verify()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _too_many_pixels(max_pixels) from None
        except Exception:
            raise _broken() from None

    # verify() leaves the image unusable; open again, this time to decode.
    image = _open(data, max_pixels, formats)
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
