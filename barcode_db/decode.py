"""Read product barcodes (EAN-13, EAN-8, UPC-A, UPC-E) and QR codes from a photo: one answer per
barcode, or none.

Two engines sit behind :func:`read_barcodes`, both restricted to those five symbologies: zxing-cpp
(fast, reads tilted codes) and ZBar through pyzbar's ctypes wrapper (five times slower, reads some
blurred 1-D codes zxing-cpp misses). A photo goes through passes, cheapest and likeliest first:
zxing-cpp on the photo (long side downscaled to 2000 px if larger); what it read once, cut out at
full resolution and read again by both engines ("confirm"); the barcode-like regions that nothing
read explains (:mod:`barcode_db.bar_regions`), cut out at full resolution, enlarged when small,
with the codes already read masked out ("region"); both engines on the photo with its contrast
stretched; upright regions still unread with the print beside the bars masked at a wide space
("trim", fragile); zxing-cpp at full resolution; ZBar on the photo; unsharp masking; a 2x upscale
of a small photo; last, strong unsharp masks scanned by zxing-cpp with two binarizers. Reads of
fragile passes only count when a second attempt read the same code; a UPC-E only when both
engines read it.

**One barcode, one answer.** Every 1-D read is re-checked with its GS1 mod-10 check digit, but a
garbled read passes it one time in ten, and each pass and engine is another draw: the misreads seen
in the field keep the right half of an EAN-13 and get the left half wrong, or make a UPC-E out of the
halves of a longer code. So reads carry where they were found, and reads are never taken in the
order they came. Reads of the same digits are one *value*, with the set of (engine, pass) that read
it - its votes. Two values whose places on the image overlap are rival readings of one barcode: the
one with at least two votes, twice the votes of the other and every engine that read the other
wins (two stacked codes are told apart by the blank band between them); when neither wins, the
photo gives no number for that barcode but a :class:`Disagreement` naming both, and the caller asks
for a closer photo. A UPC-E overlapped by a longer code is dropped (it is made of that code's
halves). Values that do not overlap are different codes, all returned. The search stops after the
first pass that leaves every barcode settled (a value with two votes, no rival left undecided).

**The budget is work, not time**: a step (preparing a pass image, or one engine on it) costs its
pixels times a per-kind weight, in "work units" (:data:`WORK_WEIGHTS`); a step that does not fit in
what is left of ``work_budget`` is skipped, the first always runs (:func:`first_step_work` says
what it costs, before anything is done). The same photo therefore decodes the same on an idle and
on a busy machine; a busy machine only takes longer to give that answer. Everything the passes
need is counted: the photo's conversion to grey, its downscaling, the search for barcode-like
regions, and - for an upload given as an :class:`~barcode_db.images.OpenedImage` - decoding the
file itself. Such an upload is decoded downscaled first (a JPEG at a DCT scale,
:data:`FIRST_PASS_LONG_SIDE` or a little more), and at full resolution (:data:`WORKING_LONG_SIDE`)
only when a pass that needs it fits in the budget: a flat 16 MP PNG or a 50 MP JPEG costs its first
look, and never more than the budget after it. :attr:`BarcodeReading.steps` names every step that
ran.

The bars of a UPC-A and of an EAN-13 starting with 0 are the same, and the engines name them
differently (zxing-cpp 3: EAN-13 with a leading 0; ZBar: UPC-A), so both come back as UPC-A with 12
digits.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from ctypes import c_void_p, cast, string_at
from dataclasses import dataclass, field
from typing import Final, Literal

import numpy as np
import zxingcpp
from biip import BiipException
from biip.checksums import gs1_standard_check_digit
from biip.upc import Upc
from PIL import Image, ImageDraw, ImageFilter, ImageOps
from pyzbar import wrapper as zbar

from barcode_db.bar_regions import BLOCK, bar_regions
from barcode_db.images import Decoding, OpenedImage, open_image

__all__ = [
    "DEFAULT_WORK_BUDGET",
    "BarcodeReading",
    "Box",
    "DecodedCode",
    "Disagreement",
    "decode_bytes",
    "decode_image",
    "first_step_work",
    "read_barcodes",
]

Symbology = Literal["EAN13", "EAN8", "UPCA", "UPCE", "QR"]

FIRST_PASS_LONG_SIDE: Final = 2000
"""Photos larger than this (long side, px) are first scanned downscaled to it, never smaller."""

WORKING_LONG_SIDE: Final = 3000
"""An upload (:class:`~barcode_db.images.OpenedImage`) is read at full resolution up to twice this
long side: a 12 MP phone photo (4032 px) whole, a 48-50 MP one at the JPEG DCT scale of 1/2 (4080
px), which is what its binned sensor resolves anyway, for a quarter of the work and memory."""

SMALL_LONG_SIDE: Final = 1000
"""Photos smaller than this get a 2x upscaled pass as a last resort."""

UPC_E_VOTES: Final = 3
"""Votes a UPC-E read by one engine only needs (with clear quiet zones) to be believed."""

STACKED_VOTES: Final = 3
"""Votes each of two different codes needs to be told apart as stacked (see _Value.rivals)."""

BAR_REACH: Final = 0.75
"""How far, as a share of a 1-D read's length, its bars may reach on either side of the scanlines
that read it: EAN/UPC bars are about 0.7 of the symbol's width high, and a read may come from a
scanline at the top of the bars and another from one at the bottom."""


@dataclass(frozen=True)
class Box:
    """An axis-aligned rectangle on the photo, in its pixels."""

    left: float
    top: float
    right: float
    bottom: float
    #: For a 1-D read: whether the code runs along x (bars upright), as the engine scanned it;
    #: None when unknown (then the longer side is taken for the code's length).
    along_x: bool | None = None

    @classmethod
    def around(
        cls, points: Iterable[tuple[float, float]], along_x: bool | None = None
    ) -> Box | None:
        xs, ys = [], []
        for x, y in points:
            xs.append(float(x))
            ys.append(float(y))
        if not xs:
            return None
        return cls(min(xs), min(ys), max(xs), max(ys), along_x)

    @property
    def width(self) -> float:
        return self.right - self.left

    @property
    def height(self) -> float:
        return self.bottom - self.top

    def scaled(self, factor: float) -> Box:
        return Box(
            self.left * factor,
            self.top * factor,
            self.right * factor,
            self.bottom * factor,
            self.along_x,
        )

    def moved(self, dx: float, dy: float) -> Box:
        return Box(self.left + dx, self.top + dy, self.right + dx, self.bottom + dy, self.along_x)

    def union(self, other: Box) -> Box:
        return Box(
            min(self.left, other.left),
            min(self.top, other.top),
            max(self.right, other.right),
            max(self.bottom, other.bottom),
            self.along_x if self.along_x == other.along_x else None,
        )

    @property
    def _along_x(self) -> bool:
        return self.along_x if self.along_x is not None else self.width >= self.height

    def _spans(self) -> tuple[float, float]:
        """(extent along the code, extent across it)."""
        if self._along_x:
            return self.width, self.height
        return self.height, self.width

    @property
    def degenerate(self) -> bool:
        """Whether the read's extent along the code is unknown: ZBar reports, for a blurred or
        partial read, points at one end of its scanlines only."""
        along, across = self._spans()
        return along < max(8.0, 0.5 * across)

    def apart_across(self, other: Box) -> bool:
        """Whether the two are side by side across the code (one above the other, for upright
        bars): no scanline of one is among the other's."""
        if self._along_x:
            return self.bottom < other.top or other.bottom < self.top
        return self.right < other.left or other.right < self.left

    def footprint(self) -> Box:
        """Where the bars of a 1-D read may be: the box widened across the code by BAR_REACH of
        its length (and, when its length is unknown, along it by its height)."""
        along, across = self._spans()
        length = max(along, across)
        reach = BAR_REACH * length
        stretch = length if self.degenerate else 0.0
        if self._along_x:
            return Box(
                self.left - stretch, self.top - reach, self.right + stretch, self.bottom + reach
            )
        return Box(self.left - reach, self.top - stretch, self.right + reach, self.bottom + stretch)

    def shares_bars_with(self, other: Box) -> bool:
        """Whether two 1-D reads may have come from the same bars: their footprints meet, over at
        least a quarter of the shorter one's length along the code (when both lengths are
        known)."""
        a, b = self.footprint(), other.footprint()
        across_x = min(a.right, b.right) - max(a.left, b.left)
        across_y = min(a.bottom, b.bottom) - max(a.top, b.top)
        if across_x < 0 or across_y < 0:
            return False
        if self.degenerate or other.degenerate:
            return True
        horizontal = self._along_x
        along = across_x if horizontal else across_y
        length = min(
            self.width if horizontal else self.height, other.width if horizontal else other.height
        )
        return along >= 0.25 * length


@dataclass(frozen=True)
class DecodedCode:
    """One code read from an image.

    ``text`` is what is printed under the bars: 13 digits for EAN-13, 8 for EAN-8, 12 for UPC-A,
    8 for UPC-E (number system, 6 digits, check digit); the decoded text for a QR code.
    """

    symbology: Symbology
    text: str
    engine: str  # "zxing-cpp" or "zbar"
    pass_name: str  # the preprocessing pass that read it, e.g. "original", "sharpen"
    confirmed_by: str = ""  # for a read by a fragile pass: the "engine/pass" that read it too
    #: Where on the photo it was read (None when the engine did not say).
    box: Box | None = field(default=None, compare=False)
    #: How many (engine, pass) attempts read these digits.
    votes: int = field(default=1, compare=False)

    @property
    def is_product_code(self) -> bool:
        """True for the 1-D retail symbologies (EAN/UPC), False for QR."""
        return self.symbology != "QR"

    @property
    def gtin(self) -> str | None:
        """The GTIN as 14 digits (zero-padded; UPC-E expanded), or None for a QR code."""
        if self.symbology == "QR":
            return None
        if self.symbology == "UPCE":
            return Upc.parse(self.text).as_upc_a().zfill(14)
        return self.text.zfill(14)


# --- check digits --------------------------------------------------------------------------------

_DIGITS = {n: re.compile(rf"[0-9]{{{n}}}") for n in (8, 12, 13)}


def _has_valid_check_digit(digits: str) -> bool:
    return gs1_standard_check_digit(digits[:-1]) == int(digits[-1])


def _normalise_1d(symbology: str, text: str) -> tuple[Symbology, str] | None:
    """(symbology, printed digits) for a raw engine read, or None if it is malformed or misread."""
    text = text.strip()
    if symbology in ("EAN13", "UPCA") and _DIGITS[13].fullmatch(text):
        if not _has_valid_check_digit(text):
            return None
        return ("UPCA", text[1:]) if text[0] == "0" else ("EAN13", text)
    if symbology == "UPCA" and _DIGITS[12].fullmatch(text):
        return ("UPCA", text) if _has_valid_check_digit(text) else None
    if symbology == "EAN8" and _DIGITS[8].fullmatch(text):
        return ("EAN8", text) if _has_valid_check_digit(text) else None
    if symbology == "UPCE" and _DIGITS[8].fullmatch(text) and text[0] == "0":
        # GS1 defines UPC-E for number system 0 only. Number system 1 is what the left half of an
        # EAN-13 or UPC-A (all odd parity first) looks like when misread as a UPC-E, which
        # zxing-cpp does on tilted codes; ZBar does not read number system 1 at all.
        try:
            upc_a = Upc.parse(text).as_upc_a()
        except (BiipException, ValueError):
            return None
        return ("UPCE", text) if _has_valid_check_digit(upc_a) else None
    return None


# --- engines -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Read:
    symbology: Symbology
    text: str
    key: tuple[str, str | bytes]  # what makes two reads the same code
    points: tuple[tuple[float, float], ...] = ()  # where, in the scanned image's pixels
    along_x: bool | None = None  # a 1-D code scanned along x (bars upright); None: unknown


def _read_1d(
    symbology: str,
    text: str,
    points: tuple[tuple[float, float], ...] = (),
    along_x: bool | None = None,
) -> _Read | None:
    normalised = _normalise_1d(symbology, text)
    if normalised is None:
        return None
    kind, digits = normalised
    gtin = Upc.parse(digits).as_upc_a() if kind == "UPCE" else digits
    return _Read(kind, digits, ("gtin", gtin.zfill(14)), points, along_x)


def _zxing_points(result: object) -> tuple[tuple[float, float], ...]:
    position = getattr(result, "position", None)
    if position is None:
        return ()
    corners = (position.top_left, position.top_right, position.bottom_right, position.bottom_left)
    return tuple((float(p.x), float(p.y)) for p in corners)


_ZX = zxingcpp.BarcodeFormat
_ZXING_FORMATS = zxingcpp.BarcodeFormats(
    [_ZX.EAN13, _ZX.EAN8, _ZX.UPCA, _ZX.UPCE, _ZX.QRCodeModel1, _ZX.QRCodeModel2]
)
_ZXING_1D: Final = {_ZX.EAN13: "EAN13", _ZX.EAN8: "EAN8", _ZX.UPCA: "UPCA", _ZX.UPCE: "UPCE"}
_ZXING_QR: Final = {_ZX.QRCode, _ZX.QRCodeModel1, _ZX.QRCodeModel2}


def _zxing(
    image: Image.Image, binarizer: zxingcpp.Binarizer = zxingcpp.Binarizer.LocalAverage
) -> Iterator[_Read]:
    options: dict[str, object] = {}
    if binarizer != zxingcpp.Binarizer.LocalAverage:
        options["binarizer"] = binarizer
    for result in zxingcpp.read_barcodes(
        image,
        formats=_ZXING_FORMATS,
        try_rotate=True,
        text_mode=zxingcpp.TextMode.Plain,
        **options,  # type: ignore[arg-type]
    ):
        points = _zxing_points(result)
        if result.format in _ZXING_QR:
            if result.text:
                yield _Read("QR", result.text, ("qr", result.bytes), points)
            continue
        symbology = _ZXING_1D.get(result.format)
        if symbology is None:
            continue
        text = result.text
        if symbology == "UPCE":
            # zxing-cpp 3 gives the expanded GTIN-13 as text and the printed code in ``extra``.
            extra = result.extra
            printed = extra.get("UPCE") if isinstance(extra, dict) else None
            if not isinstance(printed, str):
                printed = _compress_to_upc_e(text)
                if printed is None:
                    continue
            text = printed
        orientation = getattr(result, "orientation", None)
        along_x = None if orientation is None else abs(abs(int(orientation)) - 90) > 45
        read = _read_1d(symbology, text, points, along_x)
        if read is not None:
            yield read


def _compress_to_upc_e(gtin_13: str) -> str | None:
    if not _DIGITS[13].fullmatch(gtin_13) or gtin_13[0] != "0":
        return None
    try:
        return Upc.parse(gtin_13[1:]).as_upc_e()
    except (BiipException, ValueError):
        return None


_ZBAR_1D: Final = {
    zbar.ZBarSymbol.EAN13: "EAN13",
    zbar.ZBarSymbol.EAN8: "EAN8",
    zbar.ZBarSymbol.UPCA: "UPCA",
    zbar.ZBarSymbol.UPCE: "UPCE",
}
_ZBAR_WANTED: Final = frozenset((*_ZBAR_1D, zbar.ZBarSymbol.QRCODE))
_ZBAR_CFG_BINARY: Final = 4  # zbar.h ZBAR_CFG_BINARY (ZBar >= 0.23); pyzbar 0.1.9 predates it
_ZBAR_Y800: Final = 0x30303859  # fourcc "Y800": 8-bit grayscale


_ZbarRead = tuple[int, bytes, tuple[tuple[float, float], ...], bool | None]


def _zbar_scan(gray: Image.Image) -> tuple[list[_ZbarRead], bool]:
    """ZBar's raw reads, ``[(zbar symbol type, data, points)]``, and whether QR data are raw
    bytes. ``points`` are where the symbol was read (for a 1-D code, on each scanline).

    Like ``pyzbar.decode`` but asks for QR payloads as raw bytes (ZBAR_CFG_BINARY): otherwise ZBar
    guesses the text encoding and often takes UTF-8 Vietnamese for Shift-JIS, giving mojibake.
    """
    pixels = gray.tobytes()
    reads: list[_ZbarRead] = []
    scanner = zbar.zbar_image_scanner_create()
    if not scanner:
        return reads, False
    try:
        for symbol_type in zbar.ZBarSymbol:
            enable = 1 if symbol_type in _ZBAR_WANTED else 0
            zbar.zbar_image_scanner_set_config(
                scanner, symbol_type, zbar.ZBarConfig.CFG_ENABLE, enable
            )
        raw_qr = (
            zbar.zbar_image_scanner_set_config(scanner, zbar.ZBarSymbol.QRCODE, _ZBAR_CFG_BINARY, 1)
            == 0
        )
        zimage = zbar.zbar_image_create()
        if not zimage:
            return reads, raw_qr
        try:
            zbar.zbar_image_set_format(zimage, _ZBAR_Y800)
            zbar.zbar_image_set_size(zimage, gray.width, gray.height)
            # ctypes accepts bytes here (a char pointer); typeshed does not know it.
            zbar.zbar_image_set_data(zimage, cast(pixels, c_void_p), len(pixels), None)  # type: ignore[arg-type]
            if zbar.zbar_scan_image(scanner, zimage) > 0:
                symbol = zbar.zbar_image_first_symbol(zimage)
                while symbol:
                    data = string_at(
                        zbar.zbar_symbol_get_data(symbol),
                        zbar.zbar_symbol_get_data_length(symbol),
                    )
                    points = tuple(
                        (
                            float(zbar.zbar_symbol_get_loc_x(symbol, i)),
                            float(zbar.zbar_symbol_get_loc_y(symbol, i)),
                        )
                        for i in range(zbar.zbar_symbol_get_loc_size(symbol))
                    )
                    # ZBar's orientation: 0 up, 1 right, 2 down, 3 left, -1 unknown.
                    turned = zbar.zbar_symbol_get_orientation(symbol)
                    along_x = None if turned not in (0, 1, 2, 3) else turned in (0, 2)
                    reads.append((symbol.contents.type, data, points, along_x))
                    symbol = zbar.zbar_symbol_next(symbol)
        finally:
            zbar.zbar_image_destroy(zimage)
    finally:
        zbar.zbar_image_scanner_destroy(scanner)
    return reads, raw_qr


def _zbar(image: Image.Image) -> Iterator[_Read]:
    reads, raw_qr = _zbar_scan(image if image.mode == "L" else image.convert("L"))
    for symbol_type, data, points, along_x in reads:
        if symbol_type == zbar.ZBarSymbol.QRCODE:
            text = _qr_text(data, raw=raw_qr)
            if text:
                yield _Read("QR", text, ("qr", data if raw_qr else text), points)
        elif symbol_type in _ZBAR_1D:
            read = _read_1d(_ZBAR_1D[symbol_type], data.decode("ascii", "replace"), points, along_x)
            if read is not None:
                yield read


def _qr_text(data: bytes, *, raw: bool) -> str:
    """The text of a QR payload from ZBar.

    ``raw``: ``data`` is the payload as encoded - UTF-8 in practice, Shift-JIS on some Japanese
    goods, ISO 8859-1 by the letter of the standard. Otherwise (ZBar < 0.23) ``data`` is ZBar's
    UTF-8 rendering of its charset guess; UTF-8 it took for Shift-JIS, Big5 or ISO 8859-1 is
    turned back where the guess can be undone.
    """
    if raw:
        for encoding in ("utf-8", "shift_jis"):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                continue
        return data.decode("latin-1")
    text = data.decode("utf-8", "replace")
    if not text.isascii():
        for guess in ("shift_jis", "big5", "latin-1"):
            try:
                return text.encode(guess).decode("utf-8")
            except UnicodeError:
                continue
    return text


def _zxing_fixed(image: Image.Image) -> Iterator[_Read]:
    """zxing-cpp with a fixed threshold: reads strongly sharpened blurred bars LocalAverage loses."""
    return _zxing(image, zxingcpp.Binarizer.FixedThreshold)


Engine = Callable[[Image.Image], Iterator[_Read]]
_ENGINES: Final[tuple[tuple[str, Engine], ...]] = (("zxing-cpp", _zxing), ("zbar", _zbar))
"""The engines of the ordinary passes, whose checked reads are trusted as they are."""

_FRAGILE_ENGINES: Final[tuple[tuple[str, Engine], ...]] = (
    ("zxing-cpp", _zxing),
    ("zxing-cpp-fixed", _zxing_fixed),
)
"""The engines of the fragile passes. ZBar is left out there: it is slow on such images and was
seen to return a wrong UPC-E that passes its check digit from strongly sharpened blur."""


# --- passes --------------------------------------------------------------------------------------


WORK_WEIGHTS: Final = {
    "zxing-cpp": 1.0,
    "zxing-cpp-fixed": 0.3,
    "zbar": 5.0,
    "prepare": 0.3,
    "sharpen": 1.8,
    "strong-sharpen": 1.5,
    "resize": 2.7,
    "regions": 3.0,
    "reuse": 0.0,
    "downscale": 0.9,
    "reduce": 0.15,
    "decode-read": 0.05,
    "decode-byte": 1.6,
}
"""Work units per pixel of each kind of step, its cost relative to zxing-cpp's per pixel (about
8 ns on the machine of scripts/README.md), measured on corpus photos at 2000 px: ZBar is five
times slower than zxing-cpp; an upscale costs 2.7 units per pixel made. Per pixel *read*: a
downscale of the grey photo (Lanczos, 0.9: 12 MP to 2000 px costs the 2.7 per pixel made it was
measured at), a reduce() (box average, 0.15). A file decode costs ``decode-read`` per pixel of the
file and ``decode-byte`` per byte (entropy decoding: a JPEG decoded at 1/8 still reads every
block) plus :data:`DECODE_WEIGHTS` per pixel decoded. A pass whose image is the photo itself
("reuse") costs only its engines."""

DECODE_WEIGHTS: Final = {
    "JPEG": 0.5,
    "MPO": 0.5,
    "PNG": 1.2,
    "WEBP": 2.0,
    "GIF": 1.2,
    "BMP": 0.3,
    "TIFF": 1.5,
    "HEIF": 1.5,
}
"""Work units per pixel a decoder writes, by Pillow format (others: 2.0), measured on flat images,
the fastest to send and the slowest per byte: 40 MP of flat PNG take 0.31 s, of WebP 0.57 s; a
JPEG 3.8 ns a pixel whole and 0.4 ns at 1/8."""

DEFAULT_WORK_BUDGET: Final = 60_000_000
"""Work units one photo may take: about 0.5 s on an idle core of that machine. The cheap, likely
passes come first and always fit; the last sharpening passes of a busy photo may not."""


@dataclass(frozen=True)
class _Pass:
    name: str
    make: Callable[[], Image.Image]  # the grayscale image to scan
    pixels: int
    scale: float = 1.0  # photo pixels per pass-image pixel, to put reads back on the photo
    offset: tuple[int, int] = (0, 0)  # where the pass image's corner is on the photo
    source: str = "base"  # what make() starts from: "base", "full" (photo px) or "none"
    engines: tuple[str, ...] | None = None  # only these engines (None: the pass kind's all)
    settles: bool = True  # whether the search may end after this pass
    family: str = ""  # what a vote is counted by: cut-outs of one kind are one look ("" = name)
    fragile: bool = False  # heavy preprocessing: a read must be confirmed by another attempt
    prepare: str = "prepare"  # the kind of work making the pass image is (WORK_WEIGHTS)

    def place(
        self, points: Sequence[tuple[float, float]], along_x: bool | None = None
    ) -> Box | None:
        """The box on the photo of points on this pass's image."""
        box = Box.around(points, along_x)
        if box is None:
            return None
        return box.scaled(self.scale).moved(*self.offset)


@dataclass
class _Work:
    """The work done so far on one photo against its budget, and the steps that did it."""

    budget: float
    done: float = 0.0
    steps: list[str] = field(default_factory=list)

    def affords(self, cost: float) -> bool:
        """Whether a step of this cost fits in what is left; the first always does."""
        return not self.steps or self.done + cost <= self.budget

    def spend(self, cost: float, step: str) -> None:
        self.done += cost
        self.steps.append(step)


class _Photo:
    """The photo being read, in grey: whole ("full": the resolution codes are cut out at) and
    scaled to FIRST_PASS_LONG_SIDE ("base": what the whole-photo passes scan). Each is made on
    first use and what making it took is charged to the work then; :meth:`cost` is what it
    would still take (0 once made), so a step can be declined before anything is done.

    An :class:`OpenedImage` is decoded here: "base" from a downscaled decode when the whole is
    not decoded yet, "full" at :data:`WORKING_LONG_SIDE`."""

    def __init__(self, source: Image.Image | OpenedImage, work: _Work) -> None:
        self._source = source
        self._work = work
        self._made: dict[str, Image.Image] = {}
        if isinstance(source, OpenedImage):
            self.size = source.plan(WORKING_LONG_SIDE).size
        else:
            self.size = source.size
        width, height = self.size
        long_side = max(self.size)
        self.scaled = long_side > FIRST_PASS_LONG_SIDE
        if self.scaled:
            factor = FIRST_PASS_LONG_SIDE / long_side
            self.base_size = (max(1, round(width * factor)), max(1, round(height * factor)))
            self.scale = 1 / factor
        else:
            self.base_size, self.scale = self.size, 1.0

    @property
    def pixels(self) -> int:
        return self.size[0] * self.size[1]

    @property
    def base_pixels(self) -> int:
        return self.base_size[0] * self.base_size[1]

    def made(self, kind: str) -> bool:
        return kind in self._made or (kind == "base" and not self.scaled and "full" in self._made)

    def _decode_cost(self, plan: Decoding) -> float:
        cost = plan.reduced * WORK_WEIGHTS["reduce"]
        if plan.decoded and isinstance(self._source, OpenedImage):
            cost += (
                self._source.pixels * WORK_WEIGHTS["decode-read"]
                + self._source.nbytes * WORK_WEIGHTS["decode-byte"]
                + plan.decoded * DECODE_WEIGHTS.get(self._source.format, 2.0)
            )
        return cost

    def _full_cost(self) -> float:
        if isinstance(self._source, OpenedImage):
            plan = self._source.plan(WORKING_LONG_SIDE)
            return self._decode_cost(plan) + self.pixels * WORK_WEIGHTS["prepare"]
        return 0.0 if self._source.mode == "L" else self.pixels * WORK_WEIGHTS["prepare"]

    def _base_from_decode(self) -> Decoding | None:
        """How "base" is decoded on its own (an upload not yet decoded whole), or None: it is
        scaled from "full"."""
        if not isinstance(self._source, OpenedImage) or "full" in self._made:
            return None
        return self._source.plan(FIRST_PASS_LONG_SIDE)

    def cost(self, kind: str) -> float:
        """The work making "base" or "full" would still take ("none": nothing)."""
        if kind == "none" or self.made(kind):
            return 0.0
        if kind == "full" or not self.scaled:
            return self._full_cost()
        plan = self._base_from_decode()
        if plan is None:
            full = 0.0 if "full" in self._made else self._full_cost()
            return full + self.pixels * WORK_WEIGHTS["downscale"]
        pixels = plan.size[0] * plan.size[1]
        scaling = 0.0 if plan.size == self.base_size else pixels * WORK_WEIGHTS["downscale"]
        return self._decode_cost(plan) + pixels * WORK_WEIGHTS["prepare"] + scaling

    def full(self) -> Image.Image:
        if "full" not in self._made:
            if isinstance(self._source, OpenedImage):
                plan = self._source.plan(WORKING_LONG_SIDE)
                self._work.spend(self._decode_cost(plan), _decode_step(plan))
                image = self._source.decode(WORKING_LONG_SIDE)
                self.size = image.size
            else:
                image = self._source
            self._work.spend(self._full_cost_of_gray(image), "gray")
            self._made["full"] = image if image.mode == "L" else image.convert("L")
        return self._made["full"]

    def _full_cost_of_gray(self, image: Image.Image) -> float:
        return 0.0 if image.mode == "L" else image.width * image.height * WORK_WEIGHTS["prepare"]

    def base(self) -> Image.Image:
        if not self.scaled:
            return self.full()
        if "base" not in self._made:
            plan = self._base_from_decode()
            if plan is None:
                source = self.full()
            else:
                self._work.spend(self._decode_cost(plan), _decode_step(plan))
                assert isinstance(self._source, OpenedImage)
                decoded = self._source.decode(FIRST_PASS_LONG_SIDE)
                self._work.spend(self._full_cost_of_gray(decoded), "gray")
                source = decoded if decoded.mode == "L" else decoded.convert("L")
            if source.size == self.base_size:
                self._made["base"] = source
            else:
                self._work.spend(
                    source.width * source.height * WORK_WEIGHTS["downscale"], "downscale"
                )
                self._made["base"] = source.resize(
                    self.base_size, Image.Resampling.LANCZOS, reducing_gap=3.0
                )
        return self._made["base"]


def _decode_step(plan: Decoding) -> str:
    width, height = plan.size
    if plan.decoded:
        return f"decode {width}x{height}"
    return f"reduce {width}x{height}" if plan.reduced else f"reuse {width}x{height}"


def _passes(
    source: _Photo | Image.Image, seen: Sequence[_Seen], work: _Work | None = None
) -> Iterator[_Pass]:
    """The passes for the photo, likeliest and cheapest first. Some depend on what was read so
    far (``seen``, read when the pass is asked for): a code read once is cut out and read again.
    Work done to find passes (the region search) is charged to ``work`` (none: no budget), and
    declined when it does not fit."""
    work = work if work is not None else _Work(float("inf"))
    photo = source if isinstance(source, _Photo) else _Photo(source, work)
    full, base = photo.full, photo.base
    pixels, scale = photo.base_pixels, photo.scale
    if photo.scaled:
        suffix = f"-{FIRST_PASS_LONG_SIDE}px"
        name = f"gray{suffix}"
    else:
        suffix, name = "", "original"

    # zxing-cpp first, on the whole photo: it is the faster engine.
    yield _Pass(
        name, base, pixels, scale=scale, prepare="reuse", engines=("zxing-cpp",), settles=False
    )
    # What it read once, cut out at full resolution and read again by both engines: most
    # photos are settled here, for a fraction of ZBar's cost on the whole photo.
    confirm = [v.box for v in _values(seen) if v.votes == 1 and v.box and not v.box.degenerate]
    yield from _crop_passes(photo, confirm, "confirm", seen)
    # Barcode-like regions not explained by what was read (a second code beside the first, a
    # small code), at full resolution, enlarged when small, with the codes read masked out.
    regions: list[Box] = []
    yield from _region_passes(photo, seen, regions, work)
    yield _Pass("regions-checked", full, 0, engines=(), source="none")
    # Both engines on the whole photo with its contrast stretched (ZBar's first look).
    yield _Pass(
        f"autocontrast{suffix}",
        lambda: ImageOps.autocontrast(base(), cutoff=2),
        pixels,
        scale=scale,
    )
    # Regions still unread, with the print beside the bars (stripes, a border) masked out.
    yield from _trimmed_passes(photo, regions, seen, work)
    if photo.scaled:
        # zxing-cpp only: ZBar on 12 MP costs more than the whole budget.
        yield _Pass(
            "full-resolution",
            full,
            photo.pixels,
            engines=("zxing-cpp",),
            prepare="reuse",
            source="full",
        )
    yield _Pass(name, base, pixels, scale=scale, engines=("zbar",), prepare="reuse")
    yield _Pass(
        f"sharpen{suffix}", lambda: base().filter(_SHARPEN), pixels, scale=scale, prepare="sharpen"
    )
    if max(photo.size) < SMALL_LONG_SIDE:
        size = (photo.size[0] * 2, photo.size[1] * 2)
        yield _Pass(
            "upscale-2x",
            lambda: full().resize(size, Image.Resampling.BICUBIC),
            4 * pixels,
            scale=0.5,
            prepare="resize",
            source="full",
        )
    yield from _fragile_passes(base, pixels, suffix, scale)


MAX_REGIONS: Final = 4
"""Barcode-like regions (barcode_db.bar_regions) scanned on their own, strongest first."""

MAX_CONFIRMS: Final = 3
"""Codes read once that are cut out and read again."""

CROP_UPSCALE_BELOW: Final = 600
"""A cut-out whose long side is shorter than this (photo px) is scanned enlarged 2x (3x below
half of it): bars of 1.5-3 px are where the engines lose small codes."""


def _region_passes(
    photo: _Photo, seen: Sequence[_Seen], found: list[Box], work: _Work
) -> Iterator[_Pass]:
    """A pass per barcode-like region of the scaled photo that the codes read so far do not
    explain (cover mostly); the upright ones are added to ``found``. The search is a step of its
    own, skipped when it does not fit in the budget."""
    search_work = photo.base_pixels * WORK_WEIGHTS["regions"]
    if not work.affords(search_work + photo.cost("base")):
        return
    base_image = photo.base()
    work.spend(search_work, "regions")
    read = [v.box for v in _values(seen) if v.trusted and v.box and not v.box.degenerate]
    pad = BLOCK
    boxes = []
    for r in bar_regions(base_image):
        box = Box(r.left - pad, r.top - pad, r.right + pad, r.bottom + pad).scaled(photo.scale)
        if min(r.angle, 180 - r.angle) <= UPRIGHT_DEGREES:
            found.append(box)
        if not any(_covered(box, code.footprint()) for code in read):
            boxes.append(box)
    yield from _crop_passes(photo, boxes, "region", seen)


UPRIGHT_DEGREES: Final = 15
"""How far from upright (bars vertical) a region's bars may lean to be trimmed."""

MAX_TRIMS: Final = 6
"""Trimmed versions of one region tried (see _trims)."""


def _trimmed_passes(
    photo: _Photo, regions: Sequence[Box], seen: Sequence[_Seen], work: _Work
) -> Iterator[_Pass]:
    """For each upright region no code explains: versions of it with the print beside the bars
    masked, each cut at a wide space near an end of the bars (where a quiet zone would be). The
    engines refuse a code whose quiet zone holds stripes or a border; a cut in the wrong place
    truncates the code, and a truncated read must still pass its check digit and be read by a
    second attempt (these passes are fragile)."""
    read = [v.box for v in _values(seen) if v.trusted and v.box and not v.box.degenerate]
    unread = [
        box
        for box in regions[:MAX_REGIONS]
        if not any(_covered(box, code.footprint()) for code in read)
    ]
    # The cuts are found on the full-resolution photo: not made at all when it does not fit.
    if not unread or not work.affords(photo.cost("full")):
        return
    image = photo.full()
    for number, box in enumerate(regions[:MAX_REGIONS], 1):
        if box not in unread:
            continue
        pad = 0.2 * max(box.width, box.height)
        left, top = max(0, round(box.left - pad)), max(0, round(box.top - pad))
        right = min(image.width, round(box.right + pad))
        bottom = min(image.height, round(box.bottom + pad))
        if right - left < 32 or bottom - top < 16:
            continue
        crop = image.crop((left, top, right, bottom))
        times = 2 if max(crop.size) < CROP_UPSCALE_BELOW else 1
        for cut, (start, end) in enumerate(_trims(crop)[:MAX_TRIMS], 1):

            def make(
                crop: Image.Image = crop, start: int = start, end: int = end, times: int = times
            ) -> Image.Image:
                paper = sorted(crop.resize((32, 32)).getdata())[-100]
                trimmed = crop.copy()
                draw = ImageDraw.Draw(trimmed)
                if start > 0:
                    draw.rectangle((0, 0, start - 1, crop.height), fill=paper)
                if end < crop.width:
                    draw.rectangle((end, 0, crop.width, crop.height), fill=paper)
                if times > 1:
                    size = (crop.width * times, crop.height * times)
                    trimmed = trimmed.resize(size, Image.Resampling.BICUBIC)
                return trimmed

            yield _Pass(
                f"trim-{number}-{cut}",
                make,
                crop.width * crop.height * times * times,
                scale=1 / times,
                offset=(left, top),
                prepare="resize" if times > 1 else "prepare",
                fragile=True,
                engines=("zxing-cpp", "zbar"),
                settles=False,
                family="trim",
                source="none",  # cut from the full photo above, already made and charged
            )


def _trims(crop: Image.Image) -> list[tuple[int, int]]:
    """Where to cut an upright crop: (start, end) x spans keeping the bars and dropping what is
    beside them, one cut at a time, widest spaces first.

    A few rows across the middle are averaged into a profile; its dark runs are bars (and stripes),
    its light runs spaces. A space of two modules or more in the outer third of the dark span, on
    either side, is a place a quiet zone may begin."""
    gray = np.asarray(crop, dtype=np.float32)
    middle, half = gray.shape[0] // 2, max(2, gray.shape[0] // 60)
    # A thin band: over many rows the bars of a code leaning a few degrees would smear.
    profile = gray[middle - half : middle + half + 1].mean(axis=0)
    low, high = float(np.percentile(profile, 5)), float(np.percentile(profile, 95))
    if high - low < 20:
        return []
    dark = profile < (low + high) / 2
    edges = np.flatnonzero(np.diff(dark.astype(np.int8))) + 1
    bounds = [0, *edges.tolist(), len(profile)]
    runs = [(bounds[i], bounds[i + 1], bool(dark[bounds[i]])) for i in range(len(bounds) - 1)]
    dark_runs = [(a, b) for a, b, is_dark in runs if is_dark]
    if len(dark_runs) < 15:
        return []
    module = max(1.0, float(np.percentile([b - a for a, b in dark_runs], 20)))
    # Bars are at most 4 modules wide; wider dark runs are the background or a border.
    bars = [(a, b) for a, b in dark_runs if b - a <= 5 * module]
    if len(bars) < 15:
        return []
    first, last = bars[0][0], bars[-1][1]
    span = last - first
    spaces = [
        (b - a, (a + b) // 2)
        for a, b, is_dark in runs
        if not is_dark and first < a and b < last and b - a >= 2 * module
    ]
    left = sorted((s for s in spaces if s[1] < first + span / 3), reverse=True)[:2]
    right = sorted((s for s in spaces if s[1] > last - span / 3), reverse=True)[:2]
    cuts = [(cut, len(profile)) for _, cut in left] + [(0, cut) for _, cut in right]
    cuts += [(lc, rc) for _, lc in left[:1] for _, rc in right[:1]]
    return [
        (start, end) for start, end in cuts if sum(start <= a and b <= end for a, b in bars) >= 15
    ]


def _covered(box: Box, by: Box) -> bool:
    """Whether most (70 %) of ``box`` lies inside ``by``."""
    width = min(box.right, by.right) - max(box.left, by.left)
    height = min(box.bottom, by.bottom) - max(box.top, by.top)
    area = max(1.0, box.width * box.height)
    return width > 0 and height > 0 and width * height >= 0.7 * area


def _masked(crop: Image.Image, offset: tuple[int, int], codes: Sequence[Box]) -> Image.Image:
    """``crop`` with the bars of the codes already read painted over in the paper's shade, so
    that a code beside them gets its quiet zone back."""
    boxes = []
    for code in codes:
        foot = code.footprint()
        # Along the code: exactly its read extent; across it: the bars' reach.
        if code.along_x is not False and code.width >= code.height:
            left, right, top, bottom = code.left, code.right, foot.top, foot.bottom
        else:
            left, right, top, bottom = foot.left, foot.right, code.top, code.bottom
        box = (left - offset[0], top - offset[1], right - offset[0], bottom - offset[1])
        if box[2] > 0 and box[3] > 0 and box[0] < crop.width and box[1] < crop.height:
            boxes.append(box)
    if not boxes:
        return crop
    paper = sorted(crop.resize((32, 32)).getdata())[-100]  # a light shade of the crop
    crop = crop.copy()
    draw = ImageDraw.Draw(crop)
    for box in boxes:
        draw.rectangle(box, fill=paper)
    return crop


def _crop_passes(
    photo: _Photo, boxes: Sequence[Box], kind: str, seen: Sequence[_Seen]
) -> Iterator[_Pass]:
    """A pass per box (photo px): the box with room for quiet zones and the bars' height, cut
    from the full-resolution photo, enlarged if small; for a region, the codes read beside it
    masked out. The search does not end within these passes."""
    boxes = boxes[: MAX_CONFIRMS if kind == "confirm" else MAX_REGIONS]
    width, height = photo.size
    for number, box in enumerate(boxes, 1):
        if kind == "confirm":
            box = box.footprint()
        pad = 0.2 * max(box.width, box.height)
        left = max(0, round(box.left - pad))
        top = max(0, round(box.top - pad))
        right = min(width, round(box.right + pad))
        bottom = min(height, round(box.bottom + pad))
        if right - left < 8 or bottom - top < 8:
            continue
        long_side = max(right - left, bottom - top)
        times = (
            1
            if long_side >= CROP_UPSCALE_BELOW
            else 2
            if long_side * 2 >= CROP_UPSCALE_BELOW
            else 3
        )
        size = ((right - left) * times, (bottom - top) * times)

        def make(
            box: tuple[int, int, int, int] = (left, top, right, bottom),
            size: tuple[int, int] = size,
        ) -> Image.Image:
            crop = photo.full().crop(box)
            if kind == "region":
                read = [
                    v.box for v in _values(seen) if v.trusted and v.box and not v.box.degenerate
                ]
                crop = _masked(crop, (box[0], box[1]), read)
            return crop if crop.size == size else crop.resize(size, Image.Resampling.BICUBIC)

        yield _Pass(
            f"{kind}-{number}" + (f"-{times}x" if times > 1 else ""),
            make,
            size[0] * size[1],
            scale=1 / times,
            offset=(left, top),
            prepare="resize" if times > 1 else "prepare",
            settles=False,
            family=kind,
            source="full",
        )


_SHARPEN: Final = ImageFilter.UnsharpMask(radius=2, percent=200, threshold=2)

_STRONG_SHARPEN_RADII: Final = (3, 5)
"""Radii of the strong unsharp masks (percent 300, no threshold) of the fragile passes: they give
back edges to bars blurred over most of a module, and also make up bars from noise, so a read of
one is only kept when another fragile pass (the other radius, or the other binarizer) agrees."""


def _fragile_passes(
    base: Callable[[], Image.Image], pixels: int, suffix: str, scale: float
) -> list[_Pass]:
    def strong(radius: int) -> Callable[[], Image.Image]:
        return lambda: base().filter(
            ImageFilter.UnsharpMask(radius=radius, percent=300, threshold=0)
        )

    return [
        _Pass(
            f"sharpen-strong-r{radius}{suffix}",
            strong(radius),
            pixels,
            scale=scale,
            fragile=True,
            prepare="strong-sharpen",
        )
        for radius in _STRONG_SHARPEN_RADII
    ]


# --- one answer per barcode ----------------------------------------------------------------------


@dataclass(frozen=True)
class Disagreement:
    """Different numbers read on one barcode, which agreement between reads could not settle.

    ``readings``: each number read, most votes first. No number is given for that barcode.
    """

    readings: tuple[DecodedCode, ...]
    box: Box | None

    @property
    def texts(self) -> tuple[str, ...]:
        return tuple(code.text for code in self.readings)


@dataclass(frozen=True)
class BarcodeReading:
    """What a photo gave: the codes read, barcodes with rival readings, and the work it took."""

    codes: tuple[DecodedCode, ...]
    disagreements: tuple[Disagreement, ...] = ()
    work: int = 0
    #: The steps that ran, in order: "decode 2040x1530", "gray", "downscale", "regions", and each
    #: pass and engine as "<pass>/<engine>".
    steps: tuple[str, ...] = field(default=(), compare=False)


@dataclass(frozen=True)
class _Seen:
    read: _Read
    engine: str
    pass_name: str
    fragile: bool
    box: Box | None  # on the photo
    family: str = ""  # the pass's family ("" = its name)


@dataclass
class _Value:
    """All reads of the same digits (or QR payload)."""

    seen: list[_Seen]

    @property
    def read(self) -> _Read:
        return self.seen[0].read

    @property
    def readers(self) -> list[tuple[str, str]]:
        """The independent attempts that read it: (engine, pass), where the cut-outs of one kind
        count as one pass (two regions overlapping the same bars are one look at them)."""
        return list(dict.fromkeys((s.engine, s.family or s.pass_name) for s in self.seen))

    @property
    def votes(self) -> int:
        return len(self.readers)

    @property
    def trusted(self) -> bool:
        """Read by an ordinary pass, or by two fragile attempts; a UPC-E see :meth:`upc_e_trusted`."""
        if self.read.symbology == "UPCE":
            return self.engines >= {"zxing-cpp", "zbar"}
        return any(not s.fragile for s in self.seen) or self.votes >= 2

    def upc_e_trusted(self, quiet: _Quiet | None) -> bool:
        """A UPC-E is believed when both engines read it, or one engine by UPC_E_VOTES attempts
        with both quiet zones clear on the photo. Six digits and a parity pattern are a weak
        code: half of an EAN-13 or UPC-A misread passes as one, and then bars run on past it."""
        if self.engines >= {"zxing-cpp", "zbar"}:
            return True
        box = self.box
        return (
            quiet is not None
            and self.votes >= UPC_E_VOTES
            and box is not None
            and not box.degenerate
            and quiet(box, 51)
        )

    @property
    def box(self) -> Box | None:
        boxes = [s.box for s in self.seen if s.box is not None]
        if not boxes:
            return None
        union = boxes[0]
        for box in boxes[1:]:
            union = union.union(box)
        return union

    def rivals(self, other: _Value, gap: _Gap | None = None) -> bool:
        """Whether the two are readings of the same barcode (a read of unknown place may be).

        Two codes one above the other share their footprints; they are told apart when each
        was read by at least STACKED_VOTES attempts, on scanlines that never cross, with a band
        free of bars between them on the photo (``gap``)."""
        mine, theirs = self.box, other.box
        if mine is None or theirs is None:
            return True
        if not mine.shares_bars_with(theirs):
            return False
        return not (
            gap is not None
            and min(self.votes, other.votes) >= STACKED_VOTES
            and mine.apart_across(theirs)
            and gap(mine, theirs)
        )

    @property
    def engines(self) -> set[str]:
        return {s.engine.removesuffix("-fixed") for s in self.seen}

    def beats(self, other: _Value) -> bool:
        """Outvotes a rival: at least two votes and twice the rival's, and read by every engine
        that read the rival (an engine that always reads its own number is not outvoted by
        passes the other engine alone ran)."""
        return self.votes >= 2 and self.votes >= 2 * other.votes and other.engines <= self.engines

    def code(self) -> DecodedCode:
        first = next((s for s in self.seen if not s.fragile), self.seen[0])
        confirmed_by = ""
        if first.fragile:
            other = next(r for r in self.readers if r != (first.engine, first.pass_name))
            confirmed_by = f"{other[0]}/{other[1]}"
        return DecodedCode(
            first.read.symbology,
            first.read.text,
            first.engine,
            first.pass_name,
            confirmed_by=confirmed_by,
            box=self.box,
            votes=self.votes,
        )


def _values(seen: Sequence[_Seen]) -> list[_Value]:
    """The reads grouped by what they read."""
    values: dict[tuple[str, str | bytes], _Value] = {}
    for s in seen:
        values.setdefault(s.read.key, _Value([])).seen.append(s)
    return list(values.values())


_Gap = Callable[[Box, Box], bool]


def _blank_between(gray: Image.Image, a: Box, b: Box) -> bool:
    """Whether, on the photo, a band with no bars lies between two reads one beyond the other
    across the code (two stacked codes), rather than bars all the way (one code read twice).

    Lines across the code, level or leaning up to about 12 degrees (codes are seldom square to
    the photo), are laid through the space between the two reads; a line there on which the
    pixels hardly vary, next to lines through the reads that cross bars, is the gap between two
    symbols."""
    if a._along_x != b._along_x:
        return False
    if a._along_x:
        first, second = sorted((a, b), key=lambda box: box.top)
        lo, hi = max(a.left, b.left), min(a.right, b.right)
        window = (lo, first.top, hi, second.bottom)
        gap_start, gap_end = first.bottom - first.top, second.top - first.top
    else:
        first, second = sorted((a, b), key=lambda box: box.left)
        lo, hi = max(a.top, b.top), min(a.bottom, b.bottom)
        window = (first.left, lo, second.right, hi)
        gap_start, gap_end = first.right - first.left, second.left - first.left
    if hi - lo < 16 or gap_end - gap_start < 1:
        return False
    left, top, right, bottom = (round(v) for v in window)
    pixels = np.asarray(gray.crop((left, top, right, bottom)), dtype=np.float32)
    if not a._along_x:
        pixels = pixels.T  # lines across the code are rows from here on
    lines, length = pixels.shape
    xs = np.arange(length)
    read_rows = np.r_[0 : max(1, round(gap_start)), min(lines - 1, round(gap_end)) : lines]
    reference = float(np.median(pixels[read_rows].std(axis=1)))
    if reference <= 0:
        return False
    middles = np.arange(max(0, int(gap_start)), min(lines, int(gap_end) + 1))
    if middles.size == 0:
        return False
    for slope in np.linspace(-0.21, 0.21, 15):
        rows = np.rint(middles[:, None] + slope * (xs[None, :] - length / 2)).astype(int)
        inside = (rows >= 0).all(axis=1) & (rows < lines).all(axis=1)
        if not inside.any():
            continue
        spread = pixels[rows[inside], xs[None, :]].std(axis=1)
        if float(spread.min()) < 0.35 * reference:
            return True
    return False


def _quiet_zones(gray: Image.Image, box: Box, modules: int) -> bool:
    """Whether the photo is clear of bars for 7 modules beyond both ends of a 1-D read of
    ``modules`` modules (its quiet zones), along a few lines through its middle."""
    length = box.width if box._along_x else box.height
    module = length / modules
    near, far = round(1.5 * module), round(7 * module)
    if far - near < 2:
        return False
    if box._along_x:
        middle = round((box.top + box.bottom) / 2)
        band = (round(box.left) - far, middle - 2, round(box.right) + far, middle + 3)
    else:
        middle = round((box.left + box.right) / 2)
        band = (middle - 2, round(box.top) - far, middle + 3, round(box.bottom) + far)
    if band[0] < 0 or band[1] < 0 or band[2] > gray.width or band[3] > gray.height:
        return False  # at the photo's edge: the zone cannot be seen
    pixels = np.asarray(gray.crop(band), dtype=np.float32)
    line = pixels.mean(axis=0) if box._along_x else pixels.mean(axis=1)
    bars = line[far : len(line) - far]
    before, after = line[: far - near], line[len(line) - far + near :]
    reference = float(bars.std())
    return reference > 0 and max(float(before.std()), float(after.std())) < 0.3 * reference


_Quiet = Callable[[Box, int], bool]


def _resolve(
    seen: Sequence[_Seen], gap: _Gap | None = None, quiet: _Quiet | None = None
) -> tuple[list[DecodedCode], list[Disagreement], bool]:
    """The codes, the disagreements, and whether every barcode is settled (two votes each)."""
    trusted = [
        v
        for v in _values(seen)
        if (v.upc_e_trusted(quiet) if v.read.symbology == "UPCE" else v.trusted)
    ]
    codes = [v.code() for v in trusted if v.read.symbology == "QR"]
    linear = [v for v in trusted if v.read.symbology != "QR"]
    # A UPC-E where a longer code was read is made of that code's halves.
    linear = [
        v
        for v in linear
        if v.read.symbology != "UPCE"
        or not any(u.read.symbology != "UPCE" and u.rivals(v) for u in linear)
    ]
    rivals = {id(v): [u for u in linear if u is not v and u.rivals(v, gap)] for v in linear}
    standing = [v for v in linear if not any(u.beats(v) for u in rivals[id(v)])]
    undecided: list[_Value] = []
    for v in standing:
        if all(v.beats(u) for u in rivals[id(v)]):
            codes.append(v.code())
        else:
            undecided.append(v)
    disagreements: list[Disagreement] = []
    while undecided:  # the undecided values, grouped by the barcode they are on
        group = [undecided.pop(0)]
        for v in group:
            for u in [u for u in undecided if u.rivals(v, gap)]:
                undecided.remove(u)
                group.append(u)
        group.sort(key=lambda v: -v.votes)
        boxes = [v.box for v in group if v.box is not None]
        box = boxes[0] if boxes else None
        for other in boxes[1:]:
            box = box.union(other) if box else other
        disagreements.append(Disagreement(tuple(v.code() for v in group), box))
    settled = not disagreements and all(c.votes >= 2 for c in codes if c.is_product_code)
    codes.sort(key=lambda code: not code.is_product_code)
    return codes, disagreements, settled


def _engines_for(scan: _Pass) -> list[tuple[str, Engine]]:
    """The engines of a pass: its kind's (ordinary or fragile), or the ones it names."""
    if scan.engines is None:
        return list(_FRAGILE_ENGINES if scan.fragile else _ENGINES)
    known = dict(_FRAGILE_ENGINES if scan.fragile else _ENGINES)
    known.update(
        {name: engine for name, engine in (*_ENGINES, *_FRAGILE_ENGINES) if name not in known}
    )
    return [(name, known[name]) for name in scan.engines if name in known]


def first_step_work(image: Image.Image | OpenedImage) -> int:
    """The work of the step :func:`read_barcodes` takes on ``image`` whatever its budget: the
    first look (the photo decoded, in grey, scaled, and zxing-cpp on it)."""
    photo = _Photo(image, _Work(float("inf")))
    return round(photo.cost("base") + photo.base_pixels * WORK_WEIGHTS["zxing-cpp"])


def read_barcodes(
    image: Image.Image | OpenedImage, *, work_budget: int = DEFAULT_WORK_BUDGET
) -> BarcodeReading:
    """All EAN-13/EAN-8/UPC-A/UPC-E/QR codes on ``image`` (product codes first), each barcode
    given one number or none; see the module's documentation.

    Passes run in turn until one leaves every barcode settled or nothing more fits in
    ``work_budget`` (work units, :data:`WORK_WEIGHTS`; the first step always runs: see
    :func:`first_step_work`). An :class:`OpenedImage` is decoded as the passes need it, and
    its decoding counts as work: it may raise :class:`~barcode_db.images.ImageRejected` for
    damage only decoding finds. Every 1-D code returned has a valid check digit.
    """
    work = _Work(work_budget)
    photo = _Photo(image, work)
    seen: list[_Seen] = []

    def gray() -> Image.Image | None:
        """The full-resolution photo for a look at a few of its pixels, if it fits."""
        if photo.made("full") or work.affords(photo.cost("full")):
            return photo.full()
        return None

    def gap(a: Box, b: Box) -> bool:
        pixels = gray()
        return pixels is not None and _blank_between(pixels, a, b)

    def quiet(box: Box, modules: int) -> bool:
        pixels = gray()
        return pixels is not None and _quiet_zones(pixels, box, modules)

    codes: list[DecodedCode] = []
    disagreements: list[Disagreement] = []
    for scan in _passes(photo, seen, work):
        pass_image: Image.Image | None = None
        read_any = False
        for engine_name, engine in _engines_for(scan):
            cost = scan.pixels * WORK_WEIGHTS[engine_name]
            making = 0.0  # charged by the photo when it makes what the pass starts from
            if pass_image is None:
                cost += scan.pixels * WORK_WEIGHTS[scan.prepare]
                making = photo.cost(scan.source)
            if not work.affords(cost + making):
                continue
            if pass_image is None:
                pass_image = scan.make()
            work.spend(cost, f"{scan.name}/{engine_name}")
            for read in engine(pass_image):
                seen.append(
                    _Seen(
                        read,
                        engine_name,
                        scan.name,
                        scan.fragile,
                        scan.place(read.points, read.along_x),
                        scan.family,
                    )
                )
                read_any = True
        if read_any or (scan.settles and seen):
            codes, disagreements, settled = _resolve(seen, gap, quiet)
            if scan.settles and settled and codes:
                break
    return BarcodeReading(tuple(codes), tuple(disagreements), round(work.done), tuple(work.steps))


def decode_image(
    image: Image.Image, *, work_budget: int = DEFAULT_WORK_BUDGET
) -> list[DecodedCode]:
    """The codes :func:`read_barcodes` gives for ``image`` (barcodes in disagreement left out)."""
    return list(read_barcodes(image, work_budget=work_budget).codes)


def decode_bytes(data: bytes, *, work_budget: int = DEFAULT_WORK_BUDGET) -> list[DecodedCode]:
    """The codes on an uploaded image, checked by :func:`~barcode_db.images.open_image` and
    decoded within the budget; may raise ImageRejected."""
    return list(read_barcodes(open_image(data), work_budget=work_budget).codes)
