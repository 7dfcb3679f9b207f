"""A seeded, reproducible corpus of phone-like label photos for benchmarking barcode readers.

The symbols are drawn by python-barcode and ``qrcode`` (through :mod:`tests.support.labels`), a
renderer independent of both decoders, placed on a paper label, and the label is then put through
what a phone camera does to it: scale (down to ~1.6 px per module), rotation, perspective,
curvature round a can, Gaussian and motion blur, JPEG compression down to quality 8, sensor
noise, dim / low-contrast / uneven light and shadow edges, glare, two codes in one frame, and
combinations. Frames are phone-sized, up to 12 MP (4000 × 3000).

Each sample is a pure function of ``(seed, class, index)``: the same arguments give the same
pixels on any machine with the same Pillow and numpy. :func:`build_corpus` renders samples on
demand into a cache directory (JPEG quality 95, or the degraded JPEG itself for the ``jpeg``
class) plus a ``manifest.json`` listing what is on each image, and reuses them on later runs.

Used by ``scripts/bench_decode.py``; nothing here is imported by the application.
"""

from __future__ import annotations

import io
import json
import math
import random
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from tests.support.labels import (
    _noisy_background,
    _panel,
    barcode_image,
    upce_to_upca,
    upce_with_check_digit,
    with_check_digit,
)

CORPUS_VERSION = 2
"""Bump when the generator changes, so that old cached images are not reused."""

CLASSES: tuple[str, ...] = (
    "clean",
    "scale",
    "rotation",
    "perspective",
    "blur",
    "motion",
    "jpeg",
    "noise",
    "light",
    "glare",
    "curved",
    "two-codes",
    "combined",
)
"""The first corpus: the kinds of damage one at a time, and a few combined."""

HARD_CLASSES: tuple[str, ...] = (
    "left-damage",
    "guard-blur",
    "tiny",
    "can",
    "close-pair",
    "clutter",
    "low-light",
    "shake",
)
"""Classes made to provoke misreads and losses (issue 10): the left half of an EAN-13 or UPC-A
smudged, torn, scratched or in shadow (the misread seen in the field: right half right, left half
wrong); strong blur across the guard bars; 1.5-2 px per module; cans and bottles; two codes a few
modules apart; stripes and text close to the bars; low light with sensor noise; a shaking hand."""

ALL_CLASSES: tuple[str, ...] = CLASSES + HARD_CLASSES

FRAMES: tuple[tuple[int, int], ...] = ((1600, 1200), (2016, 1512), (3000, 2250), (4000, 3000))
"""Phone-sized frames, landscape; each sample may also be turned to portrait."""

RENDER_PPM = 8.0
"""Pixels per module the symbol is first drawn at, before the 'camera' resamples it."""
_RENDER_SCALE = RENDER_PPM / (0.33 * 300 / 25.4)  # labels.barcode_image draws 0.33*scale mm @300dpi

QR_TEXTS = (
    "Sữa tươi tiệt trùng Vinamilk 180ml",
    "Nước mắm Phú Quốc 40°N – Đặc sản",
    "Cà phê Trung Nguyên G7 3in1",
    "Bánh đa cua Hải Phòng",
    "Trà xanh Thái Nguyên – hạn dùng 31/12/2026",
    "Mì Hảo Hảo tôm chua cay",
    "https://hangviet.example/sp/8934673000017",
)


@dataclass(frozen=True)
class Code:
    """One code on a sample: ``kind`` as rendered (ean13, ean8, upca, upce, qr) and its text."""

    kind: str
    text: str

    @property
    def key(self) -> str:
        """What identifies the code in a read: ``gtin:<14 digits>`` or ``qr:<text>``."""
        if self.kind == "qr":
            return "qr:" + self.text
        if self.kind == "upce":
            return "gtin:" + (upce_to_upca(self.text) + self.text[-1]).zfill(14)
        return "gtin:" + self.text.zfill(14)


@dataclass
class Sample:
    cls: str
    index: int
    path: str
    codes: list[Code]
    size: tuple[int, int]
    params: dict[str, object] = field(default_factory=dict)

    def load(self) -> Image.Image:
        image = Image.open(self.path)
        image.load()
        return image


# --- codes ----------------------------------------------------------------------------------------


def random_code(rng: random.Random, kinds: Sequence[str] | None = None) -> Code:
    kind = (
        rng.choice(kinds)
        if kinds
        else rng.choices(("ean13", "upca", "ean8", "upce", "qr"), weights=(40, 15, 12, 13, 20))[0]
    )
    digits = lambda n: "".join(str(rng.randrange(10)) for _ in range(n))  # noqa: E731
    if kind == "ean13":
        prefix = rng.choice(("893", "890", "400", "480", "690", "885"))
        return Code(kind, with_check_digit(prefix + digits(9)))
    if kind == "upca":
        return Code(kind, with_check_digit(rng.choice("0136789") + digits(10)))
    if kind == "ean8":
        return Code(kind, with_check_digit(rng.choice(("893", "400", "690")) + digits(4)))
    if kind == "upce":
        return Code(kind, upce_with_check_digit("0" + digits(6)))
    if rng.random() < 0.3:
        gtin = with_check_digit("893" + digits(9))
        lot = rng.choice(("LÔ-42", "A1B2", "2025-07"))
        from urllib.parse import quote

        return Code("qr", f"https://id.gs1.org/01/0{gtin}/10/{quote(lot)}?17=271231")
    return Code("qr", rng.choice(QR_TEXTS))


# --- geometry -------------------------------------------------------------------------------------


def _label(code: Code, rng: random.Random, plan: _Plan | None = None) -> Image.Image:
    """The paper label (RGBA) with the symbol drawn at RENDER_PPM px per module, damaged as the
    plan says (``damage``, ``clutter``), and the second code of a ``pair`` beside it."""
    symbol = barcode_image(code.text, code.kind, scale=_RENDER_SCALE)
    if plan is not None and plan.damage:
        symbol = _damage_left_half(symbol, code, rng, plan.damage)
    if plan is not None and plan.pair:
        other = barcode_image(plan.codes[1].text, plan.codes[1].kind, scale=_RENDER_SCALE)
        symbol = _pair(symbol, other, plan.pair, plan.pair_gap)
    if plan is not None and plan.clutter:
        symbol = _clutter(symbol, rng, plan.clutter)
    lines = rng.sample(("Sữa tươi", "Sản xuất tại Việt Nam", "NSX 01/2025", "Khối lượng 500g"), 2)
    return _panel(symbol, lines, 40, rng)


def _bars_box(symbol: Image.Image) -> tuple[int, int, int, int]:
    """(left, top, right, bottom) of the dark bars of a rendered symbol."""
    dark = np.asarray(symbol.convert("L")) < 128
    xs = np.flatnonzero(dark.any(axis=0))
    ys = np.flatnonzero(dark.any(axis=1))
    return int(xs[0]), int(ys[0]), int(xs[-1]) + 1, int(ys[-1]) + 1


_PAPER = (250, 249, 244)


def _damage_left_half(
    symbol: Image.Image, code: Code, rng: random.Random, kind: str
) -> Image.Image:
    """Damage part of the left half of an EAN/UPC symbol (between the left and centre guards)."""
    modules = _symbol_modules(code)
    x0, y0, x1, y1 = _bars_box(symbol)
    m = (x1 - x0) / modules
    left, centre = x0 + 3 * m, x0 + (modules // 2 - 2) * m
    width = (centre - left) * rng.uniform(0.35, 0.9)
    start = left + rng.uniform(0, centre - left - width)
    box = (round(start), y0, round(start + width), y1)
    image = symbol.convert("RGB")
    if kind == "smudge":  # ink rubbed across the bars: blurred over one to two modules
        region = image.crop(box).filter(ImageFilter.GaussianBlur(m * rng.uniform(0.7, 1.6)))
        image.paste(region, box[:2])
    elif kind == "torn":  # a tear across the bars: a jagged paper-coloured band, slanted
        draw = ImageDraw.Draw(image)
        band = m * rng.uniform(0.6, 2.0)
        slant = (y1 - y0) * rng.uniform(-0.6, 0.6)
        mid = (box[0] + box[2]) / 2
        top = [(mid - slant / 2 + rng.uniform(-m, m), y0 + t * (y1 - y0) / 8) for t in range(9)]
        top = [(x + slant * (y - y0) / (y1 - y0), y) for x, y in top]
        edge = [(x + band + rng.uniform(0, m), y) for x, y in reversed(top)]
        draw.polygon(top + edge, fill=_PAPER)
    elif kind == "scratch":  # light scratches across the bars
        draw = ImageDraw.Draw(image)
        for _ in range(rng.randint(2, 5)):
            xa = rng.uniform(box[0], box[2])
            xb = xa + rng.uniform(-3, 3) * m
            draw.line(
                ((xa, y0), (xb, y1)), fill=_PAPER, width=max(1, round(m * rng.uniform(0.3, 0.8)))
            )
    elif kind == "shadow":  # a fold or a finger's shadow over the left half
        arr = np.asarray(image).astype(np.float32)
        xs = np.arange(arr.shape[1], dtype=np.float32)
        soft = m * rng.uniform(0.5, 3.0)
        rise = np.clip((xs - box[0]) / soft, -60, 60)
        fall = np.clip((xs - box[2]) / soft, -60, 60)
        inside = 1 / (1 + np.exp(-rise)) * (1 / (1 + np.exp(fall)))
        depth = rng.uniform(0.2, 0.5)
        arr *= (1 - (1 - depth) * inside)[None, :, None]
        image = Image.fromarray(arr.clip(0, 255).astype(np.uint8), "RGB")
    elif kind == "ink":  # a grey stain over some bars
        stain = Image.new("L", image.size, 0)
        ImageDraw.Draw(stain).ellipse(
            (box[0], y0 + (y1 - y0) * rng.uniform(-0.2, 0.3), box[2], y1 + (y1 - y0) * 0.2),
            fill=round(255 * rng.uniform(0.35, 0.7)),
        )
        stain = stain.filter(ImageFilter.GaussianBlur(m))
        image = Image.composite(Image.new("RGB", image.size, (70, 60, 50)), image, stain)
    else:
        raise ValueError(f"unknown damage {kind!r}")
    return image


def _pair(first: Image.Image, second: Image.Image, layout: str, gap: float) -> Image.Image:
    """Two symbols ``gap`` modules apart (their quiet zones overlap): side by side or stacked."""
    ax0, ay0, ax1, ay1 = _bars_box(first)
    bx0, by0, bx1, by1 = _bars_box(second)
    a = first.crop((ax0, ay0, ax1, ay1))
    b = second.crop((bx0, by0, bx1, by1))
    quiet = ax0
    space = round(gap * RENDER_PPM)
    if layout == "side":
        size = (a.width + space + b.width + 2 * quiet, max(a.height, b.height) + 2 * quiet)
        out = Image.new("RGB", size, "white")
        out.paste(a, (quiet, quiet))
        out.paste(b, (quiet + a.width + space, quiet))
    else:
        size = (max(a.width, b.width) + 2 * quiet, a.height + space + b.height + 2 * quiet)
        out = Image.new("RGB", size, "white")
        out.paste(a, (quiet, quiet))
        out.paste(b, (quiet, quiet + a.height + space))
    return out


def _clutter(symbol: Image.Image, rng: random.Random, kind: str) -> Image.Image:
    """Print close to the bars: stripes in the quiet zone, or text over the top of the bars."""
    x0, y0, x1, y1 = _bars_box(symbol)
    m = RENDER_PPM
    image = symbol.convert("RGB")
    draw = ImageDraw.Draw(image)
    if kind == "stripes":
        for side in rng.sample(("left", "right"), rng.randint(1, 2)):
            x = x0 - m * rng.uniform(2, 6) if side == "left" else x1 + m * rng.uniform(2, 6)
            for _ in range(rng.randint(2, 6)):
                w = m * rng.uniform(0.8, 3)
                box = (x - w, y0, x, y1) if side == "left" else (x, y0, x + w, y1)
                draw.rectangle(box, fill=(20, 20, 20))
                x = (
                    x - w - m * rng.uniform(0.8, 3)
                    if side == "left"
                    else x + w + m * rng.uniform(0.8, 3)
                )
    else:  # text printed over the top of the bars and close under them
        font = _text_font(round(m * rng.uniform(3, 6)))
        words = rng.choice(("SẢN XUẤT TẠI VIỆT NAM", "HSD 12/2027 LÔ 0425", "Sữa tươi 180ml"))
        draw.text((x0, y0 - m * rng.uniform(1, 4)), words, fill=(20, 20, 20), font=font)
        draw.text(
            (x0 + m * 10, y1 + m * rng.uniform(0.5, 2)), "8 936 0", fill=(20, 20, 20), font=font
        )
    return image


def _text_font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    from tests.support.labels import _font

    return _font(size)


def _symbol_modules(code: Code) -> int:
    """Modules across the symbol itself (without quiet zones), to aim the scale."""
    return {"ean13": 95, "upca": 95, "ean8": 67, "upce": 51}.get(code.kind, 33)


def _perspective_coeffs(
    src: Sequence[tuple[float, float]], dst: Sequence[tuple[float, float]]
) -> list[float]:
    """Coefficients for Image.transform(PERSPECTIVE) mapping output points ``dst`` to ``src``."""
    rows, rhs = [], []
    for (x, y), (u, v) in zip(dst, src, strict=True):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        rhs += [u, v]
    return [float(c) for c in np.linalg.solve(np.array(rows), np.array(rhs))]


def _perspective(panel: Image.Image, rng: random.Random, strength: float) -> Image.Image:
    """Tilt the label away about a horizontal or vertical axis: the far edge ``strength`` shorter."""
    w, h = panel.size
    far = 1.0 - strength
    if rng.random() < 0.6:  # vertical axis: one side edge shorter
        inset = h * (1 - far) / 2
        depth = w * rng.uniform(0.75, 0.95)
        if rng.random() < 0.5:  # right edge farther
            dst = [(0, 0), (depth, inset), (depth, h - inset), (0, h)]
        else:
            dst = [(0, inset), (depth, 0), (depth, h), (0, h - inset)]
        out = (math.ceil(depth), h)
    else:  # horizontal axis: top or bottom edge shorter
        inset = w * (1 - far) / 2
        depth = h * rng.uniform(0.75, 0.95)
        if rng.random() < 0.5:  # top edge farther
            dst = [(inset, 0), (w - inset, 0), (w, depth), (0, depth)]
        else:
            dst = [(0, 0), (w, 0), (w - inset, depth), (inset, depth)]
        out = (w, math.ceil(depth))
    src = [(0.0, 0.0), (float(w), 0.0), (float(w), float(h)), (0.0, float(h))]
    coeffs = _perspective_coeffs(src, dst)
    return panel.transform(out, Image.Transform.PERSPECTIVE, coeffs, Image.Resampling.BICUBIC)


def _cylinder(panel: Image.Image, rng: random.Random, arc_degrees: float) -> Image.Image:
    """The label wrapped round a can spanning ``arc_degrees``, seen from the front, a bit above."""
    w, h = panel.size
    half = math.radians(arc_degrees) / 2
    radius = (w / 2) / half
    out_w = max(2, round(2 * radius * math.sin(half)))
    bow = h * rng.uniform(0.0, 0.08)  # the ellipse of a horizontal line seen from above
    mesh = []
    step = 4
    for x0 in range(0, out_w, step):
        x1 = min(out_w, x0 + step)

        def source(x: float) -> tuple[float, float]:
            s = max(-1.0, min(1.0, (x - out_w / 2) / radius))
            theta = math.asin(s)
            return w / 2 + radius * theta, bow * math.cos(theta)

        (ua, dya), (ub, dyb) = source(x0), source(x1)
        box = (x0, 0, x1, round(h + bow))
        quad = (ua, -dya + bow, ua, h - dya + bow, ub, h - dyb + bow, ub, -dyb + bow)
        mesh.append((box, quad))
    warped = panel.transform(
        (out_w, round(h + bow)), Image.Transform.MESH, mesh, Image.Resampling.BICUBIC
    )
    # Shade towards the sides of the can.
    xs = (np.arange(out_w) - out_w / 2) / radius
    shade = 0.55 + 0.45 * np.sqrt(np.clip(1 - xs**2, 0, 1))
    arr = np.asarray(warped).astype(np.float32)
    arr[..., :3] *= shade[None, :, None]
    return Image.fromarray(arr.clip(0, 255).astype(np.uint8), "RGBA")


# --- photometry (on float32 H×W×3 arrays) ---------------------------------------------------------


def _gradient(shape: tuple[int, int], rng: random.Random, low: float, high: float) -> np.ndarray:
    h, w = shape
    angle = rng.uniform(0, 2 * math.pi)
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    t = (xs * math.cos(angle) + ys * math.sin(angle)).astype(np.float32)
    t = (t - t.min()) / max(1e-6, float(t.max() - t.min()))
    return (low + (high - low) * t).astype(np.float32)


def _shadow_edge(
    shape: tuple[int, int], centre: tuple[float, float], rng: random.Random, depth: float
) -> np.ndarray:
    """1 on the lit side, ``depth`` in the shadow, a half plane through ``centre``, soft edge."""
    h, w = shape
    angle = rng.uniform(0, 2 * math.pi)
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    d = (xs - centre[0]) * math.cos(angle) + (ys - centre[1]) * math.sin(angle)
    soft = max(2.0, min(h, w) * rng.uniform(0.002, 0.02))
    t = 1 / (1 + np.exp(-d / soft))
    return (depth + (1 - depth) * t).astype(np.float32)


def _glare(
    shape: tuple[int, int], centre: tuple[float, float], radius: float, strength: float
) -> np.ndarray:
    h, w = shape
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    r2 = ((xs - centre[0]) ** 2 + ((ys - centre[1]) * 1.6) ** 2) / (radius**2)
    return (strength * np.exp(-r2)).astype(np.float32)


def _motion_blur(arr: np.ndarray, length: float, angle: float) -> np.ndarray:
    steps = max(2, round(length))
    dx, dy = math.cos(angle), math.sin(angle)
    out = np.zeros_like(arr)
    for i in range(steps):
        t = i - (steps - 1) / 2
        sx, sy = round(t * dx), round(t * dy)
        out += np.roll(arr, (sy, sx), axis=(0, 1))
    return out / steps


def _shake(arr: np.ndarray, length: float, rng: random.Random) -> np.ndarray:
    """A hand's shake: the frame averaged along a wandering path about ``length`` px long."""
    steps = max(3, round(length))
    angle = rng.uniform(0, math.pi)
    x = y = 0.0
    out = np.zeros_like(arr)
    for _ in range(steps):
        out += np.roll(arr, (round(y), round(x)), axis=(0, 1))
        angle += rng.uniform(-0.9, 0.9)
        x, y = x + math.cos(angle), y + math.sin(angle)
    return out / steps


# --- one sample -----------------------------------------------------------------------------------


@dataclass
class _Plan:
    """What to do to one sample; filled in by the class recipes."""

    codes: list[Code]
    frame: tuple[int, int]
    ppm: float  # pixels per module of the symbol in the frame
    angle: float = 0.0
    perspective: float = 0.0
    arc: float = 0.0
    blur: float = 0.0
    motion: tuple[float, float] = (0.0, 0.0)
    jpeg: int | None = None
    noise: float = 0.0
    light: str = ""
    light_amount: float = 0.0
    glare: float = 0.0
    damage: str = ""  # on the left half of the symbol: smudge, torn, scratch, shadow, ink
    pair: str = ""  # two codes on one label: "side" or "stacked"
    pair_gap: float = 0.0  # modules between the two symbols' bars
    clutter: str = ""  # print close to the bars: "stripes" or "text"
    shake: float = 0.0  # length (px) of a hand-shake path blurring the frame


def _frame(rng: random.Random, frames: Sequence[tuple[int, int]] = FRAMES) -> tuple[int, int]:
    w, h = rng.choice(frames)
    return (h, w) if rng.random() < 0.3 else (w, h)


def _clean_ppm(rng: random.Random, frame: tuple[int, int], code: Code) -> float:
    """A comfortable size: the symbol spans 15-45 % of the long side, at least 2.5 px/module."""
    modules = _symbol_modules(code) + (8 if code.kind == "qr" else 22)
    span = max(frame) * rng.uniform(0.15, 0.45)
    return max(2.5, min(14.0, span / modules))


def _plan(cls: str, rng: random.Random) -> _Plan:
    code = random_code(rng)
    frame = _frame(rng)
    plan = _Plan([code], frame, _clean_ppm(rng, frame, code))
    if cls == "clean":
        pass
    elif cls == "scale":
        plan.ppm = rng.uniform(1.6, 3.2) if code.kind != "qr" else rng.uniform(1.8, 3.5)
    elif cls == "rotation":
        kind = rng.choice(("slight", "right", "oblique", "any"))
        if kind == "slight":
            plan.angle = rng.choice((-1, 1)) * rng.uniform(3, 20)
        elif kind == "right":
            plan.angle = rng.choice((90, 180, 270)) + rng.uniform(-3, 3)
        elif kind == "oblique":
            plan.angle = rng.choice((45, 135, 225, 315)) + rng.uniform(-8, 8)
        else:
            plan.angle = rng.uniform(0, 360)
    elif cls == "perspective":
        plan.perspective = rng.uniform(0.2, 0.5)
        plan.angle = rng.uniform(-10, 10)
    elif cls == "blur":
        plan.blur = plan.ppm * rng.uniform(0.3, 0.9)
    elif cls == "motion":
        plan.motion = (plan.ppm * rng.uniform(0.8, 2.2), rng.uniform(0, math.pi))
    elif cls == "jpeg":
        plan.jpeg = rng.choice((8, 10, 15, 20, 30, 40))
        plan.ppm = max(2.5, plan.ppm * rng.uniform(0.5, 1.0))
    elif cls == "noise":
        plan.noise = rng.uniform(12, 40)
    elif cls == "light":
        plan.light = rng.choice(("dim", "low-contrast", "uneven", "shadow"))
        plan.light_amount = {
            "dim": rng.uniform(0.15, 0.4),
            "low-contrast": rng.uniform(0.15, 0.35),
            "uneven": rng.uniform(0.1, 0.35),
            "shadow": rng.uniform(0.2, 0.45),
        }[plan.light]
        plan.noise = rng.uniform(3, 8)
    elif cls == "glare":
        plan.glare = rng.uniform(0.6, 1.3)
    elif cls == "curved":
        plan.arc = rng.uniform(70, 140)
        if code.kind == "qr":
            plan.codes = [random_code(rng, ("ean13", "upca", "ean8", "upce"))]
    elif cls == "two-codes":
        second = random_code(rng)
        while second.key == code.key:
            second = random_code(rng)
        plan.codes = [code, second]
        plan.ppm = min(plan.ppm, max(2.5, max(frame) * 0.18 / 117))
    elif cls == "combined":
        plan.angle = rng.uniform(-30, 30) if rng.random() < 0.7 else rng.uniform(0, 360)
        plan.ppm = max(2.2, plan.ppm * rng.uniform(0.4, 0.9))
        picks = rng.sample(("blur", "motion", "jpeg", "noise", "light", "perspective", "glare"), 2)
        if "blur" in picks:
            plan.blur = plan.ppm * rng.uniform(0.25, 0.6)
        if "motion" in picks:
            plan.motion = (plan.ppm * rng.uniform(0.6, 1.4), rng.uniform(0, math.pi))
        if "jpeg" in picks:
            plan.jpeg = rng.choice((15, 20, 30, 50))
        if "noise" in picks:
            plan.noise = rng.uniform(8, 25)
        if "light" in picks:
            plan.light = rng.choice(("dim", "uneven", "shadow"))
            plan.light_amount = rng.uniform(0.3, 0.5)
        if "perspective" in picks:
            plan.perspective = rng.uniform(0.15, 0.35)
        if "glare" in picks:
            plan.glare = rng.uniform(0.5, 0.9)
    elif cls in HARD_CLASSES:
        _hard_plan(cls, plan, rng)
    else:
        raise ValueError(f"unknown class {cls!r}")
    return plan


_ONE_D = ("ean13", "upca", "ean8", "upce")


def _hard_plan(cls: str, plan: _Plan, rng: random.Random) -> None:
    """The recipes of :data:`HARD_CLASSES` (1-D codes only: they are where misreads come from)."""
    code = random_code(rng, ("ean13", "ean13", "upca", "ean8") if cls == "left-damage" else _ONE_D)
    plan.codes = [code]
    plan.ppm = _clean_ppm(rng, plan.frame, code)
    camera = lambda: (  # noqa: E731 - the mild damage every phone photo has
        setattr(plan, "blur", plan.ppm * rng.uniform(0.1, 0.35)),
        setattr(plan, "noise", rng.uniform(2, 8)),
        setattr(plan, "jpeg", rng.choice((None, 60, 75, 90))),
    )
    if cls == "left-damage":
        plan.damage = rng.choice(("smudge", "torn", "scratch", "shadow", "ink"))
        plan.ppm = rng.uniform(2.0, 4.5)
        plan.angle = rng.uniform(-12, 12)
        camera()
    elif cls == "guard-blur":
        plan.ppm = rng.uniform(2.5, 6.0)
        plan.blur = plan.ppm * rng.uniform(0.6, 1.1)
        plan.noise = rng.uniform(2, 6)
    elif cls == "tiny":
        plan.frame = rng.choice(((3000, 2250), (4000, 3000), (2250, 3000), (3000, 4000)))
        plan.ppm = rng.uniform(1.5, 2.0)
        plan.angle = rng.uniform(-6, 6)
        plan.noise = rng.uniform(2, 8)
        plan.jpeg = rng.choice((None, 70, 85))
    elif cls == "can":
        plan.arc = rng.uniform(130, 175)
        plan.ppm = rng.uniform(2.5, 5.0)
        plan.angle = rng.uniform(-8, 8)
        camera()
    elif cls == "close-pair":
        second = random_code(rng, ("ean13", "upca", "ean8", "upce"))
        while second.key == code.key:
            second = random_code(rng, _ONE_D)
        plan.codes = [code, second]
        plan.pair = rng.choice(("side", "side", "stacked"))
        plan.pair_gap = rng.uniform(1.0, 8.0) if plan.pair == "side" else rng.uniform(1.0, 4.0)
        plan.ppm = rng.uniform(2.2, 4.5)
        plan.angle = rng.uniform(-10, 10)
        camera()
    elif cls == "clutter":
        plan.clutter = rng.choice(("stripes", "text"))
        plan.ppm = rng.uniform(2.2, 4.5)
        plan.angle = rng.uniform(-10, 10)
        camera()
    elif cls == "low-light":
        plan.light = "dim"
        plan.light_amount = rng.uniform(0.08, 0.2)
        plan.noise = rng.uniform(6, 18)
        plan.ppm = rng.uniform(2.5, 5.0)
        plan.jpeg = rng.choice((None, 60, 80))
    elif cls == "shake":
        plan.shake = plan.ppm * rng.uniform(0.8, 2.5)
        plan.ppm = max(2.5, plan.ppm * rng.uniform(0.5, 1.0))
        plan.shake = plan.ppm * rng.uniform(0.8, 2.5)
        plan.noise = rng.uniform(2, 8)


def render_sample(seed: int, cls: str, index: int) -> tuple[bytes, str, _Plan]:
    """The encoded image (bytes, format) and plan for sample ``index`` of class ``cls``."""
    rng = random.Random(f"{seed}/{cls}/{index}")
    plan = _plan(cls, rng)
    frame = plan.frame
    background = tuple(rng.randint(90, 235) for _ in range(3))
    photo = _noisy_background(frame, background, rng)  # type: ignore[arg-type]
    panels = plan.codes[:1] if plan.pair else plan.codes  # a pair shares one label
    slots = len(panels)
    horizontal = frame[0] >= frame[1]
    slot = (frame[0] // slots, frame[1]) if horizontal else (frame[0], frame[1] // slots)
    centres: list[tuple[float, float]] = []
    spans: list[float] = []
    for i, code in enumerate(panels):
        panel = _label(code, rng, plan)
        factor = plan.ppm / RENDER_PPM
        if plan.arc:
            panel = _cylinder(panel, rng, plan.arc)
        if plan.perspective:
            panel = _perspective(panel, rng, plan.perspective)
        if plan.angle:
            panel = panel.rotate(plan.angle, resample=Image.Resampling.BICUBIC, expand=True)
        # Fit in the slot if the plan asked for more than fits.
        factor = min(factor, 0.95 * slot[0] / panel.width, 0.95 * slot[1] / panel.height)
        size = (max(1, round(panel.width * factor)), max(1, round(panel.height * factor)))
        panel = panel.resize(size, Image.Resampling.LANCZOS)
        ox = i * slot[0] if horizontal else 0
        oy = 0 if horizontal else i * slot[1]
        x = ox + rng.randint(0, slot[0] - panel.width)
        y = oy + rng.randint(0, slot[1] - panel.height)
        photo.paste(panel, (x, y), panel)
        centres.append((x + panel.width * rng.uniform(0.35, 0.65), y + panel.height * 0.7))
        spans.append(min(panel.size))

    arr = np.asarray(photo).astype(np.float32)
    shape = arr.shape[:2]
    if plan.light == "dim":
        arr *= plan.light_amount
    elif plan.light == "low-contrast":
        mid = 128 + rng.uniform(-30, 40)
        arr = mid + (arr - 128) * plan.light_amount
    elif plan.light == "uneven":
        arr *= _gradient(shape, rng, plan.light_amount, 1.0)[..., None]
    elif plan.light == "shadow":
        arr *= _shadow_edge(shape, centres[0], rng, plan.light_amount)[..., None]
    if plan.glare:
        cx, cy = centres[0]
        radius = spans[0] * rng.uniform(0.12, 0.3)
        arr += _glare(shape, (cx, cy), radius, 255 * plan.glare)[..., None]
    if plan.motion[0]:
        arr = _motion_blur(arr, *plan.motion)
    if plan.shake:
        arr = _shake(arr, plan.shake, rng)
    arr = arr.clip(0, 255)
    image = Image.fromarray(arr.astype(np.uint8), "RGB")
    if plan.blur:
        image = image.filter(ImageFilter.GaussianBlur(plan.blur))
    if plan.noise:
        noise_rng = np.random.default_rng(rng.getrandbits(64))
        noisy = np.asarray(image).astype(np.float32)
        noisy += noise_rng.normal(0, plan.noise, size=noisy.shape[:2]).astype(np.float32)[..., None]
        image = Image.fromarray(noisy.clip(0, 255).astype(np.uint8), "RGB")
    out = io.BytesIO()
    if plan.jpeg is not None:
        image.save(out, "JPEG", quality=plan.jpeg)
    else:
        image.save(out, "JPEG", quality=95)
    return out.getvalue(), "jpg", plan


# --- the corpus -----------------------------------------------------------------------------------


def _build_one(args: tuple[int, str, int, str]) -> dict[str, object]:
    seed, cls, index, directory = args
    path = Path(directory) / cls / f"{index:03d}.jpg"
    data, _, plan = render_sample(seed, cls, index)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
    params = {
        k: v
        for k, v in asdict(plan).items()
        if k not in ("codes", "frame") and v not in (0, 0.0, "", None, (0.0, 0.0))
    }
    return {
        "cls": cls,
        "index": index,
        "path": str(path),
        "codes": [asdict(c) for c in plan.codes],
        "size": list(plan.frame),
        "params": params,
    }


def build_corpus(
    directory: Path,
    *,
    seed: int = 6,
    per_class: int = 20,
    classes: Sequence[str] = CLASSES,
    jobs: int = 2,
    progress: Callable[[str], None] | None = None,
) -> list[Sample]:
    """The samples, rendering into ``directory/v<version>-s<seed>/`` those not cached yet."""
    root = directory / f"v{CORPUS_VERSION}-s{seed}"
    manifest_path = root / "manifest.json"
    manifest: dict[str, dict[str, object]] = {}
    if manifest_path.exists():
        manifest = json.loads(manifest_path.read_text())
    wanted = [(cls, i) for cls in classes for i in range(per_class)]
    missing = [
        (seed, cls, i, str(root))
        for cls, i in wanted
        if f"{cls}/{i}" not in manifest or not Path(str(manifest[f"{cls}/{i}"]["path"])).exists()
    ]
    if missing:
        if progress:
            progress(f"rendering {len(missing)} images into {root} ...")
        root.mkdir(parents=True, exist_ok=True)
        if jobs > 1:
            with ProcessPoolExecutor(jobs) as pool:
                entries = list(pool.map(_build_one, missing, chunksize=2))
        else:
            entries = [_build_one(m) for m in missing]
        for entry in entries:
            manifest[f"{entry['cls']}/{entry['index']}"] = entry
        manifest_path.write_text(json.dumps(manifest, ensure_ascii=False, indent=0))
    samples = []
    for cls, i in wanted:
        e = manifest[f"{cls}/{i}"]
        samples.append(
            Sample(
                cls=cls,
                index=i,
                path=str(e["path"]),
                codes=[Code(**c) for c in e["codes"]],  # type: ignore[union-attr]
                size=tuple(e["size"]),  # type: ignore[arg-type]
                params=dict(e["params"]),  # type: ignore[call-overload]
            )
        )
    return samples


__all__ = [
    "ALL_CLASSES",
    "CLASSES",
    "HARD_CLASSES",
    "Code",
    "Sample",
    "build_corpus",
    "random_code",
    "render_sample",
]
