"""The counters' writes: notifications sent and failed added up, each campaign's rules replaced."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection

from shared.store.upsert import upsert

from .tables import campaign_rules, notification_counts

NOTICE_KEY = ("campaign", "kind", "channel", "outcome")


def add_notifications(connection: Connection, counts: Counter[tuple[str, str, str, str]]) -> None:
    """Add messages per (campaign, kind, channel, outcome)."""
    rows = [dict(zip(NOTICE_KEY, k, strict=True)) | {"messages": n} for k, n in counts.items()]
    add = {"messages": lambda excluded, table: table.c.messages + excluded.messages}
    upsert(connection, notification_counts, rows, keys=NOTICE_KEY, update=add)


def put_campaign(connection: Connection, row: Mapping[str, Any]) -> None:
    """A campaign's rules, indicators, version, public_statistics and region, replacing the stored ones."""
    columns = ("rules", "indicators", "version", "public_statistics", "region_code")
    upsert(connection, campaign_rules, [dict(row)], keys=("campaign",), update=dict.fromkeys(columns))
