"""The recommendation chain's rules: recommend, endorse, decline, withdraw, commend.

A recommendation is an aggregate of its own: ``recommended`` (or ``unit-recommended``) opens it,
pending at the level above its sender; each ``recommendation-endorsed`` lifts it one level until the
chain's top endorses it (``selected``); ``recommendation-declined`` and ``recommendation-withdrawn``
end it; ``commended`` crowns a selected one. Nothing is ever edited: a changed mind is a new event.
Quotas are the service's to enforce (they need every recommendation of a body at once).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import Literal

from shared.events.payloads.campaigns import LEVELS, Level
from shared.events.payloads.reviews import (
    Commended,
    RecommendationDeclined,
    RecommendationEndorsed,
    RecommendationWithdrawn,
)

from .bodies import LEVEL_NAMES, Body
from .chain import Chain, Kind
from .errors import NotEligible, OutsideJurisdiction, WrongState

Status = Literal["pending", "selected", "declined", "withdrawn"]
STATUS_NAMES = {"pending": "待审核", "selected": "已入选", "declined": "未通过", "withdrawn": "已撤回"}


@dataclass(frozen=True)
class Step:
    """One act on a recommendation, as its history shows it."""

    action: Literal["recommended", "endorsed", "declined", "withdrawn", "commended"]
    level: Level
    body: str
    text: str | None
    on: date


@dataclass(frozen=True)
class Recommendation:
    """A recommendation of an activity or a unit, where it stands in the chain, and its history."""

    id: str
    campaign_id: str
    kind: Kind
    subject_id: str
    region_code: str
    fields: tuple[str, ...]
    origin: str
    level: Level
    status: Status = "pending"
    version: int = 1
    commended: bool = False
    history: tuple[Step, ...] = field(default_factory=tuple)

    def subject_in(self, body: Body) -> bool:
        return body.covers(self.region_code, self.fields)


@dataclass(frozen=True)
class Eligibility:
    """What the rule asks of an activity before it is recommended (DESIGN §2, the Weinan rule)."""

    registered: bool
    approved: bool
    info_completed: bool

    def require(self) -> None:
        failing = [
            text
            for ok, text in (
                (self.registered, "活动须已登记且未撤销 (registered and not withdrawn)"),
                (self.approved, "活动须已通过内容审核 (approved by content review)"),
                (self.info_completed, "活动信息须已完善 (its information completed)"),
            )
            if not ok
        ]
        if failing:
            raise NotEligible("不符合推荐条件：" + "；".join(failing))


def require_sender(chain: Chain, body: Body, region_code: str, fields: tuple[str, ...], what: str) -> Level:
    """The level ``body`` recommends to, once it may recommend a subject in ``region_code``."""
    to_level = chain.receiver_of(body)
    body.require(region_code, fields, what=what)
    return to_level


def _acting(rec: Recommendation, body: Body, chain: Chain, today: date) -> None:
    """Only a body of the level the recommendation waits at, with jurisdiction, in that level's window."""
    if rec.status != "pending":
        raise WrongState(f"该推荐已{STATUS_NAMES[rec.status]}，不能再审核 (the recommendation is {rec.status})")
    if body.field is not None:
        raise OutsideJurisdiction("全国学会只推荐，不审核推荐 (national societies recommend; they do not endorse)")
    if body.level != rec.level:
        raise OutsideJurisdiction(
            f"该推荐待{LEVEL_NAMES[rec.level]}审核 (it waits at the {rec.level} level, not at {body.id})"
        )
    if not rec.subject_in(body):
        raise OutsideJurisdiction(f"推荐对象不在本单位（{body.describe()}）的管辖范围内 (outside {body.id})")
    chain.require_open(rec.level, today)


def endorse(
    rec: Recommendation, body: Body, chain: Chain, opinion: str, today: date
) -> tuple[Recommendation, RecommendationEndorsed]:
    """The waiting level endorses with its review opinion: one level up, or selected at the top."""
    _acting(rec, body, chain, today)
    above = chain.above(rec.level)
    step = Step("endorsed", rec.level, body.id, opinion, today)
    moved = replace(
        rec,
        level=above or rec.level,
        status="pending" if above else "selected",
        version=rec.version + 1,
        history=(*rec.history, step),
    )
    return moved, RecommendationEndorsed(
        recommendation_id=rec.id, subject=rec.kind, level=rec.level, body=body.id, opinion=opinion
    )


def decline(
    rec: Recommendation, body: Body, chain: Chain, reason: str, today: date
) -> tuple[Recommendation, RecommendationDeclined]:
    """The waiting level declines with a reason; the recommendation ends there."""
    _acting(rec, body, chain, today)
    step = Step("declined", rec.level, body.id, reason, today)
    ended = replace(rec, status="declined", version=rec.version + 1, history=(*rec.history, step))
    return ended, RecommendationDeclined(
        recommendation_id=rec.id, subject=rec.kind, level=rec.level, body=body.id, reason=reason
    )


def withdraw(
    rec: Recommendation, body: Body, reason: str | None, today: date
) -> tuple[Recommendation, RecommendationWithdrawn]:
    """The recommending body takes its recommendation back, before anyone above has acted on it."""
    if body.id != rec.origin:
        raise OutsideJurisdiction(f"只有推荐单位 {rec.origin} 可以撤回 (only the recommending body withdraws)")
    if rec.status != "pending" or len(rec.history) > 1:
        raise WrongState("上级已审核该推荐，不能撤回 (the next level has acted on it; it can no longer be withdrawn)")
    step = Step("withdrawn", rec.history[0].level if rec.history else rec.level, body.id, reason, today)
    ended = replace(rec, status="withdrawn", version=rec.version + 1, history=(*rec.history, step))
    return ended, RecommendationWithdrawn(recommendation_id=rec.id, subject=rec.kind, body=body.id, reason=reason)


def commend(
    rec: Recommendation, body: Body, citation: str | None, today: date, chain: Chain | None = None
) -> tuple[Recommendation, Commended]:
    """A commending level commends (表扬) what reached it, once per level: the national organisers what
    the chain selected; a lower level the campaign gives the right (Weinan: the city) what its own bodies
    endorsed up to it, inside its jurisdiction (the whole chain goes on: the city also 择优上报)."""
    if body.field is not None or (body.level == "national" and body.jurisdiction):
        raise OutsideJurisdiction("只有有表扬权的组织单位可以表扬 (only a commending level commends)")
    if chain is not None:
        chain.require_commends(body.level)
    elif body.level != "national":
        raise OutsideJurisdiction("只有全国组织单位可以表扬 (only the national organisers commend)")
    if any(step.action == "commended" and step.level == body.level for step in rec.history):
        raise WrongState("已表扬 (already commended)")
    if body.level == "national":
        if rec.status != "selected":
            raise NotEligible(
                f"只能表扬已入选的推荐 (only a selected recommendation is commended; this one is {rec.status})"
            )
    else:
        if not rec.subject_in(body):
            raise OutsideJurisdiction(f"推荐对象不在本单位（{body.describe()}）的管辖范围内 (outside {body.id})")
        reached = rec.status == "selected" or LEVELS.index(rec.level) >= LEVELS.index(body.level)
        if rec.status not in ("pending", "selected") or not reached:
            raise NotEligible(
                f"只能表扬已报送至{LEVEL_NAMES[body.level]}的推荐 (only one that reached the {body.level} level)"
            )
    step = Step("commended", body.level, body.id, citation, today)
    crowned = replace(rec, commended=True, version=rec.version + 1, history=(*rec.history, step))
    level = None if body.level == "national" else body.level
    return crowned, Commended(
        subject=rec.kind, subject_id=rec.subject_id, citation=citation, recommendation_id=rec.id, level=level
    )
