"""Registration's API schemas: what clients send and receive (not tables, not event payloads)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from ..domain.activity import Activity


class ActivityIn(BaseModel):
    """A minimal activity registration."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=2, max_length=100, description="活动名称")
    organizer: str = Field(min_length=2, max_length=100, description="举办单位名称")
    region_code: str = Field(
        pattern=r"^[1-8]\d(\d{2}(\d{2})?)?$",
        description="GB/T 2260 division code (province 2, city 4, county 6 digits)",
    )
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    format: Literal["offline", "online", "both"] = "offline"
    campaign_id: str | None = Field(None, max_length=64)


class ActivityOut(BaseModel):
    id: str
    version: int
    status: str
    name: str
    organizer: str
    region_code: str
    starts_at: datetime
    ends_at: datetime
    format: str
    campaign_id: str | None

    @classmethod
    def of(cls, activity: Activity) -> ActivityOut:
        return cls(
            id=activity.id,
            version=activity.version,
            status=activity.status,
            name=activity.name,
            organizer=activity.organizer_name,
            region_code=activity.region_code,
            starts_at=activity.starts_at,
            ends_at=activity.ends_at,
            format=activity.format,
            campaign_id=activity.campaign_id,
        )


class WithdrawalIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reason: str | None = Field(None, max_length=500)
