"""Fake-camera videos for Chromium: still images written as YUV4MPEG2 (``.y4m``) files.

Chromium's ``--use-file-for-fake-video-capture=FILE.y4m`` plays the file as the camera, looping
it. The file is a one-line header, then per frame ``FRAME\\n`` and the planes of an I420 picture:
full-size Y, then U and V at half width and half height (``C420jpeg``: chroma sited between the
luma samples, which is what averaging each 2×2 block gives). Colours are converted with BT.601 in
limited ("video") range, 16–235 for Y, as a camera delivers them.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image


def _planes(image: Image.Image) -> bytes:
    """One I420 picture (Y, U, V planes) of an RGB image with even width and height."""
    rgb = np.asarray(image.convert("RGB"), dtype=np.float64) / 255.0
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    y = 16.0 + 65.481 * r + 128.553 * g + 24.966 * b
    cb = 128.0 - 37.797 * r - 74.203 * g + 112.0 * b
    cr = 128.0 + 112.0 * r - 93.786 * g - 18.214 * b

    def half(plane: np.ndarray) -> np.ndarray:
        return plane.reshape(plane.shape[0] // 2, 2, plane.shape[1] // 2, 2).mean(axis=(1, 3))

    def as_bytes(plane: np.ndarray) -> bytes:
        return bytes(np.clip(np.rint(plane), 0, 255).astype(np.uint8).tobytes())

    return as_bytes(y) + as_bytes(half(cb)) + as_bytes(half(cr))


def write_y4m(path: Path, frames: Sequence[Image.Image], *, fps: int = 10) -> Path:
    """Write ``frames`` (all one even size) to ``path`` as a C420 YUV4MPEG2 video; returns ``path``."""
    if not frames:
        raise ValueError("a video needs at least one frame")
    width, height = frames[0].size
    if width % 2 or height % 2:
        raise ValueError(f"I420 needs an even width and height, got {width}×{height}")
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F{fps}:1 Ip A1:1 C420jpeg\n".encode("ascii"))
        for frame in frames:
            if frame.size != (width, height):
                raise ValueError(f"frame of {frame.size}, the video is {width}×{height}")
            out.write(b"FRAME\n")
            out.write(_planes(frame))
    return path


def still_video(path: Path, image: Image.Image, *, frames: int = 3, fps: int = 10) -> Path:
    """A video of ``image`` held still (a few identical frames; Chromium loops the file)."""
    return write_y4m(path, [image] * frames, fps=fps)
