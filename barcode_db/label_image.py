"""A label photo made ready for OCR: straightened, cut to where the text is, and scaled.

Phone photos of packs are tilted by a few degrees, and the label is often a small part of a
12 MP frame. Tesseract reads neither well: a tilt of ten degrees loses whole lines, and scaling the
whole frame down to a workable size shrinks small print below what it can read. So, on an edge map
of a small copy of the photo:

- the tilt is the angle at which the edges' projection onto the vertical axis is most peaked
  (text lines are rows of edges; a projection-profile search, -15° to +15°);
- the text is where edges are dense (blocks of printed strokes), and the photo is cut to the box
  around those blocks, so the pixels spent on OCR are spent on the label.

Everything here is arithmetic on pixels: the same photo gives the same page on any machine.
"""

from __future__ import annotations

import math

import numpy as np
from PIL import Image, ImageFilter, ImageOps

#: Long side of the copy the tilt and the text box are found on.
ANALYSIS_SIDE = 1000
#: Grey-level step (sum of the horizontal and vertical differences) that counts as an edge.
EDGE_STEP = 48
#: Tilts searched, in degrees; a photo tilted more is read as it is.
MAX_TILT = 15.0
#: Tilts smaller than this are left alone (Tesseract copes, and rotating blurs the print).
MIN_TILT = 0.75
#: Side of the blocks (in analysis pixels) whose edge density finds the text.
BLOCK = 16
#: Share of a block's pixels that are edges for it to hold print.
DENSE = 0.10
#: Long side of the copy the paper's brightness is estimated on (light varies slowly).
PAPER_SIDE = 320


def edge_map(grey: Image.Image) -> np.ndarray:
    """Where the grey image has a step of at least ``EDGE_STEP`` to its right or below."""
    values = np.asarray(grey, dtype=np.int16)
    if values.shape[0] < 2 or values.shape[1] < 2:
        return np.zeros((0, 0), dtype=bool)
    step = np.abs(np.diff(values, axis=1))[:-1, :] + np.abs(np.diff(values, axis=0))[:, :-1]
    return step >= EDGE_STEP


def tilt(edges: np.ndarray) -> float:
    """The angle (degrees, counter-clockwise) the print is turned by; 0.0 when unsure."""
    ys, xs = np.nonzero(edges)
    if len(ys) < 500:
        return 0.0
    stride = max(1, len(ys) // 60_000)
    ys = ys[::stride].astype(np.float64)
    xs = xs[::stride].astype(np.float64)

    def peakedness(angle: float) -> float:
        theta = math.radians(angle)
        rows = np.rint(ys * math.cos(theta) + xs * math.sin(theta)).astype(np.int64)
        counts = np.bincount(rows - rows.min())
        return float(np.dot(counts, counts))

    coarse = max(np.arange(-MAX_TILT, MAX_TILT + 0.01, 0.5), key=peakedness)
    fine = max(np.arange(coarse - 0.5, coarse + 0.51, 0.1), key=peakedness)
    flat = peakedness(0.0)
    # A tilt must make the lines clearly sharper than the photo as it is.
    return round(float(fine), 1) if peakedness(float(fine)) > 1.05 * flat else 0.0


def text_box(edges: np.ndarray) -> tuple[int, int, int, int] | None:
    """The box (left, top, right, bottom) around the blocks dense with edges, or None."""
    rows, cols = edges.shape[0] // BLOCK, edges.shape[1] // BLOCK
    if rows < 2 or cols < 2:
        return None
    blocks = edges[: rows * BLOCK, : cols * BLOCK].reshape(rows, BLOCK, cols, BLOCK).mean((1, 3))
    dense = blocks >= DENSE
    # A dense block with no dense neighbour is a speck, not print.
    padded = np.pad(dense, 1)
    neighbours = sum(
        padded[1 + dy : rows + 1 + dy, 1 + dx : cols + 1 + dx]
        for dy in (-1, 0, 1)
        for dx in (-1, 0, 1)
        if dy or dx
    )
    print_blocks = dense & (neighbours >= 2)
    found_rows = np.nonzero(print_blocks.any(axis=1))[0]
    found_cols = np.nonzero(print_blocks.any(axis=0))[0]
    if len(found_rows) == 0:
        return None
    top, bottom = max(0, found_rows[0] - 1), min(rows, found_rows[-1] + 2)
    left, right = max(0, found_cols[0] - 1), min(cols, found_cols[-1] + 2)
    return left * BLOCK, top * BLOCK, right * BLOCK, bottom * BLOCK


def _small(grey: Image.Image) -> tuple[Image.Image, float]:
    factor = min(1.0, ANALYSIS_SIDE / max(grey.size))
    if factor == 1.0:
        return grey, 1.0
    size = (max(2, round(grey.width * factor)), max(2, round(grey.height * factor)))
    return grey.resize(size, Image.Resampling.BILINEAR), factor


def _cut(grey: Image.Image) -> Image.Image:
    """The grey photo cut to the box around its print (with a margin), at full resolution."""
    small, factor = _small(grey)
    box = text_box(edge_map(small))
    if box is None:
        return grey
    margin = 2 * BLOCK
    left, top, right, bottom = (
        max(0, round((box[0] - margin) / factor)),
        max(0, round((box[1] - margin) / factor)),
        min(grey.width, round((box[2] + margin) / factor)),
        min(grey.height, round((box[3] + margin) / factor)),
    )
    if right - left < 32 or bottom - top < 32:
        return grey
    return grey.crop((left, top, right, bottom))


def straighten_and_crop(grey: Image.Image) -> Image.Image:
    """The grey photo cut to its print and turned level (the tilt is measured on the print
    alone, where it is large enough to measure), then cut again."""
    page = _cut(grey)
    small, _factor = _small(page)
    angle = tilt(edge_map(small))
    if abs(angle) < MIN_TILT:
        return page
    background = int(np.median(np.asarray(small)))
    turned = page.rotate(
        -angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=background
    )
    return _cut(turned)


def even_light(grey: Image.Image) -> Image.Image:
    """The page with its light made even and its contrast stretched: dim photos, a shadow across
    the label and low-contrast print read like a well-lit page.

    The paper's brightness is estimated on a small copy (the lightest pixel around each point,
    smoothed), and every pixel is divided by it; then the grey levels are stretched to 0-255.
    """
    factor = min(1.0, PAPER_SIDE / max(grey.size))
    small = grey.resize(
        (max(2, round(grey.width * factor)), max(2, round(grey.height * factor))),
        Image.Resampling.BOX,
    )
    reach = max(3, round(min(small.size) / 40)) | 1  # odd: about a letter's width or two
    paper = small.filter(ImageFilter.MaxFilter(reach)).filter(ImageFilter.GaussianBlur(reach))
    paper = paper.resize(grey.size, Image.Resampling.BILINEAR)
    values = np.asarray(grey, dtype=np.float32)
    light = np.maximum(np.asarray(paper, dtype=np.float32), 1.0)
    flat = np.clip(values / light * 255.0, 0, 255).astype(np.uint8)
    return ImageOps.autocontrast(Image.fromarray(flat), cutoff=0.5)
