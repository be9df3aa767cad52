"""Who may read what analytics serves (issue 17).

- The operations data (the dashboard's snapshot and stream, with the consumer groups' lag, errors and
  dead letters, and the per-unit scoreboard) are for staff: a reviewer's or an admin's token.
- The aggregate statistics (``/api/v1/stats/…`` but the scoreboard and the dashboard, and the summary
  exports) answer anyone unless the campaign's ``public_statistics`` setting is ``false`` (the default
  is public: the figures are the campaign's public record, and a campaign analytics has not heard of
  yet has nothing to hide); a campaign that sets it false answers staff only. Without ``campaign``
  (all campaigns) they are public while no campaign is closed.

A campaign's setting reaches analytics on the campaigns stream (``campaign-configured``) into
``campaign_rules``; it is read at most once a second per campaign (the container's shared answers).
"""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from shared.auth import Principal, Role
from shared.web.auth import require_role, verified
from shared.web.conditional import PRIVATE, Freshness

from ..adapters.campaign_access import campaign_access
from ..container import Analytics
from ..domain import access
from ..domain.access import CampaignAccess, require_staff, within_jurisdiction
from .deps import AnalyticsDep

__all__ = [
    "STATISTICS",
    "CallerDep",
    "PublicStatisticsDep",
    "StaffDep",
    "StatisticsFreshnessDep",
    "access_of",
    "require_staff",
    "within_jurisdiction",
]

STAFF = cast(tuple[Role, ...], access.STAFF)
# Public statistics are recomputed at most once a second for everyone (the container's shared answers):
# a cache may keep them as long, and answer a copy two seconds older while it asks again. The live
# dashboard's figures come by its stream, not from here.
STATISTICS = Freshness(max_age=1, stale_while_revalidate=2)
StaffDep = Annotated[Principal, require_role(*STAFF)]
_bearer = HTTPBearer(auto_error=False, description="An access token from registration's POST /api/v1/auth/token")


async def optional_principal(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Principal | None:
    """The caller when a token is sent (401 if it is not valid, 503 if it cannot be checked), None without one."""
    if credentials is None:
        return None
    return await verified(request, credentials.credentials)


CallerDep = Annotated[Principal | None, Depends(optional_principal)]


async def access_of(analytics: Analytics, campaign: str | None) -> CampaignAccess:
    """:func:`campaign_access`, shared for a second by every request asking for the same campaign."""
    if campaign is not None and len(campaign) > 64:
        return CampaignAccess(False, True)  # no campaign id is that long (the route answers 422)
    return await analytics.answer(("campaign-access", campaign), lambda c: campaign_access(c, campaign))


async def public_or_staff(request: Request, analytics: AnalyticsDep, caller: CallerDep) -> Principal | None:
    """Anyone for a public campaign's statistics, else staff (the campaign read from the query as sent,
    so that a caller without a token is answered 401 before its parameters are judged)."""
    await statistics_freshness(request, analytics, caller)
    return caller


async def statistics_freshness(request: Request, analytics: AnalyticsDep, caller: CallerDep) -> Freshness:
    """As :func:`public_or_staff`, and how long a cache may keep the answer: :data:`STATISTICS` for anyone
    when the campaign is public (the answer is the same whoever asks), else :data:`PRIVATE` (staff only:
    no shared cache may keep it and hand it to someone without a token)."""
    campaign = request.query_params.get("campaign") or None
    if (await access_of(analytics, campaign)).public:
        return STATISTICS
    scope = f"the statistics of campaign {campaign!r}" if campaign else "the statistics of all campaigns"
    require_staff(caller, f"{scope} are not public (a campaign's public_statistics setting is false)")
    return PRIVATE


PublicStatisticsDep = Annotated[Principal | None, Depends(public_or_staff)]
StatisticsFreshnessDep = Annotated[Freshness, Depends(statistics_freshness)]
