"""An organizer uploads photos and videos and names them in the activity's info; the info-completed
event carries them; everyone reads them back through cacheable, immutable URLs; refused uploads store nothing."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image

from tests.factories import activity_body

from ..conftest import Service
from ..test_activities import outbox
from .pictures import GPS_IFD, bomb, jpeg_with_gps, mp4

OCTETS = {"Content-Type": "application/octet-stream"}


def stored_files(tmp_path: Path) -> list[Path]:
    return [p for p in (tmp_path / "media").rglob("*") if p.is_file()]


async def held_activity(service: Service) -> tuple[dict[str, str], str]:
    today = datetime.now(UTC).date()
    await service.campaign(info_completion_deadline=today + timedelta(days=5))
    me = await service.organizer()
    body = activity_body(starts_in=timedelta(minutes=-30))
    created = await service.client.post("/api/v1/activities", json=body, headers=me)
    assert created.status_code == 201, created.text
    return me, f"/api/v1/activities/{created.json()['id']}"


@pytest.mark.parametrize("database", ["sqlite", "postgresql"], indirect=True)
async def test_uploaded_photos_and_videos_complete_the_info_and_travel_on_the_event(service: Service) -> None:
    me, url = await held_activity(service)
    photo = await service.client.post("/api/v1/media", content=jpeg_with_gps(), headers={**me, **OCTETS})
    assert photo.status_code == 201, photo.text
    video = await service.client.post("/api/v1/media", content=mp4(), headers={**me, **OCTETS})
    assert video.status_code == 201 and video.json()["kind"] == "video"
    key = photo.json()["key"]
    assert photo.json()["url"] == f"/api/v1/media/{key}" and photo.json()["thumbnail_url"].endswith(".thumb.jpg")

    info = {"media": [key, video.json()["key"]], "actual_participants": 120, "news_urls": ["https://news.example.cn/a"]}
    completed = await service.client.put(f"{url}/info", json=info, headers={**me, "If-Match": '"1"'})
    assert completed.status_code == 200, completed.text
    answer = completed.json()
    assert [m["kind"] for m in answer["info"]["media"]] == ["photo", "video"]
    assert answer["completeness"] == 0.75 and answer["missing_info"] == ["summary"]
    stored = (await service.client.get(url, headers=me)).json()  # read back from the database
    assert stored["info"]["media"] == answer["info"]["media"] and stored["completeness"] == 0.75

    [data] = [d for t, d in await outbox(service, "kepuri.activities.v1") if t == "info-completed"]
    assert data["media"][0] == {
        "key": key,
        "kind": "photo",
        "url": f"/api/v1/media/{key}",
        "thumbnail_url": f"/api/v1/media/{key.split('.')[0]}.thumb.jpg",
    }
    assert data["media"][1]["thumbnail_url"] is None


async def test_media_are_served_immutable_with_an_etag_and_without_gps(service: Service) -> None:
    me, _ = await held_activity(service)
    uploaded = (await service.client.post("/api/v1/media", content=jpeg_with_gps(), headers={**me, **OCTETS})).json()
    read = await service.client.get(uploaded["url"])  # no token: the public reads them
    assert read.status_code == 200 and read.headers["content-type"] == "image/jpeg"
    assert read.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert not Image.open(io.BytesIO(read.content)).getexif().get_ifd(GPS_IFD)
    again = await service.client.get(uploaded["url"], headers={"If-None-Match": read.headers["etag"]})
    assert again.status_code == 304 and not again.content
    thumbnail = await service.client.get(uploaded["thumbnail_url"])
    assert thumbnail.status_code == 200 and max(Image.open(io.BytesIO(thumbnail.content)).size) == 480
    assert (await service.client.get("/api/v1/media/" + "0" * 64 + ".jpg")).status_code == 404
    assert (await service.client.get("/api/v1/media/..%2F..%2Fregistration.db")).status_code in (404, 422)


async def test_videos_are_served_by_byte_ranges(service: Service) -> None:
    me, _ = await held_activity(service)
    video = mp4()
    url = (await service.client.post("/api/v1/media", content=video, headers={**me, **OCTETS})).json()["url"]
    whole = await service.client.get(url)
    assert whole.content == video and whole.headers["accept-ranges"] == "bytes"
    start = await service.client.get(url, headers={"Range": "bytes=0-1"})
    assert start.status_code == 206 and start.content == video[:2]
    assert start.headers["content-range"] == f"bytes 0-1/{len(video)}"
    tail = await service.client.get(url, headers={"Range": "bytes=-10"})
    assert tail.status_code == 206 and tail.content == video[-10:]
    rest = await service.client.get(url, headers={"Range": f"bytes={len(video) - 3}-"})
    assert rest.content == video[-3:]
    beyond = await service.client.get(url, headers={"Range": f"bytes={len(video)}-"})
    assert beyond.status_code == 416 and beyond.headers["content-range"] == f"bytes */{len(video)}"
    assert (await service.client.get(url, headers={"Range": "lines=1-2"})).status_code == 416


async def test_refused_uploads_answer_in_chinese_and_store_nothing(service: Service, tmp_path: Path) -> None:
    me, url = await held_activity(service)
    assert (await service.client.post("/api/v1/media", content=jpeg_with_gps(), headers=OCTETS)).status_code == 401
    cases = [
        (b"<svg onload=alert(1)>", 415, "文件类型不支持"),
        (bomb(), 422, "像素过多"),
        (jpeg_with_gps()[:300], 422, "损坏"),
        (b"", 422, "文件为空"),
    ]
    for content, status, words in cases:
        refused = await service.client.post("/api/v1/media", content=content, headers={**me, **OCTETS})
        assert refused.status_code == status, refused.text
        problem = refused.json()
        assert refused.headers["content-type"] == "application/problem+json"
        assert words in problem["title"] + problem["detail"] and problem["errors"][0]["field"] == "file"
    assert stored_files(tmp_path) == []

    forged = {"media": ["f" * 64 + ".jpg"]}
    answer = await service.client.put(f"{url}/info", json=forged, headers={**me, "If-Match": '"1"'})
    assert answer.status_code == 422 and answer.json()["errors"][0]["field"] == "media"
    assert "未上传" in answer.json()["detail"]


@pytest.fixture
def settings_changes() -> dict[str, object]:
    return {"media_photo_max_bytes": 64 << 10}


async def test_a_photo_over_the_configured_size_is_a_413(service: Service, tmp_path: Path) -> None:
    me, _ = await held_activity(service)
    noise = Image.effect_noise((1200, 1200), 80).convert("RGB")
    out = io.BytesIO()
    noise.save(out, "JPEG", quality=95)
    large = out.getvalue()
    assert len(large) > 64 << 10
    refused = await service.client.post("/api/v1/media", content=large, headers={**me, **OCTETS})
    assert refused.status_code == 413 and "照片过大" in refused.json()["detail"]
    assert stored_files(tmp_path) == []
