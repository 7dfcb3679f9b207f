"""Photos and generated files in an S3-API object store (AWS S3, MinIO, Garage, Ceph RGW).

Objects are private (no ACL is ever set): photos are served only through the app, to staff who
may see them. The client fails fast: a store that is down or does not answer raises
:class:`~complaints.storage.StoreUnavailable` within seconds, it never holds a request for
boto's default minutes of retries.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC
from typing import Any, BinaryIO, Final
from urllib.parse import urlsplit

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from complaints.storage import StoredObject, StoreUnavailable, new_key, validate_key

__all__ = ["S3PhotoStore", "client_config", "make_client", "parse_store_url"]

CONNECT_TIMEOUT: Final = 3.0
READ_TIMEOUT: Final = 10.0
ATTEMPTS: Final = 2
"""Tries per request, the first included: one retry for a dropped connection, no more."""

_MISSING: Final = frozenset({"404", "NoSuchKey", "NotFound"})


def parse_store_url(url: str) -> tuple[str, str]:
    """The bucket and key prefix of ``"s3://bucket/optional/prefix"``; ValueError otherwise."""
    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.netloc or parts.query or parts.fragment:
        raise ValueError(f"not an s3://bucket/prefix address: {url!r}")
    return parts.netloc, parts.path


def client_config(
    connect_timeout: float = CONNECT_TIMEOUT,
    read_timeout: float = READ_TIMEOUT,
    attempts: int = ATTEMPTS,
    path_style: bool = False,
) -> Config:
    """botocore settings that fail fast (short timeouts, one retry)."""
    return Config(
        connect_timeout=connect_timeout,
        read_timeout=read_timeout,
        retries={"total_max_attempts": attempts, "mode": "standard"},
        # Self-hosted stores are addressed by path (bucket names are not host names there).
        s3={"addressing_style": "path" if path_style else "auto"},
        # Checksums only where S3 requires them: the default CRC32 trailers (boto3 1.36+) are
        # refused by several S3-compatible stores; each object is small and put whole.
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
    )


def make_client(
    endpoint_url: str | None = None,
    region: str | None = None,
    access_key: str | None = None,
    secret_key: str | None = None,
    config: Config | None = None,
) -> Any:
    """A boto3 S3 client. Credentials not given are found as boto3 finds them (the
    ``AWS_ACCESS_KEY_ID`` / ``AWS_SECRET_ACCESS_KEY`` variables, a profile, an instance role)."""
    # A session of its own: boto3's default session is not safe to share between threads.
    session = boto3.session.Session()
    return session.client(
        "s3",
        endpoint_url=endpoint_url,
        region_name=region,
        aws_access_key_id=access_key,
        aws_secret_access_key=secret_key,
        config=config or client_config(path_style=endpoint_url is not None),
    )


def _content_type(name: str) -> str:
    return mimetypes.guess_type(name)[0] or "application/octet-stream"


def _error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


class S3PhotoStore:
    """A :class:`~complaints.storage.PhotoStore` in an S3 bucket, each key under ``prefix``."""

    new_key = staticmethod(new_key)

    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        endpoint_url: str | None = None,
        region: str | None = None,
        access_key: str | None = None,
        secret_key: str | None = None,
        client: Any = None,
    ) -> None:
        if not bucket:
            raise ValueError("a bucket is needed")
        prefix = prefix.strip("/")
        if prefix and any(part in ("", ".", "..") for part in prefix.split("/")):
            raise ValueError(f"invalid key prefix {prefix!r}")
        self.bucket = bucket
        self.prefix = f"{prefix}/" if prefix else ""
        self.client = client or make_client(endpoint_url, region, access_key, secret_key)

    def __repr__(self) -> str:
        return f"S3PhotoStore('s3://{self.bucket}/{self.prefix}')"

    def object_key(self, key: str) -> str:
        """The object name of ``key`` (which is validated) in the bucket."""
        return self.prefix + validate_key(key)

    @contextmanager
    def _failures(self, action: str, key: str = "") -> Iterator[None]:
        """Store failures as StoreUnavailable, with what was being done."""
        where = f"s3://{self.bucket}/{self.prefix}{key}"
        try:
            yield
        except ClientError as error:
            raise StoreUnavailable(f"{action} {where}: {_error_code(error)} {error}") from error
        except BotoCoreError as error:  # unreachable, timed out, no credentials
            raise StoreUnavailable(f"{action} {where}: {error}") from error

    def put(self, key: str, data: bytes) -> None:
        """Store ``data`` under ``key`` (one PUT: all or nothing), private."""
        name = self.object_key(key)
        with self._failures("put", key):
            self.client.put_object(
                Bucket=self.bucket, Key=name, Body=bytes(data), ContentType=_content_type(name)
            )

    def put_file(self, key: str, file: BinaryIO) -> None:
        """Store what ``file`` holds from its position on (multipart above 8 MB: memory stays
        at a part's size), private."""
        name = self.object_key(key)
        with self._failures("put", key):
            self.client.upload_fileobj(
                file, self.bucket, name, ExtraArgs={"ContentType": _content_type(name)}
            )

    def open(self, key: str) -> BinaryIO:
        """The object's body, to read in pieces and close; FileNotFoundError if there is none."""
        name = self.object_key(key)
        with self._failures("get", key):
            try:
                response = self.client.get_object(Bucket=self.bucket, Key=name)
            except ClientError as error:
                if _error_code(error) in _MISSING:
                    raise FileNotFoundError(f"no file stored under {key!r}") from None
                raise
        body: BinaryIO = response["Body"]
        return body

    def get(self, key: str) -> bytes:
        """The bytes stored under ``key``; FileNotFoundError if there are none."""
        with self.open(key) as body, self._failures("get", key):
            return bytes(body.read())

    def delete(self, key: str) -> None:
        """Remove ``key``; a key that is not there is not an error (S3 says so too)."""
        name = self.object_key(key)
        with self._failures("delete", key):
            self.client.delete_object(Bucket=self.bucket, Key=name)

    def exists(self, key: str) -> bool:
        """Whether an object is stored under ``key``."""
        name = self.object_key(key)
        with self._failures("exists", key):
            try:
                self.client.head_object(Bucket=self.bucket, Key=name)
            except ClientError as error:
                if _error_code(error) in _MISSING:
                    return False
                raise
        return True

    def listing(self) -> Iterator[StoredObject]:
        """Every key stored under the prefix; other objects in the bucket are left out."""
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self.prefix
        )
        with self._failures("list"):
            for page in pages:
                for item in page.get("Contents", ()):
                    key = item["Key"][len(self.prefix) :]
                    try:
                        validate_key(key)
                    except ValueError:
                        continue
                    modified = item["LastModified"].astimezone(UTC)
                    yield StoredObject(key=key, size=int(item["Size"]), modified=modified)

    def check(self) -> None:
        """Raise StoreUnavailable unless the bucket can be reached with these credentials."""
        with self._failures("check"):
            self.client.head_bucket(Bucket=self.bucket)
