"""A campaign's recommendation chain as review applies it: who sends to whom, when, and how many.

The shape is the campaign's ``settings["recommendation"]`` (:class:`RecommendationChain`, shared
with registration, which validates it). A campaign without one has no recommendation step.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from pydantic import ValidationError

from shared.events.payloads.campaigns import Level, RecommendationChain

from .bodies import LEVEL_NAMES, Body
from .errors import DeadlinePassed, NotEligible, OutsideJurisdiction

Kind = Literal["activity", "unit"]
KIND_NAMES = {"activity": "优秀活动", "unit": "优秀组织单位"}


@dataclass(frozen=True)
class Chain:
    """The chain of one campaign, with the campaign's recommendation deadline as the default close."""

    campaign_id: str
    rule: RecommendationChain
    deadline: date | None = None

    @classmethod
    def of(cls, campaign_id: str, settings: dict[str, Any], deadline: date | None) -> Chain | None:
        """The chain in a campaign's settings; None when it has none (or one registration did not validate)."""
        document = settings.get("recommendation")
        if not isinstance(document, dict):
            return None
        try:
            return cls(campaign_id, RecommendationChain.model_validate(document), deadline)
        except ValidationError:
            return None

    @property
    def top(self) -> Level:
        return self.rule.forward_to

    def receiver_of(self, sender: Body) -> Level:
        """The level a body's recommendations go to (:class:`OutsideJurisdiction` if it may not send)."""
        if sender.field is not None:
            taking_part = {"society": self.rule.societies, "ministry": self.rule.ministries, "unit": self.rule.units}
            if not taking_part.get(sender.kind, False):
                raise OutsideJurisdiction(
                    f"本年度{sender.describe().split('·')[0]}不参与推荐 ({sender.kind} bodies do not recommend here)"
                )
            return self.top
        if sender.level not in self.rule.levels:
            levels = "、".join(LEVEL_NAMES[level] for level in self.rule.levels)
            raise OutsideJurisdiction(f"本年度由{levels}单位推荐 ({sender.level} bodies do not recommend here)")
        index = self.rule.levels.index(sender.level)
        return self.rule.levels[index + 1] if index + 1 < len(self.rule.levels) else self.top

    def above(self, level: Level) -> Level | None:
        """The level an endorsement at ``level`` sends to; None when ``level`` is the top (final)."""
        if level == self.top:
            return None
        index = self.rule.levels.index(level)
        return self.rule.levels[index + 1] if index + 1 < len(self.rule.levels) else self.top

    def require_commends(self, level: Level) -> None:
        """Refuse a commendation by ``level`` when the campaign does not give that level the right."""
        if level not in self.rule.commending:
            levels = "、".join(LEVEL_NAMES[lv] for lv in self.rule.commending)
            raise OutsideJurisdiction(
                f"本年度由{levels}予以表扬，{LEVEL_NAMES[level]}单位无表扬权 (the campaign's commending levels)"
            )

    def quota(self, body: Body, kind: Kind) -> int | None:
        """How many recommendations of ``kind`` the body may send up (or finally endorse); None: no limit."""
        if body.field is not None:
            return self.rule.society_quota if kind == "activity" else self.rule.society_unit_quota
        quotas = self.rule.quotas if kind == "activity" else self.rule.unit_quotas
        return quotas.get(body.level)

    def quota_name(self, body: Body, kind: Kind) -> str:
        return f"{body.describe()} {KIND_NAMES[kind]}推荐名额"

    def require_open(self, level: Level, today: date) -> None:
        """Refuse acting at ``level`` outside its window (:class:`DeadlinePassed` names the day)."""
        window = self.rule.windows.get(level)
        opens_on = window.opens_on if window else None
        closes_on = window.closes_on if window and window.closes_on else self.deadline
        if opens_on is not None and today < opens_on:
            raise NotEligible(f"{LEVEL_NAMES[level]}推荐自 {opens_on} 开始 (the {level} window opens on {opens_on})")
        if closes_on is not None and today > closes_on:
            raise DeadlinePassed(
                f"{LEVEL_NAMES[level]}推荐截止日期 {closes_on} 已过 (the {level} recommendation deadline {closes_on} has passed)"
            )
