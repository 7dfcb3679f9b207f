"""Stand-in barcode engines for tests: reads with the positions the engines report.

``placed(kind, text, at)`` is one read, ``at`` the box (left, top, right, bottom) of the scanline(s)
that read it; ``scripted(monkeypatch, script)`` makes each engine of barcode_db.decode return
``script[(name, n)]`` on its n-th call. The decoder's own rules (check digits, agreement, places)
run on them unchanged.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from PIL import Image

from barcode_db import decode


def placed(kind: str, text: str, at: tuple[int, int, int, int]) -> decode._Read:
    read = (
        decode._read_1d(kind, text)
        if kind != "QR"
        else decode._Read("QR", text, ("qr", text.encode()))
    )
    assert read is not None, (kind, text)
    left, top, right, bottom = at
    return dataclasses.replace(
        read, points=((left, top), (right, top), (right, bottom), (left, bottom))
    )


def scripted(
    monkeypatch: pytest.MonkeyPatch, script: dict[tuple[str, int], list[decode._Read]]
) -> None:
    """Engine ``name`` returns ``script[(name, n)]`` on its n-th call (0-based), else nothing.

    The scripted reads are placed on the whole photo, so the passes over cut-outs of it (whose
    reads would be placed relative to the cut-out) are switched off."""
    monkeypatch.setattr(decode, "MAX_CONFIRMS", 0)
    monkeypatch.setattr(decode, "MAX_REGIONS", 0)
    calls: dict[str, int] = {}

    def engine(name: str) -> Any:
        def run(image: Image.Image) -> list[decode._Read]:
            n = calls.get(name, 0)
            calls[name] = n + 1
            return script.get((name, n), [])

        return run

    monkeypatch.setattr(
        decode, "_ENGINES", (("zxing-cpp", engine("zxing-cpp")), ("zbar", engine("zbar")))
    )
    monkeypatch.setattr(
        decode,
        "_FRAGILE_ENGINES",
        (("zxing-cpp", engine("zxing-cpp-f")), ("zxing-cpp-fixed", engine("zxing-cpp-fixed"))),
    )
