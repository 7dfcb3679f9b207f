"""Posting forms as a browser does: the CSRF token from the page, a same-site Referer."""

from __future__ import annotations

import re

REFERER = {"Referer": "https://localhost/"}


def hidden_value(html: str, name: str) -> str:
    match = (
        re.search(rf'name="{name}" type="hidden" value="([^"]*)"', html)
        or re.search(rf'type="hidden" name="{name}" value="([^"]*)"', html)
        or re.search(rf'id="{name}" name="{name}" type="hidden" value="([^"]*)"', html)
    )
    assert match, f"no hidden field {name}"
    return match.group(1)


def csrf_token(client, path: str = "/") -> str:
    return hidden_value(client.get(path).get_data(as_text=True), "csrf_token")


def multipart(fields: dict, files: list[tuple[str, bytes, str]] = ()) -> tuple[bytes, str]:
    """A multipart/form-data body built in memory (the test client would spool large bodies to
    temporary files it never closes). ``files`` are (field, content, filename)."""
    import io

    from werkzeug.datastructures import FileStorage, MultiDict
    from werkzeug.test import encode_multipart

    values = MultiDict()
    for key, value in fields.items():
        values.add(key, value)
    for field, content, filename in files:
        values.add(
            field,
            FileStorage(
                io.BytesIO(content), filename=filename, content_type="application/octet-stream"
            ),
        )
    boundary, body = encode_multipart(values)
    return body, f"multipart/form-data; boundary={boundary}"


def file_complaint_by_api(client, code: str, **fields: str):
    """A counterfeit complaint about ``code`` through ``POST /api/v1/complaints``; the response."""
    import uuid

    return client.post(
        "/api/v1/complaints?lang=en",
        data={
            "category": "counterfeit",
            "province_code": "79",
            "description": "Hộp sữa in mờ, nắp không có tem.",
            "code": code,
            **fields,
        },
        headers={"Idempotency-Key": uuid.uuid4().hex},
        content_type="multipart/form-data",
    )
