"""The misreads seen in the field, made again by the corpus generator: a photo never invents a
number (issue 10).

Each fixture is a photo from tests/support/corpus.py (seed, class, index) on which the engines,
over the decoder's passes, *do* read a wrong number with a valid check digit beside (or instead
of) the true one - the first assertion of each test proves the trap is armed, so the test cannot
pass by the engines happening to read well. The decoder must then give the true number, or no
number for that barcode (a disagreement, which the shopper is asked to settle), never the wrong
one.
"""

from __future__ import annotations

import io

import pytest
from PIL import Image

from barcode_db import decode
from tests.support.corpus import render_sample
from tests.support.labels import render_label

pytestmark = pytest.mark.slow


def raw_reads(image: Image.Image) -> set[str]:
    """The GTINs every engine reads on every pass the decoder may make, before any agreement."""
    seen: list[decode._Seen] = []
    found: set[str] = set()
    for scan in decode._passes(image, seen):
        pass_image = scan.make()
        for name, engine in decode._engines_for(scan):
            for read in engine(pass_image):
                seen.append(
                    decode._Seen(read, name, scan.name, scan.fragile, scan.place(read.points))
                )
                if read.key[0] == "gtin":
                    found.add(str(read.key[1]))
    return found


def gtin(text: str) -> str:
    return (
        decode.DecodedCode(
            "UPCE" if len(text) == 8 and text[0] == "0" else "EAN13", text, "", ""
        ).gtin
        or ""
    )


def sample(seed: int, cls: str, index: int) -> tuple[Image.Image, list[str]]:
    data, _, plan = render_sample(seed, cls, index)
    image = Image.open(io.BytesIO(data))
    image.load()
    return image, [c.key.removeprefix("gtin:") for c in plan.codes]


MISREADS = [
    # (pattern, seed, class, index, a wrong GTIN the engines read there)
    pytest.param(
        10, "clutter", 1, "04016321245941", id="EAN-13 left half wrong (print by the bars)"
    ),
    pytest.param(10, "left-damage", 30, "00986790781643", id="UPC-A left half wrong (torn)"),
    pytest.param(
        10, "tiny", 1, "00980514659515", id="EAN-13 read as a UPC-A sharing its right half"
    ),
    pytest.param(10, "tiny", 32, "00000089731222", id="EAN-8 misread (1.5 px per module)"),
    pytest.param(10, "shake", 24, "00081000005707", id="UPC-E misread (hand shake)"),
    pytest.param(10, "close-pair", 7, "00914198396831", id="read across two codes side by side"),
]


@pytest.mark.parametrize(("seed", "cls", "index", "wrong"), MISREADS)
def test_a_misread_the_engines_make_is_never_given(
    seed: int, cls: str, index: int, wrong: str
) -> None:
    image, expected = sample(seed, cls, index)
    assert wrong in raw_reads(image), "the engines no longer make this misread: pick another"
    reading = decode.read_barcodes(image)
    given = {code.gtin for code in reading.codes}
    assert wrong not in given
    assert given <= set(expected)


def test_a_upce_made_of_the_halves_of_an_ean13_is_never_given() -> None:
    # A small, blurred EAN-13: ZBar reads its halves as the UPC-E 02446735, more than once.
    image = render_label("8934673000017", blur=1.5, scale=0.7, seed=3)
    assert gtin("02446735") in raw_reads(image)
    reading = decode.read_barcodes(image)
    assert [(c.symbology, c.text) for c in reading.codes] == [("EAN13", "8934673000017")]
