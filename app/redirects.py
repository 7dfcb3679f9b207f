"""The one way to redirect to an address the request names (``?next=``, a form's ``back``): only a
path on this site, read as a browser would read it, or the fallback.

Browsers drop tabs and line breaks anywhere in a URL and read a backslash as a slash, so
``/%09/evil.example`` and ``/\\evil.example`` are, to them, ``//evil.example``: another host.
Anything carrying such characters is refused rather than cleaned (a CR/LF would otherwise
reach the ``Location`` header).
"""

from __future__ import annotations

from urllib.parse import urlsplit


def safe_target(target: str | None, fallback: str, *, within: str = "/") -> str:
    """``target`` when it is a path on this site under ``within``, else ``fallback``."""
    if not target or any(ord(c) < 0x20 or ord(c) == 0x7F for c in target) or "\\" in target:
        return fallback
    try:
        parts = urlsplit(target)
    except ValueError:
        return fallback
    path = parts.path
    if parts.scheme or parts.netloc or not path.startswith("/") or path.startswith("//"):
        return fallback
    root = within.rstrip("/")
    if root and path != root and not path.startswith(root + "/"):
        return fallback
    return target
