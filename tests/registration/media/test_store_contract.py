"""One contract for the media storage port, passed by both adapters: files in the data directory, and
S3-compatible object storage (here moto's S3 server, in this process, on a free port)."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from moto.server import ThreadedMotoServer

from harness.ports import free_port
from services.registration.media.files import FileMediaStore
from services.registration.media.s3 import S3Location, S3MediaStore
from services.registration.media.store import MediaStore


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture(params=["files", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> MediaStore:
    if request.param == "files":
        return FileMediaStore(tmp_path / "media")
    endpoint = request.getfixturevalue("s3_endpoint")
    return S3MediaStore(S3Location(endpoint, f"media-{uuid.uuid4().hex}", "kepuri", "kepuri-secret"))


def key_of(body: bytes, extension: str = "jpg") -> str:
    return f"{hashlib.sha256(body).hexdigest()}.{extension}"


async def test_what_is_put_is_read_back_with_its_type(store: MediaStore) -> None:
    body = b"\xff\xd8\xff" + bytes(range(256)) * 40
    key = key_of(body)
    assert not await store.exists(key)
    await store.put(key, body)
    assert await store.exists(key)
    stored = await store.get(key)
    assert stored is not None and stored.body == body and stored.content_type == "image/jpeg"


async def test_putting_the_same_key_twice_is_harmless(store: MediaStore) -> None:
    body = b"webm-ish" * 100
    key = key_of(body, "webm")
    await store.put(key, body)
    await store.put(key, body)
    stored = await store.get(key)
    assert stored is not None and stored.body == body and stored.content_type == "video/webm"


async def test_a_key_never_put_is_absent(store: MediaStore) -> None:
    key = key_of(b"never", "png")
    assert await store.get(key) is None
    assert not await store.exists(key.replace(".png", ".thumb.jpg"))


@pytest.mark.parametrize("key", ["../../etc/passwd", "a.jpg", "0" * 64 + ".exe", "0" * 64 + "/x.jpg"])
async def test_a_key_not_of_the_stores_form_is_never_looked_up(store: MediaStore, key: str) -> None:
    with pytest.raises(ValueError):
        await store.get(key)
    with pytest.raises(ValueError):
        await store.put(key, b"x")
