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

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.consumer import Delivery
from shared.events.payloads.activities import ActivityRegistered, ActivityUpdated, InfoCompleted
from shared.events.payloads.campaigns import CampaignConfigured
from shared.events.payloads.privacy import PersonalDataErased
from shared.events.payloads.restricted import ListedScienceWorker, ScienceWorkersListed
from shared.events.topics import ACTIVITIES, CAMPAIGNS, CONTACTS, PRIVACY
from shared.privacy import KeyVault, SealError, open_sealed

from ..adapters import streams
from ..adapters.erasure import forget, forget_wal
from ..adapters.reservations import queued_message
from ..domain.campaigns import campaign_row
from ..service.ports import Clock, Texts, utc_now
from .message_planner import MessagePlanner

THANK_YOU = streams.THANK_YOU
THANK_YOUS_OFF = "本年度活动已关闭感谢短信 (the campaign's thank_you_sms setting is off)"


class ThankYouPlanner(MessagePlanner):
    """Keeps the activities and workers it needs, and reserves the thank-yous."""

    name = "notification.thank-you"
    topics: tuple[str, ...] = (CAMPAIGNS.name, ACTIVITIES.name, CONTACTS.name, PRIVACY.name)

    def __init__(
        self,
        texts: Texts,
        on_reserved: Callable[[], None] | None = None,
        clock: Clock = utc_now,
        vault: KeyVault | None = None,
    ) -> None:
        super().__init__(texts, on_reserved, clock)
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
                streams.keep_activity(connection, streams.activity_row(payload, sequence))
            elif isinstance(payload, ActivityUpdated) and "name" in payload.changes:
                streams.rename_activity(connection, payload.activity_id, str(payload.changes["name"]), sequence)
            elif isinstance(payload, InfoCompleted):
                streams.complete_activity(connection, payload.activity_id)
                touched.add(payload.activity_id)
            elif isinstance(payload, ScienceWorkersListed):
                if self._listed(connection, payload, sequence):
                    touched.add(payload.activity_id)
            elif isinstance(payload, PersonalDataErased):
                self._forgot = forget(connection, payload.key_ids) > 0 or self._forgot
        if touched:
            rows = streams.workers_to_thank(connection, sorted(touched))
            self._reserve(connection, thank_yous(rows, self._texts, self._clock()))

    def _configured(self, connection: Connection, payload: CampaignConfigured, sequence: int) -> list[str]:
        """Keep the campaign; when its ``thank_you_sms`` is turned off, cancel its thank-yous not sent
        yet; when turned on again, queue them again: the activities whose thank-yous are now due."""
        row = campaign_row(payload, sequence)
        before = streams.keep_campaign(connection, row)
        if row["thank_you_sms"] is False:
            streams.cancel_thank_yous(connection, payload.campaign_id, THANK_YOUS_OFF, self._clock())
            return []
        if before is not False:
            return []
        return streams.requeue_thank_yous(connection, payload.campaign_id, self._clock())

    def _listed(self, connection: Connection, payload: ScienceWorkersListed, sequence: int) -> bool:
        """Replace the activity's list with a newer one; False for an older or repeated one."""
        current = streams.workers_version(connection, payload.activity_id)
        if current is not None and sequence <= current:
            return False
        rows, opened = [], []
        for listed in payload.workers:
            worker = open_worker(listed, self._keys)
            if worker is None:
                continue
            rows.append(worker)
            if listed.key_id is not None:
                opened.append({"key_id": listed.key_id, "phone": worker["phone"]})
        streams.replace_workers(connection, payload.activity_id, payload.organizer_name, sequence, rows, opened)
        return True


def open_worker(listed: ListedScienceWorker, keys: dict[str, bytes]) -> dict[str, Any] | None:
    """A worker's clear fields, or None when their key is gone (erased) or does not open them."""
    if listed.sealed is None or listed.key_id is None:  # upcast from v1, in clear
        return {
            "worker_id": listed.worker_id,
            "name": listed.name,
            "phone": listed.phone,
            "organisation": listed.organisation,
        }
    key = keys.get(listed.key_id)
    if key is None:
        return None
    try:
        values = open_sealed(key, listed.key_id, listed.sealed)
    except SealError:
        return None
    return {k: values.get(k) for k in ("worker_id", "name", "phone", "organisation")}


def thank_yous(workers: Sequence[Any], texts: Texts, now: datetime) -> list[dict[str, Any]]:
    """One thank-you SMS per worker to thank (activity_id, campaign, name, organizer_id, organizer_name,
    worker_name, phone, title), in the organizer's name, keyed ``thank-you:<activity>``."""
    out = []
    for activity_id, campaign, name, organizer_id, organizer_name, worker_name, phone, title in workers:
        context = {
            "worker_name": worker_name,
            "organizer_name": organizer_name or "",
            "activity_name": name or "",
            "campaign_title": title or "全国科普日",
        }
        subject, text = texts.compose(THANK_YOU, "sms", campaign, context)
        out.append(
            queued_message(
                event_id=f"thank-you:{activity_id}",
                recipient=phone,
                channel="sms",
                kind=THANK_YOU,
                text=text,
                now=now,
                subject=subject,
                organizer_id=organizer_id,
                activity_id=activity_id,
                campaign=campaign,
            )
        )
    return out
