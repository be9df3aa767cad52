"""Payloads of the campaigns and units streams."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .base import EventPayload

Level = Literal["county", "city", "province", "national"]
LEVELS: tuple[Level, ...] = ("county", "city", "province", "national")
Quota = Annotated[int, Field(ge=1, le=1_000_000)]


class LocalRule(BaseModel):
    """A campaign's local assessment rule: activities matching ``match`` counted per ``per`` level.

    ``kind`` ``name_contains`` matches a keyword in the activity's name (Weinan: 食品安全),
    ``category`` an activity category.
    """

    model_config = ConfigDict(frozen=True)

    name: str
    kind: Literal["name_contains", "category"]
    match: str
    per: Literal["province", "city", "county"] = "county"


class LevelWindow(BaseModel):
    """When a level's bodies may recommend, endorse and decline; both days inclusive (China time)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    opens_on: date | None = None
    closes_on: date | None = None

    @model_validator(mode="after")
    def _ordered(self) -> LevelWindow:
        if self.opens_on and self.closes_on and self.opens_on > self.closes_on:
            raise ValueError("推荐窗口的开始日期晚于截止日期 (a level's window opens after it closes)")
        return self


class RecommendationChain(BaseModel):
    """A campaign's recommendation chain, the shape of ``settings["recommendation"]``.

    ``levels``, bottom-up, are the levels whose bodies recommend; each sends to the next, and the top
    one to ``forward_to``, whose endorsement is final (Weinan: county → city → province). With
    ``societies``, national societies also recommend straight to ``forward_to`` within their field, and
    with ``ministries`` / ``units`` ministries' systems (部委系统) and national units (各有关单位) likewise.
    ``commending``: the levels with the right to commend (表扬; absent: national only).
    ``quotas`` / ``unit_quotas``: how many activities / units a body of a level may send up (absent:
    no limit); ``society_quota`` / ``society_unit_quota`` the same for each society, and the quotas of
    ``forward_to`` how many it may finally endorse. ``windows``: when each level may act (absent: until
    the campaign's recommendation deadline).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    levels: list[Level] = Field(min_length=1, max_length=3)
    forward_to: Level
    societies: bool = False
    quotas: dict[Level, Quota] = Field(default_factory=dict)
    unit_quotas: dict[Level, Quota] = Field(default_factory=dict)
    society_quota: Quota | None = None
    society_unit_quota: Quota | None = None
    windows: dict[Level, LevelWindow] = Field(default_factory=dict)
    ministries: bool = Field(False, description="ministries' systems (部委系统, ministry:<name>) recommend too")
    units: bool = Field(False, description="national units of their own (各有关单位, unit:<name>) recommend too")
    commending: list[Level] = Field(
        default_factory=lambda: list[Level](["national"]),
        min_length=1,
        description="the levels that commend (表扬) what reached them; Weinan: the city as well as the nation",
    )

    @model_validator(mode="after")
    def _chain(self) -> RecommendationChain:
        ranks = [LEVELS.index(level) for level in self.levels]
        if ranks != sorted(set(ranks)):
            raise ValueError("推荐层级须自下而上、不重复 (levels go bottom-up, each once: county, city, province)")
        if LEVELS.index(self.forward_to) <= ranks[-1]:
            raise ValueError("forward_to 须高于最高推荐层级 (forward_to must be above the highest level)")
        chain = {*self.levels, self.forward_to}
        for name in ("quotas", "unit_quotas", "windows"):
            if stray := sorted(set(getattr(self, name)) - chain):
                raise ValueError(f"{name} 只能给链上的层级 (for levels not in the chain: {', '.join(stray)})")
        return self


Measure = Literal[
    "mobilisation", "scale", "publicity", "volunteering", "joint_actions", "online", "info_service", "public_evaluation"
]
MEASURES: tuple[Measure, ...] = (
    "mobilisation",
    "scale",
    "publicity",
    "volunteering",
    "joint_actions",
    "online",
    "info_service",
    "public_evaluation",
)
MAX_WEIGHT = 100


class IndicatorWeight(BaseModel):
    """One of a campaign's indicators (考核指标), the measure that computes it and its weight.

    The measures are defined in review's domain (``services/review/domain/scoring.py``, docs/review.md);
    a composite score is the weighted mean of the measures' 0–100 scores, so only the weights' ratios count.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    indicator: str = Field(min_length=1, max_length=50)
    measure: Measure
    weight: float = Field(ge=0, le=MAX_WEIGHT, allow_inf_nan=False)


def check_indicator_weights(indicators: list[str], weights: list[IndicatorWeight]) -> None:
    """Refuse weights that make no sense for ``indicators`` (ValueError with a Chinese message).

    Each weighted indicator is one of the campaign's indicators, named once, and each indicator is
    weighted; at least one weight is above zero (a composite of nothing means nothing).
    """
    named = [w.indicator for w in weights]
    if stray := [name for name in named if name not in indicators]:
        raise ValueError(f"指标权重中的“{'、'.join(stray)}”不是本年度的考核指标 (not one of the indicators)")
    if repeated := sorted({name for name in named if named.count(name) > 1}):
        raise ValueError(f"指标“{'、'.join(repeated)}”的权重重复给出 (an indicator weighted twice)")
    if missing := [name for name in indicators if name not in named]:
        raise ValueError(f"考核指标“{'、'.join(missing)}”没有权重 (every indicator needs a weight)")
    if not any(w.weight > 0 for w in weights):
        raise ValueError("指标权重不能全为 0，至少一项须大于 0 (at least one weight above zero)")


class CampaignConfigured(EventPayload):
    """An admin created or changed a campaign; the payload is the campaign's whole configuration."""

    event_type = "campaign-configured"
    version = 1

    campaign_id: str
    year: int
    title: str
    theme: str | None = None
    week_starts_on: date
    week_ends_on: date
    settings: dict[str, Any] = Field(default_factory=dict)
    registration_opens_on: date | None = None
    registration_closes_on: date | None = None
    info_completion_deadline: date | None = None
    summary_deadline: date | None = None
    recommendation_deadline: date | None = None
    categories: list[str] = Field(default_factory=list)
    joint_actions: list[str] = Field(default_factory=list)
    programmes: list[str] = Field(default_factory=list, description="Flagship programmes, e.g. 千馆展览探未来")
    themes: list[str] = Field(default_factory=list)
    target_groups: list[str] = Field(default_factory=list)
    indicators: list[str] = Field(default_factory=list)
    local_rules: list[LocalRule] = Field(default_factory=list)
    auto_approve: bool = Field(False, description="Activities are public on registration, without content review")
    indicator_weights: list[IndicatorWeight] | None = Field(
        None, description="Each indicator's measure and weight (absent: the indicators' usual measures, equal weights)"
    )


class UnitRegistered(EventPayload):
    """An organizer unit signed up. Contacts are masked here; the clear values stay in registration."""

    event_type = "unit-registered"
    version = 1

    unit_id: str
    name: str
    unit_type: str
    region_code: str
    contact_name_masked: str | None = None
    contact_phone_masked: str | None = None


class AccountDisabled(EventPayload):
    """An audit fact: an account was disabled; it cannot log in and its tokens are refused everywhere.

    ``by`` is the admin's account id, or ``operator`` for ``kepuri staff disable`` on the server.
    """

    event_type = "account-disabled"
    version = 1

    account_id: str
    role: str
    unit_id: str | None = None
    by: str


class AccountEnabled(EventPayload):
    """An audit fact: a disabled account may log in again (tokens from before it was disabled stay refused)."""

    event_type = "account-enabled"
    version = 1

    account_id: str
    role: str
    unit_id: str | None = None
    by: str


Reporter = Literal["county", "city", "province", "society", "organizer"]
REPORTERS: tuple[Reporter, ...] = ("county", "city", "province", "society", "organizer")


class SummaryReporting(BaseModel):
    """Who reports a summary (工作总结) of a campaign, the shape of ``settings["summary"]``.

    ``reporters``: the associations of these levels (each to the level above it: county → city,
    city → province, province → the national organisers), national societies (to the national
    organisers) and/or the organizer units (seen by every body whose region holds them). The
    deadline is the campaign's ``summary_deadline``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    reporters: list[Reporter] = Field(min_length=1, max_length=5)

    @model_validator(mode="after")
    def _distinct(self) -> SummaryReporting:
        if len(set(self.reporters)) != len(self.reporters):
            raise ValueError("报送单位类型不能重复 (each kind of reporter once)")
        return self


class AccountCreated(EventPayload):
    """An audit fact: a staff account was created, by the operator (``by`` ``operator``) or by an admin
    (its account id): a reviewer of a body with its level and jurisdiction, or an admin (a level admin has
    a level and a jurisdiction; the national admin none). No login, phone or password travels."""

    event_type = "account-created"
    version = 1

    account_id: str
    role: str
    level: str | None = None
    jurisdiction: str | None = None
    by: str


class PasswordChanged(EventPayload):
    """An audit fact: an account's password changed, by its holder (``how`` ``changed``, the old password
    given) or by a reset code sent to its phone (``reset``); its earlier tokens are refused from now on."""

    event_type = "password-changed"
    version = 1

    account_id: str
    how: Literal["changed", "reset"]
