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
from .ports import Regions

LIMIT = 5000  # a national campaign commends a few hundred units and activities


class Commended:
    """The public 表扬名单 of review's own recommendations; bodies named as people know them."""

    def __init__(self, engine: AsyncEngine, regions: Regions) -> None:
        self._engine = engine
        self._regions = regions

    async def listed(self, campaign_id: str) -> list[dict[str, Any]]:
        """The campaign's commended units and activities (units first, then by name), each with its
        commendations: the level, the commending body's name, the citation and the day."""
        rows = await commended_rows(self._engine, campaign_id, LIMIT)
        listed = []
        for row in rows:
            steps = [s for s in json.loads(row["history"]) if s["action"] == "commended"]
            commendations = [
                {
                    "level": s["level"],
                    "body_name": self._body_name(s["body"]),
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

    def _body_name(self, body_id: str) -> str:
        """渭南市 for the city of 6105, 全国科普日活动组委会 for the national organisers, a society or
        ministry by its name; the body's own description where its division is unknown."""
        try:
            body = Body.of_id(body_id)
        except ValueError:
            return body_id
        if body.level == "national" and not body.jurisdiction:
            return "全国科普日活动组委会"
        if body.field is None and body.jurisdiction and (name := self._regions.name(body.jurisdiction)):
            return name
        return body.describe()
