"""Media in S3-compatible object storage (production: MinIO in docker-compose.yml), through the
``minio`` client; its blocking calls run in worker threads. The bucket is made on first write."""

from __future__ import annotations

import asyncio
import io
from dataclasses import dataclass
from urllib.parse import urlsplit

from minio import Minio
from minio.error import S3Error

from .store import MediaStore, MediaStoreError, StoredMedia, content_type_of, valid_key

_MISSING = ("NoSuchKey", "NoSuchBucket", "ResourceNotFound")


@dataclass(frozen=True)
class S3Location:
    """Where the bucket is: ``endpoint`` as a URL (``http://minio:9000``), the bucket and its keys."""

    endpoint: str
    bucket: str
    access_key: str
    secret_key: str
    region: str = "us-east-1"


class S3MediaStore(MediaStore):
    def __init__(self, location: S3Location) -> None:
        url = urlsplit(location.endpoint)
        self._bucket = location.bucket
        self._client = Minio(
            url.netloc,
            access_key=location.access_key,
            secret_key=location.secret_key,
            secure=url.scheme == "https",
            region=location.region,
        )
        self._bucket_ready = False

    async def put(self, key: str, body: bytes) -> None:
        _check(key)
        await asyncio.to_thread(self._put, key, body)

    async def get(self, key: str) -> StoredMedia | None:
        _check(key)
        body = await asyncio.to_thread(self._get, key)
        return None if body is None else StoredMedia(key, body, content_type_of(key))

    async def exists(self, key: str) -> bool:
        _check(key)
        return await asyncio.to_thread(self._exists, key)

    def _put(self, key: str, body: bytes) -> None:
        try:
            if not self._bucket_ready:
                if not self._client.bucket_exists(self._bucket):
                    self._client.make_bucket(self._bucket)
                self._bucket_ready = True
            self._client.put_object(self._bucket, key, io.BytesIO(body), len(body), content_type=content_type_of(key))
        except S3Error as exc:
            raise MediaStoreError(f"storing {key} failed: {exc.code}") from exc

    def _get(self, key: str) -> bytes | None:
        try:
            response = self._client.get_object(self._bucket, key)
        except S3Error as exc:
            if exc.code in _MISSING:
                return None
            raise MediaStoreError(f"reading {key} failed: {exc.code}") from exc
        try:
            return response.read()
        finally:
            response.close()
            response.release_conn()

    def _exists(self, key: str) -> bool:
        try:
            self._client.stat_object(self._bucket, key)
        except S3Error as exc:
            if exc.code in _MISSING:
                return False
            raise MediaStoreError(f"checking {key} failed: {exc.code}") from exc
        return True


def _check(key: str) -> None:
    if not valid_key(key):
        raise ValueError(f"not a media key: {key!r}")
