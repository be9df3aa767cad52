"""Campaigns in registration's database: each change a ``campaign-configured`` event and a snapshot row."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncConnection

from shared.events import CATALOG
from shared.events.payloads.campaigns import CampaignConfigured
from shared.observability.logging import correlation_id
from shared.runtime import Backbone
from shared.store import AggregateAppend, Changes, reading
from shared.store.upsert import upsert_statement

from ..domain.campaign import Campaign
from ..service.ports import CampaignStore
from .tables import campaigns

SOURCE = "/kepuri/registration"


class SqlCampaignStore(CampaignStore):
    """The ``campaigns`` snapshot rows beside the campaigns' events, written through the group-commit writer."""

    def __init__(self, backbone: Backbone) -> None:
        self._backbone = backbone

    async def save(self, campaign: Campaign, expected_version: int) -> int:
        payload = campaign.event()
        version = expected_version + 1
        envelope = CATALOG.envelope(
            payload,
            subject=campaign.id,
            sequence=version,
            source=SOURCE,
            correlationid=correlation_id.get(),
            campaign=campaign.id,
        )
        row = {
            "campaign_id": campaign.id,
            "version": version,
            "year": campaign.year,
            "data": payload.model_dump_json(),
            "updated_at": datetime.now(UTC),
        }
        columns = ("version", "year", "data", "updated_at")
        statement = upsert_statement(
            self._backbone.engine.dialect.name, campaigns, ("campaign_id",), dict.fromkeys(columns)
        ).values(row)
        await self._backbone.writer.submit(
            Changes(appends=[AggregateAppend(campaign.id, expected_version, [envelope])], statements=[statement])
        )
        return version

    async def get(self, campaign_id: str) -> tuple[Campaign, int] | None:
        row = await reading(
            self._backbone.engine,
            lambda c: _first(
                c, select(campaigns.c.data, campaigns.c.version).where(campaigns.c.campaign_id == campaign_id)
            ),
        )
        return None if row is None else _campaign(row)

    async def all(self) -> list[tuple[Campaign, int]]:
        query = select(campaigns.c.data, campaigns.c.version).order_by(campaigns.c.year.desc(), campaigns.c.campaign_id)
        rows = await reading(self._backbone.engine, lambda c: _all(c, query))
        return [_campaign(row) for row in rows]


def _campaign(row: tuple[str, int]) -> tuple[Campaign, int]:
    return Campaign.of(CampaignConfigured.model_validate(json.loads(row[0]))), row[1]


async def _first(connection: AsyncConnection, query: Select[Any]) -> tuple[str, int] | None:
    row = (await connection.execute(query)).first()
    return (row[0], row[1]) if row is not None else None


async def _all(connection: AsyncConnection, query: Select[Any]) -> list[tuple[str, int]]:
    return [(row[0], row[1]) for row in await connection.execute(query)]
