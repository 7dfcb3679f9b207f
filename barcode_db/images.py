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

**Cost bounded by pixels.** :func:`open_image` does every check that needs no pixel (bytes,
format, dimensions, shape, ``verify()``) and hands back an :class:`OpenedImage`, whose pixels are
decoded only when asked, and then at the size asked: a JPEG is decoded downscaled by its own DCT
(1/2, 1/4 or 1/8, ``Image.draft``) for a fraction of the work; other formats can only be decoded
whole, and are then reduced by a whole factor (``reduce()``). What a decode costs
(:meth:`OpenedImage.plan`) is known before it is done, so a caller with a work budget
(:mod:`barcode_db.decode`) can decline it. Phones write their camera photos as JPEG or HEIC; a PNG,
WebP, GIF, BMP or TIFF is a screenshot, an edit or a download, so callers that take photos cap
those at fewer pixels (``max_non_camera_pixels``) than camera formats, and refuse strips no camera
or screen makes (``max_aspect_ratio``).
"""

from __future__ import annotations

import contextlib
import io
import threading
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any, Final

from PIL import ExifTags, Image, ImageFile, ImageOps, UnidentifiedImageError

from barcode_db.messages import N_, Message, Refusal

__all__ = [
    "ALLOWED_FORMATS",
    "CAMERA_FORMATS",
    "MAX_ASPECT_RATIO",
    "MAX_CAMERA_PIXELS",
    "MAX_NON_CAMERA_PIXELS",
    "Decoding",
    "ImageRejected",
    "OpenedImage",
    "load_image",
    "open_image",
    "register_heif",
]

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
MSG_TOO_MANY_PIXELS_FOR_FORMAT: Final = N_(
    "A %(format)s image may have at most %(limit)s megapixels. Please send the photo as your "
    "phone's camera saved it, or a smaller copy."
)
MSG_TOO_NARROW: Final = N_(
    "The image is %(width)s × %(height)s pixels: too long and narrow to be a photo. Please send "
    "a photo of the product."
)

CAMERA_FORMATS: Final = frozenset(("JPEG", "MPO", "HEIF"))
"""Formats phone cameras write photos in (MPO: a JPEG with a second picture, from some phones)."""

MAX_CAMERA_PIXELS: Final = 50_000_000
"""Most pixels of a camera photo (JPEG, HEIC) a caller that takes phone photos accepts: the
full-resolution mode of 48-50 MP phone cameras (8160 × 6120 = 49.9 MP; 8064 × 6048 = 48.8 MP) is
the largest a phone writes by default. Their 108 and 200 MP modes are opt-in and write files
larger than the 10 MB uploads are allowed. A JPEG this large is decoded at 1/2 to 1/8 scale."""

MAX_NON_CAMERA_PIXELS: Final = 16_000_000
"""Most pixels, for a caller that takes phone photos, of an image in a format no phone camera
writes (PNG, WebP, GIF, BMP, TIFF): a screenshot (no phone or tablet screen reaches 6 MP) or a
12 MP photo saved again by an editor or a chat app. These formats cannot be decoded downscaled, so
every pixel is paid for: 16 MP of flat PNG take about 0.1 s and 48 MB, of WebP 0.15 s."""

MAX_ASPECT_RATIO: Final = 10
"""Longest over shortest side of a photo: camera frames are 4:3 to 21:9, phone screens up to about
1:2.6 (a foldable's cover screen), panoramas a phone sweeps rarely beyond 8:1. A longer strip is
no photo of a product (and, small as it is in bytes, may be wide enough to be costly)."""

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


@dataclass(frozen=True)
class _Limits:
    max_pixels: int
    max_non_camera_pixels: int | None
    max_aspect_ratio: float | None


def _too_many_pixels_for_format(name: str, limit: int) -> ImageRejected:
    return ImageRejected(
        "too_many_pixels",
        MSG_TOO_MANY_PIXELS_FOR_FORMAT,
        {"format": name, "limit": _megabytes(limit, 1_000_000)},
    )


def _open(data: bytes, limits: _Limits, formats: tuple[str, ...]) -> Image.Image:
    """Open (header only) and check the dimensions; no pixel is decoded here."""
    container = _isobmff_format(data)
    if container is not None and _ISOBMFF_PILLOW_FORMAT[container] not in formats:
        # pillow-heif would take an AVIF with a generic brand: refuse before it parses anything.
        raise _format_not_allowed(container, formats)
    try:
        image = Image.open(io.BytesIO(data), formats=formats)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels(limits.max_pixels) from None
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
    if width * height > limits.max_pixels:
        raise _too_many_pixels(limits.max_pixels)
    cap = limits.max_non_camera_pixels
    if cap is not None and image.format not in CAMERA_FORMATS and width * height > cap:
        raise _too_many_pixels_for_format(_shown_name(image.format), cap)
    ratio = limits.max_aspect_ratio
    if ratio is not None and max(width, height) > ratio * min(width, height):
        raise ImageRejected("too_narrow", MSG_TOO_NARROW, {"width": width, "height": height})
    return image


def _shown_name(pillow_format: str | None) -> str:
    """The format's name as people know it."""
    return {"WEBP": "WebP", "MPO": "JPEG", "HEIF": "HEIC"}.get(
        pillow_format or "", pillow_format or ""
    )


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


@dataclass(frozen=True)
class Decoding:
    """How :meth:`OpenedImage.decode` gets an image of at least some long side, worked out before
    any pixel is decoded: ``decoded`` pixels come out of the decoder (none when already decoded),
    ``reduced`` pixels are then averaged ``factor`` × ``factor`` into one, giving ``size``."""

    size: tuple[int, int]  # of the image given, upright
    decoded: int  # pixels the decoder produces (0: reused from an earlier decode)
    reduced: int  # pixels reduce() reads (0: no reduction)
    factor: int  # the reduction, 1 for none (a JPEG's DCT scaling is in ``decoded``)


class OpenedImage:
    """An upload that passed every check made without decoding it (see :func:`open_image`).

    ``size`` is the upright size (the EXIF orientation applied), ``format`` Pillow's name for the
    format. :meth:`decode` gives the pixels as RGB or L, upright, at a size asked for; what it will
    cost is :meth:`plan`. What was decoded is kept and reused (reduced when a smaller size is
    asked for), so asking twice costs once.
    """

    def __init__(self, data: bytes, formats: tuple[str, ...], limits: _Limits) -> None:
        self._data = data
        self._formats = formats
        self._limits = limits
        with _open(data, limits, formats) as header:
            self.format: str = header.format or ""
            stored = header.size
            try:
                # The base class's getexif reads what the header gave; PNG's own would decode
                # the whole image to look for an eXIf chunk after the pixels.
                orientation = Image.Image.getexif(header).get(ExifTags.Base.Orientation, 1)
            except Exception:
                orientation = 1  # a malformed EXIF block: exif_transpose leaves it too
        self.stored_size: tuple[int, int] = stored
        turned = orientation in (5, 6, 7, 8)
        self.size: tuple[int, int] = (stored[1], stored[0]) if turned else stored
        self._decoded: dict[int, Image.Image] = {}  # upright RGB/L, by DCT scale (1: whole)

    @property
    def pixels(self) -> int:
        return self.size[0] * self.size[1]

    @property
    def nbytes(self) -> int:
        """Size of the file: what a decoder reads, whatever the size it decodes at."""
        return len(self._data)

    @property
    def scalable(self) -> bool:
        """Whether the decoder itself gives a smaller image for less work (JPEG's DCT scaling)."""
        return self.format in ("JPEG", "MPO")

    def _scale_for(self, target: int) -> int:
        """The scale (1, 2, 4 or 8) at which the decoder gives a long side of at least
        ``target``; what ``Image.draft`` picks for it."""
        width, height = self.stored_size
        long_side = max(width, height)
        if not self.scalable or long_side <= target:
            return 1
        wanted = (max(1, width * target // long_side), max(1, height * target // long_side))
        fits = min(width // wanted[0], height // wanted[1])
        return next(s for s in (8, 4, 2, 1) if fits >= s)

    def _route(self, min_long_side: int | None) -> tuple[Decoding, int, int]:
        """The plan, the scale to decode at (or reuse) and the reduction after it."""
        width, height = self.size
        long_side = max(width, height)
        target = long_side if min_long_side is None else max(1, min(min_long_side, long_side))
        scale = self._scale_for(target)
        # A finer decode already made is reduced rather than a new one decoded; on formats
        # without DCT scaling, the whole is reduced by the largest factor that keeps ``target``.
        finer = [s for s in self._decoded if s <= scale and scale % s == 0]
        if finer:
            source = max(finer)
            factor = scale // source
            if not self.scalable:
                factor = max(1, long_side // target)
            cached = self._decoded[source]
            size = (-(-cached.width // factor), -(-cached.height // factor))
            reduced = cached.width * cached.height if factor > 1 else 0
            return Decoding(size, 0, reduced, factor), source, factor
        if self.scalable:
            size = (-(-width // scale), -(-height // scale))
            return Decoding(size, size[0] * size[1], 0, 1), scale, 1
        factor = max(1, long_side // target)
        size = (-(-width // factor), -(-height // factor))
        reduced = width * height if factor > 1 else 0
        return Decoding(size, width * height, reduced, factor), 1, factor

    def plan(self, min_long_side: int | None = None) -> Decoding:
        """How :meth:`decode` with this ``min_long_side`` would go, and what it would cost."""
        return self._route(min_long_side)[0]

    def decode(self, min_long_side: int | None = None) -> Image.Image:
        """The image as RGB or L, upright, with a long side of at least ``min_long_side`` (the
        whole when None, or when it is smaller). Raises :class:`ImageRejected` (``broken_image``,
        ``too_many_pixels``) for damage only a decode finds."""
        _plan, scale, factor = self._route(min_long_side)
        image = self._decoded.get(scale)
        if image is None:
            image = self._decode_at(scale)
            self._decoded[scale] = image
            if scale == 1:
                self.size = image.size  # an orientation only the pixels' end told (PNG eXIf)
        return image.reduce(factor) if factor > 1 else image

    def _decode_at(self, scale: int) -> Image.Image:
        ImageFile.LOAD_TRUNCATED_IMAGES = False  # see open_image
        image = _open(self._data, self._limits, self._formats)
        if scale > 1:
            width, height = image.size
            image.draft(None, (width // scale, height // scale))
        try:
            image.load()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _too_many_pixels(self._limits.max_pixels) from None
        except Exception:
            raise _broken() from None
        # In place: a copy of a whole 48 MP photo (146 MB) for nothing when it is upright. A
        # malformed EXIF block does not spoil the pixels: they are kept as they are.
        with contextlib.suppress(Exception):
            ImageOps.exif_transpose(image, in_place=True)
        try:
            return _as_rgb_or_l(image)
        except Exception:
            raise _broken() from None


def open_image(
    data: bytes,
    *,
    max_bytes: int = 10 * 1024 * 1024,
    max_pixels: int = 40_000_000,
    max_non_camera_pixels: int | None = None,
    max_aspect_ratio: float | None = None,
    allowed_formats: Collection[str] = ALLOWED_FORMATS,
) -> OpenedImage:
    """Check an uploaded image without decoding its pixels; an :class:`OpenedImage` to decode.

    Checks the size in bytes, the format, the dimensions from the header (``max_pixels``; and
    ``max_non_camera_pixels`` for formats no camera writes, :data:`CAMERA_FORMATS`), the shape
    (``max_aspect_ratio``, long side over short side) and the file's structure (``verify()``).
    Raises :class:`ImageRejected` as :func:`load_image` does, or with code ``too_narrow``.
    """
    formats = _pillow_formats(allowed_formats)
    # A truncated upload is refused, never half-decoded. Pillow's switch for this is global and
    # some libraries turn it on for the whole process when imported (WeasyPrint does), so it is
    # set here, and again before every decode.
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    if len(data) > max_bytes:
        raise ImageRejected(
            "too_large", MSG_TOO_LARGE, {"limit": _megabytes(max_bytes, 1024 * 1024)}
        )
    if not data:
        raise ImageRejected("not_an_image", MSG_NOT_AN_IMAGE)
    data = bytes(data)
    limits = _Limits(max_pixels, max_non_camera_pixels, max_aspect_ratio)

    with _open(data, limits, formats) as image:
        try:
            image.verify()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _too_many_pixels(max_pixels) from None
        except Exception:
            raise _broken() from None
    # verify() leaves the image unusable: OpenedImage opens it again, header only.
    return OpenedImage(data, formats, limits)


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
    ``not_an_image``, ``format_not_allowed``, ``broken_image`` or ``too_many_pixels``. The whole
    image is decoded: :func:`open_image` lets a caller decode less.
    """
    opened = open_image(
        data, max_bytes=max_bytes, max_pixels=max_pixels, allowed_formats=allowed_formats
    )
    return opened.decode()
