"""Whether analytics knows a campaign and whether its statistics are public, read from ``campaign_rules``."""

from __future__ import annotations

from sqlalchemy import Connection, func, select

from ..domain.access import CampaignAccess
from .tables import campaign_rules


def campaign_access(connection: Connection, campaign: str | None) -> CampaignAccess:
    """``campaign``'s access (``None``: all campaigns, public while none is closed)."""
    r = campaign_rules
    if campaign is None:
        closed = connection.scalar(select(func.count()).where(r.c.public_statistics.is_(False)))
        return CampaignAccess(True, not closed)
    public = connection.scalar(select(r.c.public_statistics).where(r.c.campaign == campaign))
    return CampaignAccess(public is not None, public is not False)
