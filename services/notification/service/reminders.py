"""Reminders to organizers, in their in-app inbox, on the campaign's reminder days (7, 3 and 1 days
before a deadline unless the campaign's ``settings.reminder_days`` says otherwise):

- ``registration_closing``: to each organizer with activities in the campaign, before registration closes;
- ``info_deadline``: to each organizer with registered activities whose information is not completed,
  before the info-completion deadline, naming them;
- ``key_activity_plan``: to each county body with registered activities in its county, before the
  campaign's ``settings.key_activity_plan_deadline`` (Weinan 2022: counties report their key
  activities, 附件1, to the city by 9月10日);
- ``recommendation_deadline``: to each reviewing body of a recommending level of the campaign's chain
  with registered activities in its region (the county, city or province the activities lie in),
  before that level's last day (its window's close, else the campaign's recommendation deadline).
  The body's inbox is ``body:<level>:<jurisdiction>``, which its reviewers read. National societies,
  which judge by field rather than region, are not reminded here.
- ``summary_deadline``: to each reporter of the campaign's summary reports (工作总结) that has not
  submitted, before the summary deadline (:mod:`.summary_reminders`).

A worker checks every ``interval`` (and at start); each reminder is a ledger row keyed by
(``reminder:<kind>:<campaign>:<deadline>:<days>``, recipient, ``inbox``), so checking again, or after
a restart, never reminds anyone twice.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, func, literal, select

from shared.regions import PackagedRegions
from shared.runtime.periodic import Periodic
from shared.store import sync_transaction
from shared.store.upsert import upsert_statement

from ..adapters.tables import activities, campaigns, messages
from ..domain.delivery import CHINA
from ..projections.thank_you import Compose
from .summary_reminders import summary_reminders

log = logging.getLogger(__name__)


class Reminders:
    def __init__(
        self,
        engine: Any,
        compose: Compose,
        clock: Callable[[], datetime],
        *,
        interval_s: float = 600.0,
        on_reserved: Callable[[], None] | None = None,
        regions: PackagedRegions | None = None,
    ) -> None:
        self._engine = engine
        self._regions = regions or PackagedRegions()
        self._compose = compose
        self._clock = clock
        self._on_reserved = on_reserved
        self._worker = Periodic("reminders", self.check, interval_s, at_start=True)

    async def start(self) -> None:
        await self._worker.start()

    async def stop(self) -> None:
        await self._worker.stop()

    async def check(self) -> int:
        """Reserve today's reminders (those not reserved yet); how many rows were offered."""
        offered = await sync_transaction(self._engine, self._reserve)
        if offered and self._on_reserved is not None:
            self._on_reserved()
        return offered

    def _reserve(self, connection: Connection) -> int:
        now = self._clock()
        today = now.astimezone(CHINA).date()
        rows: list[dict[str, Any]] = []
        for campaign in connection.execute(select(campaigns)).mappings():
            days = json.loads(campaign["reminder_days"] or "[]")
            for kind, column, incomplete_only in (
                ("registration_closing", "registration_closes_on", False),
                ("info_deadline", "info_completion_deadline", True),
            ):
                if campaign[column] is None:
                    continue
                deadline = date.fromisoformat(campaign[column])
                left = (deadline - today).days
                if left in days:
                    rows += self._reminders(connection, campaign, kind, deadline, left, incomplete_only, now)
            if campaign["key_activity_plan_deadline"]:
                deadline = date.fromisoformat(campaign["key_activity_plan_deadline"])
                left = (deadline - today).days
                if left in days:
                    rows += self._body_reminders(
                        connection, campaign, "county", deadline, left, now, "key_activity_plan"
                    )
            deadlines = json.loads(campaign["recommendation_deadlines"] or "{}")
            for level, last_day in sorted(deadlines.items()):
                deadline = date.fromisoformat(last_day)
                left = (deadline - today).days
                if left in days:
                    rows += self._body_reminders(connection, campaign, level, deadline, left, now)
            if campaign["summary_deadline"] and campaign["summary_reporters"]:
                left = (date.fromisoformat(campaign["summary_deadline"]) - today).days
                if left in days:
                    rows += summary_reminders(connection, campaign, left, now, self._compose, self._regions, _row)
        if rows:
            statement = upsert_statement(connection.dialect.name, messages, ("event_id", "recipient", "channel"))
            connection.execute(statement, rows)
        return len(rows)

    def _reminders(
        self,
        connection: Connection,
        campaign: Any,
        kind: str,
        deadline: date,
        left: int,
        incomplete_only: bool,
        now: datetime,
    ) -> list[dict[str, Any]]:
        a = activities
        query = select(a.c.organizer_id, a.c.organizer_name, a.c.name).where(
            a.c.campaign == campaign["campaign_id"], a.c.organizer_id.is_not(None)
        )
        if incomplete_only:
            query = query.where(a.c.info_completed.is_(False))
        names: defaultdict[str, list[str]] = defaultdict(list)
        organizer_names: dict[str, str] = {}
        for organizer_id, organizer_name, name in connection.execute(query):
            names[organizer_id].append(name or "")
            organizer_names[organizer_id] = organizer_name or ""
        out = []
        for organizer_id, activity_names in sorted(names.items()):
            context: dict[str, Any] = {
                "organizer_name": organizer_names[organizer_id],
                "campaign_title": campaign["title"],
                "deadline": deadline.isoformat(),
                "days_left": left,
            }
            if kind == "info_deadline":
                context["activity_names"] = sorted(activity_names)
            title, text = self._compose(kind, "inbox", campaign["campaign_id"], context)
            out.append(_row(kind, campaign, deadline, left, f"unit:{organizer_id}", organizer_id, title, text, now))
        return out

    def _body_reminders(
        self,
        connection: Connection,
        campaign: Any,
        level: str,
        deadline: date,
        left: int,
        now: datetime,
        kind: str = "recommendation_deadline",
    ) -> list[dict[str, Any]]:
        a, digits = activities, LEVEL_DIGITS.get(level)
        if digits is None:
            return []
        where = [a.c.campaign == campaign["campaign_id"], a.c.region_code.is_not(None)]
        region = func.substr(a.c.region_code, 1, digits) if digits else literal("")
        out = []
        for (jurisdiction,) in connection.execute(select(region).where(*where).distinct().order_by(region)):
            context = {
                "body_name": body_name(level, jurisdiction, self._regions),
                "campaign_title": campaign["title"],
                "deadline": deadline.isoformat(),
                "days_left": left,
            }
            title, text = self._compose(kind, "inbox", campaign["campaign_id"], context)
            recipient = body_inbox(level, jurisdiction)
            out.append(_row(kind, campaign, deadline, left, recipient, None, title, text, now))
        return out


LEVEL_DIGITS = {"county": 6, "city": 4, "province": 2, "national": 0}


def body_inbox(level: str, jurisdiction: str | None) -> str:
    """The inbox of a reviewing body (its reviewers read it)."""
    return f"body:{level}:{jurisdiction or 'CN'}"


def body_name(level: str, jurisdiction: str, regions: PackagedRegions) -> str:
    """How a body is addressed: its region's association, e.g. 临渭区科协; the organisers nationally."""
    if not jurisdiction:
        return "全国科普日活动组委会"
    return f"{regions.name(jurisdiction) or jurisdiction}科协"


def _row(
    kind: str,
    campaign: Any,
    deadline: date,
    left: int,
    recipient: str,
    organizer_id: str | None,
    title: str | None,
    text: str,
    now: datetime,
) -> dict[str, Any]:
    return {
        "event_id": f"reminder:{kind}:{campaign['campaign_id']}:{deadline.isoformat()}:{left}",
        "recipient": recipient,
        "channel": "inbox",
        "notification_id": uuid.uuid4().hex,
        "kind": kind,
        "recipient_masked": "站内信",
        "organizer_id": organizer_id,
        "activity_id": None,
        "campaign": campaign["campaign_id"],
        "sign": None,
        "subject": title,
        "text": text,
        "state": "queued",
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
        "updated_at": now,
    }
