"""The synthetic campaign: units, activities, science workers and the season's timeline, from a seed.

Everything here is decided up front and deterministically by ``Scale.seed`` (identifiers that must
be unique on a platform that keeps its data — phones, the campaign id — also take the run's tag). The
season is counted in *season days* relative to the first day of the concentrated week (day 0):
registration opens on day -30 and half of all registrations arrive in the last five days before the
week, in office hours (DESIGN §8); check-ins and ratings peak in the middle of the week; provinces
recommend on day 8 and the national body endorses on day 9.

The services keep real time, so an activity's own dates are placed around *today*: the week runs
from four days ago to the day after tomorrow, three quarters of the activities have started (their
information can be completed, they can be rated, and those running today take check-ins) and the
rest start tomorrow or later (they can still be changed or withdrawn).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from .population import County, apportion, choose_provinces, counties

CHINA = timezone(timedelta(hours=8))
SEASON_START, SEASON_END = -30.0, 10.0
RECOMMEND_DAY, NATIONAL_DAY = 8.0, 9.0
HALF_LIFE_DAYS = 5.0  # half of the registrations in the last five days before the week

TOPICS = {  # topic → the campaign theme it belongs to (kept only if the campaign lists it)
    "食品安全": "食品安全",
    "人工智能": "人工智能",
    "防灾避险": "防灾避险",
    "健康生活": "卫生健康",
    "低碳生活": "低碳生活",
    "量子科技": "量子科技",
    "新能源": "新能源",
    "生物科技": "生物科技",
    "应急救护": "卫生健康",
    "智慧农业": "农业生产",
    "心理健康": "卫生健康",
    "青少年编程": "科学教育",
    "天文观测": "科学教育",
    "中医药文化": "科学文化",
    "反诈防骗": "民生科技",
    "新材料": "新材料",
}
FORMS = [  # (form, offline/online/both, lasts the whole week)
    ("进社区科普讲座", "offline", False),
    ("科普展览", "offline", True),
    ("科技馆开放日", "offline", True),
    ("科普大篷车巡展", "offline", True),
    ("科学实验秀", "offline", False),
    ("主题科普市集", "offline", True),
    ("专家面对面", "both", False),
    ("线上直播课", "online", False),
    ("研学实践活动", "offline", False),
    ("科普知识竞赛", "both", False),
    ("科普剧展演", "offline", False),
    ("进校园科普报告会", "offline", False),
]
UNIT_KINDS = [  # (unit type, how its name ends, weight)
    ("school", "第一中学", 5),
    ("school", "实验小学", 5),
    ("museum", "科技馆", 3),
    ("society", "科学技术协会", 6),
    ("hospital", "人民医院", 3),
    ("institute", "农业科学研究所", 2),
    ("company", "科技有限公司", 3),
    ("government", "应急管理局", 2),
    ("other", "图书馆", 2),
    ("society", "科普志愿者协会", 2),
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN = "建国明华晓燕志强丽娟海涛春梅文博雨欣子涵思远佳怡浩然国栋秀英立新宏伟俊杰静怡振宇慧敏"
ROADS = ["人民路", "解放路", "朝阳大街", "建设路", "文化路", "科技大道", "中山路", "新华街", "学府路", "长安路"]
VENUES = ["社区活动中心", "科技馆一楼展厅", "文化广场", "学校报告厅", "图书馆多功能厅", "农业科技示范园"]
ORGANISATIONS = ["中国科学院", "当地大学", "市疾控中心", "省农业科学院", "市气象局", "市人民医院", "市科技馆"]
FAILING_ENDINGS = {f"000{i}" for i in range(7)}  # the SMS stand-in fails these on purpose


@dataclass(frozen=True)
class Scale:
    """How big the campaign is; the same scale and seed give the same campaign."""

    seed: int = 1
    provinces: str | None = None  # None/all, a count, or codes "61,44"
    units: int = 300
    activities: int = 1200
    check_ins: int = 3000
    reads_per_visit: float = 2.0  # directory searches per visitor besides the one that finds the activity
    province_quota: int = 3
    national_quota: int = 5


# DESIGN §8's national campaign. Its "tens of millions" of check-ins are beyond any driver's patience:
# a million visitors stand for them, and the check-in rate is what the figures compare.
NATIONAL_UNITS, NATIONAL_ACTIVITIES, NATIONAL_VISITORS = 60_000, 500_000, 1_000_000


def national(fraction: float) -> tuple[int, int, int]:
    """Units, activities and visitors of the national campaign times ``fraction``."""
    units, activities, visitors = (
        max(1, round(n * fraction)) for n in (NATIONAL_UNITS, NATIONAL_ACTIVITIES, NATIONAL_VISITORS)
    )
    return units, activities, visitors


@dataclass(frozen=True)
class Worker:
    name: str
    phone: str
    organisation: str


@dataclass
class UnitPlan:
    key: int
    name: str
    unit_type: str
    county: County
    contact_name: str
    phone: str
    sign_up_at: float
    activities: list[int] = field(default_factory=list)


@dataclass
class ActivityPlan:
    key: int
    unit: int
    name: str
    county: County
    form: str
    format: str
    starts_at: datetime
    ends_at: datetime
    register_at: float
    category: str | None = None
    joint_action: str | None = None
    programme: str | None = None
    themes: list[str] = field(default_factory=list)
    targets: list[str] = field(default_factory=list)
    address: str | None = None
    expected: int = 100
    key_activity: bool = False
    workers: list[Worker] = field(default_factory=list)
    update_at: float | None = None
    withdraw_at: float | None = None
    reject: bool = False
    complete_at: float | None = None

    def body(self, campaign_id: str, organizer: str, contact: tuple[str, str], revision: int = 0) -> dict[str, Any]:
        """The registration (``POST /activities``) or, with a revision, the changed details (``PUT``)."""
        body: dict[str, Any] = {
            "name": self.name,
            "organizer": organizer,
            "category": self.category,
            "joint_action": self.joint_action,
            "programme": self.programme,
            "themes": self.themes,
            "target_groups": self.targets,
            "format": self.format,
            "starts_at": self.starts_at.isoformat(),
            "ends_at": self.ends_at.isoformat(),
            "region_code": self.county.code,
            "expected_participants": self.expected + 20 * revision,
            "key_activity": self.key_activity,
            "description": f"{self.name}：面向公众的{self.form}，现场讲解与互动体验。",
            "contact_name": contact[0],
            "contact_phone": contact[1],
            "science_workers": [
                {"name": w.name, "phone": w.phone, "organisation": w.organisation} for w in self.workers
            ],
        }
        if self.format != "online":
            body["address"] = self.address if not revision else f"{self.address}（地点调整{revision}）"
        if self.format != "offline":
            body["online_url"] = f"https://live.kepuri.example.cn/a/{self.key}"
        return body if revision else {"campaign_id": campaign_id, **body}

    def held_by(self, moment: datetime) -> bool:
        return self.starts_at <= moment

    def open_for_check_in(self, today: date) -> bool:
        return self.starts_at.astimezone(CHINA).date() <= today <= self.ends_at.astimezone(CHINA).date()


@dataclass(frozen=True)
class Visit:
    """A member of the public: browses the directory, checks in to an activity found, maybe rates it."""

    at: float
    province: str
    client: str  # the visitor's own address (X-Forwarded-For through the local proxy)
    reads: int
    rating: int | None
    comment: str | None
    keyword: str


@dataclass
class Season:
    campaign_id: str
    week: tuple[date, date]
    today: date
    provinces: list[str]
    units: list[UnitPlan]
    activities: list[ActivityPlan]
    visits: list[Visit]
    scale: Scale


def _person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, rng.choice((1, 2))))


class _Phones:
    def __init__(self, rng: random.Random) -> None:
        self._rng, self._seen = rng, set[str]()

    def __call__(self) -> str:
        while True:
            phone = f"1{self._rng.choice('3456789')}{self._rng.randrange(10**9):09d}"
            if phone not in self._seen and phone[-4:] not in FAILING_ENDINGS:
                self._seen.add(phone)
                return phone


def _registration_day(rng: random.Random) -> float:
    """Days relative to the week: rising exponentially towards it (half in the last five), office hours."""
    if rng.random() < 0.08:
        day = rng.uniform(0, 2.5)  # late registrations during the week
    else:
        rate = math.log(2) / HALF_LIFE_DAYS
        span = 1 - math.exp(-rate * -SEASON_START)
        day = math.log(1 - rng.random() * span) / rate  # in (-30, 0]
    return math.floor(day) + rng.triangular(8.5, 17.5, 10.5) / 24


def _times(rng: random.Random, week: tuple[date, date], now: datetime, whole_week: bool) -> tuple[datetime, datetime]:
    today = now.astimezone(CHINA).date()
    if rng.random() < 0.25:  # not yet held
        day = today + timedelta(days=rng.randint(1, max(1, (week[1] - today).days)))
    else:
        day = today - timedelta(days=min(rng.randint(0, 4), rng.randint(0, 4)))  # today most often
    starts = datetime.combine(day, datetime.min.time(), CHINA) + timedelta(
        hours=rng.randint(8, 18) + rng.choice((0, 0.5))
    )
    if day <= today and starts >= now - timedelta(minutes=10):
        starts = max(
            datetime.combine(week[0], datetime.min.time(), CHINA) + timedelta(hours=9), starts - timedelta(days=1)
        )
        starts = min(starts, now - timedelta(minutes=30))
    if whole_week:
        ends = max(
            datetime.combine(week[1], datetime.min.time(), CHINA) + timedelta(hours=18), starts + timedelta(hours=2)
        )
    else:
        ends = starts + timedelta(hours=rng.choice((1.5, 2, 2, 3)))
    return starts.astimezone(UTC), ends.astimezone(UTC)


def generate(scale: Scale, lists: dict[str, list[str]], run_tag: str, now: datetime | None = None) -> Season:
    """The campaign, deterministic in ``scale`` (and ``run_tag`` for phones and the campaign id)."""
    rng = random.Random(scale.seed)
    phones = _Phones(random.Random(f"{scale.seed}:{run_tag}"))
    now = now or datetime.now(UTC)
    today = now.astimezone(CHINA).date()
    week = (today - timedelta(days=4), today + timedelta(days=2))
    provinces = choose_provinces(scale.provinces, rng)
    shares = apportion(scale.units, provinces)
    units: list[UnitPlan] = []
    for province in provinces:
        for _ in range(shares[province]):
            county = rng.choice(counties(province))
            unit_type, ending, _w = rng.choices(UNIT_KINDS, weights=[k[2] for k in UNIT_KINDS])[0]
            prefix = (county.city or county.province) if unit_type in ("museum", "hospital") else county.name
            name = f"{prefix}{ending}" if rng.random() < 0.5 else f"{county.name}{rng.choice('东南西北中新')}城{ending}"
            units.append(UnitPlan(len(units), name[:100], unit_type, county, _person(rng), phones(), 0.0))
    counts = [1] * len(units)
    weights = [rng.paretovariate(1.6) for _ in units]
    for index in rng.choices(range(len(units)), weights=weights, k=max(0, scale.activities - len(units))):
        counts[index] += 1
    themes, targets = lists.get("themes", []), lists.get("target_groups", [])
    categories, joint_actions, programmes = (lists.get(k, []) for k in ("categories", "joint_actions", "programmes"))
    stars = [Worker(_person(rng), phones(), rng.choice(ORGANISATIONS)) for _ in range(max(3, scale.activities // 50))]
    activities: list[ActivityPlan] = []
    for unit in units:
        for _ in range(counts[unit.key]):
            county = unit.county if rng.random() < 0.8 else rng.choice(counties(unit.county.province_code))
            topic = rng.choice(list(TOPICS))
            form, fmt, whole_week = rng.choice(FORMS)
            starts, ends = _times(rng, week, now, whole_week)
            plan = ActivityPlan(
                key=len(activities),
                unit=unit.key,
                name=f"{county.name}{topic}{form}" if rng.random() < 0.6 else f"{topic}{form}",
                county=county,
                form=form,
                format=fmt,
                starts_at=starts,
                ends_at=ends,
                register_at=_registration_day(rng),
                address=f"{county.place}{rng.choice(ROADS)}{rng.randint(1, 399)}号{rng.choice(VENUES)}",
                expected=rng.choice((50, 80, 100, 150, 200, 300, 500, 1000)),
                key_activity=rng.random() < 0.05,
            )
            if categories:
                plan.category = rng.choices(categories, weights=[1 + 5 * (i == 1) for i in range(len(categories))])[0]
            if joint_actions and (plan.category is None or "联合" in plan.category):
                plan.joint_action = rng.choice(joint_actions)
            if programmes and rng.random() < 0.15:
                plan.programme = rng.choice(programmes)
            if themes:
                own = [TOPICS[topic]] if TOPICS[topic] in themes else []
                plan.themes = list(dict.fromkeys(own + rng.sample(themes, rng.randint(0, min(2, len(themes))))))[:3]
            if targets:
                plan.targets = rng.sample(targets, rng.randint(1, min(2, len(targets))))
            listed = min(rng.choice((0, 1, 1, 2, 2, 2, 3, 4, 6)), 10)
            workers = [Worker(_person(rng), phones(), rng.choice(ORGANISATIONS)) for _ in range(listed)]
            if workers and rng.random() < 0.1:  # a well-known scientist takes part in several activities
                workers[0] = rng.choice(stars)
            plan.workers = list({w.phone: w for w in workers}.values())
            held = starts <= now
            if not held and rng.random() < 0.12:
                plan.update_at = min(plan.register_at + rng.uniform(0.3, 3), 2.8)
            if not held and rng.random() < 0.04:
                plan.withdraw_at = min(max(plan.register_at, plan.update_at or -99) + rng.uniform(0.3, 2), 2.9)
            plan.reject = rng.random() < 0.03
            if held and rng.random() < 0.85:
                start_day = (starts.astimezone(CHINA).date() - week[0]).days
                plan.complete_at = max(plan.register_at + 0.2, start_day + rng.uniform(0.2, 3.0))
            unit.activities.append(plan.key)
            activities.append(plan)
        unit.sign_up_at = max(
            SEASON_START, min(activities[k].register_at for k in unit.activities) - rng.uniform(0.05, 1)
        )
    visits = _visits(rng, scale, provinces)
    return Season(f"sim-{scale.seed}-{run_tag}", week, today, provinces, units, activities, visits, scale)


def _visits(rng: random.Random, scale: Scale, provinces: list[str]) -> list[Visit]:
    from .population import CENSUS_2020

    weights = [CENSUS_2020[p] for p in provinces]
    comments = ["讲得很好，孩子很喜欢", "实验很有趣", "希望多办几场", "专家讲解清楚", None, None]
    visits = []
    for index in range(scale.check_ins):
        day = math.floor(rng.triangular(0, 7, 3.5)) + rng.triangular(8, 21, 14) / 24
        rating = rng.choices((5, 4, 3, 2, 1), weights=(50, 30, 12, 5, 3))[0] if rng.random() < 0.35 else None
        reads = int(scale.reads_per_visit) + (rng.random() < scale.reads_per_visit % 1)
        client = f"10.{(index >> 16) & 255}.{(index >> 8) & 255}.{index & 255}"
        visit = Visit(
            day,
            rng.choices(provinces, weights)[0],
            client,
            reads,
            rating,
            rng.choice(comments),
            rng.choice(list(TOPICS)),
        )
        visits.append(visit)
    visits.sort(key=lambda v: v.at)
    return visits
