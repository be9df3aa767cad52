"""What the reminders read of the ledger's neighbours: the campaigns, who has activities in them (by
organizer, by region), and who has submitted a summary report. Reads only; the reminders themselves
are reserved through :mod:`.reservations`."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import Connection, func, literal, select

from .tables import activities, campaigns, summaries_submitted


def all_campaigns(connection: Connection) -> list[Any]:
    return list(connection.execute(select(campaigns)).mappings())


def organizers_with_activities(
    connection: Connection, campaign_id: str, *, incomplete_only: bool
) -> list[tuple[str, str, list[str]]]:
    """(organizer id, organizer name, activity names) of each organizer with activities in the campaign
    (only those whose information is not completed, when asked), by organizer id."""
    a = activities
    query = select(a.c.organizer_id, a.c.organizer_name, a.c.name).where(
        a.c.campaign == campaign_id, a.c.organizer_id.is_not(None)
    )
    if incomplete_only:
        query = query.where(a.c.info_completed.is_(False))
    names: defaultdict[str, list[str]] = defaultdict(list)
    organizer_names: dict[str, str] = {}
    for organizer_id, organizer_name, name in connection.execute(query):
        names[organizer_id].append(name or "")
        organizer_names[organizer_id] = organizer_name or ""
    return [(organizer_id, organizer_names[organizer_id], found) for organizer_id, found in sorted(names.items())]


def regions_with_activities(connection: Connection, campaign_id: str, digits: int) -> list[str]:
    """The codes (their first ``digits`` digits; "" for the nation) of the regions holding activities of
    the campaign, in order."""
    a = activities
    region = func.substr(a.c.region_code, 1, digits) if digits else literal("")
    where = [a.c.campaign == campaign_id, a.c.region_code.is_not(None)]
    return [code for (code,) in connection.execute(select(region).where(*where).distinct().order_by(region))]


def organizers_of(connection: Connection, campaign_id: str) -> list[tuple[str, str]]:
    """(organizer id, name) of each organizer with activities in the campaign, by id."""
    a = activities
    query = (
        select(a.c.organizer_id, func.max(a.c.organizer_name))
        .where(a.c.campaign == campaign_id, a.c.organizer_id.is_not(None))
        .group_by(a.c.organizer_id)
        .order_by(a.c.organizer_id)
    )
    return [(organizer_id, organizer_name or "") for organizer_id, organizer_name in connection.execute(query)]


def submitted_reporters(connection: Connection, campaign_id: str) -> set[str]:
    s = summaries_submitted
    return set(connection.scalars(select(s.c.reporter).where(s.c.campaign == campaign_id)))
