"""Exports of the analytics views (issue 6): every table as CSV and XLSX through the real app, on
SQLite and PostgreSQL. The facts are written straight into ``activity_facts``; the expected answers
are worked out from the same rows in Python."""

from __future__ import annotations

import asyncio
import csv
import gc
import glob
import io
import itertools
import os
import resource
import tempfile
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import openpyxl
import pytest
from fastapi import FastAPI
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from services.analytics.adapters.tables import activity_facts
from services.analytics.bootstrap import build, create_app
from services.analytics.settings import AnalyticsSettings
from shared.auth import Principal, TokenVerifier, generate_private_key_pem, public_key_pem, sign_token
from shared.store import sync_transaction

KEY = generate_private_key_pem()
CAMPAIGN = "2022-weinan"
COUNTIES = ("610502", "610503", "610522", "610112", "110101")  # 临渭区 华州区 潼关县 (渭南) 未央区 (西安) 东城区
FORMATS = ("offline", "online", "both")
KEY_HEADERS = ["序号", "项目名称", "举办单位", "活动时间", "活动地点", "负责人", "联系电话", "备注"]
PROBLEM = "application/problem+json"


def fact(i: int, **changes: Any) -> dict[str, Any]:
    county = COUNTIES[i % len(COUNTIES)]
    starts = datetime(2022, 9, 15, 1, 0, tzinfo=UTC) + timedelta(days=i % 7, minutes=i)
    fmt = FORMATS[i % 3]
    row = {
        "activity_id": f"act-{i:06d}", "campaign": CAMPAIGN, "region_code": county, "province": county[:2],
        "city": county[:4], "county": county, "organizer_id": f"u{i % 9}", "organizer_name": f"举办单位{i % 9}",
        "name": f"科普活动{i}", "category": ("科普讲座", "科普展览", None)[i % 3], "joint_action": None,
        "format": fmt, "key_activity": i % 4 == 0, "starts_at": starts, "ends_at": starts + timedelta(hours=2, minutes=30),
        "day": (starts + timedelta(hours=8)).date().isoformat(),
        "address": None if fmt == "online" else f"渭南市朝阳大街{i}号", "online_url": None if fmt == "offline" else f"https://kp.example/{i}",
        "contact_name": "王*国", "contact_phone": "138****5678", "expected_participants": 100,
        "actual_participants": None, "science_workers": i % 5, "info_completed": i % 2 == 0, "withdrawn": i % 11 == 5,
        "review": "approved", "level": ("county", None)[i % 2], "commended": False, "checkins": i % 13,
        "feedback": i % 3, "rating_sum": (i % 3) * 4, "registered_at": starts - timedelta(days=20), "version": 1,
    }  # fmt: skip
    return row | changes


ROWS = [fact(i) for i in range(240)]
ROWS += [
    fact(240, name='=HYPERLINK("http://x","点我")', key_activity=True, region_code="610502", county="610502"),
    fact(241, name='科普, "讲座"', joint_action="科技馆之城", key_activity=True, format="offline", county="610502"),
    fact(242, campaign="2023", key_activity=True),  # another campaign
    fact(243, version=0, key_activity=True),  # known only from another stream: not registered yet
]
SHOWN = [r for r in ROWS if r["campaign"] == CAMPAIGN and not r["withdrawn"] and r["version"] > 0]


def token(role: str, jurisdiction: str | None = None) -> dict[str, str]:
    principal = Principal(f"{role}-1", role, unit_id="u1" if role == "organizer" else None, jurisdiction=jurisdiction)
    return {"Authorization": f"Bearer {sign_token(KEY, principal)}"}


ADMIN = token("admin")


@dataclass
class Service:
    app: FastAPI
    client: httpx.AsyncClient
    engine: AsyncEngine

    async def get(self, path: str, headers: dict[str, str] | None = None, **params: Any) -> httpx.Response:
        return await self.client.get(f"/api/v1/exports/{path}", params={"campaign": CAMPAIGN} | params, headers=headers)

    async def csv(self, table: str, headers: dict[str, str] | None = None, **params: Any) -> list[list[str]]:
        response = await self.get(f"{table}.csv", headers, **params)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("text/csv")
        assert response.content.startswith(b"\xef\xbb\xbf")  # the BOM: Excel opens it with the Chinese intact
        return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))

    async def xlsx(self, table: str, headers: dict[str, str] | None = None, **params: Any) -> list[tuple[Any, ...]]:
        response = await self.get(f"{table}.xlsx", headers, **params)
        assert response.status_code == 200, response.text
        book = openpyxl.load_workbook(io.BytesIO(response.content))
        return [tuple(row) for row in book.active.iter_rows(values_only=True)]


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'analytics.db'}"
    return str(request.getfixturevalue("fresh_postgres_url"))


@asynccontextmanager
async def started(tmp_path: Path, database: str, rows: Iterable[dict[str, Any]]) -> AsyncIterator[Service]:
    settings = AnalyticsSettings(
        data_dir=tmp_path, database_url=database, bus_url=f"embedded:{tmp_path / 'bus.db'}", environment="test"
    )
    app = create_app(build(settings, verifier=TokenVerifier(public_key_pem(KEY))))
    async with app.router.lifespan_context(app):
        engine = app.state.container.backbone.engine
        rows = iter(rows)
        while batch := list(itertools.islice(rows, 5000)):
            await sync_transaction(engine, lambda c, b=batch: c.execute(insert(activity_facts), b))
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://kepuri") as client:
            yield Service(app, client, engine)


@pytest.fixture
async def service(tmp_path: Path, database: str) -> AsyncIterator[Service]:
    async with started(tmp_path, database, ROWS) as running:
        yield running


async def test_all_activities_as_csv_and_xlsx(service: Service) -> None:
    rows = await service.csv("activities", ADMIN)
    header, body = rows[0], rows[1:]
    assert header[:4] == ["序号", "活动编号", "活动名称", "举办单位"] and len(header) == 30
    assert "负责人" in header and "平均评分" in header
    assert len(body) == len(SHOWN) and [r[0] for r in body] == [str(n) for n in range(1, len(SHOWN) + 1)]
    ids = {r[1] for r in body}
    assert ids == {r["activity_id"] for r in SHOWN}  # withdrawn, other campaigns and unregistered left out
    one = dict(zip(header, next(r for r in body if r[1] == "act-000032"), strict=True))
    assert one["省份"] == "陕西省" and one["城市"] == "渭南市" and one["区县"] == "潼关县"
    assert one["活动时间"] == "2022-09-19 09:32-12:02" and one["活动形式"] == "线上线下" and one["重点活动"] == "是"
    assert one["联系电话"] == "138****5678" and one["平均评分"] == "4.0" and one["推荐级别"] == "县级"
    assert [r[7] for r in body] == sorted(r[7] for r in body)  # by region code
    sheet = await service.xlsx("activities", ADMIN)
    assert sheet[0][0] == "全国2022年全国科普日全部活动明细" and list(sheet[1]) == header
    assert len(sheet) == len(SHOWN) + 2
    assert all(same(cells, texts) for cells, texts in zip(sheet[2:], body, strict=True))


async def test_key_activities_are_the_notices_table(service: Service) -> None:
    reviewer = token("reviewer", "6105")
    rows = await service.csv("key-activities", reviewer, region="6105")
    assert rows[0] == KEY_HEADERS
    expected = [r for r in SHOWN if r["key_activity"] and r["city"] == "6105"]
    expected.sort(key=lambda r: (r["starts_at"], r["activity_id"]))
    assert [r[1].removeprefix("'") for r in rows[1:]] == [r["name"] for r in expected]
    by_name = {r[1]: r for r in rows[1:]}
    online = next(r for r in expected if r["format"] == "online")
    assert by_name[online["name"]][4] == online["online_url"] and by_name[online["name"]][7] == "线上；重点活动"
    both = next(r for r in expected if r["format"] == "both")
    assert by_name[both["name"]][4] == f"{both['address']}；{both['online_url']}"
    assert by_name['科普, "讲座"'][7] == "线下；重点活动；联合行动：科技馆之城"
    assert by_name['\'=HYPERLINK("http://x","点我")'] is not None  # a formula stays text
    first = by_name["科普活动0"]
    assert first[2:4] == ["举办单位0", "2022-09-15 09:00-11:30"] and first[5:7] == ["王*国", "138****5678"]
    sheet = await service.xlsx("key-activities", reviewer, region="6105")
    assert sheet[0][0] == "渭南市2022年全国科普日活动项目汇总表" and sheet[1][0] == "单位名称：（盖章）"
    assert list(sheet[2]) == KEY_HEADERS and len(sheet) == len(expected) + 3
    assert [["" if v is None else str(v) for v in row] for row in sheet[3:]] == [
        r if r[1][0] != "'" else [r[0], r[1][1:], *r[2:]] for r in rows[1:]
    ]
    response = await service.get("key-activities.xlsx", reviewer, region="6105")
    disposition = response.headers["content-disposition"]
    assert 'filename="kepuri-key-activities-2022-weinan-6105.xlsx"' in disposition
    assert f"filename*=UTF-8''{quote('渭南市2022年全国科普日活动项目汇总表.xlsx')}" in disposition


def measures(rows: list[dict[str, Any]]) -> list[str]:
    completed = sum(r["info_completed"] for r in rows)
    feedback, ratings = sum(r["feedback"] for r in rows), sum(r["rating_sum"] for r in rows)
    average = str(round(ratings / feedback, 2)) if feedback else ""
    share = str(round(100 * completed / len(rows), 1))
    return [str(len(rows)), str(completed), share, str(sum(r["science_workers"] for r in rows)),
            str(sum(r["checkins"] for r in rows)), str(feedback), average]  # fmt: skip


@pytest.mark.parametrize(
    ("region", "level", "names"),
    [
        (None, "province", ["北京市", "陕西省"]),
        ("61", "city", ["西安市", "渭南市"]),
        ("6105", "county", ["临渭区", "华州区", "潼关县"]),
    ],
)
async def test_by_region_is_public(service: Service, region: str | None, level: str, names: list[str]) -> None:
    rows = await service.csv("by-region", **({"region": region} if region else {}))
    assert rows[0] == ["序号", "行政区划代码", "地区", "活动数", "信息完善活动数", "信息完善率(%)", "科技工作者人数", "打卡人次", "评价人数", "平均评分"]  # fmt: skip
    assert [r[2] for r in rows[1:]] == names
    for row in rows[1:]:
        assert row[3:] == measures([r for r in SHOWN if r[level] == row[1]])
    sheet = await service.xlsx("by-region", **({"region": region} if region else {}))
    assert [row[2] for row in sheet[2:]] == names


async def test_by_category_and_date_span(service: Service) -> None:
    rows = await service.csv("by-category", date_from="2022-09-16", date_to="2022-09-18")
    span = [r for r in SHOWN if "2022-09-16" <= r["day"] <= "2022-09-18"]
    got = {r[1]: r[2:] for r in rows[1:]}
    assert set(got) == {"科普讲座", "科普展览", "未分类"}
    for name, category in (("科普讲座", "科普讲座"), ("科普展览", "科普展览"), ("未分类", None)):
        assert got[name] == measures([r for r in span if r["category"] == category])
    listed = await service.csv("activities", ADMIN, region="610502", date_from="2022-09-21")
    assert {r[1] for r in listed[1:]} == {
        r["activity_id"] for r in SHOWN if r["county"] == "610502" and r["day"] >= "2022-09-21"
    }


async def test_who_may_export_contacts(service: Service) -> None:
    for headers, status in [(None, 401), (token("organizer"), 403), (token("reviewer", "6105"), 403),
                            ({"Authorization": "Bearer forged"}, 401)]:  # fmt: skip
        response = await service.get("activities.csv", headers, region="61")
        assert response.status_code == status and response.headers["content-type"] == PROBLEM
    own = await service.csv("activities", token("reviewer", "6105"))  # no region: its jurisdiction
    assert {r[7][:4] for r in own[1:]} == {"6105"}
    national = await service.csv("key-activities", token("reviewer", "society:中国营养学会"))
    assert len(national) - 1 == sum(1 for r in SHOWN if r["key_activity"])


def left_behind() -> set[str]:
    return set(glob.glob(os.path.join(tempfile.gettempdir(), "kepuri-export-*")))


def same(cells: tuple[Any, ...], texts: list[str]) -> bool:
    """An XLSX row equals a CSV row: numbers as numbers, empty cells as empty text, and the ' that keeps
    a formula-like text inert in CSV (an XLSX cell is marked as text instead)."""
    return len(cells) == len(texts) and all(
        float(t) == c if isinstance(c, int | float) else t in ("" if c is None else c, f"'{c}")
        for c, t in zip(cells, texts, strict=True)
    )


async def test_bad_input_is_a_problem_and_writes_nothing(service: Service) -> None:
    before = left_behind()
    cases: list[tuple[str, dict[str, Any], int]] = [
        ("nothing.csv", {}, 404), ("nothing.xlsx", {}, 404), ("by-region.pdf", {}, 404),
        ("by-region.csv", {"region": "6"}, 422), ("by-region.xlsx", {"region": "6105021"}, 422),
        ("activities.xlsx", {"region": "99"}, 422), ("by-region.csv", {"region": "6199"}, 422),
        ("by-category.csv", {"date_from": "2022-09-20", "date_to": "2022-09-19"}, 422),
        ("by-category.xlsx", {"date_from": "2022-13-01"}, 422), ("by-region.csv", {"campaign": ""}, 422),
    ]  # fmt: skip
    for path, params, status in cases:
        response = await service.get(path, ADMIN, **params)
        assert response.status_code == status, (path, params, response.text)
        assert response.headers["content-type"] == PROBLEM and response.json()["status"] == status
    missing = await service.client.get("/api/v1/exports/by-region.csv")
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "campaign"
    reversed_span = await service.get("by-category.csv", date_from="2022-09-20", date_to="2022-09-19")
    assert reversed_span.json()["errors"][0]["field"] == "date_from"
    await service.xlsx("by-region")  # and a good export leaves its temporary file behind neither
    assert left_behind() == before


# --- memory: a large export stays flat --------------------------------------------------------


async def call(app: FastAPI, path: str, headers: dict[str, str]) -> tuple[int, int, int]:
    """GET through the ASGI app itself, counting the body and dropping it (httpx's ASGI transport
    would keep the whole body in memory): status, bytes, line ends."""
    raw_path, _, query = path.partition("?")
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
        "path": raw_path, "raw_path": raw_path.encode(), "root_path": "", "query_string": query.encode(),
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 1), "server": ("kepuri", 80),
    }  # fmt: skip
    seen = {"status": 0, "bytes": 0, "lines": 0}
    requested, done = False, asyncio.Event()

    async def receive() -> dict[str, Any]:
        nonlocal requested
        if not requested:
            requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await done.wait()  # the client stays until the whole body is sent
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            seen["status"] = message["status"]
        elif message["type"] == "http.response.body":
            seen["bytes"] += len(message.get("body", b""))
            seen["lines"] += message.get("body", b"").count(b"\r\n")
            if not message.get("more_body", False):
                done.set()

    await app(scope, receive, send)
    return seen["status"], seen["bytes"], seen["lines"]


def peak_growth(work: Any) -> Any:
    """Run ``work()`` (awaitable) and measure the growth of the process's peak resident memory (bytes)."""

    async def measured() -> tuple[Any, int]:
        gc.collect()
        try:
            with open("/proc/self/clear_refs", "w") as refs:  # noqa: ASYNC230 (a write to procfs)
                refs.write("5")  # the peak (VmHWM) starts again from the current RSS
            before = status("VmRSS:")
        except OSError:  # no procfs to reset: the lifetime peak so far
            before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        value = await work()
        return value, max(status("VmHWM:"), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024) - before

    return measured()


def status(field: str) -> int:
    with open("/proc/self/status") as lines:
        return next(int(line.split()[1]) * 1024 for line in lines if line.startswith(field))


async def test_a_large_export_stays_flat_in_memory(tmp_path: Path) -> None:
    n = 100_000
    rows = (fact(i, withdrawn=False) for i in range(n))  # one in four a key activity
    async with started(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'analytics.db'}", rows) as running:
        export = f"/api/v1/exports/activities.csv?campaign={CAMPAIGN}"
        (status_, size, lines), csv_growth = await peak_growth(lambda: call(running.app, export, ADMIN))
        assert status_ == 200 and lines == n + 1 and size > 25_000_000
        export = f"/api/v1/exports/key-activities.xlsx?campaign={CAMPAIGN}"
        (status_, size, _), xlsx_growth = await peak_growth(lambda: call(running.app, export, ADMIN))
        assert status_ == 200 and size > 1_000_000
        # 100,000 rows are 28 MB of CSV and about 200 MB as Python rows; a partition is what is held
        assert csv_growth < 25_000_000 and xlsx_growth < 25_000_000, (csv_growth, xlsx_growth)
