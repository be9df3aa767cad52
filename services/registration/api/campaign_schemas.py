"""Campaign schemas: what an admin sends (and the seed files hold) and what everyone reads.

The rules of a well-formed campaign live here, once: the API answers a broken one with 422
naming the field, and ``kepuri seed`` refuses a seed file by the same rules.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from shared.events.payloads.campaigns import (
    CampaignConfigured,
    IndicatorWeight,
    LocalRule,
    RecommendationChain,
    SummaryReporting,
    check_indicator_weights,
)
from shared.web.dates import Day, require_day

from ..domain.campaign import Campaign

SLUG = r"^[a-z0-9][a-z0-9-]{1,63}$"
# The first National Science Popularization Day was held in 2004 (2023 was the 20th: 科协发普字〔2023〕34号).
FIRST_YEAR, LAST_YEAR = 2004, 2100
MAX_ITEMS = 50
MAX_LOCAL_RULES = 20
MAX_SETTINGS_BYTES = 16_000
LEVELS = ("county", "city", "province", "national")
DEADLINES = {
    "info_completion_deadline": "信息完善截止日期",
    "summary_deadline": "工作总结截止日期",
    "recommendation_deadline": "推荐截止日期",
}

Level = Literal["county", "city", "province", "national"]
Item = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
FORBID = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _distinct(items: list[str]) -> list[str]:
    seen: set[str] = set()
    repeated = []
    for item in items:
        if item in seen:
            repeated.append(item)
        seen.add(item)
    if repeated:
        raise ValueError(f"列表中有重复项 (duplicate items): {'、'.join(dict.fromkeys(repeated))}")
    return items


Items = Annotated[list[Item], Field(max_length=MAX_ITEMS), AfterValidator(_distinct)]


class Week(BaseModel):
    """The concentrated week (集中活动周), both days inclusive."""

    starts_on: Day
    ends_on: Day


class RegistrationWindow(BaseModel):
    """When organizers may register activities, both days inclusive; an absent end is unbounded."""

    opens_on: Day | None = None
    closes_on: Day | None = None


class WeekIn(Week):
    model_config = FORBID

    @model_validator(mode="after")
    def _ordered(self) -> WeekIn:
        if self.starts_on > self.ends_on:
            raise ValueError("集中活动周的开始日期晚于结束日期 (the week starts after it ends)")
        return self


class RegistrationWindowIn(RegistrationWindow):
    model_config = FORBID

    @model_validator(mode="after")
    def _ordered(self) -> RegistrationWindowIn:
        if self.opens_on and self.closes_on and self.opens_on > self.closes_on:
            raise ValueError("登记开始日期晚于截止日期 (registration opens after it closes)")
        return self


class LocalRuleIn(BaseModel):
    """A local assessment rule: activities whose name contains ``match`` (or of category ``match``), counted per ``per``."""

    model_config = FORBID

    name: Item
    kind: Literal["name_contains", "category"]
    match: Item
    per: Literal["province", "city", "county"] = "county"


class ActivityPeriod(BaseModel):
    """The days a campaign's activities may be held (活动期), both inclusive; it holds the concentrated week."""

    model_config = FORBID

    starts_on: Day
    ends_on: Day

    @model_validator(mode="after")
    def _ordered(self) -> ActivityPeriod:
        if self.starts_on > self.ends_on:
            raise ValueError("活动期的开始日期晚于结束日期 (the activity period starts after it ends)")
        return self


class ScienceMap(BaseModel):
    """The 2024 notice's “发布区域科普地图，打造特色科普路线，构建30分钟科普服务圈”, as the public map shows it."""

    regional_map: bool = Field(True, description="区域科普地图: the public map shows this campaign (false: no map)")
    science_routes: bool = Field(False, description="科普路线: routes may be published and the map lists them")
    service_circle_minutes: Literal[30] = Field(30, description="科普服务圈: the map's near-me circle (30 min, 15 km)")


class CampaignSettings(BaseModel):
    """Settings for later steps; besides the named ones, any JSON value under any key."""

    model_config = ConfigDict(extra="allow", str_strip_whitespace=True)
    __pydantic_extra__: dict[str, JsonValue] = Field(init=False)

    recommendation: RecommendationChain | None = None
    region_code: str | None = Field(
        None, pattern=r"^[1-8]\d(\d{2}(\d{2})?)?$", description="the division a local campaign covers (absent: China)"
    )
    key_activity_plan_deadline: Day | None = Field(None, description="重点活动计划表 (附件1) due on this day")
    summary: SummaryReporting | None = Field(None, description="工作总结: who reports, by summary_deadline")
    activity_period: ActivityPeriod | None = Field(
        None, description="活动期: activities must be held within these days (absent: any time)"
    )
    science_map: ScienceMap | None = Field(None, description="what the public science map shows (2024)")

    @field_validator("recommendation")
    @classmethod
    def _windows_in_range(cls, chain: RecommendationChain | None) -> RecommendationChain | None:
        for window in chain.windows.values() if chain is not None else ():
            for day in (window.opens_on, window.closes_on):
                if day is not None:
                    require_day(day)
        return chain

    def document(self) -> dict[str, Any]:
        """The settings as JSON: what was given, the recommendation chain with its defaults spelt out."""
        document = self.model_dump(mode="json", exclude_unset=True)
        if self.recommendation is not None:
            document["recommendation"] = self.recommendation.model_dump(mode="json")
        return document


class CampaignIn(BaseModel):
    """A campaign's whole configuration: its windows, deadlines and the lists activities choose from.

    A list left empty accepts any value of its kind. Dates are China-local calendar days.
    """

    model_config = FORBID

    id: str = Field(pattern=SLUG, description="slug, e.g. 2024-national or 2022-weinan")
    year: int = Field(ge=FIRST_YEAR, le=LAST_YEAR)
    title: Text = Field(description="e.g. 2024年全国科普日")
    theme: Text | None = Field(None, description="主题")
    week: WeekIn = Field(description="集中活动周, within the campaign's year")
    registration: RegistrationWindowIn = Field(default_factory=RegistrationWindowIn, description="登记发布")
    info_completion_deadline: Day | None = None
    summary_deadline: Day | None = None
    recommendation_deadline: Day | None = None
    categories: Items = Field(default_factory=list, description="e.g. 主场活动, 系列联合行动")
    joint_actions: Items = Field(default_factory=list)
    programmes: Items = Field(default_factory=list, description="flagship programmes, e.g. 千馆展览探未来")
    themes: Items = Field(default_factory=list)
    target_groups: Items = Field(default_factory=list)
    indicators: Items = Field(default_factory=list, description="what organisers are judged on")
    local_rules: list[LocalRuleIn] = Field(default_factory=list, max_length=MAX_LOCAL_RULES)
    auto_approve: bool = Field(False, description="activities are public on registration, without content review")
    settings: CampaignSettings = Field(default_factory=CampaignSettings)
    indicator_weights: list[IndicatorWeight] | None = Field(
        None,
        max_length=MAX_ITEMS,
        description="each indicator's measure and weight (absent: the indicators' usual measures, equal weights)",
    )

    @field_validator("week")
    @classmethod
    def _in_its_year(cls, week: WeekIn, info: ValidationInfo) -> WeekIn:
        year = info.data.get("year")
        if year is not None and week.starts_on.year != year:
            raise ValueError(f"集中活动周须在 {year} 年内 (the week must fall in the campaign's year)")
        return week

    @field_validator(*DEADLINES)
    @classmethod
    def _after_the_week_starts(cls, deadline: date | None, info: ValidationInfo) -> date | None:
        week = info.data.get("week")
        if deadline is not None and week is not None and deadline < week.starts_on:
            label = DEADLINES[str(info.field_name)]
            raise ValueError(f"{label}不能早于集中活动周开始日 {week.starts_on} (must not be before the week starts)")
        return deadline

    @field_validator("local_rules")
    @classmethod
    def _rules_fit(cls, rules: list[LocalRuleIn], info: ValidationInfo) -> list[LocalRuleIn]:
        _distinct([rule.name for rule in rules])
        categories = info.data.get("categories") or []
        for rule in rules:
            if rule.kind == "category" and categories and rule.match not in categories:
                raise ValueError(f"规则“{rule.name}”的类别 {rule.match} 不在 categories 中 (not one of the categories)")
        return rules

    @field_validator("indicator_weights")
    @classmethod
    def _weights_fit(cls, weights: list[IndicatorWeight] | None, info: ValidationInfo) -> list[IndicatorWeight] | None:
        if weights is not None:
            check_indicator_weights(info.data.get("indicators") or [], weights)
        return weights

    @field_validator("settings")
    @classmethod
    def _bounded(cls, settings: CampaignSettings, info: ValidationInfo) -> CampaignSettings:
        week, period = info.data.get("week"), settings.activity_period
        if (
            week is not None
            and period is not None
            and not (period.starts_on <= week.starts_on <= week.ends_on <= period.ends_on)
        ):
            raise ValueError("活动期须包含集中活动周 (the activity period must hold the concentrated week)")
        if len(json.dumps(settings.document(), ensure_ascii=False).encode()) > MAX_SETTINGS_BYTES:
            raise ValueError(f"settings 过大 (at most {MAX_SETTINGS_BYTES} bytes of JSON)")
        return settings

    def campaign(self) -> Campaign:
        """The domain campaign this configuration describes, read as the event that configures it (the
        one mapping of a campaign's fields is the domain's, :meth:`Campaign.of`)."""
        return Campaign.of(self.configured())

    def configured(self) -> CampaignConfigured:
        """The ``campaign-configured`` event of this configuration."""
        return CampaignConfigured(
            campaign_id=self.id,
            week_starts_on=self.week.starts_on,
            week_ends_on=self.week.ends_on,
            registration_opens_on=self.registration.opens_on,
            registration_closes_on=self.registration.closes_on,
            local_rules=[LocalRule(**rule.model_dump()) for rule in self.local_rules],
            settings=self.settings.document(),
            **self.model_dump(exclude={"id", "week", "registration", "local_rules", "settings"}),
        )


class CampaignOut(CampaignIn):
    """A campaign as configured, with its version (also its ETag)."""

    version: int


class CampaignList(BaseModel):
    """Every campaign, the newest year first."""

    items: list[CampaignOut]


def campaign_document(campaign: Campaign, version: int) -> dict[str, Any]:
    """A campaign as the API answers it (the shape of :class:`CampaignOut`)."""

    def day(value: date | None) -> str | None:
        return value.isoformat() if value else None

    return {
        "id": campaign.id,
        "version": version,
        "year": campaign.year,
        "title": campaign.title,
        "theme": campaign.theme,
        "week": {"starts_on": day(campaign.week.opens_on), "ends_on": day(campaign.week.closes_on)},
        "registration": {
            "opens_on": day(campaign.registration.opens_on),
            "closes_on": day(campaign.registration.closes_on),
        },
        **{name: day(getattr(campaign, name)) for name in DEADLINES},
        "categories": list(campaign.categories),
        "joint_actions": list(campaign.joint_actions),
        "programmes": list(campaign.programmes),
        "themes": list(campaign.themes),
        "target_groups": list(campaign.target_groups),
        "indicators": list(campaign.indicators),
        "local_rules": [rule.model_dump(mode="json") for rule in campaign.local_rules],
        "auto_approve": campaign.auto_approve,
        "settings": campaign.settings,
        # only where the campaign weighs its indicators (an optional field, absent before it existed)
        **(
            {"indicator_weights": [w.model_dump(mode="json") for w in campaign.indicator_weights]}
            if campaign.indicator_weights is not None
            else {}
        ),
    }
