"""Behaviour of barcode_db.decode on synthetic label photos (see tests/support/labels.py)."""

from __future__ import annotations

import dataclasses
import io
import multiprocessing
from functools import cache
from types import SimpleNamespace
from typing import Any

import pytest
import zxingcpp
from PIL import Image
from pyzbar.wrapper import ZBarSymbol

from barcode_db import decode
from barcode_db.decode import DecodedCode, decode_bytes, decode_image
from barcode_db.images import ImageRejected
from tests.support.corpus import render_sample
from tests.support.engines import placed, scripted
from tests.support.labels import (
    gs1_check_digit,
    render_label,
    render_scene,
    to_jpeg_bytes,
    upce_with_check_digit,
    with_check_digit,
)

EAN13 = with_check_digit("893467300001")  # 8934673000017: GS1 Vietnam prefix 893
EAN8 = with_check_digit("8934567")
UPCA = with_check_digit("03600029145")  # 036000291452
UPCE = upce_with_check_digit("0123456")  # 01234565, i.e. UPC-A 012345000065
VIETNAMESE = "Dầu ăn Tường An"
DIGITAL_LINK = "https://id.gs1.org/01/08934673000017/10/L%C3%94-42?17=271231"


def test_check_digit_helper_agrees_with_known_codes() -> None:
    # Published examples: GS1's own 9501101531000 and the UPC-A 036000291452.
    assert with_check_digit("950110153100") == "9501101531000"
    assert UPCA == "036000291452"
    assert UPCE == "01234565"
    assert gs1_check_digit("893467300001") == "7"


@cache
def label(code: str, symbology: str = "ean13", **options: object) -> Image.Image:
    """Rendering takes ~0.1 s; each distinct label is made once per run."""
    return render_label(code, symbology, **options)


def summary(codes: list[DecodedCode]) -> list[tuple[str, str]]:
    return [(code.symbology, code.text) for code in codes]


def by_engine(codes: list[DecodedCode]) -> list[tuple[str, str, str]]:
    """What was read and which engine read it first (the pass is the decoder's business)."""
    return [(code.symbology, code.text, code.engine) for code in codes]


def only_engines(monkeypatch: pytest.MonkeyPatch, *names: str) -> None:
    engines = tuple(engine for engine in decode._ENGINES if engine[0] in names)
    monkeypatch.setattr(decode, "_ENGINES", engines)
    fragile = tuple(e for e in decode._FRAGILE_ENGINES if e[0].removesuffix("-fixed") in names)
    monkeypatch.setattr(decode, "_FRAGILE_ENGINES", fragile)


# --- what is read ---------------------------------------------------------------------------------

SYMBOLOGIES = [
    # (id, code as rendered, symbology to render, expected symbology, expected text)
    ("EAN-13", EAN13, "ean13", "EAN13", EAN13),
    ("EAN-8", EAN8, "ean8", "EAN8", EAN8),
    ("UPC-A", UPCA, "upca", "UPCA", UPCA),
    ("UPC-E", UPCE, "upce", "UPCE", UPCE),
    ("QR Vietnamese", VIETNAMESE, "qr", "QR", VIETNAMESE),
    ("QR Digital Link", DIGITAL_LINK, "qr", "QR", DIGITAL_LINK),
]


@pytest.mark.parametrize("engine", ["zxing-cpp", "zbar"])
@pytest.mark.parametrize(
    ("code", "kind", "symbology", "text"),
    [pytest.param(*case[1:], id=case[0]) for case in SYMBOLOGIES if case[0] != "UPC-E"],
)
def test_each_symbology_by_each_engine(
    monkeypatch: pytest.MonkeyPatch, engine: str, code: str, kind: str, symbology: str, text: str
) -> None:
    only_engines(monkeypatch, engine)
    codes = decode_image(label(code, kind))
    assert by_engine(codes) == [(symbology, text, engine)]


def test_upce_read_by_both_engines() -> None:
    codes = decode.read_barcodes(label(UPCE, "upce")).codes
    assert summary(list(codes)) == [("UPCE", UPCE)]
    assert codes[0].votes >= 2


def test_upce_read_by_one_engine_needs_votes_and_clear_quiet_zones(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    only_engines(monkeypatch, "zxing-cpp")
    [code] = decode.read_barcodes(label(UPCE, "upce"), work_budget=10**10).codes
    assert (code.symbology, code.text) == ("UPCE", UPCE)
    assert code.votes >= decode.UPC_E_VOTES
    # The same read with bars printed just beyond its end is not believed.
    assert code.box is not None
    photo = label(UPCE, "upce").convert("L")
    assert decode._quiet_zones(photo, code.box, 51)
    striped = photo.copy()
    module = code.box.width / 51
    for i in range(3):
        x = round(code.box.right + (2 + 2 * i) * module)
        striped.paste(
            0, (x, round(code.box.top), x + max(1, round(module)), round(code.box.bottom) + 1)
        )
    assert not decode._quiet_zones(striped, code.box, 51)


@pytest.mark.parametrize(
    "text",
    # Texts that ZBar, left to guess the encoding, returns as Big5, ISO 8859-1 or Shift-JIS
    # mojibake; read as raw bytes they come back exactly.
    ["Sữa tươi", "Cà phê Trung Nguyên", "Mì Hảo Hảo tôm chua cay", "Rượu Làng Vân"],
)
def test_zbar_returns_vietnamese_qr_text_exactly(
    monkeypatch: pytest.MonkeyPatch, text: str
) -> None:
    only_engines(monkeypatch, "zbar")
    assert by_engine(decode_image(render_label(text, "qr"))) == [("QR", text, "zbar")]


@pytest.mark.parametrize(
    ("code", "kind", "symbology", "text"),
    [pytest.param(*case[1:], id=case[0]) for case in SYMBOLOGIES],
)
def test_both_engines_reading_a_code_give_it_once(
    code: str, kind: str, symbology: str, text: str
) -> None:
    codes = decode_image(label(code, kind))
    assert codes == [DecodedCode(symbology, text, "zxing-cpp", "original")]


@pytest.mark.parametrize(
    "options",
    [
        pytest.param({"angle": 90.0}, id="rotated 90°"),
        pytest.param({"angle": 15.0}, id="tilted 15°"),
        pytest.param({"angle": -15.0, "seed": 2}, id="tilted -15°"),
        pytest.param({"blur": 1.5}, id="slightly blurred"),
        pytest.param({"jpeg_quality": 40}, id="JPEG q=40"),
        pytest.param({"background": (40, 40, 45), "seed": 4}, id="dark background"),
    ],
)
def test_imperfect_photos(options: dict[str, object]) -> None:
    assert summary(decode_image(label(EAN13, **options))) == [("EAN13", EAN13)]


def test_tilted_ean13_is_not_also_read_as_a_upce() -> None:
    # zxing-cpp reads the left half of a tilted EAN-13 as a (number system 1) UPC-E that passes
    # its check digit; only number system 0 exists in GS1, so such reads are dropped.
    for seed in range(3):
        codes = decode_image(label(EAN13, angle=15.0, seed=seed))
        assert summary(codes) == [("EAN13", EAN13)]


def test_upce_with_number_system_1_is_not_reported() -> None:
    assert decode_image(label(upce_with_check_digit("1123456"), "upce")) == []


def test_a_blurred_code_zxing_misses_on_the_whole_photo_is_read() -> None:
    photo = label(EAN13, blur=2.0, seed=3)
    assert not [r for r in decode._zxing(photo.convert("L")) if r.symbology != "UPCE"]
    assert summary(decode_image(photo)) == [("EAN13", EAN13)]


def test_fallback_passes_rescue_a_small_blurred_code() -> None:
    photo = label(EAN13, blur=1.5, scale=0.7, seed=3)
    codes = decode_image(photo)
    assert summary(codes) == [("EAN13", EAN13)]
    assert codes[0].pass_name != "original"


def test_large_photo_is_scanned_downscaled_first() -> None:
    photo = label(EAN13, size=(4000, 3000), scale=1.5)
    codes = decode_image(photo)
    assert codes == [DecodedCode("EAN13", EAN13, "zxing-cpp", "gray-2000px")]


def test_small_code_in_large_photo_is_read_in_its_region_at_full_resolution() -> None:
    # Downscaled to 2000 px its bars merge; the barcode-like region, cut from the photo at full
    # resolution and enlarged, reads without scanning all 12 MP.
    photo = label(EAN13, size=(4000, 3000), scale=0.5)
    reading = decode.read_barcodes(photo)
    assert summary(list(reading.codes)) == [("EAN13", EAN13)]
    assert reading.codes[0].pass_name.startswith("region-")
    box = reading.codes[0].box
    assert box is not None and box.left > 500 and box.right < 3500  # on the photo, not the crop


def test_two_codes_in_one_frame_product_code_first() -> None:
    photo = render_scene([(VIETNAMESE, "qr"), (EAN13, "ean13")], seed=5)
    assert summary(decode_image(photo)) == [("EAN13", EAN13), ("QR", VIETNAMESE)]


def test_two_product_codes_in_one_frame() -> None:
    photo = render_scene([(EAN8, "ean8"), (EAN13, "ean13")], seed=6)
    assert sorted(summary(decode_image(photo))) == [("EAN13", EAN13), ("EAN8", EAN8)]


def test_no_code_gives_empty_list() -> None:
    assert decode_image(render_scene([], seed=7)) == []


def test_exif_rotated_phone_photo() -> None:
    upright = label(EAN13)
    stored = to_jpeg_bytes(upright.transpose(Image.Transpose.ROTATE_90), orientation=6)
    assert summary(decode_bytes(stored)) == [("EAN13", EAN13)]


def test_decode_bytes_passes_rejections_on() -> None:
    with pytest.raises(ImageRejected) as caught:
        decode_bytes(b"not an image")
    assert caught.value.code == "not_an_image"


def test_decoded_code_gtin_and_kind() -> None:
    assert DecodedCode("EAN13", EAN13, "zbar", "original").gtin == "0" + EAN13
    assert DecodedCode("UPCA", UPCA, "zbar", "original").gtin == "00" + UPCA
    assert DecodedCode("UPCE", UPCE, "zbar", "original").gtin == "00012345000065"
    assert DecodedCode("EAN8", EAN8, "zbar", "original").gtin == "000000" + EAN8
    qr = DecodedCode("QR", VIETNAMESE, "zbar", "original")
    assert qr.gtin is None and not qr.is_product_code
    with pytest.raises(dataclasses.FrozenInstanceError):
        qr.text = "x"


# --- the budget is work, not time ----------------------------------------------------------------


def _hog(stop: Any) -> None:
    while not stop.is_set():
        sum(i * i for i in range(10_000))


def test_the_same_photo_decodes_the_same_under_load() -> None:
    # A small code in a big photo is found only at full resolution, in passes a time budget used
    # to skip when the machine was busy. With a work budget the answer and the work are the same
    # with every core busy: two CPU hogs run beside the second decoding.
    photo = label(EAN13, size=(4000, 3000), scale=0.5)
    idle = decode.read_barcodes(photo)
    stop = multiprocessing.Event()
    hogs = [multiprocessing.Process(target=_hog, args=(stop,)) for _ in range(2)]
    for hog in hogs:
        hog.start()
    try:
        busy = decode.read_barcodes(photo)
    finally:
        stop.set()
        for hog in hogs:
            hog.join()
    assert summary(list(busy.codes)) == summary(list(idle.codes)) == [("EAN13", EAN13)]
    assert busy.codes[0].pass_name == idle.codes[0].pass_name != "gray-2000px"
    assert busy.work == idle.work


def test_no_code_in_large_photo_stays_within_the_work_budget() -> None:
    photo = render_scene([], size=(4000, 3000), seed=8)
    reading = decode.read_barcodes(photo, work_budget=20_000_000)
    assert reading.codes == () and reading.disagreements == ()
    assert 0 < reading.work <= 20_000_000


def test_a_bigger_budget_tries_more() -> None:
    photo = render_scene([], size=(2000, 1500), seed=8)
    small = decode.read_barcodes(photo, work_budget=10_000_000)
    large = decode.read_barcodes(photo, work_budget=10**10)
    assert small.work <= 10_000_000 < large.work


def test_tiny_budget_still_makes_the_first_attempt() -> None:
    reading = decode.read_barcodes(label(EAN13), work_budget=0)
    assert summary(list(reading.codes)) == [("EAN13", EAN13)]
    assert reading.work > 0


# --- engine output is checked, normalised and deduplicated ----------------------------------------
#
# Here the engines' raw output is replaced: it is the input of the filtering under test.

ZX = zxingcpp.BarcodeFormat


def zxing_result(fmt: ZX, text: str, extra: object = None) -> SimpleNamespace:
    return SimpleNamespace(format=fmt, text=text, bytes=text.encode(), extra=extra)


def fake_engines(
    monkeypatch: pytest.MonkeyPatch,
    zxing: list[SimpleNamespace],
    zbar: list[tuple[int, bytes]],
    *,
    zbar_raw_qr: bool = True,
) -> None:
    monkeypatch.setattr(decode.zxingcpp, "read_barcodes", lambda image, **options: zxing)
    monkeypatch.setattr(
        decode,
        "_zbar_scan",
        lambda image: ([(kind, data, (), None) for kind, data in zbar], zbar_raw_qr),
    )


WRONG_EAN13 = EAN13[:-1] + str((int(EAN13[-1]) + 1) % 10)


@pytest.mark.parametrize(
    ("zxing", "zbar"),
    [
        pytest.param([zxing_result(ZX.EAN13, WRONG_EAN13)], [], id="zxing EAN-13"),
        pytest.param([], [(ZBarSymbol.EAN13, WRONG_EAN13.encode())], id="zbar EAN-13"),
        pytest.param([zxing_result(ZX.EAN8, "89345673")], [], id="zxing EAN-8"),
        pytest.param([], [(ZBarSymbol.UPCA, b"036000291453")], id="zbar UPC-A"),
        pytest.param(
            [zxing_result(ZX.UPCE, "0012345000066", {"UPCE": "01234566"})], [], id="zxing UPC-E"
        ),
        pytest.param([], [(ZBarSymbol.UPCE, b"01234566")], id="zbar UPC-E"),
        pytest.param([zxing_result(ZX.EAN13, "893467300001")], [], id="too short"),
        pytest.param([], [(ZBarSymbol.EAN13, "٨٩٣٤٦٧٣٠٠٠٠١٧".encode())], id="non-ASCII digits"),
    ],
)
def test_reads_failing_their_check_digit_are_dropped(
    monkeypatch: pytest.MonkeyPatch, zxing: list[SimpleNamespace], zbar: list[tuple[int, bytes]]
) -> None:
    fake_engines(monkeypatch, zxing, zbar)
    assert decode_image(label(EAN13)) == []


def test_a_wrong_read_does_not_hide_the_right_one(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_engines(
        monkeypatch,
        [zxing_result(ZX.EAN13, WRONG_EAN13)],
        [(ZBarSymbol.EAN13, WRONG_EAN13.encode()), (ZBarSymbol.EAN13, EAN13.encode())],
    )
    assert by_engine(decode_image(label(EAN13))) == [("EAN13", EAN13, "zbar")]


@pytest.mark.parametrize(
    ("zxing", "zbar", "expected"),
    [
        pytest.param(
            [zxing_result(ZX.EAN13, "0" + UPCA)],
            [(ZBarSymbol.UPCA, UPCA.encode())],
            [("UPCA", UPCA, "zxing-cpp")],
            id="UPC-A as zxing's EAN-13 and zbar's UPC-A",
        ),
        pytest.param(
            [],
            [(ZBarSymbol.EAN13, ("0" + UPCA).encode()), (ZBarSymbol.UPCA, UPCA.encode())],
            [("UPCA", UPCA, "zbar")],
            id="UPC-A as zbar's EAN-13 with leading 0",
        ),
        pytest.param(
            [zxing_result(ZX.UPCE, "0012345000065", {"UPCE": UPCE})],
            [(ZBarSymbol.UPCE, UPCE.encode()), (ZBarSymbol.UPCA, b"012345000065")],
            [("UPCE", UPCE, "zxing-cpp")],
            id="UPC-E and its UPC-A expansion are one GTIN",
        ),
        pytest.param(
            [zxing_result(ZX.UPCE, "0012345000065")],
            [(ZBarSymbol.UPCE, UPCE.encode())],
            [("UPCE", UPCE, "zxing-cpp")],
            id="UPC-E printed digits recovered without zxing's extra",
        ),
        pytest.param(
            [zxing_result(ZX.QRCodeModel2, VIETNAMESE), zxing_result(ZX.EAN13, EAN13)],
            [(ZBarSymbol.QRCODE, VIETNAMESE.encode()), (ZBarSymbol.EAN13, EAN13.encode())],
            [("EAN13", EAN13, "zxing-cpp"), ("QR", VIETNAMESE, "zxing-cpp")],
            id="QR and EAN-13 by both engines, product code first",
        ),
    ],
)
def test_engine_reads_are_normalised_and_deduplicated(
    monkeypatch: pytest.MonkeyPatch,
    zxing: list[SimpleNamespace],
    zbar: list[tuple[int, bytes]],
    expected: list[tuple[str, str, str]],
) -> None:
    fake_engines(monkeypatch, zxing, zbar)
    assert by_engine(decode_image(label(EAN13))) == expected


@pytest.mark.parametrize(
    ("data", "raw", "text"),
    [
        pytest.param(VIETNAMESE.encode(), True, VIETNAMESE, id="raw UTF-8"),
        pytest.param("日本語".encode("shift_jis"), True, "日本語", id="raw Shift-JIS"),
        pytest.param("Café".encode("latin-1"), True, "Café", id="raw ISO 8859-1"),
        # What ZBar without ZBAR_CFG_BINARY (before 0.23) makes of UTF-8 it took for another
        # encoding: its UTF-8 rendering of the wrong guess.
        pytest.param(
            VIETNAMESE.encode().decode("shift_jis").encode(), False, VIETNAMESE, id="as Shift-JIS"
        ),
        pytest.param("Chè Thái".encode().decode("big5").encode(), False, "Chè Thái", id="as Big5"),
        pytest.param(
            "Cà phê".encode().decode("latin-1").encode(), False, "Cà phê", id="as ISO 8859-1"
        ),
        pytest.param("Café".encode(), False, "Café", id="right guess kept"),
    ],
)
def test_zbar_qr_text_encodings(
    monkeypatch: pytest.MonkeyPatch, data: bytes, raw: bool, text: str
) -> None:
    fake_engines(monkeypatch, [], [(ZBarSymbol.QRCODE, data)], zbar_raw_qr=raw)
    assert by_engine(decode_image(label(EAN13))) == [("QR", text, "zbar")]


# --- reads of fragile passes need a second attempt ------------------------------------------------
#
# The strong-sharpen passes run zxing-cpp with two binarizers; here zxing-cpp is faked so that only
# its FixedThreshold binarizer "reads" anything, on the calls listed in ``answer_on``.


def fixed_threshold_only(
    monkeypatch: pytest.MonkeyPatch, results: list[SimpleNamespace], answer_on: set[int]
) -> list[int]:
    calls: list[int] = []

    def read_barcodes(image: Image.Image, **options: object) -> list[SimpleNamespace]:
        if options.get("binarizer") != zxingcpp.Binarizer.FixedThreshold:
            return []
        calls.append(len(calls))
        return results if calls[-1] in answer_on else []

    monkeypatch.setattr(decode.zxingcpp, "read_barcodes", read_barcodes)
    monkeypatch.setattr(decode, "_zbar_scan", lambda image: ([], True))
    return calls


def test_a_read_by_one_fragile_pass_only_is_dropped(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = fixed_threshold_only(monkeypatch, [zxing_result(ZX.EAN13, EAN13)], answer_on={0})
    assert decode_image(label(EAN13), work_budget=10**10) == []
    assert len(calls) == len(decode._STRONG_SHARPEN_RADII)  # every fragile pass was tried


def test_a_fragile_read_confirmed_by_another_pass_is_returned(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fixed_threshold_only(monkeypatch, [zxing_result(ZX.EAN13, EAN13)], answer_on={0, 1})
    r_first, r_second = decode._STRONG_SHARPEN_RADII
    assert decode_image(label(EAN13), work_budget=10**10) == [
        DecodedCode(
            "EAN13",
            EAN13,
            "zxing-cpp-fixed",
            f"sharpen-strong-r{r_first}",
            confirmed_by=f"zxing-cpp-fixed/sharpen-strong-r{r_second}",
        )
    ]


def test_fragile_passes_disagreeing_give_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    # Each pass reads a different valid code: neither is confirmed.
    answers = iter([[zxing_result(ZX.EAN13, EAN13)], [zxing_result(ZX.UPCA, "0" + UPCA)]])

    def read_barcodes(image: Image.Image, **options: object) -> list[SimpleNamespace]:
        if options.get("binarizer") != zxingcpp.Binarizer.FixedThreshold:
            return []
        return next(answers, [])

    monkeypatch.setattr(decode.zxingcpp, "read_barcodes", read_barcodes)
    monkeypatch.setattr(decode, "_zbar_scan", lambda image: ([], True))
    assert decode_image(label(EAN13), work_budget=10**10) == []


def test_a_fragile_read_confirmed_by_the_other_binarizer(monkeypatch: pytest.MonkeyPatch) -> None:
    # Both binarizers read it on the first strong-sharpen pass, which alone ends the search.
    seen: list[object] = []
    before = 0  # zxing-cpp calls before the first strong-sharpen pass, when nothing is read
    for scan in decode._passes(label(EAN13), []):
        if scan.name.startswith("sharpen-strong"):
            break
        before += sum(name.startswith("zxing-cpp") for name, _ in decode._engines_for(scan))

    def read_barcodes(image: Image.Image, **options: object) -> list[SimpleNamespace]:
        seen.append(options.get("binarizer"))
        return [zxing_result(ZX.EAN8, EAN8)] if len(seen) > before else []

    monkeypatch.setattr(decode.zxingcpp, "read_barcodes", read_barcodes)
    monkeypatch.setattr(decode, "_zbar_scan", lambda image: ([], True))
    codes = decode_image(label(EAN13), work_budget=10**10)
    r_first = decode._STRONG_SHARPEN_RADII[0]
    assert codes == [
        DecodedCode(
            "EAN8",
            EAN8,
            "zxing-cpp",
            f"sharpen-strong-r{r_first}",
            confirmed_by=f"zxing-cpp-fixed/sharpen-strong-r{r_first}",
        )
    ]


def test_blurred_code_read_only_after_strong_sharpening_is_confirmed() -> None:
    # Blurred over most of a module: neither engine reads the ordinary passes.
    data, _, plan = render_sample(6, "blur", 16)
    codes = decode_image(Image.open(io.BytesIO(data)), work_budget=10**10)
    expected = plan.codes[0].text
    assert summary(codes) == [("EAN13", expected)]
    assert codes[0].pass_name.startswith("sharpen-strong") and codes[0].confirmed_by


# --- one barcode, one answer ----------------------------------------------------------------------
#
# The engines are replaced by reads with positions (tests/support/engines.py).


TRUE = "5030159003930"  # the field misread: right half right, left half wrong
MISREAD = "7034759003930"
BARS = (300, 500, 700, 560)  # the scanlines that read it, across the bars
LOWER = (310, 530, 690, 540)  # another scanline on the same bars, among those


def test_rival_reads_of_one_barcode_are_settled_by_agreement_not_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The misread comes first; the true digits are read by both engines.
    scripted(
        monkeypatch,
        {
            ("zxing-cpp", 0): [placed("EAN13", MISREAD, LOWER)],
            ("zbar", 0): [placed("EAN13", TRUE, BARS)],
            ("zxing-cpp", 1): [placed("EAN13", TRUE, BARS)],
            ("zbar", 1): [placed("EAN13", TRUE, BARS)],
        },
    )
    reading = decode.read_barcodes(label(EAN13))
    assert summary(list(reading.codes)) == [("EAN13", TRUE)]
    assert reading.codes[0].votes >= 2
    assert reading.disagreements == ()


def test_rival_reads_that_agreement_cannot_settle_give_no_number(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Each engine reads its own number on the same bars, on every pass: two votes each.
    script = {}
    for n in range(8):
        script[("zxing-cpp", n)] = [placed("EAN13", MISREAD, LOWER)]
        script[("zbar", n)] = [placed("EAN13", TRUE, BARS)]
    scripted(monkeypatch, script)
    reading = decode.read_barcodes(label(EAN13), work_budget=10**10)
    assert reading.codes == ()
    [disagreement] = reading.disagreements
    assert set(disagreement.texts) == {TRUE, MISREAD}
    assert disagreement.box is not None and disagreement.box.left == 300


def test_a_lone_misread_beside_a_confirmed_code_is_outvoted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    scripted(
        monkeypatch,
        {
            ("zxing-cpp", 0): [placed("EAN13", TRUE, BARS)],
            ("zbar", 0): [placed("EAN13", TRUE, BARS), placed("EAN13", MISREAD, LOWER)],
        },
    )
    assert summary(decode_image(label(EAN13))) == [("EAN13", TRUE)]


def test_a_upce_over_a_longer_code_is_dropped(monkeypatch: pytest.MonkeyPatch) -> None:
    # "02212166" for "012546619592": a UPC-E made of the halves of the UPC-A under it, even
    # with as many votes.
    upca = "012546619592"
    upce = "02212166"
    scripted(
        monkeypatch,
        {
            ("zxing-cpp", 0): [
                placed("UPCA", upca, BARS),
                placed("UPCE", upce, (320, 560, 520, 570)),
            ],
            ("zbar", 0): [placed("UPCA", upca, BARS), placed("UPCE", upce, (320, 580, 520, 590))],
        },
    )
    assert summary(decode_image(label(EAN13))) == [("UPCA", upca)]


def test_a_upce_alone_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    scripted(
        monkeypatch,
        {
            ("zxing-cpp", 0): [placed("UPCE", UPCE, BARS)],
            ("zbar", 0): [placed("UPCE", UPCE, BARS)],
        },
    )
    assert summary(decode_image(label(EAN13))) == [("UPCE", UPCE)]


def test_two_products_side_by_side_are_both_read(monkeypatch: pytest.MonkeyPatch) -> None:
    beside = (760, 500, 1060, 520)  # the next code along, 60 px to the right
    scripted(
        monkeypatch,
        {
            ("zxing-cpp", 0): [placed("EAN13", TRUE, BARS), placed("EAN8", EAN8, beside)],
            ("zbar", 0): [placed("EAN13", TRUE, BARS), placed("EAN8", EAN8, beside)],
        },
    )
    reading = decode.read_barcodes(label(EAN13))
    assert sorted(summary(list(reading.codes))) == [("EAN13", TRUE), ("EAN8", EAN8)]
    assert reading.disagreements == ()


def test_a_read_across_two_codes_is_outvoted_by_both(monkeypatch: pytest.MonkeyPatch) -> None:
    beside = (760, 500, 1060, 520)
    across = (520, 505, 900, 515)  # the right half of one and the left half of the other
    scripted(
        monkeypatch,
        {
            ("zxing-cpp", 0): [placed("EAN13", TRUE, BARS), placed("EAN8", EAN8, beside)],
            ("zbar", 0): [
                placed("EAN13", TRUE, BARS),
                placed("EAN8", EAN8, beside),
                placed("EAN13", MISREAD, across),
            ],
        },
    )
    assert sorted(summary(decode_image(label(EAN13)))) == [("EAN13", TRUE), ("EAN8", EAN8)]


def test_a_single_vote_makes_the_search_go_on(monkeypatch: pytest.MonkeyPatch) -> None:
    # One engine read it on the first pass: the next pass is scanned for a second vote, which
    # here shows the first read to be a misread.
    script = {("zxing-cpp", 0): [placed("EAN13", MISREAD, LOWER)]}
    for n in range(1, 4):
        script[("zxing-cpp", n)] = [placed("EAN13", TRUE, BARS)]
        script[("zbar", n)] = [placed("EAN13", TRUE, BARS)]
    scripted(monkeypatch, script)
    assert summary(decode_image(label(EAN13))) == [("EAN13", TRUE)]


def test_two_codes_one_above_the_other_are_both_read() -> None:
    # A close pair from the corpus: the codes 2.9 modules apart, one above the other. Their
    # footprints overlap, as a misread's would; the band with no bars between them tells them
    # apart.
    data, _, plan = render_sample(10, "close-pair", 3)
    assert plan.pair == "stacked"
    reading = decode.read_barcodes(Image.open(io.BytesIO(data)))
    assert sorted(c.text for c in reading.codes) == sorted(c.text for c in plan.codes)
    assert reading.disagreements == ()


def test_the_band_between_two_stacked_codes_is_found_on_the_photo() -> None:
    upper = decode.Box(330, 800, 695, 812, along_x=True)
    lower = decode.Box(335, 990, 690, 1000, along_x=True)  # the same bars, lower down
    photo = label(EAN13).convert("L")
    assert not decode._blank_between(photo, upper, lower)
    above = decode.Box(330, 600, 695, 612, along_x=True)  # above the bars: blank paper between
    assert decode._blank_between(photo, above, upper)
