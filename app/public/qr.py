"""QR codes of public addresses, as PNG images: the tracking receipt's, and the share link of a
company, brand or product page. Printable, and scannable by any phone's camera."""

from __future__ import annotations

import io

import qrcode
import qrcode.constants
from flask import Response, make_response


def qr_png(url: str) -> bytes:
    """A QR code that opens ``url`` (error correction M: still read with a crease or a smudge)."""
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=8, border=3)
    qr.add_data(url)
    buffer = io.BytesIO()
    qr.make_image().save(buffer, format="PNG")
    return buffer.getvalue()


def qr_response(url: str) -> Response:
    response = make_response(qr_png(url))
    response.mimetype = "image/png"
    return response
