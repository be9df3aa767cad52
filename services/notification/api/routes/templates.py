"""``/api/v1/templates``: the message templates (Jinja2, Chinese) per kind and channel, and previews.

Anyone signed in reads them and previews them with sample values; an admin previews a draft source
(validated exactly as an override would be: syntax, allowed variables, the sandbox) without storing it.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from ...service import template_previews
from ...templates import CHANNELS, KINDS, VARIABLES, Rendered
from ..deps import AdminDep, NotificationDep, ReaderDep

router = APIRouter(prefix="/templates", tags=["templates"])
Kind = Annotated[str, Path(description=f"one of {', '.join(KINDS)}")]
Channel = Annotated[str, Path(description=f"one of {', '.join(CHANNELS)}")]


class TemplateKind(BaseModel):
    kind: str
    channels: list[str]
    variables: list[str]


class PreviewOut(BaseModel):
    kind: str
    channel: str
    campaign_id: str | None
    source: str = Field(description="the template in effect (the campaign's override, else the default)")
    subject: str | None = Field(description="e-mail subject or inbox title; none for SMS")
    text: str
    segments: int | None = Field(description="SMS only: how many SMS the text costs")


class DraftIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    source: str = Field(min_length=1, max_length=4000)
    context: dict[str, Any] | None = Field(None, description="values replacing the samples")


@router.get("", response_model=list[TemplateKind], summary="Every kind of message, its channels and variables")
async def kinds(_reader: ReaderDep) -> list[TemplateKind]:
    return [TemplateKind(kind=k, channels=list(CHANNELS), variables=sorted(VARIABLES[k])) for k in KINDS]


@router.get("/{kind}/{channel}", response_model=PreviewOut, summary="A template and its preview with sample values")
async def preview(
    kind: Kind,
    channel: Channel,
    _reader: ReaderDep,
    notification: NotificationDep,
    campaign_id: Annotated[str | None, Query(max_length=64)] = None,
) -> PreviewOut:
    source, rendered = template_previews.preview(notification.templates, kind, channel, campaign_id)
    return _out(kind, channel, campaign_id, source, rendered)


@router.post("/{kind}/{channel}/preview", response_model=PreviewOut, summary="Validate and preview a draft (admin)")
async def preview_draft(
    kind: Kind, channel: Channel, body: DraftIn, _admin: AdminDep, notification: NotificationDep
) -> PreviewOut:
    rendered = template_previews.preview_draft(notification.templates, kind, channel, body.source, body.context)
    return _out(kind, channel, None, body.source, rendered)


def _out(kind: str, channel: str, campaign_id: str | None, source: str, rendered: Rendered) -> PreviewOut:
    return PreviewOut(
        kind=kind,
        channel=channel,
        campaign_id=campaign_id,
        source=source,
        subject=rendered.subject,
        text=rendered.text,
        segments=rendered.segments,
    )
