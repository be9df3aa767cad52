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
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection

from shared.regions import PackagedRegions
from shared.runtime.periodic import Periodic
from shared.store import sync_transaction

from ..adapters import reminder_reads as reads
from ..adapters.reservations import reminder, reserve
from ..domain.delivery import CHINA
from .ports import Clock, Texts
from .summary_reminders import summary_reminders

log = logging.getLogger(__name__)
LEVEL_DIGITS = {"county": 6, "city": 4, "province": 2, "national": 0}


class Reminders:
    def __init__(
        self,
        engine: Any,
        texts: Texts,
        clock: Clock,
        *,
        interval_s: float = 600.0,
        on_reserved: Callable[[], None] | None = None,
        regions: PackagedRegions | None = None,
    ) -> None:
        self._engine = engine
        self._regions = regions or PackagedRegions()
        self._texts = texts
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
        rows: list[dict[str, Any]] = []
        for campaign in reads.all_campaigns(connection):
            rows += self._due(connection, campaign, now)
        reserve(connection, rows)
        return len(rows)

    def _due(self, connection: Connection, campaign: Any, now: datetime) -> list[dict[str, Any]]:
        """The campaign's reminders due today, every deadline ``left`` days ahead being a reminder day."""
        today = now.astimezone(CHINA).date()
        days = json.loads(campaign["reminder_days"] or "[]")
        rows: list[dict[str, Any]] = []
        for kind, column, incomplete_only in (
            ("registration_closing", "registration_closes_on", False),
            ("info_deadline", "info_completion_deadline", True),
        ):
            if (left := days_left(campaign[column], today, days)) is not None:
                deadline = date.fromisoformat(campaign[column])
                rows += self._organizer_reminders(connection, campaign, kind, deadline, left, incomplete_only, now)
        plan = campaign["key_activity_plan_deadline"]
        if (left := days_left(plan, today, days)) is not None:
            deadline = date.fromisoformat(plan)
            rows += self._body_reminders(connection, campaign, "county", deadline, left, now, "key_activity_plan")
        deadlines = json.loads(campaign["recommendation_deadlines"] or "{}")
        for level, last_day in sorted(deadlines.items()):
            if (left := days_left(last_day, today, days)) is not None:
                rows += self._body_reminders(connection, campaign, level, date.fromisoformat(last_day), left, now)
        if campaign["summary_reporters"] and (left := days_left(campaign["summary_deadline"], today, days)) is not None:
            rows += summary_reminders(connection, campaign, left, now, self._texts, self._regions)
        return rows

    def _organizer_reminders(
        self,
        connection: Connection,
        campaign: Any,
        kind: str,
        deadline: date,
        left: int,
        incomplete_only: bool,
        now: datetime,
    ) -> list[dict[str, Any]]:
        out = []
        found = reads.organizers_with_activities(connection, campaign["campaign_id"], incomplete_only=incomplete_only)
        for organizer_id, organizer_name, activity_names in found:
            context: dict[str, Any] = {
                "organizer_name": organizer_name,
                "campaign_title": campaign["title"],
                "deadline": deadline.isoformat(),
                "days_left": left,
            }
            if kind == "info_deadline":
                context["activity_names"] = sorted(activity_names)
            title, text = self._texts.compose(kind, "inbox", campaign["campaign_id"], context)
            out.append(reminder(kind, campaign, deadline, left, f"unit:{organizer_id}", organizer_id, title, text, now))
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
        digits = LEVEL_DIGITS.get(level)
        if digits is None:
            return []
        out = []
        for jurisdiction in reads.regions_with_activities(connection, campaign["campaign_id"], digits):
            context = {
                "body_name": body_name(level, jurisdiction, self._regions),
                "campaign_title": campaign["title"],
                "deadline": deadline.isoformat(),
                "days_left": left,
            }
            title, text = self._texts.compose(kind, "inbox", campaign["campaign_id"], context)
            out.append(
                reminder(kind, campaign, deadline, left, body_inbox(level, jurisdiction), None, title, text, now)
            )
        return out


def days_left(deadline: str | None, today: date, reminder_days: list[int]) -> int | None:
    """Days from ``today`` to ``deadline`` (ISO) when that is one of the reminder days; else None."""
    if not deadline:
        return None
    left = (date.fromisoformat(deadline) - today).days
    return left if left in reminder_days else None


def body_inbox(level: str, jurisdiction: str | None) -> str:
    """The inbox of a reviewing body (its reviewers read it)."""
    return f"body:{level}:{jurisdiction or 'CN'}"


def body_name(level: str, jurisdiction: str, regions: PackagedRegions) -> str:
    """How a body is addressed: its region's association, e.g. 临渭区科协; the organisers nationally."""
    if not jurisdiction:
        return "全国科普日活动组委会"
    return f"{regions.name(jurisdiction) or jurisdiction}科协"
