"""Registration's activity schemas: what organizers send and receive (not tables, not event payloads)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field, create_model

from shared.events.masking import mask_name, mask_phone
from shared.web.dates import Moment, Zoned

from ..domain.activity import PLATFORMS, Activity, ActivityDetails, OnlineWork, ScienceWorker
from ..domain.info import InfoCompletion, MediaItem
from ..media.store import KEY

MEDIA_KEY = KEY.pattern

Name = Annotated[str, Field(min_length=2, max_length=100)]
Label = Annotated[str, Field(min_length=1, max_length=50)]
Person = Annotated[str, Field(min_length=2, max_length=50)]
Phone = Annotated[str, Field(min_length=7, max_length=20, description="Mainland mobile or landline (0xx-xxxxxxxx)")]
Url = Annotated[AnyHttpUrl, Field(max_length=500)]
REGION = r"^[1-8]\d(\d{2}(\d{2})?)?$"


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ScienceWorkerIn(_In):
    name: Person = Field(description="科技工作者姓名")
    phone: Phone
    organisation: str | None = Field(None, max_length=100, description="工作单位")


class OnlineWorkIn(_In):
    url: Url = Field(description="作品链接 (https)")
    platform: str = Field(
        min_length=1, max_length=20, description=f"发布平台, one of {'、'.join(PLATFORMS)}", examples=list(PLATFORMS)
    )


class OnlineWorkOut(BaseModel):
    url: str
    platform: str


class ActivityDetailsIn(_In):
    """An activity's details as the organizer states them (PUT replaces them all)."""

    name: Name = Field(description="活动名称 / 项目名称")
    organizer: Name = Field(description="举办单位")
    co_organizers: list[Name] = Field(default_factory=list, max_length=10, description="联合举办单位")
    category: Label | None = Field(None, description="活动类别, one of the campaign's categories")
    joint_action: Label | None = Field(None, description="联合行动")
    programme: Label | None = Field(None, description="品牌活动, e.g. 千馆展览探未来")
    themes: list[Label] = Field(default_factory=list, max_length=10, description="活动主题")
    target_groups: list[Label] = Field(default_factory=list, max_length=10, description="面向人群")
    format: Literal["offline", "online", "both"] = "offline"
    starts_at: Moment
    ends_at: Moment
    region_code: str = Field(pattern=REGION, description="GB/T 2260 division code (2, 4 or 6 digits)")
    address: str | None = Field(None, min_length=2, max_length=200, description="活动地点")
    longitude: float | None = Field(None, ge=-180, le=180)
    latitude: float | None = Field(None, ge=-90, le=90)
    online_url: Url | None = Field(None, description="线上活动网址")
    expected_participants: int | None = Field(None, ge=0, le=10_000_000)
    key_activity: bool = Field(False, description="重点活动")
    description: str | None = Field(None, max_length=2000, description="活动内容")
    contact_name: Person = Field(description="负责人")
    contact_phone: Phone = Field(description="联系电话")
    science_workers: list[ScienceWorkerIn] = Field(default_factory=list, max_length=500, description="参与科技工作者")
    live_url: Url | None = Field(None, description="直播网址 (online activities)")
    live_starts_at: Moment | None = Field(None, description="直播开始时间")
    live_ends_at: Moment | None = Field(None, description="直播结束时间")
    online_works: list[OnlineWorkIn] = Field(
        default_factory=list, max_length=20, description="网络科普作品 (千万IP创科普): URL and platform"
    )

    def details(self) -> ActivityDetails:
        return ActivityDetails(
            name=self.name,
            organizer_name=self.organizer,
            co_organizers=tuple(self.co_organizers),
            category=self.category,
            joint_action=self.joint_action,
            programme=self.programme,
            themes=tuple(self.themes),
            target_groups=tuple(self.target_groups),
            format=self.format,
            starts_at=self.starts_at,
            ends_at=self.ends_at,
            region_code=self.region_code,
            address=self.address,
            longitude=self.longitude,
            latitude=self.latitude,
            online_url=str(self.online_url) if self.online_url else None,
            online_works=tuple(OnlineWork(str(w.url), w.platform) for w in self.online_works),
            expected_participants=self.expected_participants,
            key_activity=self.key_activity,
            description=self.description,
            contact_name=self.contact_name,
            contact_phone=self.contact_phone,
            science_workers=tuple(ScienceWorker(w.name, w.phone, w.organisation) for w in self.science_workers),
            live_url=str(self.live_url) if self.live_url else None,
            live_starts_at=self.live_starts_at,
            live_ends_at=self.live_ends_at,
        )


class ActivityIn(ActivityDetailsIn):
    """A registration: the details and the campaign they are registered for."""

    campaign_id: str = Field(min_length=1, max_length=64, description="活动年度 (campaign id)")


def _optional(annotation: Any, constraints: list[Any]) -> Any:
    return (Annotated[(annotation, *constraints)] if constraints else annotation) | None


# A draft may be saved incomplete: every field optional, each still bounded as in ActivityIn.
DraftIn: type[_In] = create_model(  # type: ignore[call-overload]
    "DraftIn",
    __base__=_In,
    **{
        name: (_optional(field.annotation, field.metadata), Field(None, description=field.description))
        for name, field in ActivityIn.model_fields.items()
    },
)


class InfoIn(_In):
    """信息完善: what happened, completed after the activity."""

    photo_urls: list[Url] = Field(default_factory=list, max_length=20, description="活动照片链接")
    video_urls: list[Url] = Field(default_factory=list, max_length=10, description="视频链接")
    news_urls: list[Url] = Field(default_factory=list, max_length=20, description="新闻报道链接")
    actual_participants: int | None = Field(None, ge=0, le=10_000_000, description="实际参与人数")
    summary: str | None = Field(None, max_length=5000, description="活动总结")
    media: list[Annotated[str, Field(pattern=MEDIA_KEY)]] = Field(
        default_factory=list, max_length=30, description="上传的照片与视频 (keys from POST /media)"
    )

    def info(self, media: tuple[MediaItem, ...] = ()) -> InfoCompletion:
        return InfoCompletion(
            photo_urls=tuple(str(u) for u in self.photo_urls),
            video_urls=tuple(str(u) for u in self.video_urls),
            news_urls=tuple(str(u) for u in self.news_urls),
            actual_participants=self.actual_participants,
            summary=self.summary,
            media=media,
        )


class ScienceWorkersIn(_In):
    """参与科技工作者: the whole list, replacing the one registered (until the info-completion deadline)."""

    science_workers: list[ScienceWorkerIn] = Field(max_length=500, description="参与科技工作者")

    def workers(self) -> tuple[ScienceWorker, ...]:
        return tuple(ScienceWorker(w.name, w.phone, w.organisation) for w in self.science_workers)


class WithdrawalIn(_In):
    reason: str | None = Field(None, max_length=500)


class ScienceWorkerOut(BaseModel):
    name: str
    phone: str
    organisation: str | None


class MediaItemOut(BaseModel):
    key: str
    kind: str
    url: str
    thumbnail_url: str | None


class InfoOut(BaseModel):
    photo_urls: list[str]
    video_urls: list[str]
    news_urls: list[str]
    actual_participants: int | None
    summary: str | None
    media: list[MediaItemOut] = Field(default_factory=list, description="上传的照片与视频")

    @classmethod
    def of(cls, info: InfoCompletion) -> InfoOut:
        media = [MediaItemOut(**item.reference().model_dump()) for item in info.media]
        fields = {name: value for name, value in info.__dict__.items() if name != "media"}
        return cls(**fields, media=media)


def _as_is(value: str) -> str:
    return value


class ActivityOut(BaseModel):
    """An activity as its organizer sees it (contacts in clear); others see contacts masked."""

    id: str
    version: int
    status: str
    campaign_id: str
    review_status: str
    review_reason: str | None
    completeness: float
    missing_info: list[str]
    name: str
    organizer: str
    co_organizers: list[str]
    category: str | None
    joint_action: str | None
    programme: str | None
    themes: list[str]
    target_groups: list[str]
    format: str
    starts_at: Zoned
    ends_at: Zoned
    region_code: str
    address: str | None
    longitude: float | None
    latitude: float | None
    online_url: str | None
    expected_participants: int | None
    key_activity: bool
    description: str | None
    contact_name: str | None
    contact_phone: str | None
    science_workers: list[ScienceWorkerOut]
    erased_science_workers: int = Field(0, description="科技工作者 whose personal data was erased: counted, not listed")
    live_url: str | None = None
    live_starts_at: Zoned | None = None
    live_ends_at: Zoned | None = None
    online_works: list[OnlineWorkOut] = Field(default_factory=list, description="网络科普作品 (千万IP创科普)")
    info: InfoOut | None

    @classmethod
    def of(cls, activity: Activity, *, clear: bool = True) -> ActivityOut:
        d = activity.details
        name: Callable[[str], str] = _as_is if clear else mask_name
        phone: Callable[[str], str] = _as_is if clear else mask_phone
        info = activity.info
        return cls(
            id=activity.id,
            version=activity.version,
            status=activity.status,
            campaign_id=activity.campaign_id,
            review_status=activity.review_status,
            review_reason=activity.review_reason,
            completeness=activity.completeness,
            missing_info=info.missing()
            if info
            else ["photo_urls", "video_urls", "news_urls", "actual_participants", "summary"],
            name=d.name,
            organizer=d.organizer_name,
            co_organizers=list(d.co_organizers),
            category=d.category,
            joint_action=d.joint_action,
            programme=d.programme,
            themes=list(d.themes),
            target_groups=list(d.target_groups),
            format=d.format,
            starts_at=d.starts_at,
            ends_at=d.ends_at,
            region_code=d.region_code,
            address=d.address,
            longitude=d.longitude,
            latitude=d.latitude,
            online_url=d.online_url,
            expected_participants=d.expected_participants,
            key_activity=d.key_activity,
            description=d.description,
            contact_name=name(d.contact_name) if d.contact_name else None,
            contact_phone=phone(d.contact_phone) if d.contact_phone else None,
            science_workers=[
                ScienceWorkerOut(name=name(w.name), phone=phone(w.phone), organisation=w.organisation)
                for w in d.science_workers
            ],
            erased_science_workers=d.erased_science_workers,
            live_url=d.live_url,
            live_starts_at=d.live_starts_at,
            live_ends_at=d.live_ends_at,
            online_works=[OnlineWorkOut(url=w.url, platform=w.platform) for w in d.online_works],
            info=InfoOut.of(info) if info else None,
        )
