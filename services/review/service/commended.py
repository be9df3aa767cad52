"""The public list of what a campaign commended (表扬): units and activities, with who commended them.

Read from review's own recommendations (their history holds each commendation step), never from
another service's database. Public: names, region and the citation only, never a form's contacts.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from ..adapters.commended_rows import commended_rows
from ..domain.bodies import Body

LIMIT = 5000  # a national campaign commends a few hundred units and activities


async def commended_in(engine: AsyncEngine, campaign_id: str) -> list[dict[str, Any]]:
    """The campaign's commended units and activities (units first, then by name), each with its
    commendations: the level, the commending body's name, the citation and the day."""
    rows = await commended_rows(engine, campaign_id, LIMIT)
    listed = []
    for row in rows:
        steps = [s for s in json.loads(row["history"]) if s["action"] == "commended"]
        commendations = [
            {
                "level": s["level"],
                "body_name": _body_name(s["body"]),
                "citation": s.get("text"),
                "on": s["on"],
            }
            for s in steps
        ]
        listed.append(
            {
                "kind": row["kind"],
                "subject_id": row["subject_id"],
                "name": row["subject_name"],
                "unit_name": row["unit_name"],
                "region_code": row["region_code"],
                "commendations": commendations,
            }
        )
    return listed


def _body_name(body_id: str) -> str:
    try:
        body = Body.of_id(body_id)
    except ValueError:
        return body_id
    return "全国科普日活动组委会" if body.level == "national" and not body.jurisdiction else body.describe()
