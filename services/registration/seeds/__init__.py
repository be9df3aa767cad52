"""The campaigns of the five source notices, one TOML file each beside this module.

A file is a campaign as the API takes it (:class:`~services.registration.api.campaign_schemas.CampaignIn`)
plus two tables of its own: ``[source]`` names the notice, ``[assumed]`` maps every field the notice
is silent on, yet the file sets, to a one-line reason.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..api.campaign_schemas import CampaignIn
from ..domain.campaign import Campaign

SEEDS = Path(__file__).resolve().parent


class SeedError(ValueError):
    """A seed file that cannot be read or breaks a campaign rule; the message names the file."""


@dataclass(frozen=True)
class SeedCampaign:
    """One seed file's campaign, the notice it comes from, and what it assumes where the notice is silent."""

    file: str
    campaign: Campaign
    notice: str
    notice_title: str
    assumed: dict[str, str]


def load_seed_campaigns(directory: Path = SEEDS) -> list[SeedCampaign]:
    """Every ``*.toml`` campaign in ``directory``, in file-name order, validated by the API's rules."""
    return [load_seed_campaign(path) for path in sorted(directory.glob("*.toml"))]


def load_seed_campaign(path: Path) -> SeedCampaign:
    """One seed file; :class:`SeedError` names the file and what is wrong with it."""
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise SeedError(f"{path.name}: {exc}") from exc
    source, assumed = data.pop("source", None), data.pop("assumed", {})
    if not (
        isinstance(source, dict) and isinstance(source.get("notice"), str) and isinstance(source.get("title"), str)
    ):
        raise SeedError(f"{path.name}: [source] must give the notice's file name (notice) and title")
    if not isinstance(assumed, dict) or not all(isinstance(reason, str) and reason for reason in assumed.values()):
        raise SeedError(f"{path.name}: [assumed] maps fields to one-line reasons")
    if missing := [name for name in assumed if not _present(data, name)]:
        raise SeedError(f"{path.name}: [assumed] names fields the file does not set: {', '.join(missing)}")
    try:
        campaign = CampaignIn.model_validate(data).campaign()
    except ValidationError as exc:
        raise SeedError(f"{path.name}: {exc}") from exc
    return SeedCampaign(path.name, campaign, source["notice"], source["title"], dict(assumed))


def _present(data: dict[str, Any], dotted: str) -> bool:
    node: Any = data
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return True
