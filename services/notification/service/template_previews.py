"""Previews of the message templates: the one in effect with sample values, and an admin's draft
(validated exactly as an override would be: syntax, allowed variables, the sandbox) without storing it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ..domain.errors import NotFound, RuleBroken
from ..templates import CHANNELS, KINDS, Rendered, TemplateError, Templates


def preview(templates: Templates, kind: str, channel: str, campaign_id: str | None) -> tuple[str, Rendered]:
    """(the source in effect, its rendering with sample values)."""
    _known(kind, channel)
    rendered = _refusing(lambda: templates.preview(kind, channel, campaign_id))
    return templates.source(kind, channel, campaign_id), rendered


def preview_draft(
    templates: Templates, kind: str, channel: str, source: str, context: Mapping[str, Any] | None
) -> Rendered:
    """A draft checked as an override is, rendered with the samples or with ``context``."""
    _known(kind, channel)

    def render() -> Rendered:
        if not context:
            return templates.check(kind, channel, source)
        draft = Templates({("draft", kind, channel): source})  # validated as an override is
        return draft.preview(kind, channel, "draft", dict(context))

    return _refusing(render)


def _known(kind: str, channel: str) -> None:
    if kind not in KINDS or channel not in CHANNELS:
        raise NotFound("template", f"Kinds: {', '.join(KINDS)}; channels: {', '.join(CHANNELS)}")


def _refusing(render: Callable[[], Rendered]) -> Rendered:
    try:
        return render()
    except TemplateError as exc:
        raise RuleBroken("template", "source", exc.problem, str(exc)) from exc
