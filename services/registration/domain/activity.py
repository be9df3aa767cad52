"""The activity: what an organizer registers, and the decisions on submitting, changing, withdrawing it.

An activity is registered (submitted) inside its campaign's registration window, may be changed
(with the version the organizer last read) or withdrawn until it is held, and after it is held its
information is completed before the campaign's deadline (:mod:`.info`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, fields, replace
from datetime import datetime
from typing import Any

from shared.events.masking import mask_name, mask_phone
from shared.events.payloads.activities import (
    ActivityFormat,
    ActivityRegistered,
    ActivityUpdated,
    ActivityWithdrawn,
    InfoCompleted,
)

from .campaign import Campaign, china_day, chinese_date
from .errors import RuleBroken
from .info import InfoCompletion
from .rules import Regions, require_region
from .unit import PHONE

# Mainland China, generously: coordinates outside it are a typing error, not a place.
LONGITUDES = (73.0, 136.0)
LATITUDES = (3.0, 54.0)


# 2024 notice 五（一）3 “千万IP创科普”: works on 科普中国, 学习强国, 微博, 抖音, 腾讯, 快手, 知乎, 头条, B站, 百度 …
PLATFORMS = (
    "抖音",
    "B站",
    "微信视频号",
    "快手",
    "微博",
    "知乎",
    "今日头条",
    "科普中国",
    "学习强国",
    "腾讯视频",
    "百度",
    "其他",
)
MAX_ONLINE_WORKS = 20


@dataclass(frozen=True)
class OnlineWork:
    """A 千万IP online work (网络科普作品): where it is published (https) and on which platform."""

    url: str
    platform: str


@dataclass(frozen=True)
class ScienceWorker:
    """A participating science worker (科技工作者) as the organizer lists them."""

    name: str
    phone: str
    organisation: str | None = None


@dataclass(frozen=True)
class ActivityDetails:
    """Everything the organizer states about an activity."""

    name: str
    organizer_name: str
    starts_at: datetime
    ends_at: datetime
    region_code: str
    format: ActivityFormat = "offline"
    co_organizers: tuple[str, ...] = ()
    category: str | None = None
    joint_action: str | None = None
    programme: str | None = None
    themes: tuple[str, ...] = ()
    target_groups: tuple[str, ...] = ()
    address: str | None = None
    longitude: float | None = None
    latitude: float | None = None
    online_url: str | None = None
    expected_participants: int | None = None
    key_activity: bool = False
    description: str | None = None
    contact_name: str | None = None
    contact_phone: str | None = None
    science_workers: tuple[ScienceWorker, ...] = ()
    online_works: tuple[OnlineWork, ...] = ()
    # Listed science workers whose personal data was erased: no longer listed, still counted.
    erased_science_workers: int = 0
    # An online activity's live stream (直播): shown as 直播预告 before and 直播中 while it runs.
    live_url: str | None = None
    live_starts_at: datetime | None = None
    live_ends_at: datetime | None = None


@dataclass(frozen=True)
class Activity:
    """A registered activity as it stands."""

    id: str
    unit_id: str
    campaign_id: str
    status: str  # registered | withdrawn
    version: int
    details: ActivityDetails
    info: InfoCompletion | None = None
    review_status: str = "pending"  # pending | approved | rejected
    review_reason: str | None = None

    @property
    def completeness(self) -> float:
        return self.info.completeness() if self.info else 0.0


def check(details: ActivityDetails, campaign: Campaign, regions: Regions) -> None:
    """Refuse details that break a rule: region (a real division, inside a local campaign's region),
    format, times (inside the campaign's activity period), place, phones, the campaign's lists."""
    require_region(regions, details.region_code)
    campaign.require_in_region(details.region_code)
    if details.ends_at <= details.starts_at:
        raise RuleBroken("ends_at", "活动结束时间必须晚于开始时间 (the end must be after the start)")
    campaign.require_in_activity_period(details.starts_at, details.ends_at)
    if details.format in ("online", "both") and not details.online_url:
        raise RuleBroken("online_url", "线上活动须填写活动网址 (an online activity needs its URL)")
    if details.format in ("offline", "both") and not details.address:
        raise RuleBroken("address", "线下活动须填写活动地点 (an offline activity needs its address)")
    check_live_stream(details)
    if (details.longitude is None) != (details.latitude is None):
        raise RuleBroken("latitude", "经纬度须同时填写 (give both longitude and latitude, or neither)")
    if details.longitude is not None and details.latitude is not None:
        if not (
            LONGITUDES[0] <= details.longitude <= LONGITUDES[1] and LATITUDES[0] <= details.latitude <= LATITUDES[1]
        ):
            raise RuleBroken("longitude", "坐标不在中国境内 (the coordinates are not in China)")
    if details.contact_phone is not None and not PHONE.match(details.contact_phone):
        raise RuleBroken("contact_phone", "联系电话格式不正确 (not a mainland mobile or landline number)")
    _check_online_works(details.online_works)
    check_science_workers(details.science_workers)
    campaign.require_choices(
        category=details.category,
        joint_action=details.joint_action,
        programme=details.programme,
        themes=details.themes,
        target_groups=details.target_groups,
    )


def check_science_workers(workers: tuple[ScienceWorker, ...]) -> None:
    """Refuse a list with a malformed phone or a person listed twice."""
    seen: set[str] = set()
    for position, worker in enumerate(workers):
        if not PHONE.match(worker.phone):
            raise RuleBroken(f"science_workers.{position}.phone", f"{worker.name} 的电话号码格式不正确 (invalid phone)")
        if worker.phone in seen:
            raise RuleBroken(f"science_workers.{position}.phone", f"{worker.name} 的电话号码重复 (listed twice)")
        seen.add(worker.phone)


def check_live_stream(details: ActivityDetails) -> None:
    """A live stream belongs to an online activity and has its URL, its start and its end, in order."""
    given = (details.live_url, details.live_starts_at, details.live_ends_at)
    if all(part is None for part in given):
        return
    if details.format == "offline":
        raise RuleBroken(
            "live_url", "线下活动不能设置直播，请将活动形式改为线上或线上线下 (a live stream is for online activities)"
        )
    if details.live_url is None:
        raise RuleBroken("live_url", "请填写直播网址 (a live stream needs its URL)")
    if details.live_starts_at is None or details.live_ends_at is None:
        raise RuleBroken("live_starts_at", "请填写直播开始和结束时间 (a live stream needs its start and end)")
    if details.live_ends_at <= details.live_starts_at:
        raise RuleBroken("live_ends_at", "直播结束时间必须晚于开始时间 (the stream must end after it starts)")


def _check_online_works(works: tuple[OnlineWork, ...]) -> None:
    if len(works) > MAX_ONLINE_WORKS:
        raise RuleBroken(
            "online_works", f"网络科普作品最多 {MAX_ONLINE_WORKS} 个 (at most {MAX_ONLINE_WORKS} online works)"
        )
    urls: set[str] = set()
    for position, work in enumerate(works):
        if not work.url.startswith("https://"):
            raise RuleBroken(
                f"online_works.{position}.url", "作品链接须以 https:// 开头 (an online work's URL is https)"
            )
        if work.platform not in PLATFORMS:
            raise RuleBroken(
                f"online_works.{position}.platform",
                f"作品平台须为 {'、'.join(PLATFORMS)} 之一 (not a known platform)",
            )
        if work.url in urls:
            raise RuleBroken(f"online_works.{position}.url", "作品链接重复 (listed twice)")
        urls.add(work.url)


def worker_id(activity_id: str, phone: str) -> str:
    """A science worker's stable id within an activity (the same person keeps it across changes)."""
    return hashlib.sha256(f"{activity_id}:{phone}".encode()).hexdigest()[:24]


def published_fields(details: ActivityDetails) -> dict[str, Any]:
    """The details as the general topics carry them: contacts masked, science workers only counted."""
    return {
        "name": details.name,
        "organizer_name": details.organizer_name,
        "co_organizers": list(details.co_organizers),
        "region_code": details.region_code,
        "starts_at": details.starts_at,
        "ends_at": details.ends_at,
        "format": details.format,
        "category": details.category,
        "joint_action": details.joint_action,
        "programme": details.programme,
        "themes": list(details.themes),
        "target_groups": list(details.target_groups),
        "key_activity": details.key_activity,
        "expected_participants": details.expected_participants,
        "online_url": details.online_url,
        "address": details.address,
        "longitude": details.longitude,
        "latitude": details.latitude,
        "description": details.description,
        "contact_name_masked": mask_name(details.contact_name) if details.contact_name else None,
        "contact_phone_masked": mask_phone(details.contact_phone) if details.contact_phone else None,
        "science_worker_count": len(details.science_workers) + details.erased_science_workers,
        "live_url": details.live_url,
        "live_starts_at": details.live_starts_at,
        "live_ends_at": details.live_ends_at,
        "online_works": [{"url": w.url, "platform": w.platform} for w in details.online_works],
    }


@dataclass(frozen=True)
class ListedWorker:
    """One science worker of a list, with their id within the activity."""

    worker_id: str
    name: str
    phone: str
    organisation: str | None


@dataclass(frozen=True)
class WorkerList:
    """The science-worker list in clear, for registration's restricted store and (sealed) the restricted topic."""

    activity_id: str
    organizer_name: str
    workers: tuple[ListedWorker, ...]


def science_workers_listed(activity_id: str, details: ActivityDetails) -> WorkerList:
    """The activity's current science-worker list."""
    return WorkerList(
        activity_id,
        details.organizer_name,
        tuple(
            ListedWorker(worker_id(activity_id, w.phone), w.name, w.phone, w.organisation)
            for w in details.science_workers
        ),
    )


def without_person(details: ActivityDetails, phone: str) -> ActivityDetails:
    """The details with one person's personal data erased: as a listed science worker they are only
    counted, as the contact person they are gone (PIPL art. 47; see services/registration/service/erasure.py)."""
    kept = tuple(w for w in details.science_workers if w.phone != phone)
    erased = len(details.science_workers) - len(kept)
    contact = details.contact_phone == phone
    return replace(
        details,
        science_workers=kept,
        erased_science_workers=details.erased_science_workers + erased,
        contact_name=None if contact else details.contact_name,
        contact_phone=None if contact else details.contact_phone,
    )


@dataclass(frozen=True)
class Decision:
    """What a command decided: the activity's new state, its general event, and the restricted list if it changed."""

    activity: Activity
    event: ActivityRegistered | ActivityUpdated | ActivityWithdrawn | InfoCompleted | None
    workers: WorkerList | None = None


def submit(
    activity_id: str, unit_id: str, campaign: Campaign, details: ActivityDetails, regions: Regions, now: datetime
) -> Decision:
    """Register an activity: only inside the campaign's registration window, with valid details."""
    campaign.require_registration_open(now)
    check(details, campaign, regions)
    event = ActivityRegistered(
        activity_id=activity_id, campaign_id=campaign.id, organizer_id=unit_id, **published_fields(details)
    )
    review = "approved" if campaign.auto_approve else "pending"
    activity = Activity(activity_id, unit_id, campaign.id, "registered", 1, details, review_status=review)
    workers = science_workers_listed(activity_id, details) if details.science_workers else None
    return Decision(activity, event, workers)


def update(
    activity: Activity, details: ActivityDetails, campaign: Campaign, regions: Regions, now: datetime
) -> Decision:
    """Change a registered activity before it is held; no change, no event."""
    require_changeable(activity, now, "修改", "changed")
    check(details, campaign, regions)
    # the organizer no longer sees erased workers, so cannot send them back: they stay counted
    details = replace(details, erased_science_workers=activity.details.erased_science_workers)
    before, after = published_fields(activity.details), published_fields(details)
    changes = {name: value for name, value in after.items() if before[name] != value}
    workers_changed = activity.details.science_workers != details.science_workers
    if not changes and not workers_changed and activity.details == details:
        return Decision(activity, None)
    review = activity.review_status
    if review == "rejected":
        review = "pending"  # a revised activity goes back to the review queue
    changed = replace(activity, version=activity.version + 1, details=details, review_status=review)
    event = ActivityUpdated(activity_id=activity.id, changes=_json_ready(changes))
    workers = science_workers_listed(activity.id, details) if workers_changed else None
    return Decision(changed, event, workers)


def withdraw(activity: Activity, reason: str | None, now: datetime) -> Decision:
    """Withdraw an activity that has not been held."""
    require_changeable(activity, now, "撤回", "withdrawn")
    withdrawn = replace(activity, version=activity.version + 1, status="withdrawn")
    return Decision(withdrawn, ActivityWithdrawn(activity_id=activity.id, reason=reason))


def relist_science_workers(
    activity: Activity, workers: tuple[ScienceWorker, ...], campaign: Campaign, now: datetime
) -> Decision:
    """Replace the science-worker list, before the activity or after it until the info-completion deadline.

    The 2022 notice has the list completed with the activity's information (五（二）: organisers list the
    participating science workers, who are thanked in their name), so it does not freeze when the
    activity starts; the deadline is the campaign's info-completion deadline (China day, inclusive).
    """
    if activity.status == "withdrawn":
        raise RuleBroken("status", "活动已撤回 (the activity is withdrawn)")
    deadline = campaign.info_completion_deadline
    if deadline is not None and china_day(now) > deadline:
        raise RuleBroken(
            "science_workers",
            f"科技工作者名单已截止：须在信息完善截止日{chinese_date(deadline)}前提交 "
            f"(the science-worker list closed with info completion on {deadline.isoformat()})",
        )
    check_science_workers(workers)
    if workers == activity.details.science_workers:
        return Decision(activity, None)
    details = replace(activity.details, science_workers=workers)
    changed = replace(activity, version=activity.version + 1, details=details)
    count = len(workers) + details.erased_science_workers
    event = ActivityUpdated(activity_id=activity.id, changes={"science_worker_count": count})
    return Decision(changed, event, science_workers_listed(activity.id, details))


def require_changeable(activity: Activity, now: datetime, verb: str, english: str) -> None:
    """Refuse a change to a withdrawn activity or to one that has started."""
    if activity.status == "withdrawn":
        raise RuleBroken("status", "活动已撤回 (the activity is withdrawn)")
    if activity.details.starts_at <= now:
        raise RuleBroken("starts_at", f"活动已开始，不能{verb} (an activity that has started cannot be {english})")


def _json_ready(changes: dict[str, Any]) -> dict[str, object]:
    return {name: value.isoformat() if isinstance(value, datetime) else value for name, value in changes.items()}


DETAIL_FIELDS = tuple(f.name for f in fields(ActivityDetails))
