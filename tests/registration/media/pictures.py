"""Files the media tests upload: a JPEG carrying GPS EXIF, a decompression bomb, a disguised file, videos."""

from __future__ import annotations

import io

from PIL import Image

GPS_IFD = 0x8825
MAKE = 0x010F


def jpeg_with_gps(size: tuple[int, int] = (800, 600)) -> bytes:
    """A photo as a phone takes it: camera make and the place it was taken (GPS) in its EXIF."""
    image = Image.new("RGB", size, (30, 120, 200))
    exif = Image.Exif()
    exif[MAKE] = "KepuriCam"
    exif[GPS_IFD] = {1: "N", 2: (34.0, 29.0, 58.0), 3: "E", 4: (109.0, 30.0, 36.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes(), quality=90)
    return out.getvalue()


def png(size: tuple[int, int] = (64, 64), mode: str = "RGBA") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, (200, 30, 30, 128) if mode == "RGBA" else (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def bomb() -> bytes:
    """A PNG of a few kilobytes that decodes to 20,000 × 20,000 pixels (400 megapixels)."""
    out = io.BytesIO()
    Image.new("1", (20_000, 20_000)).save(out, "PNG", optimize=True)
    return out.getvalue()


def mp4() -> bytes:
    """The start of an MP4 file: an ``ftyp`` box, then some data."""
    return b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + b"\x00" * 1000


def webm() -> bytes:
    return b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\x82\x84webm" + b"\x00" * 500


def truncated_jpeg() -> bytes:
    """A JPEG header followed by garbage: it looks like a photo and cannot be decoded."""
    whole = jpeg_with_gps((400, 300))
    return whole[: len(whole) // 2]
