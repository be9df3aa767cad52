"""What one activity adds to the statistics' counters (``activity_counts``), from its facts row.

The counters are a function of the facts: an activity's row (with its themes, target groups and the
levels of its recommendations in force) adds :func:`contributions` to them. The facts projection
computes an activity's contributions before and after a batch changes it and adds the difference, so
the counters always equal what the rows add up to, whatever the order of events, and a redelivered
event, which changes no row, changes no counter.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

# the measures, in the order of a contribution's vector
MEASURES = (
    "activities",
    "info_completed",
    "science_workers",
    "checkins",
    "feedback",
    "rating_sum",
    "online_works",
    "recommended",
    "commended",
)
# single-valued dimensions counted from the facts row's column of the same name
COLUMNS = ("category", "joint_action", "programme", "format", "level", "review")
ALL = ""  # the dimension of all activities; also the day of every day
RECOMMENDED = "recommended"

# (campaign, dimension, day, region_code, value)
Key = tuple[str, str, str, str, str]
Vector = tuple[int, ...]
ONE_RECOMMENDATION: Vector = (1, 0, 0, 0, 0, 0, 0, 0, 0)


def encode(value: object) -> str:
    """A dimension's value as the counters key it: "" for none, "=" + the value otherwise."""
    return "" if value is None else f"={value}"


def decode(value: str) -> str | None:
    return value[1:] if value else None


def counted(row: Mapping[str, Any] | None) -> bool:
    """Whether the statistics count this activity: registered (version > 0) and not withdrawn."""
    return row is not None and row["version"] > 0 and not row["withdrawn"]


def contributions(
    row: Mapping[str, Any] | None, themes: Iterable[str], targets: Iterable[str], levels: Iterable[str]
) -> dict[Key, Vector]:
    """What this activity adds to each counter (nothing unless :func:`counted`)."""
    if not counted(row):
        return {}
    assert row is not None
    vector = (
        1,
        int(bool(row["info_completed"])),
        int(row["science_workers"]),
        int(row["checkins"]),
        int(row["feedback"]),
        int(row["rating_sum"]),
        int(row["online_works"]),
        int(row["level"] is not None),
        int(bool(row["commended"])),
    )
    campaign, region = row["campaign"], row["region_code"]
    pairs = [(ALL, ""), *((c, encode(row[c])) for c in COLUMNS)]
    pairs += [("theme", encode(t)) for t in themes] + [("target_group", encode(t)) for t in targets]
    out: dict[Key, Vector] = {}
    for day in (ALL, row["day"]) if row["day"] else (ALL,):
        for dimension, value in pairs:
            out[(campaign, dimension, day, region, value)] = vector
        for level in levels:
            key = (campaign, RECOMMENDED, day, region, encode(level))
            got = out.get(key)
            out[key] = ONE_RECOMMENDATION if got is None else (got[0] + 1, *got[1:])
    return out


def add(into: dict[Key, list[int]], contribution: Mapping[Key, Vector], sign: int) -> None:
    """Add ``sign`` (1 or -1) × ``contribution`` to the batch's differences ``into``."""
    get = into.get
    if sign > 0:
        for key, vector in contribution.items():
            have = get(key)
            into[key] = list(vector) if have is None else [a + b for a, b in zip(have, vector, strict=True)]
    else:
        for key, vector in contribution.items():
            have = get(key)
            into[key] = [-b for b in vector] if have is None else [a - b for a, b in zip(have, vector, strict=True)]
