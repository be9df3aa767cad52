"""``Templates``: the packaged defaults plus per-campaign overrides, rendered in a sandbox.

A template is looked up by (campaign, kind, channel): the campaign's override if it has one, else
the packaged default ``defaults/<kind>.<channel>.j2``. Overrides are validated when they are set
(see :mod:`.compiler`), so a campaign can never be left with a template that fails on every send.
They are held in memory; the service persists them and hands them back through the constructor.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from .catalog import CHANNELS, KINDS, SMS, sample_context
from .compiler import (
    Compiled,
    TemplateError,
    check_kind_channel,
    compile_source,
    make_environment,
    render_compiled,
)
from .sms import sms_segments

#: (campaign id, kind, channel)
OverrideKey = tuple[str, str, str]


@dataclass(frozen=True)
class Rendered:
    """A rendered message: ``subject`` for e-mail, the title for inbox, ``None`` for SMS."""

    subject: str | None
    text: str
    #: SMS only: how many SMS the text costs (70 characters in one, 67 per part beyond)
    segments: int | None = None


@cache
def default_source(kind: str, channel: str) -> str:
    """The packaged template text for ``kind`` on ``channel``."""
    check_kind_channel(kind, channel)
    return resources.files(__package__).joinpath("defaults", f"{kind}.{channel}.j2").read_text(encoding="utf-8")


class Templates:
    """Message templates per kind and channel, with per-campaign overrides."""

    def __init__(self, overrides: Mapping[OverrideKey, str] | None = None) -> None:
        self._env = make_environment()
        self._defaults: dict[tuple[str, str], Compiled] = {
            (kind, channel): compile_source(self._env, kind, channel, default_source(kind, channel))
            for kind in KINDS
            for channel in CHANNELS
        }
        self._overrides: dict[OverrideKey, Compiled] = {}
        for (campaign_id, kind, channel), source in (overrides or {}).items():
            self.override(campaign_id, kind, channel, source)

    # -- rendering -------------------------------------------------------------------------------

    def render(self, kind: str, channel: str, campaign_id: str | None, context: Mapping[str, Any]) -> Rendered:
        """Render with the campaign's template; a missing variable raises ``TemplateRenderError``."""
        compiled = self._lookup(kind, channel, campaign_id)
        subject, text = render_compiled(compiled, dict(context))
        return Rendered(subject, text, sms_segments(text) if channel == SMS else None)

    def preview(
        self, kind: str, channel: str, campaign_id: str | None = None, context: Mapping[str, Any] | None = None
    ) -> Rendered:
        """Render with sample values; values given in ``context`` replace the samples."""
        check_kind_channel(kind, channel)
        return self.render(kind, channel, campaign_id, {**sample_context(kind), **(context or {})})

    # -- overrides -------------------------------------------------------------------------------

    def check(self, kind: str, channel: str, source: str) -> Rendered:
        """Validate ``source`` without storing it; returns its preview with sample values."""
        compiled = compile_source(self._env, kind, channel, source)
        subject, text = render_compiled(compiled, sample_context(kind))
        return Rendered(subject, text, sms_segments(text) if channel == SMS else None)

    def override(self, campaign_id: str, kind: str, channel: str, source: str) -> Rendered:
        """Set the campaign's template for ``kind`` on ``channel``; refused with ``TemplateError``.

        Returns the preview of the new template with sample values.
        """
        if not campaign_id:
            raise TemplateError(kind, channel, "覆盖模板必须指定活动年度（campaign_id）")
        compiled = compile_source(self._env, kind, channel, source)
        self._overrides[(campaign_id, kind, channel)] = compiled
        return self.preview(kind, channel, campaign_id)

    def remove_override(self, campaign_id: str, kind: str, channel: str) -> bool:
        """Go back to the packaged default; ``False`` when there was no override."""
        return self._overrides.pop((campaign_id, kind, channel), None) is not None

    def overrides(self, campaign_id: str | None = None) -> dict[OverrideKey, str]:
        """The override sources (all, or one campaign's), in the constructor's format."""
        return {
            key: compiled.source
            for key, compiled in self._overrides.items()
            if campaign_id is None or key[0] == campaign_id
        }

    def source(self, kind: str, channel: str, campaign_id: str | None = None) -> str:
        """The template text in effect for the campaign (its override or the default)."""
        return self._lookup(kind, channel, campaign_id).source

    def is_overridden(self, kind: str, channel: str, campaign_id: str) -> bool:
        return (campaign_id, kind, channel) in self._overrides

    def _lookup(self, kind: str, channel: str, campaign_id: str | None) -> Compiled:
        if campaign_id is not None:
            found = self._overrides.get((campaign_id, kind, channel))
            if found is not None:
                return found
        try:
            return self._defaults[(kind, channel)]
        except KeyError:
            check_kind_channel(kind, channel)
            raise
