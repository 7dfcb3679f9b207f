"""What a hostile image may cost (issue 12, item 5): refused from its header when no phone makes
it, decoded downscaled first, and read within the work budget with the decoding counted.

Nothing here measures time: the assertions are on work units, on which steps ran and on what
was decoded at which size."""

from __future__ import annotations

import io
import struct
from collections.abc import Callable
from functools import cache

import pytest
from PIL import Image, ImageFile

from barcode_db import images as images_module
from barcode_db.decode import (
    DEFAULT_WORK_BUDGET,
    FIRST_PASS_LONG_SIDE,
    WORKING_LONG_SIDE,
    decode_bytes,
    first_step_work,
    read_barcodes,
)
from barcode_db.images import (
    MAX_ASPECT_RATIO,
    MAX_CAMERA_PIXELS,
    MAX_NON_CAMERA_PIXELS,
    MSG_TOO_MANY_PIXELS_FOR_FORMAT,
    MSG_TOO_NARROW,
    ImageRejected,
    OpenedImage,
    load_image,
    open_image,
)
from complaints.evidence import STORED_LONG_SIDE, prepare_photo
from tests.barcode_db.test_images import png_claiming
from tests.support.labels import render_label, to_jpeg_bytes, with_check_digit

EAN13 = with_check_digit("893467300001")
BUDGET = 3 * DEFAULT_WORK_BUDGET // 2  # what app.verification gives one photo

# --- helpers --------------------------------------------------------------------------------------


def encode(image: Image.Image, fmt: str, **params: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **params)
    return out.getvalue()


def flat(size: tuple[int, int], fmt: str) -> bytes:
    """One colour, a few hundred KB at most however many pixels: the cheapest file to send."""
    return encode(Image.new("RGB", size, (200, 180, 40)), fmt)


@cache
def flat_png_40mp() -> bytes:
    return flat((6300, 6300), "PNG")  # the issue's 115 KB, 39.7 MP, just under the old 40 MP cap


@cache
def flat_png_16mp() -> bytes:
    return flat((4000, 4000), "PNG")  # the most pixels a PNG may have from a phone


@cache
def flat_jpeg_50mp() -> bytes:
    return flat((8160, 6120), "JPEG")  # a 50 MP phone's full-resolution frame, 49.9 MP


def jpeg_claiming(width: int, height: int) -> bytes:
    """A small real JPEG whose frame header (SOF0) claims ``width``×``height``."""
    data = bytearray(encode(Image.new("RGB", (64, 48), "white"), "JPEG"))
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def photo_limits() -> dict[str, object]:
    """What app.verification passes for a shopper's photo."""
    return {
        "max_pixels": MAX_CAMERA_PIXELS,
        "max_non_camera_pixels": MAX_NON_CAMERA_PIXELS,
        "max_aspect_ratio": MAX_ASPECT_RATIO,
    }


@pytest.fixture
def no_decoding(monkeypatch: pytest.MonkeyPatch) -> Callable[[], None]:
    """Call it once the test's files are made: from then on, decoding a pixel fails the test."""

    def refuse(self: object) -> None:
        raise AssertionError("pixels were decoded")

    def forbid() -> None:
        Image.init()  # some plugins draw an image when first imported
        monkeypatch.setattr(ImageFile.ImageFile, "load", refuse)
        monkeypatch.setattr(Image.Image, "load", refuse)

    return forbid


@pytest.fixture
def decodes(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, tuple[int, int]]]:
    """Every decode of an upload: (format, size decoded at)."""
    seen: list[tuple[str, tuple[int, int]]] = []
    real = OpenedImage._decode_at

    def spy(self: OpenedImage, scale: int) -> Image.Image:
        image = real(self, scale)
        seen.append((self.format, image.size))
        return image

    monkeypatch.setattr(OpenedImage, "_decode_at", spy)
    return seen


# --- refused from the header: what no phone makes ------------------------------------------------


def test_the_issues_flat_40_mp_png_is_refused_before_any_pixel_is_decoded(no_decoding) -> None:
    data = flat_png_40mp()
    no_decoding()
    with pytest.raises(ImageRejected) as refused:
        open_image(data, **photo_limits())
    assert refused.value.code == "too_many_pixels"
    assert refused.value.message.msgid == MSG_TOO_MANY_PIXELS_FOR_FORMAT
    assert dict(refused.value.message.params) == {"format": "PNG", "limit": 16}
    assert str(refused.value) == (
        "A PNG image may have at most 16 megapixels. Please send the photo as your phone's "
        "camera saved it, or a smaller copy."
    )


@pytest.mark.parametrize(
    ("data", "params"),
    [
        # A JPEG over the camera cap: 51 MP, more than a 50 MP phone writes.
        (lambda: jpeg_claiming(8250, 6200), {"limit": 50}),
        # A PNG over it too: the general cap answers first.
        (lambda: png_claiming(8250, 6200), {"limit": 50}),
    ],
    ids=["JPEG 51 MP", "PNG 51 MP"],
)
def test_more_than_a_phone_camera_writes_is_refused_from_the_header(
    no_decoding, data, params: dict[str, object]
) -> None:
    upload = data()
    no_decoding()
    with pytest.raises(ImageRejected) as refused:
        open_image(upload, **photo_limits())
    assert refused.value.code == "too_many_pixels"
    assert dict(refused.value.message.params) == params


@pytest.mark.parametrize(
    ("size", "refused"),
    [
        ((3000, 300), False),  # 10:1, a panorama at the limit
        ((3001, 300), True),  # just over
        ((200, 4000), True),  # a tall strip
        ((6300, 20), True),  # cheap in bytes, wide enough to be costly, no photo
    ],
)
def test_strips_no_camera_or_screen_makes_are_refused(size: tuple[int, int], refused: bool) -> None:
    data = flat(size, "PNG")
    if not refused:
        assert open_image(data, **photo_limits()).size == size
        return
    with pytest.raises(ImageRejected) as caught:
        open_image(data, **photo_limits())
    assert caught.value.code == "too_narrow"
    assert caught.value.message.msgid == MSG_TOO_NARROW
    assert dict(caught.value.message.params) == {"width": size[0], "height": size[1]}
    assert caught.value.status == 422


def test_camera_formats_keep_the_camera_cap(no_decoding) -> None:
    # A 50 MP JPEG header passes; a PNG of as many pixels does not.
    jpeg, png = jpeg_claiming(8160, 6120), png_claiming(8160, 6120)
    no_decoding()
    assert open_image(jpeg, **photo_limits()).size == (8160, 6120)
    with pytest.raises(ImageRejected):
        open_image(png, **photo_limits())


def test_the_caps_are_opt_in_for_load_image() -> None:
    # load_image's own limits are unchanged: 40 MP for any format, no shape rule.
    assert load_image(flat((3001, 300), "PNG")).size == (3001, 300)


# --- decoded downscaled first ---------------------------------------------------------------------


def test_a_jpeg_is_decoded_at_the_dct_scale_that_gives_the_size_asked(decodes) -> None:
    opened = open_image(flat_jpeg_50mp(), **photo_limits())

    first = opened.plan(FIRST_PASS_LONG_SIDE)
    assert first.size == (2040, 1530) and first.decoded == 2040 * 1530  # 1/4 of each side
    assert opened.decode(FIRST_PASS_LONG_SIDE).size == (2040, 1530)
    assert opened.plan(WORKING_LONG_SIDE).size == (4080, 3060)  # 1/2: never the whole 50 MP
    assert decodes == [("JPEG", (2040, 1530))]

    # Asked again: reused, not decoded again.
    assert opened.plan(FIRST_PASS_LONG_SIDE).decoded == 0
    opened.decode(FIRST_PASS_LONG_SIDE)
    assert len(decodes) == 1


def test_other_formats_are_decoded_once_whole_and_then_reduced(decodes) -> None:
    opened = open_image(flat((4000, 3000), "PNG"), **photo_limits())

    plan = opened.plan(FIRST_PASS_LONG_SIDE)
    assert (plan.size, plan.decoded, plan.factor) == ((2000, 1500), 12_000_000, 2)
    assert opened.decode(FIRST_PASS_LONG_SIDE).size == (2000, 1500)
    assert opened.plan(None).decoded == 0  # the whole is kept: full resolution costs no decode
    assert opened.decode().size == (4000, 3000)
    assert decodes == [("PNG", (4000, 3000))]


def test_the_upright_size_is_known_before_decoding(no_decoding) -> None:
    # A phone held sideways: stored 640×480, EXIF orientation 6.
    exif = Image.Exif()
    exif[0x0112] = 6
    data = encode(Image.new("RGB", (640, 480), "white"), "JPEG", exif=exif)
    no_decoding()
    opened = open_image(data, **photo_limits())
    assert opened.size == (480, 640)
    assert opened.plan(None).size == (480, 640)


# --- read within the budget, decoding counted -----------------------------------------------------

HOSTILE = [
    pytest.param(flat_png_16mp, id="flat PNG 16 MP"),
    pytest.param(flat_jpeg_50mp, id="flat JPEG 50 MP"),
    pytest.param(lambda: flat((4000, 4000), "WEBP"), id="flat WebP 16 MP"),
]


@pytest.mark.parametrize("make", HOSTILE)
def test_a_hostile_flat_photo_costs_no_more_than_the_budget(make) -> None:
    opened = open_image(make(), **photo_limits())
    assert first_step_work(opened) < BUDGET  # the one step that runs whatever the budget

    reading = read_barcodes(opened, work_budget=BUDGET)

    assert reading.codes == ()
    assert reading.work <= BUDGET
    assert reading.steps[0].startswith("decode ")  # the decoding is the first work counted
    decoded = [step for step in reading.steps if step.startswith("decode ")]
    assert "decode 8160x6120" not in decoded  # never the whole 50 MP


def test_the_decoding_and_the_preparation_are_counted() -> None:
    opened = open_image(flat_png_16mp(), **photo_limits())
    first_step = first_step_work(opened)
    reading = read_barcodes(opened, work_budget=first_step)

    # Only the first look fits: the file decoded whole (PNG), reduced, made grey, one engine.
    assert reading.steps == ("decode 2000x2000", "gray", "gray-2000px/zxing-cpp")
    assert reading.work == first_step
    # That look costs the decoding of 16 MP, far more than zxing-cpp on 2000 × 2000 pixels.
    assert reading.work > 4 * 2000 * 2000


def test_the_first_step_always_runs_and_nothing_after_it_when_nothing_is_left() -> None:
    opened = open_image(flat_jpeg_50mp(), **photo_limits())
    first_step = first_step_work(opened)
    reading = read_barcodes(opened, work_budget=1)
    assert reading.steps == ("decode 2040x1530", "gray", "downscale", "gray-2000px/zxing-cpp")
    assert reading.work == first_step


def test_full_resolution_is_decoded_only_when_the_budget_allows_it() -> None:
    opened = open_image(flat_jpeg_50mp(), **photo_limits())
    lean = read_barcodes(opened, work_budget=first_step_work(opened) + 1_000_000)
    assert not any(step.startswith("decode 4080x3060") for step in lean.steps)

    opened = open_image(flat_jpeg_50mp(), **photo_limits())
    rich = read_barcodes(opened, work_budget=10**10)
    assert "decode 4080x3060" in rich.steps  # half size: the working resolution


def test_the_region_search_is_charged_and_skipped_when_it_does_not_fit() -> None:
    photo = render_label(EAN13)
    tight = read_barcodes(photo, work_budget=first_step_work(photo))
    assert tight.steps == ("gray", "original/zxing-cpp")
    roomy = read_barcodes(photo, work_budget=10**10)
    assert "regions" in roomy.steps
    assert [c.text for c in roomy.codes] == [EAN13]


def test_a_real_photo_reads_the_same_from_bytes_as_decoded() -> None:
    data = to_jpeg_bytes(render_label(EAN13, size=(4032, 3024), scale=1.2, seed=3), quality=85)
    assert [c.text for c in decode_bytes(data)] == [EAN13]


# --- complaint photos: bounded too ----------------------------------------------------------------


def test_a_51_mp_png_complaint_photo_is_refused_from_its_header(no_decoding) -> None:
    # The complaint path allowed 52 MP in any format; five of these took 12.4 s and 365 MB.
    over_all, over_non_camera = png_claiming(8250, 6200), png_claiming(6000, 4001)
    no_decoding()
    with pytest.raises(ImageRejected) as refused:
        prepare_photo(over_all)
    assert refused.value.code == "too_many_pixels"
    with pytest.raises(ImageRejected) as refused:
        prepare_photo(over_non_camera)  # any format but a camera's: 24 MP at most
    assert refused.value.message.msgid == MSG_TOO_MANY_PIXELS_FOR_FORMAT


def test_a_50_mp_jpeg_complaint_photo_is_decoded_at_half_size(decodes) -> None:
    photo = prepare_photo(flat_jpeg_50mp())
    assert (photo.width, photo.height) == (STORED_LONG_SIDE, 1920)
    assert decodes == [("JPEG", (4080, 3060))]  # 12.5 MP decoded, not 50


def test_the_module_names_the_camera_formats() -> None:
    assert {"JPEG", "MPO", "HEIF"} == images_module.CAMERA_FORMATS
