"""Summary reports (工作总结) counted per region: how many reporters were due and how many reported.

Due, inside a region: the divisions of each reporting level the campaign names (from the packaged
GB/T 2260 list: every county of a city, whether or not it held an activity), and, where organizers
report, every unit with a registered (not withdrawn) activity of the campaign there, or with a report.
National societies report by field, not by region: they are one line of their own at national level,
due being the societies that began a report.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from shared.regions import PackagedRegions

from .ports import SummaryReader

DIGITS = {"province": 2, "city": 4, "county": 6}


def summary_counts(reader: SummaryReader, campaign: str, region: str, regions: PackagedRegions) -> dict[str, Any]:
    """Reported / due per division one level below ``region`` ('' for China), and in total."""
    kinds = reader.reporters(campaign)
    children = [(code, name) for code, name in regions.children(region)] or [(region, regions.name(region) or region)]
    depth = len(children[0][0])
    due: defaultdict[str, set[str]] = defaultdict(set)
    reported: defaultdict[str, set[str]] = defaultdict(set)
    for kind in kinds:
        digits = DIGITS.get(kind)
        if digits is not None:
            for code in _codes(regions, region, digits):
                due[code[:depth]].add(f"{kind}:{code}")
    if "organizer" in kinds:
        for organizer_id, code in reader.organizers(campaign, region):
            due[code[:depth]].add(f"organizer:{organizer_id}")
    societies: dict[str, bool] = {}
    for reporter, kind, code, submitted in reader.reports(campaign):
        if kind not in kinds:
            continue
        if kind == "society":
            societies[reporter] = bool(submitted)
            continue
        if not code.startswith(region):
            continue
        due[code[:depth]].add(reporter)
        if submitted:
            reported[code[:depth]].add(reporter)
    lines = [
        {"region_code": code, "name": name, "due": len(due[code]), "reported": len(reported[code])}
        for code, name in children
    ]
    if societies and not region:
        lines.append(
            {"region_code": "", "name": "全国学会", "due": len(societies), "reported": sum(societies.values())}
        )
    return {
        "campaign": campaign,
        "reporters": kinds,
        "due": sum(line["due"] for line in lines),
        "reported": sum(line["reported"] for line in lines),
        "regions": lines,
    }


def _codes(regions: PackagedRegions, under: str, digits: int) -> list[str]:
    """Every division code of ``digits`` digits inside ``under`` (itself when it is of that level)."""
    if len(under) == digits:
        return [under] if regions.exists(under) else []
    if len(under) > digits:
        return []
    out: list[str] = []
    for code, _name in regions.children(under):
        if len(code) == digits:
            out.append(code)
        elif len(code) < digits:
            out.extend(_codes(regions, code, digits))
    return out
