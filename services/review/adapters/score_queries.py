"""Indicator scores in SQL: each measure of :mod:`..domain.scoring` as an expression over a grouped subquery
(units, or regions of one level), so that the best of each measure in the compared set is one ``max``
query and the ranking by composite is one ordered query: the composite is linear in the measures once
the bests are known (``Σ wᵢ·100·vᵢ/bestᵢ / Σ wᵢ``). The scores themselves are computed by the domain.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Literal

from sqlalchemy import ColumnElement, Float, RowMapping, cast, func, literal, select
from sqlalchemy.ext.asyncio import AsyncConnection

from ..domain.errors import Unknown
from ..domain.scoring import DEFINITIONS, Measure, Score, Weighted, score, weighting
from .figures import Figures, region_groups, unit_groups
from .reads import row_of
from .tables import review_campaigns, review_units


def measure_sql(source: Any, measure: Measure) -> ColumnElement[Any]:
    """A measure over a grouped ``source`` carrying the sums, as :func:`.domain.scoring.value` defines it."""
    definition = DEFINITIONS[measure]
    total: ColumnElement[Any] = literal(0.0)
    for name, coefficient in definition.terms:
        total = total + cast(func.coalesce(source.c[name], 0), Float) * coefficient
    if definition.per is None:
        return total
    return func.coalesce(total / func.nullif(source.c[definition.per], 0), 0.0)


async def bests(connection: AsyncConnection, grouped: Any, measures: tuple[Measure, ...]) -> dict[Measure, float]:
    """Each measure's best value over the rows of ``grouped`` (the compared set)."""
    distinct = tuple(dict.fromkeys(measures))
    row = (await connection.execute(select(*(func.max(measure_sql(grouped, m)) for m in distinct)))).one()
    return {m: float(v or 0.0) for m, v in zip(distinct, row, strict=True)}


async def campaign_weighting(connection: AsyncConnection, campaign_id: str) -> tuple[str, tuple[Weighted, ...]]:
    """The campaign's title and weighted indicators (:class:`Unknown` naming ``campaign`` if none)."""
    row = await row_of(connection, review_campaigns, review_campaigns.c.campaign_id, campaign_id)
    if row is None:
        raise Unknown(f"活动年度 {campaign_id} 不存在 (no such campaign)", field="campaign")
    return row["title"], weights_of(row)


def weights_of(campaign: Mapping[str, Any]) -> tuple[Weighted, ...]:
    """A ``review_campaigns`` row's weighted indicators (:func:`.domain.scoring.weighting`)."""
    stored = json.loads(campaign["indicator_weights"]) if campaign.get("indicator_weights") else None
    configured = [Weighted(w["indicator"], w["measure"], float(w["weight"])) for w in stored] if stored else None
    return weighting(json.loads(campaign.get("indicators") or "[]"), configured)


async def unit_scores(
    connection: AsyncConnection,
    campaign_id: str,
    scope: ColumnElement[bool],
    figures: Mapping[str, Figures],
    weights: tuple[Weighted, ...],
    known: dict[Measure, float] | None = None,
) -> dict[str, Score]:
    """The scores of units whose ``figures`` are known, each against every unit of the campaign in ``scope``.

    ``known``: the bests already read in this transaction (an export's later partitions); filled when empty.
    """
    if not figures:
        return {}
    if not known:
        compared = unit_groups(campaign_id, scope).subquery("compared")
        found = await bests(connection, compared, tuple(w.measure for w in weights))
        known = found if known is None else known
        known.update(found)
    best = known
    return {unit: score(f.tallies(), best, weights) for unit, f in figures.items()}


async def ranked_by_composite(
    connection: AsyncConnection,
    campaign_id: str,
    scope: ColumnElement[bool],
    *,
    by: Literal["unit", "region"],
    digits: int,
    offset: int,
    limit: int,
) -> tuple[str, tuple[Weighted, ...], dict[Measure, float], list[RowMapping], int]:
    """The campaign's title and weights, the compared set's bests, a page of its units (or regions of
    ``digits`` digits) by composite, highest first, and how many the set holds."""
    title, weights = await campaign_weighting(connection, campaign_id)
    query = unit_groups(campaign_id, scope) if by == "unit" else region_groups(campaign_id, scope, digits)
    grouped = query.subquery("compared")
    best = await bests(connection, grouped, tuple(w.measure for w in weights))
    key = grouped.c.unit_id if by == "unit" else grouped.c.region
    ranked = _composite_sql(grouped, weights, best)
    u = review_units
    if by == "unit":
        selected = select(grouped, func.coalesce(u.c.name, grouped.c.name).label("unit_name"), u.c.region_code)
        selected = selected.select_from(grouped.outerjoin(u, u.c.unit_id == grouped.c.unit_id))
    else:
        selected = select(grouped)
    ordered = selected.order_by(ranked.desc(), key).offset(offset).limit(limit)
    rows = list((await connection.execute(ordered)).mappings().all())
    total = int((await connection.execute(select(func.count()).select_from(grouped))).scalar_one())
    return title, weights, best, rows, total


def _composite_sql(grouped: Any, weights: tuple[Weighted, ...], best: dict[Measure, float]) -> ColumnElement[Any]:
    total = sum(w.weight for w in weights) or 1.0
    composite: ColumnElement[Any] = literal(0.0)
    for w in weights:
        if best.get(w.measure, 0.0) > 0:
            composite = composite + measure_sql(grouped, w.measure) * (w.weight * 100.0 / best[w.measure] / total)
    return composite
