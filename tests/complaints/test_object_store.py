"""complaints.object_store: the S3-API store keeps the local store's contract (against moto's
server), lists what it holds, rolls back staged writes, and fails fast when the store is down."""

from __future__ import annotations

import datetime as dt
import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from complaints.object_store import (
    S3PhotoStore,
    client_config,
    make_client,
    parse_store_url,
)
from complaints.storage import (
    LocalPhotoStore,
    PhotoStore,
    StagedWrites,
    StoredObject,
    StoreUnavailable,
    new_key,
)
from tests.complaints.test_storage import BAD_KEYS
from tests.support.s3 import REGION, Bucket, set_aws_env

TODAY = dt.date(2026, 11, 3)


class Boom(Exception):
    pass


@pytest.fixture
def s3_store(s3_bucket: Bucket) -> S3PhotoStore:
    return S3PhotoStore(s3_bucket.name, "evidence", client=s3_bucket.client)


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> PhotoStore:
    """Each contract test runs on both stores."""
    if request.param == "local":
        return LocalPhotoStore(tmp_path / "uploads")
    return request.getfixturevalue("s3_store")


def listed(store: PhotoStore) -> dict[str, StoredObject]:
    return {stored.key: stored for stored in store.listing()}


# --- the contract, on both stores -----------------------------------------------------------------


def test_put_get_exists_delete_roundtrip(store: PhotoStore) -> None:
    assert isinstance(store, PhotoStore)
    key = new_key(TODAY)
    data = bytes(range(256)) * 1000
    assert not store.exists(key)

    store.put(key, data)

    assert store.exists(key)
    assert store.get(key) == data

    store.delete(key)

    assert not store.exists(key)
    with pytest.raises(FileNotFoundError):
        store.get(key)
    store.delete(key)  # deleting again is fine


def test_a_missing_key_is_file_not_found(store: PhotoStore) -> None:
    with pytest.raises(FileNotFoundError):
        store.get(new_key(TODAY))


def test_put_replaces_the_whole_object(store: PhotoStore) -> None:
    key = new_key(TODAY)
    store.put(key, b"a much longer first version")
    store.put(key, b"second")
    assert store.get(key) == b"second"


@pytest.mark.parametrize("key", BAD_KEYS)
def test_traversal_and_malformed_keys_are_refused(store: PhotoStore, key: str) -> None:
    for attempt in (
        lambda: store.put(key, b"x"),
        lambda: store.get(key),
        lambda: store.exists(key),
        lambda: store.delete(key),
    ):
        with pytest.raises(ValueError):
            attempt()
    assert listed(store) == {}


def test_listing_names_every_key_with_its_size_and_time(store: PhotoStore) -> None:
    assert listed(store) == {}
    sizes = {new_key(TODAY): 10, new_key(TODAY, ".webp"): 0, new_key(dt.date(2027, 1, 2)): 3000}
    for key, size in sizes.items():
        store.put(key, b"p" * size)

    found = listed(store)

    assert {key: stored.size for key, stored in found.items()} == sizes
    now = dt.datetime.now(dt.UTC)
    for stored in found.values():
        assert stored.modified.utcoffset() == dt.timedelta(0)
        # The real moment of writing, in UTC (local time would be hours off in Vietnam).
        assert abs(stored.modified - now) < dt.timedelta(minutes=5)


def test_staged_writes_are_kept_when_the_block_succeeds(store: PhotoStore) -> None:
    keys = [new_key(TODAY) for _ in range(3)]
    with StagedWrites(store) as staged:
        for key in keys:
            staged.put(key, b"photo")
    assert set(listed(store)) == set(keys)


def test_staged_writes_are_removed_when_the_block_raises(store: PhotoStore) -> None:
    earlier = new_key(TODAY)
    store.put(earlier, b"another complaint's photo")
    keys = [new_key(TODAY) for _ in range(3)]

    with pytest.raises(Boom), StagedWrites(store) as staged:
        for key in keys:
            staged.put(key, b"photo")
        assert set(listed(store)) == {earlier, *keys}
        raise Boom("database commit failed")

    assert set(listed(store)) == {earlier}
    assert store.get(earlier) == b"another complaint's photo"


def test_big_files_go_in_and_out_in_pieces(store: PhotoStore) -> None:
    """A job's file (an export of 100,000 cases) is stored from a file and read back in pieces;
    on S3, above 8 MB, as a multipart upload."""
    import hashlib
    import io

    data = os.urandom(9 * 1024 * 1024 + 17)
    source = io.BytesIO(b"skipped" + data)
    source.seek(len(b"skipped"))  # from the file's position on
    key = new_key(TODAY, ".csv")
    with StagedWrites(store) as staged:
        staged.put_file(key, source)
    digest = hashlib.sha256()
    with store.open(key) as file:
        while block := file.read(1024 * 1024):
            digest.update(block)
    assert digest.hexdigest() == hashlib.sha256(data).hexdigest()
    assert listed(store)[key].size == len(data)
    with pytest.raises(FileNotFoundError):
        store.open(new_key(TODAY, ".csv"))


def test_a_staged_file_is_removed_when_the_block_raises(store: PhotoStore) -> None:
    import io

    key = new_key(TODAY, ".xlsx")
    with pytest.raises(Boom), StagedWrites(store) as staged:
        staged.put_file(key, io.BytesIO(b"a workbook"))
        raise Boom("the job's record failed")
    assert not store.exists(key)


# --- the S3 store ---------------------------------------------------------------------------------


def test_objects_are_named_prefix_and_key(s3_store: S3PhotoStore, s3_bucket: Bucket) -> None:
    key = new_key(TODAY)
    s3_store.put(key, b"photo")
    assert s3_bucket.object_names() == [f"evidence/{key}"]
    head = s3_bucket.client.head_object(Bucket=s3_bucket.name, Key=f"evidence/{key}")
    assert head["ContentType"] == "image/jpeg"


def test_objects_are_private(s3_store: S3PhotoStore, s3_bucket: Bucket) -> None:
    key = new_key(TODAY)
    s3_store.put(key, b"photo")
    acl = s3_bucket.client.get_object_acl(Bucket=s3_bucket.name, Key=f"evidence/{key}")
    grantees = [grant["Grantee"] for grant in acl["Grants"]]
    assert [g["Type"] for g in grantees] == ["CanonicalUser"]  # the owner, and no group
    assert acl["Grants"][0]["Permission"] == "FULL_CONTROL"


def test_listing_leaves_out_other_prefixes_and_names_that_are_not_keys(
    s3_store: S3PhotoStore, s3_bucket: Bucket
) -> None:
    key = new_key(TODAY)
    s3_store.put(key, b"photo")
    outside = new_key(TODAY)
    for name in (f"other/{outside}", outside, "evidence/README.txt", "evidence/2026/11/X.jpg"):
        s3_bucket.client.put_object(Bucket=s3_bucket.name, Key=name, Body=b"not ours")
    assert list(listed(s3_store)) == [key]
    # A store without a prefix sees the whole bucket, keys only.
    whole = S3PhotoStore(s3_bucket.name, client=s3_bucket.client)
    assert list(listed(whole)) == [outside]


@pytest.mark.parametrize(
    ("prefix", "stored_as"),
    [
        ("", ""),
        ("photos", "photos/"),
        ("/photos/", "photos/"),  # as an s3:// address gives it: leading slash
        ("site/a/photos", "site/a/photos/"),
    ],
)
def test_prefixes_are_folders(prefix: str, stored_as: str, s3_bucket: Bucket) -> None:
    store = S3PhotoStore(s3_bucket.name, prefix, client=s3_bucket.client)
    key = new_key(TODAY)
    store.put(key, b"photo")
    assert s3_bucket.object_names() == [stored_as + key]


@pytest.mark.parametrize("prefix", ["a//b", "../photos", "a/./b", "photos/.."])
def test_odd_prefixes_are_refused(prefix: str) -> None:
    with pytest.raises(ValueError):
        S3PhotoStore("bucket", prefix, client=object())


@pytest.mark.parametrize(
    ("url", "bucket", "prefix"),
    [
        ("s3://photos", "photos", ""),
        ("s3://photos/", "photos", "/"),
        ("s3://photos/hangviet/production", "photos", "/hangviet/production"),
    ],
)
def test_store_urls_name_bucket_and_prefix(url: str, bucket: str, prefix: str) -> None:
    assert parse_store_url(url) == (bucket, prefix)


@pytest.mark.parametrize(
    "url", ["", "photos", "s3:///photos", "https://photos/x", "file:///tmp/x", "s3://b/x?y=1"]
)
def test_other_store_urls_are_refused(url: str) -> None:
    with pytest.raises(ValueError):
        parse_store_url(url)


def test_a_store_made_from_its_settings_works(s3_bucket: Bucket) -> None:
    store = S3PhotoStore(s3_bucket.name, "x", endpoint_url=s3_bucket.endpoint, region=REGION)
    store.check()
    key = new_key(TODAY)
    store.put(key, b"photo")
    assert store.get(key) == b"photo"
    assert s3_bucket.object_names() == [f"x/{key}"]


def test_a_missing_bucket_is_a_store_unavailable(s3_bucket: Bucket) -> None:
    store = S3PhotoStore("no-such-bucket", client=s3_bucket.client)
    with pytest.raises(StoreUnavailable, match="no-such-bucket"):
        store.check()
    with pytest.raises(StoreUnavailable):
        store.put(new_key(TODAY), b"photo")


def test_missing_credentials_are_a_store_unavailable(
    s3_bucket: Bucket, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    store = S3PhotoStore(s3_bucket.name, endpoint_url=s3_bucket.endpoint, region=REGION)
    with pytest.raises(StoreUnavailable):
        store.put(new_key(TODAY), b"photo")
    assert s3_bucket.object_names() == []


def test_the_client_fails_fast(monkeypatch: pytest.MonkeyPatch) -> None:
    set_aws_env(monkeypatch)
    config = S3PhotoStore("bucket", endpoint_url="http://127.0.0.1:9").client.meta.config
    assert config.connect_timeout == 3
    assert config.read_timeout == 10
    assert config.retries["total_max_attempts"] == 2
    assert config.s3["addressing_style"] == "path"  # self-hosted stores: no bucket host names


def test_a_store_that_is_down_raises_store_unavailable_quickly(dead_s3_endpoint: str) -> None:
    store = S3PhotoStore("photos", endpoint_url=dead_s3_endpoint, region=REGION)
    key = new_key(TODAY)
    for attempt in (
        lambda: store.put(key, b"photo"),
        lambda: store.get(key),
        lambda: store.exists(key),
        lambda: store.delete(key),
        lambda: list(store.listing()),
        store.check,
    ):
        started = time.monotonic()
        with pytest.raises(StoreUnavailable) as caught:
            attempt()
        # The configured worst case, 2 attempts of a 3 s connect timeout and a back-off under
        # 1 s, is far below boto's default (5 attempts of 60 s); a refused connection is quicker.
        assert time.monotonic() - started < 10
        assert isinstance(caught.value, OSError)  # callers that handle a full disk handle this


@pytest.fixture
def silent_server() -> Iterator[str]:
    """A loopback port that takes connections and never answers (a hung store)."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"


def test_a_store_that_never_answers_times_out_as_store_unavailable(
    silent_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_aws_env(monkeypatch)
    quick = client_config(read_timeout=0.2, attempts=1, path_style=True)
    store = S3PhotoStore("photos", client=make_client(silent_server, REGION, config=quick))
    with pytest.raises(StoreUnavailable, match="timeout"):
        store.get(new_key(TODAY))


# --- the local store's listing --------------------------------------------------------------------


def test_local_listing_leaves_out_temporary_files_and_names_that_are_not_keys(
    tmp_path: Path,
) -> None:
    store = LocalPhotoStore(tmp_path / "uploads")
    key = new_key(TODAY)
    store.put(key, b"photo")
    folder = store.path(key).parent
    (folder / ".tmp-abc123.part").write_bytes(b"half a photo")  # a put interrupted
    (folder / "notes.txt").write_text("not a key")
    (folder / "ABC.jpg").write_bytes(b"upper case: not a key")
    (store.root / "stray.jpg").write_bytes(b"not hex: not a key")
    mtime = dt.datetime(2026, 11, 3, 1, 2, 3, tzinfo=dt.UTC)
    os.utime(store.path(key), (mtime.timestamp(), mtime.timestamp()))

    assert list(store.listing()) == [StoredObject(key=key, size=5, modified=mtime)]


def test_local_listing_of_a_root_not_made_yet_is_empty(tmp_path: Path) -> None:
    assert list(LocalPhotoStore(tmp_path / "not-there").listing()) == []
