"""Static files for phones on slow networks: compressed, and cached for a year under names that
change with their content (issue 16, item 5), by WhiteNoise — so it holds without a reverse proxy.

At start-up the files of ``app/static`` are copied once into a build folder
(``STATIC_BUILD_FOLDER``, default ``instance/static-build``), each under its own name and under
a name carrying the first 12 hex digits of its SHA-256 (``css/app.3f1c….css``), with Brotli and
gzip versions beside it. The folder of one content is named by the hash of all the files and
reused while nothing changes, so only the first start after a change pays for the compression
(a few seconds: Brotli's best level on the 1 MB scanner wasm).

- ``url_for('static', filename=…)`` gives the hashed name: served with ``Cache-Control:
  max-age=315360000, public, immutable``; a new version of the file has a new name.
- The barcode reader's files under ``vendor/<package>/<version>/`` keep their names, in pages
  too (its script fetches the wasm beside it by name), and are immutable all the same: their
  folder is their version.
- Any other file asked for by its plain name (a bookmark, an old page) is served with
  ``Cache-Control: no-cache``: the browser checks it every time.

A browser that accepts Brotli gets the ``.br`` file, else gzip, else the file itself
(``Vary: Accept-Encoding``).
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import brotli
from flask import Flask
from whitenoise import WhiteNoise
from whitenoise.compress import Compressor

HASH_LENGTH = 12
_HASHED = re.compile(rf"\.[0-9a-f]{{{HASH_LENGTH}}}\.[A-Za-z0-9]+$")
_VERSIONED_VENDOR = re.compile(r"^/static/vendor/[^/]+/[0-9][^/]*/")
#: Ten years, WhiteNoise's "forever".
FOREVER = WhiteNoise.FOREVER


def hashed_name(relative: str, digest: str) -> str:
    """``css/app.css`` → ``css/app.<digest[:12]>.css``."""
    stem, dot, suffix = relative.rpartition(".")
    if not dot or "/" in suffix:
        return f"{relative}.{digest[:HASH_LENGTH]}"
    return f"{stem}.{digest[:HASH_LENGTH]}.{suffix}"


def manifest(static: Path) -> dict[str, str]:
    """Every file below ``static`` (relative, with /) → its hashed name."""
    names = {}
    for path in sorted(p for p in static.rglob("*") if p.is_file()):
        relative = path.relative_to(static).as_posix()
        names[relative] = hashed_name(relative, hashlib.sha256(path.read_bytes()).hexdigest())
    return names


def _tree_hash(names: Mapping[str, str]) -> str:
    return hashlib.sha256("\n".join(f"{k} {v}" for k, v in names.items()).encode()).hexdigest()


def _compress(path: Path, compressor: Compressor) -> None:
    if not compressor.should_compress(path.name):
        return
    data = path.read_bytes()
    packed = brotli.compress(data, quality=11)
    if len(packed) <= 0.95 * len(data):
        path.with_name(path.name + ".br").write_bytes(packed)
        zipped = Compressor.compress_gzip(data)
        if len(zipped) <= 0.95 * len(data):
            path.with_name(path.name + ".gz").write_bytes(zipped)


def build(static: Path, root: Path) -> tuple[Path, dict[str, str]]:
    """The build folder of the current content of ``static`` below ``root`` (made if missing)
    and the manifest."""
    names = manifest(static)
    folder = root / _tree_hash(names)[:16]
    if folder.is_dir():  # made by a rename, so complete
        return folder, names
    root.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".building-", dir=root))
    compressor = Compressor(quiet=True)
    try:
        for relative, hashed in names.items():
            for name in {relative, hashed}:
                target = work / name
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(static / relative, target)
                _compress(target, compressor)
        try:
            os.rename(work, folder)
        except OSError:  # another process built the same content first
            shutil.rmtree(work, ignore_errors=True)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    # Earlier contents: the one before stays (workers of the previous version may still serve
    # from it during a rolling restart), older ones go.
    others = sorted(
        (
            other
            for other in root.iterdir()
            if other != folder and other.is_dir() and not other.name.startswith(".building-")
        ),
        key=lambda other: other.stat().st_mtime,
        reverse=True,
    )
    for other in others[1:]:
        shutil.rmtree(other, ignore_errors=True)
    return folder, names


def _immutable(path: str, url: str) -> bool:
    return bool(_HASHED.search(url) or _VERSIONED_VENDOR.match(url))


def _no_cache(headers: Any, path: str, url: str) -> None:
    if not _immutable(path, url):
        headers["Cache-Control"] = "no-cache"


def init_app(app: Flask) -> None:
    """Serve ``/static/`` through WhiteNoise from the build folder; ``url_for('static', …)``
    gives hashed names."""
    static = Path(app.static_folder or "")
    root = Path(app.config.get("STATIC_BUILD_FOLDER") or Path(app.instance_path) / "static-build")
    folder, names = build(static, root)
    app.extensions["static_manifest"] = names

    @app.url_defaults
    def _hashed_static(endpoint: str, values: dict[str, Any]) -> None:
        filename = values.get("filename") if endpoint == "static" else None
        if filename and not _VERSIONED_VENDOR.match("/static/" + filename):
            values["filename"] = names.get(filename, filename)

    app.wsgi_app = WhiteNoise(  # type: ignore[method-assign]
        app.wsgi_app,
        root=str(folder),
        prefix="static/",
        max_age=None,
        immutable_file_test=_immutable,
        add_headers_function=_no_cache,
    )
