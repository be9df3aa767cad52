"""Content review's request and response bodies (not tables, not event payloads)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from shared.web.dates import Zoned

from ..service.content_review import BulkOutcome, QueuePage

ActivityId = Annotated[str, Field(min_length=1, max_length=64)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ApproveIn(_In):
    note: str | None = Field(None, max_length=500, description="审核意见 (optional note kept with the approval)")


class RejectIn(_In):
    reason: str = Field(min_length=1, max_length=500, description="退回原因, shown to the organizer")


class BulkApproveIn(_In):
    activity_ids: list[ActivityId] = Field(min_length=1, max_length=500, description="1 to 500 distinct ids")

    @field_validator("activity_ids")
    @classmethod
    def _distinct(cls, ids: list[str]) -> list[str]:
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise ValueError(f"activity ids must be distinct; repeated: {', '.join(repeated)}")
        return ids


class ActivityDetailsOut(BaseModel):
    """What the organizer registered and completed (活动详情), as review's view holds it; contacts masked."""

    description: str | None = Field(description="活动简介")
    starts_at: Zoned | None = Field(description="开始时间")
    ends_at: Zoned | None = Field(description="结束时间")
    address: str | None = Field(description="活动地点")
    online_url: str | None = Field(description="线上活动网址")
    key_activity: bool = Field(description="重点活动")
    expected_participants: int | None = Field(description="预计参与人数")
    target_groups: list[str] = Field(description="面向人群")
    co_organizers: list[str] = Field(description="协办单位")
    programme: str | None = Field(description="品牌活动 (programme)")
    contact_name_masked: str | None = Field(description="负责人 (masked)")
    contact_phone_masked: str | None = Field(description="联系电话 (masked)")
    photo_urls: list[str] = Field(description="活动照片 (info completion)")
    video_urls: list[str] = Field(description="视频")
    news_urls: list[str] = Field(description="新闻报道")
    actual_participants: int | None = Field(description="实际参与人数")
    summary: str | None = Field(description="活动总结")


class ReviewedActivityOut(BaseModel):
    """An activity with its content-review state."""

    activity_id: str
    campaign_id: str
    name: str
    organizer_id: str | None
    organizer_name: str
    region_code: str
    category: str | None
    joint_action: str | None
    themes: list[str]
    format: str
    registered_at: Zoned | None
    status: Literal["registered", "withdrawn"]
    info_completed: bool
    completeness: float = Field(description="信息完善度, 0..1")
    science_workers: int = Field(description="科技工作者人数")
    details: ActivityDetailsOut
    review: Literal["pending", "approved", "rejected"]
    review_version: int = Field(description="the review's version: the sequence of its last event (0: none yet)")
    review_reason: str | None = Field(description="the rejection's reason, or the approval's note")
    reviewed_by: str | None = Field(description="the body that gave the last verdict, e.g. city:6105")

    @classmethod
    def of(cls, item: dict[str, Any]) -> ReviewedActivityOut:
        return cls.model_validate({**item, "campaign_id": item["campaign"]})


class ReviewCountsOut(BaseModel):
    pending: int
    approved: int
    rejected: int


class QueueOut(BaseModel):
    items: list[ReviewedActivityOut]
    next_cursor: str | None = Field(description="pass as ?cursor= for the next page; null on the last")
    counts: ReviewCountsOut = Field(description="registered activities per review status, same filters")

    @classmethod
    def of(cls, page: QueuePage) -> QueueOut:
        return cls(
            items=[ReviewedActivityOut.of(i) for i in page.items],
            next_cursor=page.next_cursor,
            counts=ReviewCountsOut(**page.counts),
        )


class BulkResultOut(BaseModel):
    activity_id: str
    outcome: Literal["approved", "unchanged"] = Field(description="unchanged: it was approved already")
    review_version: int


class BulkApprovedOut(BaseModel):
    approved: int
    unchanged: int
    results: list[BulkResultOut]

    @classmethod
    def of(cls, outcomes: list[BulkOutcome]) -> BulkApprovedOut:
        return cls(
            approved=sum(o.outcome == "approved" for o in outcomes),
            unchanged=sum(o.outcome == "unchanged" for o in outcomes),
            results=[
                BulkResultOut(activity_id=o.activity_id, outcome=o.outcome, review_version=o.activity["review_version"])
                for o in outcomes
            ],
        )
