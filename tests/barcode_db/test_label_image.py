"""Straightening a label photo and cutting it to its print, before OCR."""

from __future__ import annotations

import pytest
from PIL import Image, ImageOps

from barcode_db.label_image import edge_map, straighten_and_crop, text_box, tilt
from tests.support.labels import label_photo

LABEL = ImageOps.grayscale(
    label_photo(
        "Vinamilk",
        ["Sữa tươi tiệt trùng 180 ml", "Sản xuất bởi: Công ty Cổ phần Sữa Việt Nam"],
        code="8934673000017",
    )
)


@pytest.mark.parametrize("angle", [0.0, 3.0, -4.5, 9.0, -12.0, 14.0])
def test_the_tilt_of_the_print_is_found(angle: float) -> None:
    turned = LABEL.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=226)
    small = turned.resize((turned.width // 2, turned.height // 2))
    assert tilt(edge_map(small)) == pytest.approx(angle, abs=0.5)


def test_a_photo_with_no_print_has_no_tilt_and_no_text_box() -> None:
    blank = Image.new("L", (800, 600), 200)
    assert tilt(edge_map(blank)) == 0.0
    assert text_box(edge_map(blank)) is None
    assert straighten_and_crop(blank).size == blank.size


def test_the_photo_is_cut_to_the_label_and_straightened() -> None:
    wall = Image.new("L", (4000, 3000), 120)
    wall.paste(LABEL.rotate(7, expand=True, fillcolor=226), (1500, 1200))
    page = straighten_and_crop(wall)
    # Most of the frame is wall: the page is the label's size, not the frame's.
    assert page.width < 2200 and page.height < 1700
    small = page.resize((page.width // 2, page.height // 2))
    assert abs(tilt(edge_map(small))) < 0.75


def test_uneven_light_is_made_even() -> None:
    # A shadow darkens the right half of the label: after even_light, paper is paper everywhere
    # and print is print, on both halves.
    import numpy as np

    from barcode_db.label_image import even_light

    values = np.asarray(LABEL, dtype=np.float32)
    shade = np.ones_like(values)
    shade[:, values.shape[1] // 2 :] = 0.45
    shadowed = Image.fromarray((values * shade).astype(np.uint8))
    out = np.asarray(even_light(shadowed), dtype=np.float32)
    half = out.shape[1] // 2
    left_paper, right_paper = np.median(out[:, :half]), np.median(out[:, half:])
    assert abs(left_paper - right_paper) < 12
    assert out.min() < 60  # the print stays dark
