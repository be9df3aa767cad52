"""A campaign's configuration maps to the domain one way (through its ``campaign-configured`` event)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from services.registration.api.campaign_schemas import CampaignIn, campaign_document
from services.registration.domain.campaign import Campaign

SEEDS = sorted((Path(__file__).parents[3] / "services" / "registration" / "seeds").glob("*.toml"))


def _configuration(path: Path) -> CampaignIn:
    data = tomllib.loads(path.read_text("utf-8"))
    data.pop("source", None), data.pop("assumed", None)
    return CampaignIn.model_validate(data)


@pytest.mark.parametrize("seed", SEEDS, ids=[p.stem for p in SEEDS])
def test_a_configuration_answered_and_sent_back_is_the_same_campaign(seed: Path) -> None:
    campaign = _configuration(seed).campaign()
    answered = {k: v for k, v in campaign_document(campaign, 3).items() if k != "version"}
    assert CampaignIn.model_validate(answered).campaign() == campaign
    assert Campaign.of(campaign.event()) == campaign
