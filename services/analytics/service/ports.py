"""What analytics' service layer needs from outside: the views' aggregates and the export rows.

The adapters (``adapters/statistics.py``, ``adapters/export_rows.py``) answer them with SQL; the tests'
fakes (``tests/analytics/fakes.py``) from memory.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncGenerator, Mapping, Sequence
from typing import Any

from ..domain.statistics import Board, Dimension, Filters, Measures, UnitMeasures


class StatisticsReader(ABC):
    """The aggregates over the views the statistics are shaped from (counted activities only)."""

    @abstractmethod
    def totals(self, filters: Filters) -> Measures: ...

    @abstractmethod
    def grouped(self, filters: Filters, by: Dimension) -> list[Measures]:
        """The measures per value of ``by`` (multi-valued dimensions count an activity under each value)."""

    @abstractmethod
    def minutes(self, campaign: str, since: str | None, until: str | None, latest: int) -> list[tuple[str, int]]:
        """Registrations per minute in order; without ``since`` only the ``latest`` minutes that had any."""

    @abstractmethod
    def recommended(self, filters: Filters) -> tuple[dict[str, int], dict[str, int]]:
        """Recommendations in force per level: of the activities within the filters, of the campaign's units."""

    @abstractmethod
    def notifications(self, campaign: str | None) -> list[tuple[str, str, str, int]]:
        """(kind, channel, outcome, messages) per group."""

    @abstractmethod
    def rules(self, campaign: str) -> tuple[list[dict[str, Any]], str | None]:
        """The campaign's local rules and, for a local campaign, its region."""

    @abstractmethod
    def rule_matches(self, filters: Filters, rule: Mapping[str, Any], inside: str | None) -> list[tuple[str, int]]:
        """Activities matching ``rule`` (inside the region ``inside``) per region of its level, by code."""

    @abstractmethod
    def units(self, filters: Filters, by: Board, limit: int) -> list[UnitMeasures]:
        """Per unit or region: the measures, most activities first, at most ``limit``."""

    @abstractmethod
    def indicators(self, campaign: str) -> list[str]: ...


class ExportRows(ABC):
    """The rows of an export table, a partition at a time (one query, one snapshot)."""

    @abstractmethod
    def partitions(self, table: str, wanted: Any) -> AsyncGenerator[Sequence[Any], None]:
        """The rows of the table named ``table`` for the filter ``wanted``."""


class SummaryReader(ABC):
    """What the summary reports' counts are made of."""

    @abstractmethod
    def reporters(self, campaign: str) -> list[str]:
        """The kinds of reporter the campaign names (province, city, county, organizer, society)."""

    @abstractmethod
    def organizers(self, campaign: str, region: str) -> list[tuple[str, str]]:
        """(organizer, region code) of every counted activity inside ``region`` ('' for China), once each."""

    @abstractmethod
    def reports(self, campaign: str) -> list[tuple[str, str, str, bool]]:
        """(reporter, its kind, region code, submitted) of every report begun."""
