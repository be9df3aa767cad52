"""A campaign (one year's edition) as registration needs it: windows, deadlines and the lists it allows.

Dates are China-local calendar days (Asia/Shanghai), both ends inclusive; ``None`` means the
campaign's notice sets no bound there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from shared.events.payloads.campaigns import CampaignConfigured, IndicatorWeight, LocalRule

from .errors import RuleBroken

CHINA = ZoneInfo("Asia/Shanghai")


def china_day(moment: datetime) -> date:
    """The calendar day in China at ``moment``."""
    return moment.astimezone(CHINA).date()


@dataclass(frozen=True)
class Window:
    """Calendar days from ``opens_on`` to ``closes_on``, inclusive; an open end is unbounded."""

    opens_on: date | None
    closes_on: date | None

    def contains(self, day: date) -> bool:
        return (self.opens_on is None or self.opens_on <= day) and (self.closes_on is None or day <= self.closes_on)

    def describe(self) -> str:
        """The window as a person reads it: 2026年11月1日至2026年12月4日 (起 / 止 for an open end)."""
        if self.opens_on and self.closes_on:
            return f"{chinese_date(self.opens_on)}至{chinese_date(self.closes_on)}"
        if self.opens_on:
            return f"{chinese_date(self.opens_on)}起"
        if self.closes_on:
            return f"至{chinese_date(self.closes_on)}止"
        return "不限"

    def describe_iso(self) -> str:
        """The window in ISO dates, for the English part of a message: 2026-11-01 to 2026-12-04."""
        opens = self.opens_on.isoformat() if self.opens_on else "..."
        closes = self.closes_on.isoformat() if self.closes_on else "..."
        return f"{opens} to {closes}"


def _day(value: object) -> date | None:
    if isinstance(value, date):
        return value
    return date.fromisoformat(value) if isinstance(value, str) and value else None


def chinese_date(day: date) -> str:
    """2026-11-01 as 2026年11月1日, the way the site writes dates."""
    return f"{day.year}年{day.month}月{day.day}日"


@dataclass(frozen=True)
class Campaign:
    """A campaign's configuration (the whole of its ``campaign-configured`` event)."""

    id: str
    year: int
    title: str
    theme: str | None
    week: Window
    registration: Window
    info_completion_deadline: date | None = None
    summary_deadline: date | None = None
    recommendation_deadline: date | None = None
    categories: tuple[str, ...] = ()
    joint_actions: tuple[str, ...] = ()
    programmes: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    target_groups: tuple[str, ...] = ()
    indicators: tuple[str, ...] = ()
    local_rules: tuple[LocalRule, ...] = ()
    auto_approve: bool = False
    settings: dict[str, object] = field(default_factory=dict)
    indicator_weights: tuple[IndicatorWeight, ...] | None = None

    @classmethod
    def of(cls, event: CampaignConfigured) -> Campaign:
        return cls(
            id=event.campaign_id,
            year=event.year,
            title=event.title,
            theme=event.theme,
            week=Window(event.week_starts_on, event.week_ends_on),
            registration=Window(event.registration_opens_on, event.registration_closes_on),
            info_completion_deadline=event.info_completion_deadline,
            summary_deadline=event.summary_deadline,
            recommendation_deadline=event.recommendation_deadline,
            categories=tuple(event.categories),
            joint_actions=tuple(event.joint_actions),
            programmes=tuple(event.programmes),
            themes=tuple(event.themes),
            target_groups=tuple(event.target_groups),
            indicators=tuple(event.indicators),
            local_rules=tuple(event.local_rules),
            auto_approve=event.auto_approve,
            settings=dict(event.settings),
            indicator_weights=tuple(event.indicator_weights) if event.indicator_weights is not None else None,
        )

    def event(self) -> CampaignConfigured:
        assert self.week.opens_on is not None and self.week.closes_on is not None
        return CampaignConfigured(
            campaign_id=self.id,
            year=self.year,
            title=self.title,
            theme=self.theme,
            week_starts_on=self.week.opens_on,
            week_ends_on=self.week.closes_on,
            registration_opens_on=self.registration.opens_on,
            registration_closes_on=self.registration.closes_on,
            info_completion_deadline=self.info_completion_deadline,
            summary_deadline=self.summary_deadline,
            recommendation_deadline=self.recommendation_deadline,
            categories=list(self.categories),
            joint_actions=list(self.joint_actions),
            programmes=list(self.programmes),
            themes=list(self.themes),
            target_groups=list(self.target_groups),
            indicators=list(self.indicators),
            local_rules=list(self.local_rules),
            auto_approve=self.auto_approve,
            settings=dict(self.settings),
            indicator_weights=list(self.indicator_weights) if self.indicator_weights is not None else None,
        )

    @property
    def region_code(self) -> str | None:
        """The division a local campaign covers (``settings.region_code``, e.g. 渭南市 6105); None: China."""
        code = self.settings.get("region_code")
        return code if isinstance(code, str) and code else None

    @property
    def activity_period(self) -> Window | None:
        """The days an activity of this campaign may be held (``settings.activity_period``); None: unbounded.

        The seeds set it from each notice: the concentrated week and what the notice allows around it.
        """
        period = self.settings.get("activity_period")
        if not isinstance(period, dict):
            return None
        return Window(_day(period.get("starts_on")), _day(period.get("ends_on")))

    def covers(self, region_code: str) -> bool:
        """Whether a place or unit in ``region_code`` lies in the campaign's region (a code prefix)."""
        return self.region_code is None or region_code.startswith(self.region_code)

    # --- the rules activities must keep -------------------------------------------------------

    def require_in_region(self, region_code: str) -> None:
        """Refuse an activity held outside a local campaign's region, naming both divisions."""
        if not self.covers(region_code):
            raise RuleBroken(
                "region_code",
                f"活动地区 {region_code} 不在{self.title}的范围（行政区划 {self.region_code}）内 "
                f"(the activity's region {region_code} lies outside the campaign's region {self.region_code})",
            )

    def require_unit_in_region(self, region_code: str) -> None:
        """Refuse a unit from outside a local campaign's region: its activities belong to another campaign."""
        if not self.covers(region_code):
            raise RuleBroken(
                "campaign_id",
                f"本单位所在地区 {region_code} 不在{self.title}的范围（行政区划 {self.region_code}）内，"
                f"请在本地区的活动年度中登记 (the unit's region {region_code} lies outside the campaign's "
                f"region {self.region_code})",
            )

    def require_in_activity_period(self, starts_at: datetime, ends_at: datetime) -> None:
        """Refuse an activity held (in China days) outside the campaign's activity period, naming the period."""
        period = self.activity_period
        if period is None:
            return
        for name, moment in (("starts_at", starts_at), ("ends_at", ends_at)):
            if not period.contains(china_day(moment)):
                raise RuleBroken(
                    name,
                    f"活动时间不在{self.title}的活动期内：活动须在{period.describe()}期间举办 "
                    f"(outside the campaign's activity period {period.describe_iso()})",
                )

    def require_registration_open(self, now: datetime) -> None:
        """Refuse a submission outside the registration window, naming the window."""
        if not self.registration.contains(china_day(now)):
            raise RuleBroken(
                "campaign_id",
                f"不在登记时间内：{self.title}的活动登记时间为{self.registration.describe()} "
                f"(outside the registration window {self.registration.describe_iso()})",
            )

    def require_info_completion_open(self, now: datetime) -> None:
        """Refuse info completion after the campaign's deadline, naming it."""
        deadline = self.info_completion_deadline
        if deadline is not None and china_day(now) > deadline:
            raise RuleBroken(
                "info_completion_deadline",
                f"信息完善已截止：截止日期为 {deadline.isoformat()} (the info-completion deadline {deadline} has passed)",
            )

    def require_choices(
        self,
        *,
        category: str | None,
        joint_action: str | None,
        programme: str | None,
        themes: tuple[str, ...],
        target_groups: tuple[str, ...],
    ) -> None:
        """Refuse a category, joint action, programme, theme or target group the campaign does not list.

        A campaign that lists none of a kind accepts any value of that kind.
        """
        for name, values, allowed in (
            ("category", (category,) if category else (), self.categories),
            ("joint_action", (joint_action,) if joint_action else (), self.joint_actions),
            ("programme", (programme,) if programme else (), self.programmes),
            ("themes", themes, self.themes),
            ("target_groups", target_groups, self.target_groups),
        ):
            unknown = [v for v in values if allowed and v not in allowed]
            if unknown:
                raise RuleBroken(
                    name, f"{'、'.join(unknown)} 不在本次活动的可选项中 (not one of: {'、'.join(allowed)})"
                )

    def deadlines(self) -> dict[str, date]:
        """The campaign's dated steps, by name."""
        steps = {
            "registration_closes_on": self.registration.closes_on,
            "info_completion_deadline": self.info_completion_deadline,
            "summary_deadline": self.summary_deadline,
            "recommendation_deadline": self.recommendation_deadline,
        }
        return {name: day for name, day in steps.items() if day is not None}
