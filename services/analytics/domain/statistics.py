"""The statistics' vocabulary: what may be asked (filters, dimensions) and the measures of a group.

An activity counts once it is registered and while it is not withdrawn; ``Filters`` narrow it to a
campaign, a region prefix (province 2, city 4, county 6 digits) and a range of start days (China time).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Literal, get_args

Dimension = Literal[
    "province",
    "city",
    "county",
    "category",
    "joint_action",
    "programme",
    "theme",
    "target_group",
    "format",
    "day",
    "level",
    "review",
]
DIMENSIONS: tuple[Dimension, ...] = get_args(Dimension)
REGIONAL = ("province", "city", "county")
LEVELS = ("county", "city", "province", "national")
DAY_OF_MINUTES = 1440
Board = Literal["unit", "province", "city", "county"]


@dataclass(frozen=True)
class Filters:
    campaign: str
    region: str | None = None
    date_from: date | None = None
    date_to: date | None = None


@dataclass(frozen=True)
class Measures:
    """The sums over one group of activities (``key``: the group's value of the dimension)."""

    key: str | None = None
    activities: int = 0
    info_completed: int = 0
    science_workers: int = 0
    checkins: int = 0
    feedback: int = 0
    rating_sum: int = 0
    online_works: int = 0

    def figures(self) -> dict[str, Any]:
        """The measures, with the completion rate and the average rating derived."""
        n, feedback = self.activities, self.feedback
        return {
            "activities": n,
            "info_completed": self.info_completed,
            "completion_rate": round(self.info_completed / n, 4) if n else None,
            "science_workers": self.science_workers,
            "checkins": self.checkins,
            "feedback": feedback,
            "rating_avg": round(self.rating_sum / feedback, 2) if feedback else None,
            "online_works": self.online_works,
        }


@dataclass(frozen=True)
class UnitMeasures(Measures):
    """A scoreboard's group: the measures, how many are recommended and commended, and the unit's name."""

    recommended: int = 0
    commended: int = 0
    unit_name: str | None = None
