"""Read product barcodes (EAN-13, EAN-8, UPC-A, UPC-E) and QR codes from a photo.

Two engines sit behind :func:`decode_image`, both restricted to those five symbologies: zxing-cpp
(fast, reads tilted codes) and ZBar through pyzbar's ctypes wrapper (slower, but reads some blurred
1-D codes zxing-cpp misses). A photo goes through a few passes, each scanned by both engines, and
the first pass that reads anything ends the search: the image as is (long side downscaled to
2000 px if larger), then - for a large photo - its full resolution, then autocontrast, then
unsharp masking; last, two fragile passes: strong unsharp masks (radius 3 and 5 px, 300 %, no
threshold) scanned by zxing-cpp with its LocalAverage and FixedThreshold binarizers, which read bars
blurred over most of a module. A fragile read is only returned when a second fragile attempt (the
other binarizer or the other radius) read the same code (``confirmed_by`` names it): strong
sharpening also makes up bars from noise, and a made-up read can pass its check digit. A time
budget bounds the whole: an engine step whose cost, estimated from the
seconds per pixel measured so far, does not fit in what is left is skipped.

Engine output is not trusted: every 1-D read is re-checked with its GS1 mod-10 check digit (UPC-E
after expansion to UPC-A) and dropped if it fails. The bars of a UPC-A and of an EAN-13 starting
with 0 are the same, and the engines name them differently (zxing-cpp 3: EAN-13 with a leading 0;
ZBar: UPC-A), so both come back as UPC-A with 12 digits. Results are deduplicated by GTIN (1-D)
or payload bytes (QR), keeping the first engine and pass that read them; product codes first.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from ctypes import c_void_p, cast, string_at
from dataclasses import dataclass
from typing import Final, Literal

import zxingcpp
from biip import BiipException
from biip.checksums import gs1_standard_check_digit
from biip.upc import Upc
from PIL import Image, ImageFilter, ImageOps
from pyzbar import wrapper as zbar

from barcode_db.images import load_image

__all__ = ["DecodedCode", "decode_bytes", "decode_image"]

Symbology = Literal["EAN13", "EAN8", "UPCA", "UPCE", "QR"]

FIRST_PASS_LONG_SIDE: Final = 2000
"""Photos larger than this (long side, px) are first scanned downscaled to it, never smaller."""

SMALL_LONG_SIDE: Final = 1000
"""Photos smaller than this get a 2x upscaled pass as a last resort."""

UPSCALE_PESSIMISM: Final = 2.0
"""Factor on the estimated cost of a step on more pixels than any measured so far."""


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


def _read_1d(symbology: str, text: str) -> _Read | None:
    normalised = _normalise_1d(symbology, text)
    if normalised is None:
        return None
    kind, digits = normalised
    gtin = Upc.parse(digits).as_upc_a() if kind == "UPCE" else digits
    return _Read(kind, digits, ("gtin", gtin.zfill(14)))


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
        if result.format in _ZXING_QR:
            if result.text:
                yield _Read("QR", result.text, ("qr", result.bytes))
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
        read = _read_1d(symbology, text)
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


def _zbar_scan(gray: Image.Image) -> tuple[list[tuple[int, bytes]], bool]:
    """ZBar's raw reads, ``[(zbar symbol type, data)]``, and whether QR data are raw bytes.

    Like ``pyzbar.decode`` but asks for QR payloads as raw bytes (ZBAR_CFG_BINARY): otherwise ZBar
    guesses the text encoding and often takes UTF-8 Vietnamese for Shift-JIS, giving mojibake.
    """
    pixels = gray.tobytes()
    reads: list[tuple[int, bytes]] = []
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
                    reads.append((symbol.contents.type, data))
                    symbol = zbar.zbar_symbol_next(symbol)
        finally:
            zbar.zbar_image_destroy(zimage)
    finally:
        zbar.zbar_image_scanner_destroy(scanner)
    return reads, raw_qr


def _zbar(image: Image.Image) -> Iterator[_Read]:
    reads, raw_qr = _zbar_scan(image if image.mode == "L" else image.convert("L"))
    for symbol_type, data in reads:
        if symbol_type == zbar.ZBarSymbol.QRCODE:
            text = _qr_text(data, raw=raw_qr)
            if text:
                yield _Read("QR", text, ("qr", data if raw_qr else text))
        elif symbol_type in _ZBAR_1D:
            read = _read_1d(_ZBAR_1D[symbol_type], data.decode("ascii", "replace"))
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


def _resize_long_side(image: Image.Image, long_side: int) -> Image.Image:
    factor = long_side / max(image.size)
    size = (max(1, round(image.width * factor)), max(1, round(image.height * factor)))
    return image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)


@dataclass(frozen=True)
class _Pass:
    name: str
    make: Callable[[], Image.Image]  # the grayscale image to scan
    pixels: int
    fragile: bool = False  # heavy preprocessing: a read must be confirmed by another attempt


def _passes(image: Image.Image) -> list[_Pass]:
    """The passes for ``image``, likeliest first."""
    long_side = max(image.size)
    cache: dict[str, Image.Image] = {}

    def full() -> Image.Image:
        if "full" not in cache:
            cache["full"] = image if image.mode == "L" else image.convert("L")
        return cache["full"]

    if long_side <= FIRST_PASS_LONG_SIDE:
        pixels = image.width * image.height
        passes = [
            _Pass("original", full, pixels),
            _Pass("autocontrast", lambda: ImageOps.autocontrast(full(), cutoff=2), pixels),
            _Pass("sharpen", lambda: full().filter(_SHARPEN), pixels),
        ]
        if long_side < SMALL_LONG_SIDE:
            size = (image.width * 2, image.height * 2)
            passes.append(
                _Pass(
                    "upscale-2x", lambda: full().resize(size, Image.Resampling.BICUBIC), 4 * pixels
                )
            )
        return passes + _fragile_passes(full, pixels, "")

    def scaled() -> Image.Image:
        if "scaled" not in cache:
            cache["scaled"] = _resize_long_side(full(), FIRST_PASS_LONG_SIDE)
        return cache["scaled"]

    factor = FIRST_PASS_LONG_SIDE / long_side
    pixels = round(image.width * factor) * round(image.height * factor)
    suffix = f"-{FIRST_PASS_LONG_SIDE}px"
    return [
        _Pass(f"gray{suffix}", scaled, pixels),
        # A small code in a big photo may have lost its bars in the downscale.
        _Pass("full-resolution", full, image.width * image.height),
        _Pass(f"autocontrast{suffix}", lambda: ImageOps.autocontrast(scaled(), cutoff=2), pixels),
        _Pass(f"sharpen{suffix}", lambda: scaled().filter(_SHARPEN), pixels),
        *_fragile_passes(scaled, pixels, suffix),
    ]


_SHARPEN: Final = ImageFilter.UnsharpMask(radius=2, percent=200, threshold=2)

_STRONG_SHARPEN_RADII: Final = (3, 5)
"""Radii of the strong unsharp masks (percent 300, no threshold) of the fragile passes: they give
back edges to bars blurred over most of a module, and also make up bars from noise, so a read of
one is only kept when another fragile pass (the other radius, or the other binarizer) agrees."""


def _fragile_passes(base: Callable[[], Image.Image], pixels: int, suffix: str) -> list[_Pass]:
    def strong(radius: int) -> Callable[[], Image.Image]:
        return lambda: base().filter(
            ImageFilter.UnsharpMask(radius=radius, percent=300, threshold=0)
        )

    return [
        _Pass(f"sharpen-strong-r{radius}{suffix}", strong(radius), pixels, fragile=True)
        for radius in _STRONG_SHARPEN_RADII
    ]


def decode_image(image: Image.Image, *, time_budget: float = 0.9) -> list[DecodedCode]:
    """All EAN-13/EAN-8/UPC-A/UPC-E/QR codes found in ``image``, product codes first.

    Each pass runs both engines; the first pass that reads anything ends the search. A step
    (preparing a pass image, or one engine on it) is skipped when its cost, estimated from the
    seconds per pixel measured so far, exceeds what is left of ``time_budget``; the very first
    step always runs. Every 1-D code returned has a valid check digit.
    """
    started = time.perf_counter()
    # The slowest seconds per pixel measured so far for each engine, and on how many pixels.
    rates: dict[str, tuple[float, int]] = {}

    def fits(engine: str, pixels: int) -> bool:
        rate, measured_at = rates.get(engine, (0.0, pixels))
        # Scan time grows faster than the pixel count on busy photos: be pessimistic upwards.
        estimate = rate * pixels * (UPSCALE_PESSIMISM if pixels > measured_at else 1.0)
        return estimate <= time_budget - (time.perf_counter() - started)

    def timed(engine: str, pixels: int, started_at: float) -> None:
        rate = (time.perf_counter() - started_at) / max(1, pixels)
        if rate >= rates.get(engine, (0.0, 0))[0]:
            rates[engine] = (rate, pixels)

    found: dict[tuple[str, str | bytes], DecodedCode] = {}
    # Reads of fragile passes, by code: every (engine, pass) that read it, first first.
    candidates: dict[tuple[str, str | bytes], list[tuple[_Read, str, str]]] = {}
    first = True
    for scan in _passes(image):
        pass_image: Image.Image | None = None
        for engine_name, engine in _FRAGILE_ENGINES if scan.fragile else _ENGINES:
            if not first and not fits(engine_name, scan.pixels):
                continue
            first = False
            if pass_image is None:
                pass_image = scan.make()  # cheap next to a scan; not estimated, but counted
            step_started = time.perf_counter()
            for read in engine(pass_image):
                if not scan.fragile:
                    found.setdefault(
                        read.key, DecodedCode(read.symbology, read.text, engine_name, scan.name)
                    )
                    continue
                seen = candidates.setdefault(read.key, [])
                if (engine_name, scan.name) not in [(e, p) for _, e, p in seen]:
                    seen.append((read, engine_name, scan.name))
            timed(engine_name, scan.pixels, step_started)
        for key, seen in candidates.items():
            if len(seen) >= 2 and key not in found:
                (read, engine_name, pass_name), (_, other_engine, other_pass) = seen[:2]
                found[key] = DecodedCode(
                    read.symbology,
                    read.text,
                    engine_name,
                    pass_name,
                    confirmed_by=f"{other_engine}/{other_pass}",
                )
        if found:
            break
    return sorted(found.values(), key=lambda code: not code.is_product_code)


def decode_bytes(data: bytes, *, time_budget: float = 0.9) -> list[DecodedCode]:
    """:func:`decode_image` of :func:`~barcode_db.images.load_image`; may raise ImageRejected.

    ``time_budget`` covers loading too: what loading took is taken from the decoding budget.
    """
    started = time.perf_counter()
    image = load_image(data)
    return decode_image(image, time_budget=time_budget - (time.perf_counter() - started))
