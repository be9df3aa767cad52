"""Photos and videos uploaded with an activity's info reach the reviewer beside the linked ones."""

import json

from services.review.projections.details import completed_details
from shared.events.payloads.activities import InfoCompleted, MediaReference


def test_uploaded_photos_and_videos_join_the_linked_ones() -> None:
    photo = MediaReference(key="a" * 64 + ".jpg", kind="photo", url="/api/v1/media/" + "a" * 64 + ".jpg")
    video = MediaReference(key="b" * 64 + ".mp4", kind="video", url="/api/v1/media/" + "b" * 64 + ".mp4")
    info = InfoCompleted(
        activity_id="a1",
        photo_urls=["https://photos.example/1.jpg"],
        completeness=0.5,
        media=[photo, video],
    )

    row = completed_details(info)

    assert json.loads(row["photo_urls"]) == ["https://photos.example/1.jpg", photo.url]
    assert json.loads(row["video_urls"]) == [video.url]


def test_an_info_without_uploads_keeps_its_links_only() -> None:
    row = completed_details(InfoCompleted(activity_id="a1", video_urls=["https://v.example/1"], completeness=0.2))

    assert json.loads(row["photo_urls"]) == []
    assert json.loads(row["video_urls"]) == ["https://v.example/1"]
