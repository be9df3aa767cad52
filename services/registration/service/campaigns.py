"""Registration's service layer for campaigns: admins configure them; activities consult them."""

from __future__ import annotations

import time

from ..domain.campaign import Campaign
from .ports import CampaignStore


class Campaigns:
    """Campaign configurations: each change is a ``campaign-configured`` event and a snapshot row."""

    def __init__(self, store: CampaignStore, programmes_ttl_seconds: float = 5.0) -> None:
        self._store = store
        self._programmes_ttl = programmes_ttl_seconds
        self._programmes: tuple[float, frozenset[str]] | None = None

    async def configure(self, campaign: Campaign, expected_version: int) -> int:
        """Create (``expected_version`` 0) or change a campaign; returns its new version.

        A stale ``expected_version`` raises :class:`~shared.store.ConcurrencyError` (409).
        """
        return await self._store.save(campaign, expected_version)

    async def get(self, campaign_id: str) -> tuple[Campaign, int] | None:
        """The campaign and its version, or None."""
        return await self._store.get(campaign_id)

    async def all(self) -> list[tuple[Campaign, int]]:
        """Every campaign and its version, the newest year first (then by id).

        Not paginated: a deployment holds one or a few campaigns a year.
        """
        return await self._store.all()

    async def programmes(self) -> frozenset[str]:
        """The flagship programmes any campaign lists (the directory's ``programme`` filter accepts
        only these), read again at most every few seconds: a search must not cost a campaign read."""
        cached = self._programmes
        if cached is not None and cached[0] >= time.monotonic():
            return cached[1]
        known = frozenset(p for campaign, _ in await self.all() for p in campaign.programmes)
        self._programmes = (time.monotonic() + self._programmes_ttl, known)
        return known
