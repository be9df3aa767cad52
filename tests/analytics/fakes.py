"""In-memory stand-ins for analytics' ports (:mod:`services.analytics.service.ports`), for fast tests.

Each fake subclasses the port it replaces and answers from what the test hands it, so a service
function runs unchanged without a database.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from services.analytics.domain.statistics import Board, Dimension, Filters, Measures, UnitMeasures
from services.analytics.service.ports import ExportRows, StatisticsReader, SummaryReader


@dataclass
class FakeStatistics(StatisticsReader):
    """Aggregates given up front; records which filters each question was asked with."""

    total: Measures = field(default_factory=Measures)
    groups: dict[str, list[Measures]] = field(default_factory=dict)
    per_minute: list[tuple[str, int]] = field(default_factory=list)
    recommended_activities: dict[str, int] = field(default_factory=dict)
    recommended_units: dict[str, int] = field(default_factory=dict)
    notification_rows: list[tuple[str, str, str, int]] = field(default_factory=list)
    local_rules: list[dict[str, Any]] = field(default_factory=list)
    campaign_region: str | None = None
    matches: dict[str, list[tuple[str, int]]] = field(default_factory=dict)  # rule name -> per region
    board: list[UnitMeasures] = field(default_factory=list)
    campaign_indicators: list[str] = field(default_factory=list)
    asked: list[tuple[str, Any]] = field(default_factory=list)

    def totals(self, filters: Filters) -> Measures:
        self.asked.append(("totals", filters))
        return self.total

    def grouped(self, filters: Filters, by: Dimension) -> list[Measures]:
        self.asked.append(("grouped", by))
        return list(self.groups.get(by, []))

    def minutes(self, campaign: str, since: str | None, until: str | None, latest: int) -> list[tuple[str, int]]:
        self.asked.append(("minutes", (campaign, since, until, latest)))
        return list(self.per_minute)

    def recommended(self, filters: Filters) -> tuple[dict[str, int], dict[str, int]]:
        return dict(self.recommended_activities), dict(self.recommended_units)

    def notifications(self, campaign: str | None) -> list[tuple[str, str, str, int]]:
        return list(self.notification_rows)

    def rules(self, campaign: str) -> tuple[list[dict[str, Any]], str | None]:
        return list(self.local_rules), self.campaign_region

    def rule_matches(self, filters: Filters, rule: Mapping[str, Any], inside: str | None) -> list[tuple[str, int]]:
        self.asked.append(("rule_matches", inside))
        return list(self.matches.get(str(rule["name"]), []))

    def units(self, filters: Filters, by: Board, limit: int) -> list[UnitMeasures]:
        return self.board[:limit]

    def indicators(self, campaign: str) -> list[str]:
        return list(self.campaign_indicators)


@dataclass
class FakeSummaries(SummaryReader):
    kinds: list[str] = field(default_factory=list)
    organizer_rows: list[tuple[str, str]] = field(default_factory=list)
    report_rows: list[tuple[str, str, str, bool]] = field(default_factory=list)

    def reporters(self, campaign: str) -> list[str]:
        return list(self.kinds)

    def organizers(self, campaign: str, region: str) -> list[tuple[str, str]]:
        return [(o, code) for o, code in self.organizer_rows if code.startswith(region)]

    def reports(self, campaign: str) -> list[tuple[str, str, str, bool]]:
        return list(self.report_rows)


@dataclass
class FakeExportRows(ExportRows):
    """Rows per table name, handed out ``size`` at a time."""

    rows: dict[str, list[Mapping[str, Any]]] = field(default_factory=dict)
    size: int = 2
    asked: list[tuple[str, Any]] = field(default_factory=list)

    async def partitions(self, table: str, wanted: Any) -> AsyncGenerator[Sequence[Any], None]:
        self.asked.append((table, wanted))
        found = self.rows.get(table, [])
        for start in range(0, len(found), self.size):
            yield found[start : start + self.size]
