"""Indicator scores per unit and per region for a campaign, inside a reviewing body's jurisdiction.

The measures and the composite are defined once, in :mod:`..domain.scoring`; the SQL that ranks a
compared set by them is ``adapters/score_queries.py``; each line's scores are the domain's, from its sums.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from shared.auth import Principal
from shared.store import reading

from ..adapters.figures import Figures, region_name, scope_in
from ..adapters.score_queries import ranked_by_composite
from ..domain.bodies import Body, body_of, counted_region
from ..domain.scoring import Measure, Score, Weighted, score

By = Literal["unit", "region"]


@dataclass(frozen=True)
class Scored:
    """A unit (id, name, registered region) or a region (code, name) with its sums and score."""

    key: str
    name: str | None
    region_code: str | None
    figures: Figures
    score: Score


@dataclass(frozen=True)
class ScoreBoard:
    title: str
    weights: tuple[Weighted, ...]
    bests: dict[Measure, float]
    region: str
    digits: int
    items: list[Scored]
    total: int


class Scores:
    """Indicator scores per unit or region, the highest composite first, each in one read transaction."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def board(
        self,
        principal: Principal,
        campaign_id: str,
        *,
        by: By = "unit",
        region: str | None = None,
        offset: int = 0,
        limit: int = 50,
    ) -> ScoreBoard:
        """Units (or regions one level below ``region``) in the body's jurisdiction, by composite score."""
        body: Body = body_of(principal)
        prefix, digits = counted_region(body, region)
        scope = scope_in(body, prefix)

        async def read(connection: AsyncConnection) -> ScoreBoard:
            title, weights, best, rows, total = await ranked_by_composite(
                connection, campaign_id, scope, by=by, digits=digits, offset=offset, limit=limit
            )
            items = [_scored(row, by, weights, best) for row in rows]
            return ScoreBoard(title, weights, best, prefix, digits, items, total)

        return await reading(self._engine, read)


def _scored(row: Any, by: By, weights: tuple[Weighted, ...], best: dict[Measure, float]) -> Scored:
    figures = Figures.of(row)
    if by == "unit":
        return Scored(
            row["unit_id"], row["unit_name"], row["region_code"], figures, score(figures.tallies(), best, weights)
        )
    code = row["region"]
    return Scored(code, region_name(code), code, figures, score(figures.tallies(), best, weights))
