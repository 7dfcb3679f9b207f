"""Photos a shopper attaches to a complaint, made ready to be stored as evidence.

An upload is checked by :func:`barcode_db.images.open_image` (size, format, pixel count,
integrity) before any pixel is decoded, decoded no larger than it is stored (a JPEG at the DCT
scale that still gives ``STORED_LONG_SIDE``; other formats whole, then reduced), turned upright,
scaled down and re-encoded as a plain JPEG without any metadata. The SHA-256 of the bytes *as
uploaded* is kept, so the stored picture can be tied to the original file the shopper still has
on the phone, even though the original itself is not kept.

What one photo may cost is bounded by pixels: a camera format (JPEG, HEIC) up to
:data:`MAX_PHOTO_PIXELS`, any other format (a screenshot, an edit) up to
:data:`MAX_NON_CAMERA_PHOTO_PIXELS`, checked from the header; a 50 MP JPEG is decoded at half size.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field
from typing import Final, Protocol

from PIL import Image

from barcode_db.images import (
    MAX_CAMERA_PIXELS,
    MSG_BROKEN_IMAGE,
    ImageRejected,
    open_image,
)

__all__ = [
    "MAX_NON_CAMERA_PHOTO_PIXELS",
    "MAX_PHOTOS",
    "MAX_PHOTO_BYTES",
    "MAX_PHOTO_PIXELS",
    "PHOTO_FORMATS",
    "STORED_JPEG_QUALITY",
    "STORED_LONG_SIDE",
    "PhotoFacts",
    "PreparedPhoto",
    "prepare_photo",
]

PHOTO_FORMATS: Final = ("JPEG", "PNG", "WEBP", "HEIF")
"""Pillow format names accepted for complaint photos (HEIF covers the HEIC of phones)."""
MAX_PHOTO_BYTES: Final = 10 * 1024 * 1024
"""Largest upload accepted, per photo."""
MAX_PHOTOS: Final = 5
"""Most photos attached to one complaint."""
STORED_LONG_SIDE: Final = 2560
"""Longest side, in pixels, of a stored photo; larger uploads are scaled down, never up."""
MAX_PHOTO_PIXELS: Final = MAX_CAMERA_PIXELS
"""Most pixels of a photo in a camera format (JPEG, HEIC): 48-50 MP phones (8160 × 6120 = 49.9 MP)
are the largest a phone writes by default. A JPEG is decoded at half size (about 37 MB); a HEIC
of that size can only be decoded whole (about 150 MB, 0.5 s), one photo at a time."""
MAX_NON_CAMERA_PHOTO_PIXELS: Final = 24_000_000
"""Most pixels of a photo in another format (PNG, WebP): no phone camera writes those, but a photo
saved again by an editor or a camera app may be (6000 × 4000 = 24 MP from a 24 MP camera). They
can only be decoded whole: 24 MP of flat PNG take about 0.2 s and 72 MB."""
STORED_JPEG_QUALITY: Final = 85
"""JPEG quality of stored photos."""

_MPO = "MPO"  # multi-picture JPEG from some phones: Pillow's name for it, a JPEG to everyone else


class PhotoFacts(Protocol):
    """What evidence records of a photo: a :class:`PreparedPhoto`, or one kept for a form
    (:class:`~complaints.models.StagedPhoto`) and already stored."""

    @property
    def sha256_original(self) -> str: ...
    @property
    def sha256_stored(self) -> str: ...
    @property
    def width(self) -> int: ...
    @property
    def height(self) -> int: ...
    @property
    def original_format(self) -> str: ...
    @property
    def original_bytes(self) -> int: ...


def photo_columns(photo: PhotoFacts) -> dict[str, object]:
    """The stored photo's columns (:class:`~complaints.models.StoredPhotoColumns`) but its key."""
    return {
        "sha256_original": photo.sha256_original,
        "sha256_stored": photo.sha256_stored,
        "original_format": photo.original_format,
        "original_bytes": photo.original_bytes,
        "width": photo.width,
        "height": photo.height,
    }


@dataclass(frozen=True)
class PreparedPhoto:
    """A complaint photo as it is stored, with the facts about the upload it came from."""

    data: bytes = field(repr=False)  # JPEG as stored
    sha256_original: str  # hex of the bytes as uploaded (evidence)
    sha256_stored: str  # hex of ``data``
    width: int
    height: int
    original_format: str  # one of PHOTO_FORMATS
    original_bytes: int


def prepare_photo(data: bytes, *, max_bytes: int = MAX_PHOTO_BYTES) -> PreparedPhoto:
    """Validate an uploaded photo and re-encode it for storage as a metadata-free JPEG.

    Location privacy: phone photos carry EXIF, and often GPS coordinates of where they were taken
    (the shopper's home, say), plus camera serial numbers, XMP and maker notes. Complaint photos
    may be shown to staff, to the company complained about or published, so nothing but the
    pixels is kept: the orientation is applied to the pixels, wide-gamut colour is converted to
    sRGB, and the JPEG is written from a fresh image with no EXIF, XMP, ICC profile or comment.
    Raises :class:`~barcode_db.images.ImageRejected` as :func:`~barcode_db.images.open_image`
    does (``format_not_allowed`` for GIF, BMP and TIFF, which barcode reading takes).
    """
    data = bytes(data)
    opened = open_image(
        data,
        max_bytes=max_bytes,
        max_pixels=MAX_PHOTO_PIXELS,
        max_non_camera_pixels=MAX_NON_CAMERA_PHOTO_PIXELS,
        allowed_formats=PHOTO_FORMATS,
    )
    original_format = _format_name(opened.format)

    # Decoded no larger than needed (at least STORED_LONG_SIDE), then scaled to the size the
    # upright photo has at STORED_LONG_SIDE.
    image = _to_srgb(opened.decode(min_long_side=STORED_LONG_SIDE))
    width, height = opened.size  # upright, as the decode found it
    del opened  # with it the whole decode it keeps for reuse
    size = (width, height)
    if max(width, height) > STORED_LONG_SIDE:
        scale = STORED_LONG_SIDE / max(width, height)
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
    if image.size != size:
        image = image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)

    # A new image has an empty ``info`` (and no ``encoderinfo``), so Pillow has no EXIF, XMP,
    # ICC profile or comment from the upload to carry into the JPEG.
    clean = Image.new(image.mode, image.size)
    clean.paste(image)
    out = io.BytesIO()
    clean.save(out, "JPEG", quality=STORED_JPEG_QUALITY, optimize=True, exif=b"")
    stored = out.getvalue()

    return PreparedPhoto(
        data=stored,
        sha256_original=hashlib.sha256(data).hexdigest(),
        sha256_stored=hashlib.sha256(stored).hexdigest(),
        width=clean.width,
        height=clean.height,
        original_format=original_format,
        original_bytes=len(data),
    )


def _format_name(name: str) -> str:
    """The format recorded for an upload ``open_image`` accepted (an MPO is a JPEG)."""
    if name == _MPO:
        return "JPEG"
    if name not in PHOTO_FORMATS:  # cannot happen after open_image; refuse rather than guess
        raise ImageRejected("broken_image", MSG_BROKEN_IMAGE)
    return name


def _to_srgb(image: Image.Image) -> Image.Image:
    """Convert an RGB image with an embedded colour profile (Display P3, …) to sRGB pixels."""
    icc = image.info.get("icc_profile")
    if not icc or image.mode != "RGB":
        return image
    try:
        from PIL import ImageCms

        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        if source.profile.xcolor_space.strip() != "RGB":
            return image
        converted = ImageCms.profileToProfile(
            image, source, ImageCms.createProfile("sRGB"), outputMode="RGB"
        )
    except Exception:
        return image  # a broken profile: keep the pixels as they are, unconverted
    return converted if isinstance(converted, Image.Image) else image
