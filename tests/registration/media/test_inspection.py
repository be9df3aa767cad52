"""Uploads are judged by their bytes: photos re-encoded without EXIF/GPS and given a thumbnail; bombs,
disguised files, broken images and oversize files refused."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from services.registration.media.inspection import THUMBNAIL_SIDE, Limits, MediaRefused, prepare

from .pictures import GPS_IFD, MAKE, bomb, jpeg_with_gps, mp4, png, truncated_jpeg, webm


def test_a_photo_loses_its_exif_and_gps_and_gets_a_thumbnail() -> None:
    original = jpeg_with_gps((1600, 1200))
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(GPS_IFD)  # the test photo does carry GPS
    prepared = prepare(original, Limits())
    assert prepared.kind == "photo" and prepared.content_type == "image/jpeg"
    assert prepared.key.endswith(".jpg") and prepared.thumbnail_key == prepared.key.replace(".jpg", ".thumb.jpg")
    stored = Image.open(io.BytesIO(prepared.body))
    exif = stored.getexif()
    assert not exif.get_ifd(GPS_IFD) and MAKE not in exif and "exif" not in stored.info
    assert b"KepuriCam" not in prepared.body
    assert (prepared.width, prepared.height) == (1600, 1200)
    assert prepared.thumbnail is not None
    thumbnail = Image.open(io.BytesIO(prepared.thumbnail))
    assert max(thumbnail.size) == THUMBNAIL_SIDE and not thumbnail.getexif()


def test_the_same_photo_has_the_same_key() -> None:
    data = jpeg_with_gps()
    assert prepare(data, Limits()).key == prepare(data, Limits()).key


def test_a_transparent_png_stays_a_png() -> None:
    prepared = prepare(png(), Limits())
    assert prepared.content_type == "image/png" and prepared.key.endswith(".png")


def test_a_decompression_bomb_is_refused_before_it_is_decoded() -> None:
    data = bomb()
    assert len(data) < 200_000
    with pytest.raises(MediaRefused, match="像素过多") as refused:
        prepare(data, Limits())
    assert refused.value.status == 422


def test_a_photo_over_the_pixel_limit_is_refused() -> None:
    with pytest.raises(MediaRefused, match="像素过多") as refused:
        prepare(jpeg_with_gps((1200, 1000)), Limits(max_pixels=1_000_000))
    assert refused.value.status == 422


@pytest.mark.parametrize(
    "data",
    [b"<?php echo 'hi'; ?>", b"GIF89a" + b"\x00" * 100, b"%PDF-1.7\n" + b"\x00" * 100, b"MZ\x90\x00" * 50],
    ids=["script", "gif", "pdf", "exe"],
)
def test_anything_but_a_photo_or_video_is_refused_whatever_its_name(data: bytes) -> None:
    with pytest.raises(MediaRefused, match="不是支持的照片或视频") as refused:
        prepare(data, Limits())
    assert refused.value.status == 415


def test_a_broken_image_is_refused() -> None:
    with pytest.raises(MediaRefused, match="损坏") as refused:
        prepare(truncated_jpeg(), Limits())
    assert refused.value.status == 422


def test_an_empty_upload_is_refused() -> None:
    with pytest.raises(MediaRefused, match="文件为空"):
        prepare(b"", Limits())


def test_oversize_photos_and_videos_are_refused() -> None:
    with pytest.raises(MediaRefused, match="照片过大") as refused:
        prepare(jpeg_with_gps(), Limits(photo_bytes=1000))
    assert refused.value.status == 413
    with pytest.raises(MediaRefused, match="视频过大"):
        prepare(mp4(), Limits(video_bytes=100))


def test_short_videos_are_known_by_their_magic_bytes() -> None:
    assert prepare(mp4(), Limits()).key.endswith(".mp4")
    video = prepare(webm(), Limits())
    assert video.kind == "video" and video.content_type == "video/webm" and video.thumbnail is None
