"""What an upload is, by its content: a photo Pillow can open (re-encoded without EXIF/GPS, with a
thumbnail), or a short MP4/WebM video (by its magic bytes); anything else is refused, nothing stored.

Photos are decoded only after their header says they are within ``max_pixels``: a decompression bomb
(a small file that decodes to gigapixels) is refused before its pixels are read.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass
from typing import Literal

from PIL import Image, ImageOps, UnidentifiedImageError

PHOTO_FORMATS = ("JPEG", "PNG", "WEBP")
THUMBNAIL_SIDE = 480
VIDEO_TYPES = {"mp4": "video/mp4", "webm": "video/webm"}
CONTENT_TYPES = {"jpg": "image/jpeg", "png": "image/png", **VIDEO_TYPES}

Kind = Literal["photo", "video"]


class MediaRefused(Exception):
    """An upload that is not stored: ``status`` 413 (too large) or 415/422 (not a photo or video)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Limits:
    """How large a photo (bytes and pixels) and a video (bytes) may be."""

    photo_bytes: int = 10 << 20
    video_bytes: int = 50 << 20
    max_pixels: int = 40_000_000


@dataclass(frozen=True)
class Prepared:
    """An upload made ready to store: its content-addressed key, its bytes, and a photo's thumbnail."""

    kind: Kind
    key: str
    body: bytes
    content_type: str
    thumbnail_key: str | None = None
    thumbnail: bytes | None = None
    width: int | None = None
    height: int | None = None


def video_extension(data: bytes) -> str | None:
    """``mp4`` (an ISO BMFF ``ftyp`` box first) or ``webm`` (an EBML header), else None."""
    if len(data) >= 12 and data[4:8] == b"ftyp":
        return "mp4"
    if data.startswith(b"\x1a\x45\xdf\xa3") and b"webm" in data[:64]:
        return "webm"
    return None


def prepare(data: bytes, limits: Limits) -> Prepared:
    """Check an upload by its content and make it ready to store, or raise :class:`MediaRefused`."""
    if not data:
        raise MediaRefused(422, "文件为空 (file: the upload is empty)")
    extension = video_extension(data)
    if extension is not None:
        if len(data) > limits.video_bytes:
            raise MediaRefused(413, f"视频过大，最大 {_mib(limits.video_bytes)} (file: a video is at most that size)")
        return Prepared("video", f"{_digest(data)}.{extension}", data, VIDEO_TYPES[extension])
    if len(data) > limits.photo_bytes:
        raise MediaRefused(413, f"照片过大，最大 {_mib(limits.photo_bytes)} (file: a photo is at most that size)")
    return _photo(data, limits)


def _photo(data: bytes, limits: Limits) -> Prepared:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=PHOTO_FORMATS)
            width, height = image.size
            if width * height > limits.max_pixels:
                raise MediaRefused(422, f"图片像素过多 ({width}×{height}) (file: at most {limits.max_pixels} pixels)")
            image.load()
    except MediaRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise MediaRefused(422, f"图片像素过多 (file: at most {limits.max_pixels} pixels)") from exc
    except UnidentifiedImageError as exc:
        raise MediaRefused(415, "文件不是支持的照片或视频 (file: JPEG, PNG, WebP, MP4 or WebM only)") from exc
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise MediaRefused(422, "图片文件已损坏，无法读取 (file: the image cannot be decoded)") from exc
    # Turned upright by its EXIF orientation, then written afresh: no EXIF, GPS, XMP or comments survive.
    upright = ImageOps.exif_transpose(image)
    alpha = upright.mode in ("RGBA", "LA", "PA") or (upright.mode == "P" and "transparency" in upright.info)
    clean = upright.convert("RGBA" if alpha else "RGB")
    body = _encode(clean, "PNG" if alpha else "JPEG")
    digest = _digest(body)
    thumb = clean.copy()
    thumb.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE))
    if alpha:
        backdrop = Image.new("RGB", thumb.size, "white")
        backdrop.paste(thumb, mask=thumb.getchannel("A"))
        thumb = backdrop
    extension = "png" if alpha else "jpg"
    return Prepared(
        "photo",
        f"{digest}.{extension}",
        body,
        CONTENT_TYPES[extension],
        thumbnail_key=f"{digest}.thumb.jpg",
        thumbnail=_encode(thumb, "JPEG"),
        width=clean.width,
        height=clean.height,
    )


def _encode(image: Image.Image, format: str) -> bytes:
    out = io.BytesIO()
    if format == "JPEG":
        image.save(out, "JPEG", quality=85, optimize=True)
    else:
        image.save(out, format, optimize=True)
    return out.getvalue()


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _mib(size: int) -> str:
    return f"{size / (1 << 20):g} MiB"
