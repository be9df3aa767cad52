"""``/api/v1/media``: organizers upload photos and short videos; everyone reads them by key.

Uploads are the file itself as the body (like the 附件1 import), checked by content
(:mod:`...media.inspection`). A stored object's key is the digest of its bytes, so its URL never
names anything else: answers are cached for a year (``immutable``) and carry the key as ETag.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from shared.web import Problem
from shared.web.auth import OrganizerDep
from shared.web.idempotency import Idempotent

from ...domain.info import MEDIA_PATH
from ...media.inspection import MediaRefused
from ...media.store import KEY
from ..deps import RegistrationDep

router = APIRouter(prefix="/media", tags=["media"])

UPLOAD_PATH = "/api/v1/media"
YEAR = 365 * 24 * 3600
_UPLOAD = {
    "requestBody": {
        "required": True,
        "description": "The photo (JPEG, PNG, WebP) or short video (MP4, WebM) itself as the body",
        "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
    }
}


class MediaOut(BaseModel):
    """An upload as stored: name ``key`` in the info's ``media`` list to attach it to the activity."""

    key: str
    kind: str
    url: str
    thumbnail_url: str | None
    content_type: str
    bytes: int
    width: int | None
    height: int | None


@router.post(
    "",
    status_code=201,
    response_model=MediaOut,
    summary="Upload a photo or short video",
    openapi_extra=_UPLOAD,
    dependencies=[Idempotent],
)
async def upload_media(request: Request, organizer: OrganizerDep, registration: RegistrationDep) -> Response:
    """照片（JPEG/PNG/WebP，去除 EXIF 与 GPS，生成缩略图）或短视频（MP4/WebM）；类型按内容判断。"""
    del organizer  # any organizer may upload; only its own activity's info may name the key
    if request.headers.get("content-type", "").startswith("multipart/"):
        raise MediaRefused(415, "请直接上传文件本身 (file: send the file as the body, not a multipart form)")
    prepared = await registration.media.upload(await request.body())  # MediaRefused: 413/415/422
    out = MediaOut(
        key=prepared.key,
        kind=prepared.kind,
        url=MEDIA_PATH + prepared.key,
        thumbnail_url=MEDIA_PATH + prepared.thumbnail_key if prepared.thumbnail_key else None,
        content_type=prepared.content_type,
        bytes=len(prepared.body),
        width=prepared.width,
        height=prepared.height,
    )
    return JSONResponse(out.model_dump(mode="json"), status_code=201, headers={"Location": out.url})


MediaKey = Annotated[str, Path(pattern=KEY.pattern, description="<sha256>[.thumb].<jpg|png|mp4|webm>")]


@router.get(
    "/{key}",
    summary="Read an uploaded photo, thumbnail or video",
    responses={
        200: {"content": {"image/jpeg": {}, "video/mp4": {}}},
        206: {"description": "The byte range asked for (videos: iOS plays MP4 only by ranges)"},
        304: {"description": "Not modified"},
        416: {"description": "Range not satisfiable"},
    },
)
async def read_media(key: MediaKey, request: Request, registration: RegistrationDep) -> Response:
    etag = f'"{key.split(".", 1)[0]}"'
    cache = {"Cache-Control": f"public, max-age={YEAR}, immutable", "ETag": etag, "Accept-Ranges": "bytes"}
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=cache)
    stored = await registration.media.read(key)
    if stored is None:
        raise Problem(404, "文件不存在 (not found)", f"No media {key}")
    asked = request.headers.get("range")
    if asked:
        span = _span(asked, len(stored.body))
        if span is None:
            return Response(status_code=416, headers={**cache, "Content-Range": f"bytes */{len(stored.body)}"})
        first, last = span
        headers = {**cache, "Content-Range": f"bytes {first}-{last}/{len(stored.body)}"}
        return Response(stored.body[first : last + 1], 206, headers, media_type=stored.content_type)
    return Response(stored.body, media_type=stored.content_type, headers=cache)


def _span(header: str, size: int) -> tuple[int, int] | None:
    """The one byte range ``bytes=a-b`` / ``a-`` / ``-n`` asks for within ``size``; None if unsatisfiable.

    Several ranges in one request are answered with the first only (a browser's player asks for one)."""
    unit, _, ranges = header.partition("=")
    first_text, dash, last_text = ranges.split(",")[0].strip().partition("-")
    if unit.strip() != "bytes" or not dash or size == 0:
        return None
    try:
        if not first_text:
            first, last = max(0, size - int(last_text)), size - 1
        else:
            first, last = int(first_text), min(int(last_text), size - 1) if last_text else size - 1
    except ValueError:
        return None
    return (first, last) if 0 <= first <= last else None
