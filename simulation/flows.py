"""The season's flows, each through the public APIs only: organizers, reviewers and the public.

Every organizer unit signs up, logs in and then runs one flow per activity (register; change it,
answer a rejection or withdraw it while it has not started; complete its information after it
started). Each province's reviewers work their content-review queue in rounds; the public search the
directory and check in to (and rate) what runs today; provinces recommend on day 8 — one more than
their quota, concurrently, so the quota is exercised — and the national body endorses on day 9. When
the platform runs behind the season's clock, the recommendations wait until the driver has sent
every call due so far, so that they choose among what the organizers did by then.
``Tracked`` is the simulator's own record of what the platform accepted, for the invariants.
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from .campaign import NATIONAL_DAY, RECOMMEND_DAY, SEASON_START, ActivityPlan, Season, UnitPlan, Visit
from .driver import Driver, SeasonClock

PASSWORD = "kepuri-sim-2026-secret"
REVIEW_EVERY = 0.25  # season days between two rounds of a province's content review
REJECTION = "活动内容需补充科学依据与安全预案，请修改后重新提交"


@dataclass
class Tracked:
    plan: ActivityPlan
    activity_id: str | None = None
    version: int = 0
    withdrawn: bool = False
    review: str = "pending"
    rejections: int = 0
    info_completed: bool = False
    check_ins: int = 0
    feedback: int = 0
    rejected: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def counted(self) -> bool:
        """Registered and not withdrawn: what analytics counts."""
        return self.activity_id is not None and not self.withdrawn


@dataclass
class Counts:
    visits_without_result: int = 0
    recommended: dict[str, int] = field(default_factory=dict)  # province → recommendations accepted (201)
    endorsed: int = 0
    quota_refusals: int = 0


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


class Simulation:
    """Runs a generated season against the platform; ``tracked`` and ``counts`` hold what it saw."""

    def __init__(self, season: Season, driver: Driver, clock: SeasonClock, staff: dict[str, dict[str, str]]) -> None:
        self.season = season
        self.driver = driver
        self.clock = clock
        self.staff = staff  # "province:61" / "national" → Authorization header
        self.tracked = {plan.key: Tracked(plan) for plan in season.activities}
        self.by_id: dict[str, Tracked] = {}
        self.counts = Counts()
        self._tasks: set[asyncio.Task[Any]] = set()

    def _spawn(self, coroutine: Any) -> None:
        task = asyncio.create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def run(self) -> None:
        """The whole season, until its last flow has finished."""
        for unit in self.season.units:
            self._spawn(self._unit(unit))
        for province in self.season.provinces:
            self._spawn(self._reviewer(province))
        self._spawn(self._public())
        self._spawn(self._recommendations())
        while self._tasks:
            done = list(self._tasks)
            for result in await asyncio.gather(*done, return_exceptions=True):
                if isinstance(result, BaseException):
                    raise result

    @property
    def flows_running(self) -> int:
        """Flows started and not finished: a unit's, an activity's, a reviewer's, the public's…"""
        return len(self._tasks)

    async def stop(self) -> None:
        """Cancel every flow still running or waiting for its day (an interrupted season)."""
        while self._tasks:
            tasks = list(self._tasks)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    # ---- organizers ------------------------------------------------------------------------------

    async def _unit(self, unit: UnitPlan) -> None:
        await self.clock.until(unit.sign_up_at)
        body = {
            "name": unit.name,
            "unit_type": unit.unit_type,
            "region_code": unit.county.code,
            "contact_name": unit.contact_name,
            "contact_phone": unit.phone,
            "password": PASSWORD,
        }
        # each unit from an address of its own, as real organizers are: sign-ups and failed logins are
        # limited per client address (X-Forwarded-For, which the platform trusts from loopback)
        forwarded = {"X-Forwarded-For": f"100.{64 + (unit.key >> 16) % 64}.{(unit.key >> 8) & 255}.{unit.key & 255}"}
        # 202 whether or not the unit signed up before (a second sign-up writes nothing)
        await self.driver.call("registration", "POST", "/api/v1/units", json=body, headers=forwarded)
        login = {"login": unit.phone, "password": PASSWORD}
        answer = await self.driver.call("registration", "POST", "/api/v1/auth/token", json=login, headers=forwarded)
        if not answer.ok:
            return
        headers = bearer(answer.body["access_token"])
        for key in unit.activities:
            self._spawn(self._activity(unit, self.tracked[key], headers))

    async def _activity(self, unit: UnitPlan, tracked: Tracked, headers: dict[str, str]) -> None:
        plan, contact = tracked.plan, (unit.contact_name, unit.phone)
        await self.clock.until(plan.register_at)
        body = plan.body(self.season.campaign_id, unit.name, contact)
        answer = await self.driver.call("registration", "POST", "/api/v1/activities", json=body, headers=headers)
        if answer.status != 201:
            return
        tracked.activity_id, tracked.version = answer.body["id"], answer.body["version"]
        self.by_id[answer.body["id"]] = tracked
        path = f"/api/v1/activities/{tracked.activity_id}"
        revision = 0
        if plan.update_at is not None:
            await self.clock.until(plan.update_at)
            revision += 1
            await self._change(tracked, "PUT", path, plan.body("", unit.name, contact, revision), headers)
        if plan.reject and not plan.held_by(datetime.now(UTC)):
            try:  # the organizer revises a rejected activity, which goes back to review
                await asyncio.wait_for(tracked.rejected.wait(), max(0.0, self.clock.real(3.0) - time.monotonic()))
                await self.clock.until(self.clock.day() + 0.3)
                revision += 1
                if await self._change(tracked, "PUT", path, plan.body("", unit.name, contact, revision), headers):
                    tracked.review = "pending"
            except TimeoutError:
                pass
        if plan.withdraw_at is not None:
            await self.clock.until(plan.withdraw_at)
            reason = {"reason": "场地调整，活动取消"}
            if await self._change(tracked, "POST", f"{path}/withdrawal", reason, headers):
                tracked.withdrawn = True
        if plan.complete_at is not None and not tracked.withdrawn:
            await self.clock.until(plan.complete_at)
            info = {
                "photo_urls": [f"https://img.kepuri.example.cn/{plan.key}/{n}.jpg" for n in range(1, 4)],
                "news_urls": [f"https://news.kepuri.example.cn/{plan.key}"] if plan.key % 3 == 0 else [],
                "actual_participants": int(plan.expected * (0.6 + (plan.key % 7) / 10)),
                "summary": f"{plan.name}顺利举办，现场互动热烈。",
            }
            if await self._change(tracked, "PUT", f"{path}/info", info, headers):
                tracked.info_completed = True

    async def _change(self, tracked: Tracked, method: str, path: str, body: Any, headers: dict[str, str]) -> bool:
        route = path.replace(str(tracked.activity_id), "{id}")
        matched = {**headers, "If-Match": f'"{tracked.version}"'}
        answer = await self.driver.call("registration", method, route, path, json=body, headers=matched)
        if answer.ok:
            tracked.version = answer.body["version"]
        return answer.ok

    # ---- content review --------------------------------------------------------------------------

    async def _reviewer(self, province: str) -> None:
        day = SEASON_START + 0.3 + random.Random(province).uniform(0, REVIEW_EVERY)
        while day < 3.5:
            await self.clock.until(day)
            await self.review_round(province)
            day += REVIEW_EVERY

    async def review_round(self, province: str) -> int:
        """One pass over the province's pending queue: approve, or reject the ones planned so once.
        Returns how many activities were still pending."""
        headers = self.staff[f"province:{province}"]
        pending: list[Tracked] = []
        cursor = None
        for _page in range(20):
            params = {"campaign_id": self.season.campaign_id, "status": "pending", "limit": 200}
            if cursor:
                params["cursor"] = cursor
            answer = await self.driver.call("review", "GET", "/api/v1/review/queue", params=params, headers=headers)
            if not answer.ok:
                break
            pending += [self.by_id[i["activity_id"]] for i in answer.body["items"] if i["activity_id"] in self.by_id]
            if not (cursor := answer.body["next_cursor"]):
                break
        approve = []
        for tracked in pending:
            if tracked.plan.reject and tracked.rejections == 0:
                path = f"/api/v1/review/activities/{tracked.activity_id}/reject"
                route = "/api/v1/review/activities/{id}/reject"
                answer = await self.driver.call(
                    "review", "POST", route, path, json={"reason": REJECTION}, headers=headers
                )
                if answer.ok:
                    tracked.review, tracked.rejections = "rejected", 1
                    tracked.rejected.set()
            elif not tracked.withdrawn:
                approve.append(tracked)
        for start in range(0, len(approve), 500):
            await self._approve(approve[start : start + 500], headers)
        return len(pending)

    async def _approve(self, batch: list[Tracked], headers: dict[str, str]) -> None:
        for _attempt in range(3):
            if not batch:
                return
            ids = [t.activity_id for t in batch]
            answer = await self.driver.call(
                "review", "POST", "/api/v1/review/activities/approve", json={"activity_ids": ids}, headers=headers
            )
            if answer.ok:
                for tracked in batch:
                    tracked.review = "approved"
                return
            refused = {e.get("activity_id") for e in (answer.body or {}).get("errors", [])}
            if not refused:
                return
            batch = [t for t in batch if t.activity_id not in refused]  # e.g. withdrawn meanwhile

    # ---- the public ------------------------------------------------------------------------------

    async def _public(self) -> None:
        for visit in self.season.visits:
            await self.clock.until(visit.at)
            self._spawn(self._visit(visit))

    async def _visit(self, visit: Visit) -> None:
        today = self.season.today.isoformat()
        base = {"campaign": self.season.campaign_id, "date_from": today, "date_to": today, "limit": 20}
        route = "/api/v1/directory/activities"
        for n in range(visit.reads):  # browsing: by keyword, by theme, nationwide
            browse = [{"q": visit.keyword}, {"region": visit.province}, {}][n % 3]
            await self.driver.call("registration", "GET", route, params={"campaign": self.season.campaign_id, **browse})
        answer = await self.driver.call("registration", "GET", route, params={**base, "region": visit.province})
        # only the ids are kept: a saturated driver holds tens of thousands of visits between two calls
        found = [item["id"] for item in answer.body["items"]] if answer.ok else []
        del answer
        if not found:
            self.counts.visits_without_result += 1
            return
        chosen = found[sum(map(ord, visit.client)) % len(found)]
        tracked = self.by_id.get(chosen)
        await self.driver.call("registration", "GET", f"{route}/{{id}}", f"{route}/{chosen}")
        forwarded = {"X-Forwarded-For": visit.client}
        answer = await self.driver.call(
            "registration", "POST", f"{route}/{{id}}/check-ins", f"{route}/{chosen}/check-ins", headers=forwarded
        )
        if answer.status == 202 and tracked is not None:
            tracked.check_ins += 1
        if visit.rating is not None:
            rating = {"rating": visit.rating, **({"comment": visit.comment} if visit.comment else {})}
            answer = await self.driver.call(
                "registration",
                "POST",
                f"{route}/{{id}}/feedback",
                f"{route}/{chosen}/feedback",
                json=rating,
                headers=forwarded,
            )
            if answer.status == 202 and tracked is not None:
                tracked.feedback += 1

    # ---- recommendations -------------------------------------------------------------------------

    async def _recommendations(self) -> None:
        await self.clock.until(RECOMMEND_DAY)
        await self.driver.caught_up()  # behind its clock, a platform has not yet seen what was due by now
        await asyncio.gather(*(self._recommend(p) for p in self.season.provinces))
        await self.clock.until(NATIONAL_DAY)
        await self._endorse()

    async def _recommend(self, province: str) -> None:
        headers = self.staff[f"province:{province}"]
        eligible = [
            t
            for t in self.tracked.values()
            if t.counted and t.review == "approved" and t.info_completed and t.plan.county.code.startswith(province)
        ]
        eligible.sort(key=lambda t: (-t.check_ins, t.plan.key))
        chosen = eligible[: self.season.scale.province_quota + 1]  # one over the quota, all at once

        async def one(tracked: Tracked) -> None:
            form = {
                "campaign_id": self.season.campaign_id,
                "activity_id": tracked.activity_id,
                "reason": f"参与人次{tracked.check_ins}，公众评价好，科技工作者参与度高",
                "main_content": f"{tracked.plan.name}：{tracked.plan.form}",
                "contact_name": "王建国",
                "contact_phone": "029-86541234",
                "opinion": "同意推荐",
            }
            for _attempt in range(20):  # 422 until review has seen the info completion
                answer = await self.driver.call("review", "POST", "/api/v1/recommendations", json=form, headers=headers)
                if answer.status == 201:
                    self.counts.recommended[province] = self.counts.recommended.get(province, 0) + 1
                    return
                if answer.status == 409:
                    self.counts.quota_refusals += 1
                    return
                if answer.status != 422:
                    return
                await asyncio.sleep(0.5)

        await asyncio.gather(*(one(t) for t in chosen))

    async def _endorse(self) -> None:
        headers = self.staff["national"]
        params = {"campaign": self.season.campaign_id, "box": "received", "kind": "activity", "limit": 100}
        answer = await self.driver.call("review", "GET", "/api/v1/recommendations", params=params, headers=headers)
        if not answer.ok:
            return
        items = answer.body["items"][: self.season.scale.national_quota + 1]
        route = "/api/v1/recommendations/{id}/endorse"

        async def one(item: dict[str, Any]) -> None:
            path = route.replace("{id}", item["id"])
            answer = await self.driver.call(
                "review", "POST", route, path, json={"opinion": "同意，入选全国优秀活动"}, headers=headers
            )
            if answer.ok:
                self.counts.endorsed += 1
            elif answer.status == 409:
                self.counts.quota_refusals += 1

        await asyncio.gather(*(one(i) for i in items))
