"""An S3-API object store for tests: moto's standalone server, in a process of its own on a free
loopback port, for the whole test session; a fresh bucket for each test; dummy credentials.

Nothing leaves the machine: the credentials are fake, the instance-metadata look-up of boto3 is
switched off, and no AWS configuration file of the person running the tests is read.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from complaints.object_store import make_client

#: The environment boto3 sees in these tests.
AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_EC2_METADATA_DISABLED": "true",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
}
#: Variables that would point boto3 somewhere else.
AWS_UNSET = ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3")
REGION = "us-east-1"
START_TIMEOUT = 60.0


def free_port() -> int:
    """A loopback port nothing listens on (just now)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def set_aws_env(patch: pytest.MonkeyPatch) -> None:
    for name, value in AWS_ENV.items():
        patch.setenv(name, value)
    for name in AWS_UNSET:
        patch.delenv(name, raising=False)


def _moto_command(port: int) -> list[str]:
    script = Path(sys.executable).parent / "moto_server"
    command = [str(script)] if script.exists() else [sys.executable, "-m", "moto.server"]
    return [*command, "-H", "127.0.0.1", "-p", str(port)]


def _wait_until_answering(endpoint: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"moto_server exited with {process.returncode} before answering")
        try:
            with urllib.request.urlopen(endpoint, timeout=2):
                return
        except urllib.error.HTTPError:
            return  # it answered, if only to refuse
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"moto_server did not answer at {endpoint}") from None
            time.sleep(0.1)


@pytest.fixture(scope="session")
def s3_server() -> Iterator[str]:
    """The endpoint URL of a moto S3 server running for this test session."""
    port = free_port()
    with pytest.MonkeyPatch.context() as patch:
        set_aws_env(patch)
        process = subprocess.Popen(
            _moto_command(port),
            env=dict(os.environ),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            endpoint = f"http://127.0.0.1:{port}"
            _wait_until_answering(endpoint, process)
            yield endpoint
        finally:
            process.kill()
            process.wait(timeout=30)


@dataclass(frozen=True)
class Bucket:
    endpoint: str
    name: str
    client: Any  # a boto3 S3 client with the test credentials

    def object_names(self) -> list[str]:
        """Every object in the bucket, sorted."""
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.name)
        return sorted(item["Key"] for page in pages for item in page.get("Contents", ()))


@pytest.fixture(scope="session")
def s3_client(s3_server: str) -> Any:
    """A boto3 client of the session's moto server (made once: making one takes a while)."""
    return make_client(s3_server, REGION)


@pytest.fixture
def s3_bucket(s3_server: str, s3_client: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Bucket]:
    """A new, empty bucket on the session's moto server (emptied and removed afterwards)."""
    set_aws_env(monkeypatch)
    client = s3_client
    name = f"test-{uuid.uuid4().hex}"
    client.create_bucket(Bucket=name)
    bucket = Bucket(endpoint=s3_server, name=name, client=client)
    yield bucket
    for key in bucket.object_names():
        client.delete_object(Bucket=name, Key=key)
    client.delete_bucket(Bucket=name)


@pytest.fixture
def dead_s3_endpoint(monkeypatch: pytest.MonkeyPatch) -> str:
    """The URL of a loopback port nothing listens on: a store that is down."""
    set_aws_env(monkeypatch)
    return f"http://127.0.0.1:{free_port()}"
