"""``kepuri seed``: the campaigns of the five source notices, configured in registration's database.

Each is configured through registration's service layer, so it becomes a ``campaign-configured``
event in the outbox: the relay publishes it now if the bus answers, else when registration next
starts. Running it again changes nothing: a campaign already configured as its seed is reported
unchanged; one configured differently (an admin edited it) is left alone unless ``--update``.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from pydantic import ValidationError

from services.registration.container import Registration
from services.registration.domain.campaign import Campaign
from services.registration.seeds import SeedCampaign, SeedError, load_seed_campaigns
from services.registration.settings import RegistrationSettings

from .output import say
from .registration import describe_database, registration_settings, started, wait_for_bus


def run_seed(data_dir: Path | None, update: bool) -> int:
    """Load the seed campaigns into registration's database; one line per campaign. Exit status 0, or 2."""
    try:
        seeds = load_seed_campaigns()
        settings = registration_settings(data_dir)
    except (SeedError, ValidationError) as exc:
        say(f"kepuri seed: {exc}", file=sys.stderr)
        return 2
    return asyncio.run(_seed(settings, seeds, update))


async def _seed(settings: RegistrationSettings, seeds: list[SeedCampaign], update: bool) -> int:
    say(f"kepuri seed: {len(seeds)} campaigns into {describe_database(settings)}")
    async with started(settings) as registration:
        written = 0
        for seed in seeds:
            status, detail = await configure(registration, seed, update)
            written += status in ("created", "updated")
            say(f"  {seed.campaign.id:<16} {status:<10} {detail}")
        if written and not await wait_for_bus(registration):
            say("kepuri seed: the bus does not answer; the events wait in the outbox until registration starts")
    return 0


async def configure(registration: Registration, seed: SeedCampaign, update: bool) -> tuple[str, str]:
    """Configure one seed campaign unless it is already there: created, unchanged, differs or updated, and details."""
    campaign = seed.campaign
    current = await registration.campaigns.get(campaign.id)
    if current is None:
        version = await registration.campaigns.configure(campaign, 0)
        return "created", f"version {version}: {campaign.title}, from {seed.notice}"
    configured, version = current
    if same(configured, campaign):
        return "unchanged", f"version {version}"
    if not update:
        return "differs", f"version {version} left as configured; `kepuri seed --update` replaces it with {seed.file}"
    version = await registration.campaigns.configure(campaign, version)
    return "updated", f"version {version}, from {seed.file}"


def same(configured: Campaign, seed: Campaign) -> bool:
    """Whether two campaigns have the same configuration, compared as their events' JSON."""
    return configured.event().model_dump(mode="json") == seed.event().model_dump(mode="json")
