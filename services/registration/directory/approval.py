"""Which campaigns approved activities on registration, and when: the directory's auto-approval history.

The registration service decides at registration whether an activity is approved without review
(the campaign's ``auto_approve`` as it stood then). The directory learns campaigns and activities
from two topics, in no guaranteed order across them (a replay may read activities first), so it
keeps every configuration with its time and judges each activity by the configuration in force
when it was registered; a configuration that arrives late corrects the activities it governed.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime


@dataclass(frozen=True, order=True, slots=True)
class Configuration:
    """One ``campaign-configured`` event, reduced to what the directory needs."""

    configured_at: datetime
    version: int
    auto_approve: bool = field(compare=False)


@dataclass
class CampaignHistory:
    """Configurations of some campaigns, in time order."""

    _by_campaign: defaultdict[str, list[Configuration]] = field(default_factory=lambda: defaultdict(list))

    def add(self, campaign_id: str, configuration: Configuration) -> bool:
        """Record a configuration; False when this version is already known (a redelivery)."""
        known = self._by_campaign[campaign_id]
        if any(c.version == configuration.version for c in known):
            return False
        bisect.insort(known, _aware(configuration))
        return True

    def extend(self, rows: Iterable[tuple[str, int, datetime, bool]]) -> None:
        for campaign_id, version, configured_at, auto_approve in rows:
            self.add(campaign_id, Configuration(configured_at, version, auto_approve))

    def auto_approves(self, campaign_id: str | None, moment: datetime) -> bool:
        """Whether an activity registered at ``moment`` in the campaign was approved on registration."""
        in_force = None
        for configuration in self._by_campaign.get(campaign_id or "", ()):
            if configuration.configured_at > moment:
                break
            in_force = configuration
        return in_force is not None and in_force.auto_approve

    def governed(self, campaign_id: str, version: int) -> tuple[datetime, datetime | None, bool]:
        """When a configuration was in force, [from, until), and its flag (``until`` None: still is)."""
        known = self._by_campaign[campaign_id]
        position = next(i for i, c in enumerate(known) if c.version == version)
        until = known[position + 1].configured_at if position + 1 < len(known) else None
        return known[position].configured_at, until, known[position].auto_approve


def _aware(configuration: Configuration) -> Configuration:
    if configuration.configured_at.tzinfo is not None:
        return configuration
    return Configuration(
        configuration.configured_at.replace(tzinfo=UTC), configuration.version, configuration.auto_approve
    )
