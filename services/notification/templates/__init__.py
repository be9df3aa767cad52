"""Message templates: Jinja2, Chinese text, per kind and channel, with per-campaign overrides.

    templates = Templates(overrides={(campaign_id, "thank_you", "sms"): source})
    templates.render("thank_you", "sms", campaign_id, {"worker_name": "李明", ...})
    # Rendered(subject=None, text="尊敬的李明老师：…", segments=1)

Kinds and their variables are in :data:`VARIABLES`; channels are ``sms``, ``email`` (first line is
the subject) and ``inbox`` (first line is the title). Packaged defaults live in ``defaults/``.
"""

from .catalog import CHANNELS, EMAIL, INBOX, KINDS, SMS, VARIABLES, sample_context
from .compiler import TemplateError, TemplateRenderError, cn_date, cn_join
from .engine import OverrideKey, Rendered, Templates, default_source
from .sms import sms_segments, sms_units

__all__ = [
    "CHANNELS",
    "EMAIL",
    "INBOX",
    "KINDS",
    "SMS",
    "VARIABLES",
    "OverrideKey",
    "Rendered",
    "TemplateError",
    "TemplateRenderError",
    "Templates",
    "cn_date",
    "cn_join",
    "default_source",
    "sample_context",
    "sms_segments",
    "sms_units",
]
