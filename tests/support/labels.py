"""Synthetic product-label photos for barcode tests.

Everything here is deterministic for a given ``seed``: the same arguments give the same pixels, so a
test that fails, fails every time. The barcode itself is drawn by python-barcode's ``ImageWriter``
(EAN-13, EAN-8, UPC-A; UPC-E, which python-barcode lacks, by a small :class:`UniversalProductCodeE`
built on the same writer) or by the ``qrcode`` package, then pasted on a paper panel with some
printed text, laid on a noisy coloured background ("the shelf") and optionally rotated, blurred and
JPEG-recompressed like a phone photo.
"""

from __future__ import annotations

import io
import random
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

import barcode
import qrcode
from barcode.base import Barcode
from barcode.charsets import ean as ean_charset
from barcode.ean import EAN8, EAN13
from barcode.upc import UPCA
from barcode.writer import ImageWriter
from PIL import ExifTags, Image, ImageChops, ImageDraw, ImageFilter, ImageFont

RGB = tuple[int, int, int]

DEFAULT_TEXT = ("Sữa tươi", "Sản xuất tại Việt Nam")


# --- check digits, computed independently of the code under test ----------------------------------


def gs1_check_digit(body: str) -> str:
    """GS1 mod-10 check digit of ``body`` (the code without it): weights 3,1,3,… from the right."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return str((10 - total % 10) % 10)


def with_check_digit(body: str) -> str:
    """``body`` plus its GS1 check digit, e.g. ``"893467300001"`` → ``"8934673000017"``."""
    return body + gs1_check_digit(body)


def upce_to_upca(upce: str) -> str:
    """Expand a UPC-E (number system, 6 digits[, check]) to the 11-digit UPC-A body."""
    ns, d = upce[0], upce[1:7]
    last = d[5]
    if last in "012":
        return ns + d[0:2] + last + "0000" + d[2:5]
    if last == "3":
        return ns + d[0:3] + "00000" + d[3:5]
    if last == "4":
        return ns + d[0:4] + "00000" + d[4]
    return ns + d[0:5] + "0000" + last


def upce_with_check_digit(body: str) -> str:
    """A 7-digit UPC-E body (``0`` or ``1``, 6 digits) plus its check digit (the UPC-A's)."""
    return body + gs1_check_digit(upce_to_upca(body))


# --- UPC-E for python-barcode ---------------------------------------------------------------------

_UPCE_END = "010101"


class UniversalProductCodeE(Barcode):
    """UPC-E (8 digits: number system 0/1, 6 data digits, check digit) for python-barcode's writers.

    The parity of the six data digits encodes the number system and the check digit: for number
    system 1 it is EAN-13's left-hand pattern for the check digit, for number system 0 its mirror.
    """

    name = "UPC-E"
    digits = 8

    def __init__(self, code: str, writer: Any = None) -> None:
        if len(code) != 8 or not code.isdigit() or code[0] not in "01":
            raise ValueError(f"UPC-E needs 8 digits starting with 0 or 1, got {code!r}")
        self.code = code
        self.writer = writer or ImageWriter()

    def get_fullcode(self) -> str:
        return self.code

    def build(self) -> list[str]:
        pattern = ean_charset.LEFT_PATTERN[int(self.code[7])]
        if self.code[0] == "0":
            pattern = pattern.translate(str.maketrans("AB", "BA"))
        bars = ean_charset.EDGE
        for parity, digit in zip(pattern, self.code[1:7], strict=True):
            bars += ean_charset.CODES[parity][int(digit)]
        return [bars + _UPCE_END]


def barcode_image(code: str, symbology: str = "ean13", *, scale: float = 1.0) -> Image.Image:
    """Only the symbol (with its quiet zones), black on white, about 4 px per module at ``scale=1``.

    ``code`` is the full code including the check digit, which is drawn as given (so a test can
    also print a wrong one). ``symbology``: ``ean13``, ``ean8``, ``upca``, ``upce`` or ``qr``.
    """
    kind = symbology.lower().replace("-", "")
    if kind == "qr":
        return _qr_image(code, scale=scale)
    options = {
        "write_text": False,
        "module_width": 0.33 * scale,
        "module_height": 22.0 * scale,
        "quiet_zone": 4.0 * scale,
        "dpi": 300,
    }
    symbol: Barcode
    if kind == "ean13":
        symbol = EAN13(code, writer=ImageWriter(), no_checksum=True)
    elif kind == "ean8":
        symbol = EAN8(code, writer=ImageWriter(), no_checksum=True)
    elif kind == "upca":
        symbol = UPCA(code[:11], writer=ImageWriter())
        symbol.upc = code  # draw the check digit as given
    elif kind == "upce":
        symbol = UniversalProductCodeE(code)
    else:
        raise ValueError(f"unknown symbology {symbology!r}")
    image = symbol.render(options)
    assert isinstance(image, Image.Image)
    return image.convert("RGB")


def _qr_image(text: str, *, scale: float = 1.0) -> Image.Image:
    qr = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        box_size=max(2, round(8 * scale)),
        border=4,
    )
    qr.add_data(text.encode("utf-8"))
    qr.make(fit=True)
    return qr.make_image().get_image().convert("RGB")


# --- the photo ------------------------------------------------------------------------------------


def render_label(
    code: str,
    symbology: str = "ean13",
    *,
    size: tuple[int, int] = (1600, 1200),
    angle: float = 0.0,
    blur: float = 0.0,
    jpeg_quality: int | None = None,
    background: RGB = (235, 230, 220),
    text_lines: Sequence[str] = DEFAULT_TEXT,
    scale: float = 1.0,
    seed: int = 0,
) -> Image.Image:
    """A photo-like RGB image of ``size`` showing one label with one barcode.

    ``angle`` rotates the label (counter-clockwise, degrees) inside the photo; ``blur`` is a
    Gaussian radius in pixels applied to the whole photo; ``jpeg_quality`` round-trips it through
    JPEG; ``scale`` multiplies the module size. ``symbology`` may also be ``qr`` (``code`` is
    then text).
    """
    return render_scene(
        [(code, symbology)],
        size=size,
        angle=angle,
        blur=blur,
        jpeg_quality=jpeg_quality,
        background=background,
        text_lines=text_lines,
        scale=scale,
        seed=seed,
    )


def qr_label(text: str, **kwargs: Any) -> Image.Image:
    """Like :func:`render_label` for a QR code carrying ``text`` (UTF-8)."""
    return render_label(text, "qr", **kwargs)


def render_scene(
    items: Sequence[tuple[str, str]],
    *,
    size: tuple[int, int] = (1600, 1200),
    angle: float = 0.0,
    blur: float = 0.0,
    jpeg_quality: int | None = None,
    background: RGB = (235, 230, 220),
    text_lines: Sequence[str] = DEFAULT_TEXT,
    scale: float = 1.0,
    seed: int = 0,
) -> Image.Image:
    """A photo with one label per ``(code, symbology)`` item, side by side (empty list: no code)."""
    rng = random.Random(seed)
    photo = _noisy_background(size, background, rng)
    slot_width = size[0] // max(1, len(items))
    for index, (code, symbology) in enumerate(items):
        symbol = barcode_image(code, symbology, scale=scale)
        panel = _panel(symbol, text_lines, max(10, round(24 * scale)), rng)
        if angle:
            panel = panel.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True)
        if panel.width > slot_width or panel.height > size[1]:
            raise ValueError(f"label {panel.size} does not fit in a {slot_width}×{size[1]} slot")
        x = index * slot_width + rng.randint(0, slot_width - panel.width)
        y = rng.randint(0, size[1] - panel.height)
        photo.paste(panel, (x, y), panel)
    if not items:
        _draw_text(photo, text_lines, (size[0] // 4, size[1] // 3), 24, rng)
    if blur:
        photo = photo.filter(ImageFilter.GaussianBlur(blur))
    if jpeg_quality is not None:
        photo = Image.open(io.BytesIO(to_jpeg_bytes(photo, quality=jpeg_quality)))
        photo.load()
    return photo


def _noisy_background(size: tuple[int, int], colour: RGB, rng: random.Random) -> Image.Image:
    photo = Image.new("RGB", size, colour)
    draw = ImageDraw.Draw(photo)
    for _ in range(12):  # blobs of packaging artwork
        x, y = rng.randrange(size[0]), rng.randrange(size[1])
        r = rng.randint(size[0] // 30, size[0] // 8)
        fill = tuple(rng.randint(60, 230) for _ in range(3))
        draw.ellipse((x - r, y - r, x + r, y + r), fill=fill)
    photo = photo.filter(ImageFilter.GaussianBlur(6))
    # Sensor noise: ±12 grey levels, the same for all three channels.
    noise = Image.frombytes("L", size, rng.randbytes(size[0] * size[1])).point(
        lambda v: v * 25 // 256
    )
    return ImageChops.add(photo, Image.merge("RGB", (noise, noise, noise)), scale=1.0, offset=-12)


def _panel(
    symbol: Image.Image, text_lines: Sequence[str], font_size: int, rng: random.Random
) -> Image.Image:
    """White paper with a coloured border, the text lines on top and the symbol below; RGBA."""
    pad = max(20, symbol.width // 12)
    text_height = round(1.4 * font_size) * len(text_lines)
    font = _font(font_size)
    text_width = max((round(font.getlength(line)) for line in text_lines), default=0)
    width = max(symbol.width, text_width) + 2 * pad
    height = symbol.height + text_height + 3 * pad
    border = (rng.randint(0, 160), rng.randint(0, 160), rng.randint(0, 160), 255)
    panel = Image.new("RGBA", (width, height), border)
    ImageDraw.Draw(panel).rectangle((8, 8, width - 9, height - 9), fill=(250, 249, 244, 255))
    _draw_text(panel, text_lines, (pad, pad), font_size, rng)
    panel.paste(symbol, ((width - symbol.width) // 2, 2 * pad + text_height))
    return panel


# python-barcode ships DejaVu Sans Mono, which has the Vietnamese letters; Pillow's built-in font
# (the fallback) draws boxes for most of them.
_FONT_PATH = Path(barcode.__file__).parent / "fonts" / "DejaVuSansMono.ttf"


@cache
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    try:
        return ImageFont.truetype(str(_FONT_PATH), size)
    except OSError:
        return ImageFont.load_default(size=size)


def _draw_text(
    image: Image.Image,
    text_lines: Sequence[str],
    origin: tuple[int, int],
    font_size: int,
    rng: random.Random,
) -> None:
    font = _font(font_size)
    draw = ImageDraw.Draw(image)
    colour = tuple(rng.randint(0, 90) for _ in range(3))
    for row, line in enumerate(text_lines):
        draw.text(
            (origin[0], origin[1] + round(1.4 * font_size) * row), line, font=font, fill=colour
        )


# --- files ----------------------------------------------------------------------------------------

# GPS position of Hoàn Kiếm Lake, Hà Nội, as EXIF rationals (degrees, minutes, seconds).
_GPS = {
    ExifTags.GPS.GPSLatitudeRef: "N",
    ExifTags.GPS.GPSLatitude: (21.0, 1.0, 43.0),
    ExifTags.GPS.GPSLongitudeRef: "E",
    ExifTags.GPS.GPSLongitude: (105.0, 51.0, 7.0),
}


def to_jpeg_bytes(
    img: Image.Image, quality: int = 85, exif_gps: bool = False, *, orientation: int | None = None
) -> bytes:
    """``img`` as JPEG bytes, with a small EXIF block like a phone's.

    ``exif_gps`` adds a GPS IFD (a position in Hà Nội); ``orientation`` sets the EXIF Orientation
    tag (the pixels are stored as given: pass an already rotated image to fake a phone photo).
    """
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Hang Viet Test"
    exif[ExifTags.Base.Model] = "Label Camera"
    if orientation is not None:
        exif[ExifTags.Base.Orientation] = orientation
    if exif_gps:
        exif.get_ifd(ExifTags.IFD.GPSInfo).update(_GPS)
    out = io.BytesIO()
    img.convert("RGB").save(out, "JPEG", quality=quality, exif=exif)
    return out.getvalue()


def to_png_bytes(img: Image.Image) -> bytes:
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


# --- label text for the label reader --------------------------------------------------------------

# Debian's fonts-dejavu-core (installed by scripts/run and scripts/test): proportional, with every
# Vietnamese letter precomposed.
_SANS = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
_SANS_BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"


@cache
def _sans(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(_SANS_BOLD if bold else _SANS, size)


def label_photo(
    brand: str | None,
    lines: Sequence[str] = (),
    *,
    code: str | None = None,
    size: tuple[int, int] = (1600, 1200),
    text_size: int = 34,
    seed: int = 0,
) -> Image.Image:
    """A plain, well-lit photo of a pack's label: the brand large and bold, then ``lines`` of
    small print, then (if ``code``) an EAN-13. What the label reader must read without fail."""
    rng = random.Random(seed)
    photo = Image.new("RGB", size, (226, 232, 238))
    draw = ImageDraw.Draw(photo)
    x, y = size[0] // 16, size[1] // 14
    if brand:
        draw.text((x, y), brand, font=_sans(round(text_size * 1.0), bold=True), fill=(150, 20, 30))
        y += round(text_size * 2.0)
    for line in lines:
        draw.text((x, y), line, font=_sans(text_size), fill=(20, 30, 60))
        y += round(text_size * 1.6)
    if code:
        symbol = barcode_image(code, scale=1.2)
        if y + symbol.height > size[1]:
            raise ValueError("the text and the barcode do not fit in the photo")
        photo.paste(symbol, (x + rng.randint(0, 20), y + text_size))
    return photo
