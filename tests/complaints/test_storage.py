"""complaints.storage: the local photo store, its keys, and staged writes that roll back."""

from __future__ import annotations

import logging
import os
import re
import stat
from datetime import date
from pathlib import Path

import pytest

from complaints import storage
from complaints.storage import LocalPhotoStore, PhotoStore, StagedWrites, new_key, validate_key

TODAY = date(2026, 11, 3)


def files_under(root: Path) -> list[str]:
    """Every file below ``root``, as sorted POSIX paths relative to it."""
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


@pytest.fixture
def store(tmp_path: Path) -> LocalPhotoStore:
    return LocalPhotoStore(tmp_path / "uploads")


class Boom(Exception):
    pass


# --- keys -----------------------------------------------------------------------------------------


def test_new_key_is_year_month_and_a_fresh_uuid() -> None:
    keys = {new_key(TODAY) for _ in range(50)}
    assert len(keys) == 50
    for key in keys:
        assert re.fullmatch(r"2026/11/[0-9a-f]{32}\.jpg", key)
        assert validate_key(key) == key
    assert re.fullmatch(r"2027/01/[0-9a-f]{32}\.webp", new_key(date(2027, 1, 31), ".webp"))
    assert LocalPhotoStore.new_key(TODAY).startswith("2026/11/")


@pytest.mark.parametrize("suffix", ["", "jpg", ".JPG", "/../x", ".j/g", ". jpg", "." + "a" * 11])
def test_new_key_refuses_odd_suffixes(suffix: str) -> None:
    with pytest.raises(ValueError):
        new_key(TODAY, suffix)


BAD_KEYS = [
    "",
    ".jpg",
    "../x.jpg",
    "../../etc/passwd",
    "2026/../../x.jpg",
    "2026/11/../../../x.jpg",
    "/etc/x.jpg",
    "/2026/11/abc.jpg",
    "2026//11/abc.jpg",
    "2026/11/abc.jpg/",
    "2026/11/abc",
    "2026/11/abc..jpg",
    "2026/11/abc.jpg.jpg",
    "2026/11/ABC.jpg",
    "2026/11/xyz.jpg",
    "2026\\11\\abc.jpg",
    "..\\abc.jpg",
    "C:/abc.jpg",
    "~/abc.jpg",
    "2026/11/abc.jpg\x00",
    "2026/11/abc\x00.jpg",
    "2026/11/abc.jpg\n",
    " 2026/11/abc.jpg",
    "2026/11/" + "a" * 200 + ".jpg",
]


@pytest.mark.parametrize("key", BAD_KEYS)
def test_traversal_and_malformed_keys_are_refused(
    store: LocalPhotoStore, tmp_path: Path, key: str
) -> None:
    with pytest.raises(ValueError):
        validate_key(key)
    with pytest.raises(ValueError):
        store.put(key, b"x")
    with pytest.raises(ValueError):
        store.get(key)
    with pytest.raises(ValueError):
        store.exists(key)
    with pytest.raises(ValueError):
        store.delete(key)
    assert files_under(tmp_path) == []


def test_non_string_keys_are_refused(store: LocalPhotoStore) -> None:
    with pytest.raises(ValueError):
        store.put(b"2026/11/abc.jpg", b"x")  # type: ignore[arg-type]


# --- the local store ------------------------------------------------------------------------------


def test_put_get_exists_delete_roundtrip(store: LocalPhotoStore) -> None:
    assert isinstance(store, PhotoStore)
    key = new_key(TODAY)
    data = bytes(range(256)) * 1000
    assert not store.exists(key)

    store.put(key, data)

    assert store.exists(key)
    assert store.get(key) == data
    assert store.path(key) == store.root / "2026" / "11" / key.rsplit("/", 1)[1]
    assert files_under(store.root) == [key]

    store.delete(key)

    assert not store.exists(key)
    with pytest.raises(FileNotFoundError):
        store.get(key)
    store.delete(key)  # deleting again is fine


def test_root_and_directories_are_created_as_needed(tmp_path: Path) -> None:
    store = LocalPhotoStore(tmp_path / "not" / "there" / "yet")
    key = new_key(TODAY)
    store.put(key, b"photo")
    assert store.get(key) == b"photo"


def test_files_are_not_readable_by_others(store: LocalPhotoStore) -> None:
    old_umask = os.umask(0o000)  # even with a careless umask
    try:
        key = new_key(TODAY)
        store.put(key, b"photo")
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(store.path(key).stat().st_mode) == 0o640


def test_empty_data_and_bytes_like_data(store: LocalPhotoStore) -> None:
    empty, view = new_key(TODAY), new_key(TODAY)
    store.put(empty, b"")
    store.put(view, memoryview(b"abc"))  # type: ignore[arg-type]
    assert store.get(empty) == b""
    assert store.get(view) == b"abc"


def test_put_replaces_the_whole_file(store: LocalPhotoStore) -> None:
    key = new_key(TODAY)
    store.put(key, b"a much longer first version")
    store.put(key, b"second")
    assert store.get(key) == b"second"


def test_atomic_write_leaves_no_temporary_files(store: LocalPhotoStore) -> None:
    keys = [new_key(TODAY) for _ in range(5)]
    for key in keys:
        store.put(key, b"photo " + key.encode())
    assert files_under(store.root) == sorted(keys)
    assert not [p for p in store.root.rglob("*") if p.name.startswith(".")]


@pytest.mark.parametrize("failing", ["fsync", "replace"])
def test_failed_write_leaves_neither_target_nor_temporary_file(
    store: LocalPhotoStore, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    kept = new_key(TODAY)
    store.put(kept, b"already there")
    key = new_key(TODAY)

    def fail(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(storage.os, failing, fail)
    with pytest.raises(OSError, match="No space left"):
        store.put(key, b"new photo")
    monkeypatch.undo()

    assert not store.exists(key)
    assert files_under(store.root) == [kept]
    assert store.get(kept) == b"already there"


def test_failed_replace_keeps_the_previous_version(
    store: LocalPhotoStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = new_key(TODAY)
    store.put(key, b"version 1")

    def fail(*args: object) -> None:
        raise OSError(5, "I/O error")

    monkeypatch.setattr(storage.os, "replace", fail)
    with pytest.raises(OSError):
        store.put(key, b"version 2")
    monkeypatch.undo()

    assert store.get(key) == b"version 1"
    assert files_under(store.root) == [key]


# --- staged writes --------------------------------------------------------------------------------


def test_staged_writes_are_kept_when_the_block_succeeds(store: LocalPhotoStore) -> None:
    keys = [new_key(TODAY) for _ in range(3)]
    with StagedWrites(store) as staged:
        for key in keys:
            staged.put(key, b"photo")
        assert staged.keys == tuple(keys)
    assert files_under(store.root) == sorted(keys)


def test_staged_writes_are_removed_when_the_block_raises(store: LocalPhotoStore) -> None:
    earlier = new_key(TODAY)
    store.put(earlier, b"another complaint's photo")
    keys = [new_key(TODAY) for _ in range(3)]
    error = Boom("database commit failed")

    with pytest.raises(Boom) as caught, StagedWrites(store) as staged:
        for key in keys:
            staged.put(key, b"photo")
        assert files_under(store.root) == sorted([earlier, *keys])
        raise error

    assert caught.value is error
    assert files_under(store.root) == [earlier]


def test_staged_writes_roll_back_on_keyboard_interrupt(store: LocalPhotoStore) -> None:
    key = new_key(TODAY)
    with pytest.raises(KeyboardInterrupt), StagedWrites(store) as staged:
        staged.put(key, b"photo")
        raise KeyboardInterrupt
    assert not store.exists(key)


class FlakyStore:
    """Wraps a store; puts of the keys in ``fail_put`` fail half way, deletes may fail."""

    def __init__(self, inner: LocalPhotoStore, fail_put: set[str], fail_delete: bool) -> None:
        self.inner = inner
        self.fail_put = fail_put
        self.fail_delete = fail_delete
        self.deleted: list[str] = []

    def put(self, key: str, data: bytes) -> None:
        self.inner.put(key, data[: len(data) // 2])  # a remote store may leave a partial object
        if key in self.fail_put:
            raise OSError("connection reset")
        self.inner.put(key, data)

    def get(self, key: str) -> bytes:
        return self.inner.get(key)

    def delete(self, key: str) -> None:
        self.deleted.append(key)
        if self.fail_delete:
            raise OSError("store unavailable")
        self.inner.delete(key)

    def exists(self, key: str) -> bool:
        return self.inner.exists(key)


def test_a_put_that_fails_half_way_is_cleaned_up_too(store: LocalPhotoStore) -> None:
    first, second = new_key(TODAY), new_key(TODAY)
    flaky = FlakyStore(store, fail_put={second}, fail_delete=False)
    with pytest.raises(OSError, match="connection reset"), StagedWrites(flaky) as staged:
        staged.put(first, b"photo one")
        staged.put(second, b"photo two")
    assert flaky.deleted == [second, first]
    assert files_under(store.root) == []


def test_failing_deletes_never_hide_the_original_error(
    store: LocalPhotoStore, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    # migrations/env.py runs logging.config.fileConfig(), which disables loggers made before it.
    monkeypatch.setattr(logging.getLogger("complaints.storage"), "disabled", False)
    keys = [new_key(TODAY) for _ in range(2)]
    flaky = FlakyStore(store, fail_put=set(), fail_delete=True)
    error = Boom("database commit failed")

    with (
        caplog.at_level(logging.ERROR, logger="complaints.storage"),
        pytest.raises(Boom) as caught,
        StagedWrites(flaky) as staged,
    ):
        for key in keys:
            staged.put(key, b"photo")
        raise error

    assert caught.value is error
    assert flaky.deleted == list(reversed(keys))  # every key was tried despite the failures
    logged = " ".join(record.getMessage() for record in caplog.records)
    assert all(key in logged for key in keys)


def test_staged_put_refuses_a_key_already_in_use(store: LocalPhotoStore) -> None:
    # Rolling back deletes what was staged: it must never be another complaint's photo.
    taken = new_key(TODAY)
    store.put(taken, b"another complaint's photo")
    with pytest.raises(Boom), StagedWrites(store) as staged:
        with pytest.raises(FileExistsError):
            staged.put(taken, b"photo")
        fresh = new_key(TODAY)
        staged.put(fresh, b"photo")
        with pytest.raises(FileExistsError):
            staged.put(fresh, b"photo again")
        raise Boom
    assert store.get(taken) == b"another complaint's photo"
    assert files_under(store.root) == [taken]


def test_staged_writes_cannot_be_used_after_the_block(store: LocalPhotoStore) -> None:
    with StagedWrites(store) as staged:
        pass
    with pytest.raises(RuntimeError):
        staged.put(new_key(TODAY), b"photo")
    assert files_under(store.root) == []
