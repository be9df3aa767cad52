"""Who must be thanked: the thank-you SMS of each listed science worker, reserved in the ledger.

The planner consumes the activities stream (the organizer and the activity's name; info completion)
and the restricted contacts stream (each activity's science workers, in clear, which stay in this
database). Once an activity's information is completed, every worker on its current list gets one
thank-you reserved, in the organizer's name (the text names it; the SMS carries the platform's
approved signature, as providers require): one ledger row keyed by (``thank-you:<activity>``,
phone, ``sms``), inserted or left alone. So a redelivered event, an info completion sent twice or a
list that arrives after the completion never adds a second message for anyone, and a worker added
to the list later is still thanked once.

A campaign whose ``thank_you_sms`` setting is false thanks nobody (one that does not say, does):
turned off, its thank-yous not sent yet are ``cancelled``; turned on again, they are queued again and
every info-completed activity's workers are thanked, each once.

Workers arrive sealed, each under that person's key (see :mod:`shared.privacy`): before each batch
the planner fetches the keys it needs from the key vault (``prepare``) and opens them in ``apply``.
A worker whose key is gone was erased and is skipped, so a replay never learns them again; a
``personal-data-erased`` event makes the planner forget what it holds of them (:mod:`..adapters.erasure`).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Connection, delete, or_, select
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.consumer import Delivery
from shared.events.masking import mask_phone
from shared.events.payloads.activities import ActivityRegistered, ActivityUpdated, InfoCompleted
from shared.events.payloads.campaigns import CampaignConfigured, RecommendationChain
from shared.events.payloads.privacy import PersonalDataErased
from shared.events.payloads.restricted import ListedScienceWorker, ScienceWorkersListed
from shared.events.topics import ACTIVITIES, CAMPAIGNS, CONTACTS, PRIVACY
from shared.privacy import KeyVault, SealError, open_sealed
from shared.store.upsert import upsert, upsert_statement

from ..adapters.erasure import forget, forget_wal
from ..adapters.tables import activities, campaigns, messages, subject_phones, workers

Compose = Callable[[str, str, str | None, Mapping[str, Any]], tuple[str | None, str]]
THANK_YOU = "thank_you"
THANK_YOUS_OFF = "本年度活动已关闭感谢短信 (the campaign's thank_you_sms setting is off)"


class ThankYouPlanner:
    """Keeps the activities and workers it needs, and reserves the thank-yous."""

    name = "notification.thank-you"
    topics: tuple[str, ...] = (CAMPAIGNS.name, ACTIVITIES.name, CONTACTS.name, PRIVACY.name)

    def __init__(
        self,
        compose: Compose,
        on_reserved: Callable[[], None] | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        vault: KeyVault | None = None,
    ) -> None:
        self._compose = compose
        self._on_reserved = on_reserved
        self._clock = clock
        self._vault = vault
        self._keys: dict[str, bytes] = {}
        self._forgot = False  # this batch forgot someone: the log is folded away once it commits

    async def prepare(self, deliveries: Sequence[Delivery]) -> None:
        """Fetch the keys of the batch's sealed workers (the ones erased are simply not found)."""
        wanted = {
            w.key_id
            for d in deliveries
            if isinstance(d.payload, ScienceWorkersListed)
            for w in d.payload.workers
            if w.key_id is not None
        }
        self._keys = await self._vault.get(wanted) if self._vault is not None and wanted else {}

    async def committed(self, engine: AsyncEngine) -> None:
        """After a batch that forgot an erased person has committed: their old pages leave the disk."""
        if self._forgot:
            self._forgot = False
            await forget_wal(engine)

    def apply(self, connection: Connection, deliveries: Sequence[Delivery]) -> None:
        touched: set[str] = set()
        for delivery in deliveries:
            payload, sequence = delivery.payload, delivery.envelope.sequence
            if isinstance(payload, CampaignConfigured):
                touched.update(self._configured(connection, payload, sequence))
            elif isinstance(payload, ActivityRegistered):
                self._registered(connection, payload, sequence)
            elif isinstance(payload, ActivityUpdated) and "name" in payload.changes:
                connection.execute(
                    activities.update()
                    .where(activities.c.activity_id == payload.activity_id, activities.c.version < sequence)
                    .values(name=str(payload.changes["name"]), version=sequence)
                )
            elif isinstance(payload, InfoCompleted):
                self._known(connection, payload.activity_id)
                connection.execute(
                    activities.update()
                    .where(activities.c.activity_id == payload.activity_id)
                    .values(info_completed=True)
                )
                touched.add(payload.activity_id)
            elif isinstance(payload, ScienceWorkersListed):
                if self._listed(connection, payload, sequence):
                    touched.add(payload.activity_id)
            elif isinstance(payload, PersonalDataErased):
                self._forgot = forget(connection, payload.key_ids) > 0 or self._forgot
        if touched and self._reserve(connection, sorted(touched)) and self._on_reserved is not None:
            self._on_reserved()

    def _configured(self, connection: Connection, payload: CampaignConfigured, sequence: int) -> list[str]:
        """Keep the campaign; when its ``thank_you_sms`` is turned off, cancel its thank-yous not sent
        yet; when turned on again, queue them again: the activities whose thank-yous are now due."""
        c, m = campaigns, messages
        before = connection.execute(
            select(c.c.thank_you_sms).where(c.c.campaign_id == payload.campaign_id)
        ).scalar_one_or_none()
        row = _campaign_row(payload, sequence)
        upsert(connection, campaigns, [row], keys=("campaign_id",), update=dict.fromkeys(list(row)[1:]))
        ours = (m.c.kind == THANK_YOU, m.c.campaign == payload.campaign_id)
        if row["thank_you_sms"] is False:
            connection.execute(
                m.update()
                .where(*ours, m.c.state == "queued")
                .values(state="cancelled", error=THANK_YOUS_OFF, updated_at=self._clock())
            )
            return []
        if before is not False:
            return []
        now = self._clock()
        connection.execute(
            m.update()
            .where(*ours, m.c.state == "cancelled")
            .values(state="queued", attempts=0, next_attempt_at=now, error=None, updated_at=now)
        )
        a = activities
        completed = select(a.c.activity_id).where(a.c.campaign == payload.campaign_id, a.c.info_completed.is_(True))
        return list(connection.scalars(completed))

    def _registered(self, connection: Connection, payload: ActivityRegistered, sequence: int) -> None:
        row = {
            "activity_id": payload.activity_id,
            "campaign": payload.campaign_id,
            "name": payload.name,
            "organizer_id": payload.organizer_id,
            "organizer_name": payload.organizer_name,
            "region_code": payload.region_code,
            "info_completed": False,
            "version": sequence,
            "workers_version": 0,
        }
        columns = ("campaign", "name", "organizer_id", "organizer_name", "region_code", "version")
        upsert(connection, activities, [row], keys=("activity_id",), update=dict.fromkeys(columns))
        claim_orphans(connection, payload.activity_id, payload.organizer_id)

    def _known(self, connection: Connection, activity_id: str) -> None:
        """Make sure the activity has a row (its registration may arrive after its other events)."""
        upsert(
            connection,
            activities,
            [{"activity_id": activity_id, "info_completed": False, "version": 0, "workers_version": 0}],
            keys=("activity_id",),
        )

    def _listed(self, connection: Connection, payload: ScienceWorkersListed, sequence: int) -> bool:
        """Replace the activity's list with a newer one; False for an older or repeated one."""
        self._known(connection, payload.activity_id)
        current = connection.scalar(
            select(activities.c.workers_version).where(activities.c.activity_id == payload.activity_id)
        )
        if current is not None and sequence <= current:
            return False
        connection.execute(
            activities.update()
            .where(activities.c.activity_id == payload.activity_id)
            .values(workers_version=sequence, organizer_name=payload.organizer_name)
        )
        connection.execute(delete(workers).where(workers.c.activity_id == payload.activity_id))
        rows, opened = [], []
        for listed in payload.workers:
            worker = self._open(listed)
            if worker is None:
                continue
            rows.append({"activity_id": payload.activity_id, **worker})
            if listed.key_id is not None:
                opened.append({"key_id": listed.key_id, "phone": worker["phone"]})
        upsert(connection, subject_phones, opened, keys=("key_id",))
        if rows:
            connection.execute(workers.insert(), rows)
        return True

    def _open(self, listed: ListedScienceWorker) -> dict[str, Any] | None:
        """A worker's clear fields, or None when their key is gone (erased) or does not open them."""
        if listed.sealed is None or listed.key_id is None:  # upcast from v1, in clear
            return {
                "worker_id": listed.worker_id,
                "name": listed.name,
                "phone": listed.phone,
                "organisation": listed.organisation,
            }
        key = self._keys.get(listed.key_id)
        if key is None:
            return None
        try:
            values = open_sealed(key, listed.key_id, listed.sealed)
        except SealError:
            return None
        return {k: values.get(k) for k in ("worker_id", "name", "phone", "organisation")}

    def _reserve(self, connection: Connection, activity_ids: list[str]) -> bool:
        """One thank-you per listed worker of each info-completed activity (existing ones left alone)."""
        a, w, c = activities, workers, campaigns
        rows = connection.execute(
            select(
                a.c.activity_id,
                a.c.campaign,
                a.c.name,
                a.c.organizer_id,
                a.c.organizer_name,
                w.c.name,
                w.c.phone,
                c.c.title,
            )
            .join(w, w.c.activity_id == a.c.activity_id)
            .outerjoin(c, c.c.campaign_id == a.c.campaign)
            .where(
                a.c.activity_id.in_(activity_ids),
                a.c.info_completed.is_(True),
                or_(c.c.thank_you_sms.is_(None), c.c.thank_you_sms.is_(True)),  # not said: sent
            )
        ).all()
        now = self._clock()
        reserved = []
        for activity_id, campaign, name, organizer_id, organizer_name, worker_name, phone, title in rows:
            context = {
                "worker_name": worker_name,
                "organizer_name": organizer_name or "",
                "activity_name": name or "",
                "campaign_title": title or "全国科普日",
            }
            subject, text = self._compose(THANK_YOU, "sms", campaign, context)
            reserved.append(
                {
                    "event_id": f"thank-you:{activity_id}",
                    "recipient": phone,
                    "channel": "sms",
                    "notification_id": uuid.uuid4().hex,
                    "kind": THANK_YOU,
                    "recipient_masked": mask_phone(phone),
                    "organizer_id": organizer_id,
                    "activity_id": activity_id,
                    "campaign": campaign,
                    "sign": None,  # the platform's approved signature; the text is in the organizer's name
                    "subject": subject,
                    "text": text,
                    "state": "queued",
                    "attempts": 0,
                    "next_attempt_at": now,
                    "created_at": now,
                    "updated_at": now,
                }
            )
        if reserved:
            statement = upsert_statement(connection.dialect.name, messages, ("event_id", "recipient", "channel"))
            connection.execute(statement, reserved)
        return bool(reserved)


def claim_orphans(connection: Connection, activity_id: str, organizer_id: str | None) -> None:
    """Give the messages reserved before their activity was known the activity's organizer."""
    if organizer_id is None:
        return
    m = messages
    connection.execute(
        m.update().where(m.c.activity_id == activity_id, m.c.organizer_id.is_(None)).values(organizer_id=organizer_id)
    )


def _campaign_row(payload: CampaignConfigured, sequence: int) -> dict[str, Any]:
    """What reminders need of a campaign: its title, deadlines and reminder days (default 7, 3 and 1)."""
    days = payload.settings.get("reminder_days", [7, 3, 1])
    if not isinstance(days, list) or not all(isinstance(d, int) and 0 <= d <= 60 for d in days):
        days = [7, 3, 1]
    return {
        "campaign_id": payload.campaign_id,
        "title": payload.title,
        "version": sequence,
        "registration_closes_on": _day(payload.registration_closes_on),
        "info_completion_deadline": _day(payload.info_completion_deadline),
        "reminder_days": json.dumps(sorted(set(days), reverse=True)),
        "recommendation_deadlines": json.dumps(recommendation_deadlines(payload)),
        "thank_you_sms": sent if isinstance(sent := payload.settings.get("thank_you_sms"), bool) else None,
        "key_activity_plan_deadline": plan
        if isinstance(plan := payload.settings.get("key_activity_plan_deadline"), str)
        else None,
        **summary_step(payload),
    }


def summary_step(payload: CampaignConfigured) -> dict[str, Any]:
    """The campaign's summary deadline and its kinds of reporter (工作总结), for the reminders."""
    summary = payload.settings.get("summary")
    reporters = summary.get("reporters") if isinstance(summary, dict) else None
    return {
        "summary_deadline": _day(payload.summary_deadline),
        "summary_reporters": json.dumps(reporters) if isinstance(reporters, list) and reporters else None,
    }


def recommendation_deadlines(payload: CampaignConfigured) -> dict[str, str]:
    """The last day each recommending level of the campaign's chain may act: its window's close, else
    the campaign's recommendation deadline (none for a level with neither, or without a chain)."""
    try:
        chain = RecommendationChain.model_validate(payload.settings["recommendation"])
    except (KeyError, ValidationError):
        return {}
    out: dict[str, str] = {}
    for level in chain.levels:
        window = chain.windows.get(level)
        last = (window.closes_on if window else None) or payload.recommendation_deadline
        if last is not None:
            out[level] = last.isoformat()
    return out


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None
