"""What one activity adds to the statistics' counters (``activity_counts``), from its facts row.

The counters are a function of the facts: an activity's row (with its themes, target groups and the
levels of its recommendations in force) adds :func:`contributions` to them. The facts projection
computes an activity's contributions before and after a batch changes it and adds the difference, so
the counters always equal what the rows add up to, whatever the order of events, and a redelivered
event, which changes no row, changes no counter.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

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


class Contribution(NamedTuple):
    """What one activity adds: ``vector`` to each counter of ``keys``, one recommendation to each of
    ``recommended`` (a key once per recommendation in force at its level)."""

    vector: Vector
    keys: tuple[Key, ...]
    recommended: tuple[Key, ...]


NOTHING = Contribution((), (), ())


def contributions(
    row: Mapping[str, Any] | None, themes: Iterable[str], targets: Iterable[str], levels: Iterable[str]
) -> Contribution:
    """What this activity adds to the counters (nothing unless :func:`counted`)."""
    if not counted(row):
        return NOTHING
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
    campaign, region, day = row["campaign"], row["region_code"], row["day"]
    pairs = [(ALL, ""), *((c, encode(row[c])) for c in COLUMNS)]
    pairs += [("theme", encode(t)) for t in themes] + [("target_group", encode(t)) for t in targets]
    days = (ALL, day) if day else (ALL,)
    keys = tuple((campaign, dimension, d, region, value) for d in days for dimension, value in pairs)
    recommended = tuple((campaign, RECOMMENDED, d, region, encode(level)) for d in days for level in levels)
    return Contribution(vector, keys, recommended)


class Differences:
    """The counters' differences of a batch (or a recount), summed in memory: each counter's vectors
    are collected and added up once at the end, column by column."""

    def __init__(self) -> None:
        self.members: dict[Key, list[Vector]] = {}

    def add(self, contribution: Contribution, sign: int = 1) -> None:
        if not contribution.keys:
            return
        members = self.members
        vector = contribution.vector if sign > 0 else tuple(-n for n in contribution.vector)
        one = ONE_RECOMMENDATION if sign > 0 else tuple(-n for n in ONE_RECOMMENDATION)
        for key in contribution.keys:
            got = members.get(key)
            if got is None:
                members[key] = [vector]
            else:
                got.append(vector)
        for key in contribution.recommended:
            got = members.get(key)
            if got is None:
                members[key] = [one]
            else:
                got.append(one)

    def totals(self) -> dict[Key, list[int]]:
        """Each counter's difference (all-zero ones included)."""
        return {
            key: list(vectors[0]) if len(vectors) == 1 else list(map(sum, zip(*vectors, strict=True)))
            for key, vectors in self.members.items()
        }
