"""What an export covers: one campaign, optionally a region (a GB/T 2260 prefix) and a span of days."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ..domain.errors import RuleBroken
from .values import REGIONS, campaign_label, region_name

REGION_PATTERN = r"^\d{2}(\d{2}){0,2}$"


@dataclass(frozen=True)
class ExportFilter:
    campaign: str
    region: str | None = None
    date_from: date | None = None
    date_to: date | None = None

    @property
    def scope(self) -> str:
        """Where the export covers, as a title starts: 全国, 陕西省, 渭南市 …"""
        return "全国" if self.region is None else region_name(self.region) or self.region

    @property
    def year(self) -> str:
        return campaign_label(self.campaign)

    @property
    def span(self) -> str:
        """The span of days, as a title ends (empty when none was asked for)."""
        if self.date_from is None and self.date_to is None:
            return ""
        start = self.date_from.isoformat() if self.date_from else ""
        end = self.date_to.isoformat() if self.date_to else ""
        return f"（{start}至{end}）"


def known(region: str) -> bool:
    """A division in the data set, or a municipality's city level (1101, 5002) that only its counties name."""
    if REGIONS.exists(region):
        return True
    return len(region) == 4 and any(REGIONS.exists(f"{region}{n:02d}") for n in range(1, 100))


def checked(campaign: str, region: str | None, date_from: date | None, date_to: date | None) -> ExportFilter:
    """The filter, once the region exists and the span is not reversed (refused naming the field otherwise)."""
    if region is not None and not known(region):
        raise RuleBroken("region", f"{region} is not a GB/T 2260 province, city or county code")
    if date_from is not None and date_to is not None and date_from > date_to:
        raise RuleBroken("date_from", f"date_from {date_from} is after date_to {date_to}")
    return ExportFilter(campaign, region, date_from, date_to)
