"""The texts of messages (the :class:`~..service.ports.Texts` port) rendered by the templates slice."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..service.ports import Texts
from ..templates.engine import Templates


class TemplateTexts(Texts):
    """Each kind's Jinja2 template on each channel, the campaign's override first."""

    def __init__(self, templates: Templates) -> None:
        self._templates = templates

    def compose(
        self, kind: str, channel: str, campaign: str | None, context: Mapping[str, Any]
    ) -> tuple[str | None, str]:
        rendered = self._templates.render(kind, channel, campaign, context)
        return rendered.subject, rendered.text
