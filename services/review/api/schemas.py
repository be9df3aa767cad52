"""Recommendation schemas: the forms 附件3 (activities) and 附件2 (units), the acts on a recommendation,
and a recommendation as reviewers read it."""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from shared.web.dates import Zoned

from ..domain.recommendations import Recommendation
from ..service.recommending import ActivityNomination, UnitNomination

FORBID = ConfigDict(extra="forbid", str_strip_whitespace=True)
Short = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Long = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")]
Id = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]


class ActivityNominationIn(BaseModel):
    """推荐优秀活动 (form 附件3)."""

    model_config = FORBID

    campaign_id: Id
    activity_id: Id
    reason: Long = Field(description="推荐理由")
    main_content: Long = Field(description="主要内容")
    contact_name: Short = Field(description="联系人")
    contact_phone: Phone = Field(description="联系电话: a mainland mobile or a landline with area code")
    opinion: Long | None = Field(None, description="推荐单位意见")

    def nomination(self) -> ActivityNomination:
        return ActivityNomination(**self.model_dump())


class UnitNominationIn(BaseModel):
    """推荐先进（优秀组织）单位 (form 附件2)."""

    model_config = FORBID

    campaign_id: Id
    unit_id: Id
    unit_level: Short = Field(description="单位级别, e.g. 市级、县级")
    staff_count: int = Field(ge=1, le=10_000_000, description="职工总数")
    contact_name: Short = Field(description="联系人")
    contact_phone: Phone = Field(description="联系电话")
    deeds: Long = Field(description="主要事迹")
    opinion: Long | None = Field(None, description="推荐单位审核意见")

    def nomination(self) -> UnitNomination:
        return UnitNomination(**self.model_dump())


class EndorseIn(BaseModel):
    model_config = FORBID
    opinion: Long = Field(description="审核意见")


class DeclineIn(BaseModel):
    model_config = FORBID
    reason: Long = Field(description="不予推荐的理由")


class WithdrawIn(BaseModel):
    model_config = FORBID
    reason: Long | None = None


class CommendIn(BaseModel):
    model_config = FORBID
    citation: Long | None = Field(None, description="表扬词")


class StepOut(BaseModel):
    action: Literal["recommended", "endorsed", "declined", "withdrawn", "commended"]
    level: str
    body: str
    text: str | None
    on: date


class RecommendationOut(BaseModel):
    """A recommendation: where it waits (``level``), its status, its form and its immutable history."""

    id: str
    campaign_id: str
    kind: Literal["activity", "unit"]
    subject_id: str
    subject_name: str
    unit_name: str
    region_code: str
    origin: str
    level: str
    status: Literal["pending", "selected", "declined", "withdrawn"]
    commended: bool
    version: int
    form: dict[str, Any]
    history: list[StepOut]
    created_at: Zoned

    @classmethod
    def of(cls, rec: Recommendation, row: dict[str, Any]) -> RecommendationOut:
        return cls(
            id=rec.id,
            campaign_id=rec.campaign_id,
            kind=rec.kind,
            subject_id=rec.subject_id,
            subject_name=row["subject_name"],
            unit_name=row["unit_name"],
            region_code=rec.region_code,
            origin=rec.origin,
            level=rec.level,
            status=rec.status,
            commended=rec.commended,
            version=rec.version,
            form=json.loads(row["form"]),
            history=[StepOut(action=s.action, level=s.level, body=s.body, text=s.text, on=s.on) for s in rec.history],
            created_at=row["created_at"],
        )
