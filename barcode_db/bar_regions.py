"""Where the bars of a 1-D barcode may be on a photo: region proposals for the decoder.

A barcode is a patch of many parallel edges: strong gradients, nearly all in one direction, densely
packed. Over a grid of square blocks this module sums the structure tensor of the image gradient
(``Jxx``, ``Jyy``, ``Jxy``) and the share of pixels on an edge; blocks whose gradients agree in
direction (coherence), are dense with edges and strong enough are barcode-like. Neighbouring
barcode-like blocks of about the same direction are grouped; each group large enough becomes a
:class:`Region` with its box (in the pixels of the image given) and the direction of the bars.

Numpy only, on an image of at most a few megapixels (the decoder's 2000 px pass image): about
20 ms. Text, a single edge and flat paper are not barcode-like (mixed directions, too few edges,
too weak); stripes printed beside the bars are, and are simply one more region to try.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

import numpy as np
from PIL import Image, ImageFilter

__all__ = ["Region", "bar_regions"]

BLOCK: Final = 12
"""Block side, px of the analysed image."""

MIN_COHERENCE: Final = 0.7
MIN_EDGE_SHARE: Final = 0.1
"""Share of pixels on a strong edge, over a block and its neighbours: sharp bars of 4 px per module
give about 0.15, a single straight edge at most 0.08."""
MIN_BLOCKS: Final = 4
MAX_REGIONS: Final = 6
ANGLE_TOLERANCE: Final = math.radians(20)
_REACH: Final = (-3, -2, -1, 0, 1, 2, 3)
"""Blocks a group reaches across: the space between wide bars may hold a block or two with no
edge in it."""


@dataclass(frozen=True)
class Region:
    """A barcode-like patch: its box (left, top, right, bottom) and the bars' direction.

    ``angle`` is the direction of the gradient across the bars, in degrees in [0, 180): 0 for
    upright bars (a code read left to right), 90 for bars lying down.
    """

    left: int
    top: int
    right: int
    bottom: int
    angle: float
    score: float

    @property
    def width(self) -> int:
        return self.right - self.left

    @property
    def height(self) -> int:
        return self.bottom - self.top


def _box3(grid: np.ndarray) -> np.ndarray:
    """The mean over each cell's 3x3 neighbourhood (edges padded by repetition)."""
    padded = np.pad(grid, 1, mode="edge")
    rows, cols = grid.shape
    total = np.zeros_like(grid)
    for dr in range(3):
        for dc in range(3):
            total += padded[dr : dr + rows, dc : dc + cols]
    return total / 9.0


def bar_regions(image: Image.Image) -> list[Region]:
    """The barcode-like regions of ``image`` (grayscale or RGB), strongest first."""
    gray_image = image if image.mode == "L" else image.convert("L")
    # A light blur first: the jagged steps of a tilted sharp edge would scatter its direction.
    gray = np.asarray(gray_image.filter(ImageFilter.BoxBlur(1)), dtype=np.float32)
    h, w = gray.shape
    rows, cols = (h - 1) // BLOCK, (w - 1) // BLOCK
    if rows < 2 or cols < 2:
        return []
    gx = gray[: rows * BLOCK, 1 : cols * BLOCK + 1] - gray[: rows * BLOCK, : cols * BLOCK]
    gy = gray[1 : rows * BLOCK + 1, : cols * BLOCK] - gray[: rows * BLOCK, : cols * BLOCK]

    def blocks(values: np.ndarray) -> np.ndarray:
        return values.reshape(rows, BLOCK, cols, BLOCK).sum(axis=(1, 3))

    gxx, gyy = gx * gx, gy * gy
    jxx, jyy, jxy = blocks(gxx), blocks(gyy), blocks(gx * gy)
    squared = gxx + gyy
    # The 90th percentile of the gradient, from every 4th pixel each way (a full sort is slow).
    typical = float(np.percentile(squared[::4, ::4], 90))
    strong = squared > max(144.0, typical * 0.25)
    edge_share = _box3(blocks(strong.astype(np.float32)) / (BLOCK * BLOCK))
    energy = jxx + jyy + 1e-6
    coherence = np.sqrt((jxx - jyy) ** 2 + 4 * jxy**2) / energy
    angle = 0.5 * np.arctan2(2 * jxy, jxx - jyy)  # gradient direction, radians in (-pi/2, pi/2]
    candidate = (coherence >= MIN_COHERENCE) & (edge_share >= MIN_EDGE_SHARE)

    regions: list[Region] = []
    seen = np.zeros_like(candidate)
    for r0, c0 in zip(*np.nonzero(candidate), strict=True):
        if seen[r0, c0]:
            continue
        # Flood fill over neighbours (one block gap allowed) of about the same direction.
        stack = [(int(r0), int(c0))]
        seen[r0, c0] = True
        members = []
        base = float(angle[r0, c0])
        while stack:
            r, c = stack.pop()
            members.append((r, c))
            for dr in _REACH:
                for dc in _REACH:
                    rr, cc = r + dr, c + dc
                    if not (0 <= rr < rows and 0 <= cc < cols) or seen[rr, cc]:
                        continue
                    if not candidate[rr, cc]:
                        continue
                    diff = abs(float(angle[rr, cc]) - base) % math.pi
                    if min(diff, math.pi - diff) > ANGLE_TOLERANCE:
                        continue
                    seen[rr, cc] = True
                    stack.append((rr, cc))
        if len(members) < MIN_BLOCKS:
            continue
        rs = [m[0] for m in members]
        cs = [m[1] for m in members]
        sxx = sum(float(jxx[m]) for m in members)
        syy = sum(float(jyy[m]) for m in members)
        sxy = sum(float(jxy[m]) for m in members)
        theta = math.degrees(0.5 * math.atan2(2 * sxy, sxx - syy)) % 180
        score = sum(float(edge_share[m]) for m in members)
        regions.append(
            Region(
                min(cs) * BLOCK,
                min(rs) * BLOCK,
                (max(cs) + 1) * BLOCK,
                (max(rs) + 1) * BLOCK,
                theta,
                score,
            )
        )
    regions.sort(key=lambda region: -region.score)
    return regions[:MAX_REGIONS]
