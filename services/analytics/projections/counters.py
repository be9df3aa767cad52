"""Counters of the notifications stream (messages sent and failed, by campaign, kind and channel,
each event counted once), and each campaign's local rules, indicators and region from the campaigns stream."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection

from shared.consumer import Delivery
from shared.consumer.once import once_each
from shared.events.payloads.campaigns import CampaignConfigured
from shared.events.payloads.notifications import NotificationFailed, NotificationSent
from shared.events.topics import CAMPAIGNS, NOTIFICATIONS

from ..adapters.counters import add_notifications, put_campaign
from ..adapters.tables import counted_events


class CountersProjection:
    name = "analytics.counters"
    topics: tuple[str, ...] = (CAMPAIGNS.name, NOTIFICATIONS.name)

    def apply(self, connection: Connection, deliveries: Sequence[Delivery]) -> None:
        notices = [d for d in deliveries if isinstance(d.payload, NotificationSent | NotificationFailed)]
        counts: Counter[tuple[str, str, str, str]] = Counter()
        for d in once_each(connection, counted_events, notices):
            payload: Any = d.payload
            outcome = "sent" if isinstance(payload, NotificationSent) else "failed"
            counts[(d.envelope.campaign or "", payload.kind, payload.channel, outcome)] += 1
        if counts:
            add_notifications(connection, counts)
        for d in deliveries:
            if isinstance(d.payload, CampaignConfigured):
                self._campaign(connection, d.payload, d.envelope.sequence)

    def _campaign(self, connection: Connection, payload: CampaignConfigured, sequence: int) -> None:
        row = {
            "campaign": payload.campaign_id,
            "rules": json.dumps([r.model_dump(mode="json") for r in payload.local_rules], ensure_ascii=False),
            "indicators": json.dumps(payload.indicators, ensure_ascii=False),
            "version": sequence,
            "public_statistics": payload.settings.get("public_statistics") is not False,
            "region_code": region if isinstance(region := payload.settings.get("region_code"), str) else None,
        }
        put_campaign(connection, row)
