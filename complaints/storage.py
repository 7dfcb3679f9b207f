"""Where complaint photos are kept: a small key → bytes store, and staged writes that roll back.

Keys are made by :func:`new_key` (``"2026/11/<uuid4 hex>.jpg"``): fresh for every photo, lower-case
hex and slashes plus a suffix, so a key can never climb out of the store's root. A complaint is
saved as "write the photos, then commit the database row"; :class:`StagedWrites` removes the
photos again when anything in between fails, so no file is left that no complaint points to.

Two stores: :class:`LocalPhotoStore` (a folder, the default) and
:class:`complaints.object_store.S3PhotoStore` (an S3-API object store). A store that cannot be
reached raises :class:`StoreUnavailable`, an ``OSError``.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from types import TracebackType
from typing import BinaryIO, Final, Protocol, runtime_checkable

__all__ = [
    "LocalPhotoStore",
    "PhotoStore",
    "StagedWrites",
    "StoreUnavailable",
    "StoredObject",
    "new_key",
    "validate_key",
]

log = logging.getLogger(__name__)

_SUFFIX: Final = re.compile(r"\.[a-z0-9]{1,10}")
_KEY: Final = re.compile(r"[0-9a-f]+(?:/[0-9a-f]+)*\.[a-z0-9]{1,10}")
_MAX_KEY_LENGTH: Final = 120  # evidence.storage_key is String(120)
FILE_MODE: Final = 0o640
"""Permissions of stored files: owner reads and writes, group reads, others nothing."""
DIR_MODE: Final = 0o750
"""Permissions asked for directories the store creates (the umask may narrow them)."""


def new_key(today: date, suffix: str = ".jpg") -> str:
    """A fresh key for a photo stored on ``today``, e.g. ``"2026/11/<uuid4 hex>.jpg"``."""
    if not _SUFFIX.fullmatch(suffix):
        raise ValueError(f"invalid key suffix {suffix!r}")
    return f"{today.year:04d}/{today.month:02d}/{uuid.uuid4().hex}{suffix}"


def validate_key(key: str) -> str:
    """``key`` itself if it is a well-formed store key; ValueError otherwise."""
    if not isinstance(key, str) or len(key) > _MAX_KEY_LENGTH or not _KEY.fullmatch(key):
        raise ValueError(f"invalid photo key {key!r}")
    return key


class StoreUnavailable(OSError):
    """The store cannot be reached or refuses to work (down, timed out, misconfigured): nothing
    was stored. An ``OSError``, so code that handles a full disk handles this too."""


@dataclass(frozen=True)
class StoredObject:
    """One stored key, as a store lists it."""

    key: str
    size: int
    modified: datetime  # UTC, timezone-aware


@runtime_checkable
class PhotoStore(Protocol):
    """Evidence files by key; ``get`` of a missing key raises FileNotFoundError."""

    def put(self, key: str, data: bytes) -> None:
        """Store ``data`` under ``key``, all or nothing."""
        ...

    def get(self, key: str) -> bytes:
        """The bytes stored under ``key``."""
        ...

    def delete(self, key: str) -> None:
        """Remove ``key``; a key that is not there is not an error."""
        ...

    def exists(self, key: str) -> bool:
        """Whether something is stored under ``key``."""
        ...

    def listing(self) -> Iterator[StoredObject]:
        """Every key stored (in no particular order)."""
        ...

    def put_file(self, key: str, file: BinaryIO) -> None:
        """Store what ``file`` holds from its position on, all or nothing, without holding it
        all in memory (a big export)."""
        ...

    def open(self, key: str) -> BinaryIO:
        """The file stored under ``key``, to read in pieces and close (FileNotFoundError)."""
        ...


class LocalPhotoStore:
    """A :class:`PhotoStore` in a directory tree on the local disk."""

    new_key = staticmethod(new_key)

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    def __repr__(self) -> str:
        return f"LocalPhotoStore({str(self.root)!r})"

    def path(self, key: str) -> Path:
        """The file that holds ``key`` (which is validated)."""
        return self.root.joinpath(*validate_key(key).split("/"))

    def put(self, key: str, data: bytes) -> None:
        """Write ``data`` to a temporary file beside the target, fsync it and rename it in place."""
        self._write(key, lambda file: file.write(data))

    def put_file(self, key: str, file: BinaryIO) -> None:
        """As :meth:`put`, copying ``file`` a megabyte at a time."""
        self._write(key, lambda target: shutil.copyfileobj(file, target, 1024 * 1024))

    def open(self, key: str) -> BinaryIO:
        """The stored file, open for reading."""
        return self.path(key).open("rb")

    def _write(self, key: str, fill: Callable[[BinaryIO], object]) -> None:
        path = self.path(key)
        path.parent.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as file:  # closes fd, exactly once
                os.fchmod(file.fileno(), FILE_MODE)
                fill(file)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, path)
        except BaseException:
            with suppress(OSError):
                os.unlink(temporary)
            raise
        _fsync_directory(path.parent)

    def get(self, key: str) -> bytes:
        """The bytes stored under ``key``; FileNotFoundError if there are none."""
        return self.path(key).read_bytes()

    def delete(self, key: str) -> None:
        """Remove the file of ``key`` if there is one."""
        self.path(key).unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        """Whether a file is stored under ``key``."""
        return self.path(key).is_file()

    def listing(self) -> Iterator[StoredObject]:
        """Every key stored below the root; half-written temporary files and anything else
        that is not a key are left out."""
        for directory, _dirs, names in os.walk(self.root):
            relative = Path(directory).relative_to(self.root)
            for name in names:
                if name.startswith(".tmp-") and name.endswith(".part"):
                    continue  # a put in progress (or one a crash interrupted)
                key = (relative / name).as_posix()
                try:
                    validate_key(key)
                    status = os.stat(os.path.join(directory, name))
                except (ValueError, FileNotFoundError):  # not a key, or deleted meanwhile
                    continue
                modified = datetime.fromtimestamp(status.st_mtime, tz=UTC)
                yield StoredObject(key=key, size=status.st_size, modified=modified)


def _fsync_directory(directory: Path) -> None:
    """Make a rename in ``directory`` durable (best effort: not every platform allows it)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


class StagedWrites:
    """Writes through a store that are undone if the ``with`` block they happen in raises.

    Use one per unit of work (one complaint)::

        with StagedWrites(store) as staged:
            staged.put(key, photo.data)
            session.commit()  # if this raises, the photos are deleted again
    """

    def __init__(self, store: PhotoStore) -> None:
        self.store = store
        self._keys: list[str] = []
        self._closed = False

    @property
    def keys(self) -> tuple[str, ...]:
        """The keys put so far, in order."""
        return tuple(self._keys)

    def put(self, key: str, data: bytes) -> None:
        """Put ``data`` under a new ``key`` and remember the key; refuses an existing key."""
        self._claim(key)
        self.store.put(key, data)

    def put_file(self, key: str, file: BinaryIO) -> None:
        """As :meth:`put`, from a file (see :meth:`PhotoStore.put_file`)."""
        self._claim(key)
        self.store.put_file(key, file)

    def _claim(self, key: str) -> None:
        if self._closed:
            raise RuntimeError("StagedWrites used after its with block")
        # Rolling back deletes the key: it must not be someone else's file.
        if key in self._keys or self.store.exists(key):
            raise FileExistsError(f"photo key {key!r} is already in use")
        self._keys.append(key)  # before put: a put that fails half way is cleaned up too

    def __enter__(self) -> StagedWrites:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._closed = True
        if exc_type is None:
            return
        for key in reversed(self._keys):
            try:
                self.store.delete(key)
            except Exception:
                log.exception("could not delete staged photo %s after a failure", key)
