"""What can be said: the message kinds, the channels, each kind's variables and sample values.

The allow-list per kind is the contract between the code that builds a context and the people who
write per-campaign templates: an override may use only the variables of its kind, and the service
must supply all of them (optional ones as ``""`` or ``None``, which renders empty).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from types import MappingProxyType
from typing import Any, Final

# Channels: sms is text only (counted in segments); email has a subject; inbox has a title.
SMS: Final = "sms"
EMAIL: Final = "email"
INBOX: Final = "inbox"
CHANNELS: Final[tuple[str, ...]] = (SMS, EMAIL, INBOX)
#: channels whose template starts with a one-line subject (e-mail) or title (inbox)
TITLED: Final[frozenset[str]] = frozenset({EMAIL, INBOX})

_ORGANIZER = ("organizer_name", "campaign_title")
_ACTIVITY = (*_ORGANIZER, "activity_name")

_VARIABLES: dict[str, frozenset[str]] = {
    # to a science worker, in the organizer's name
    "thank_you": frozenset({"worker_name", "organizer_name", "activity_name", "campaign_title"}),
    # reminders to organizers
    "registration_closing": frozenset({*_ORGANIZER, "deadline", "days_left"}),
    "info_deadline": frozenset({*_ORGANIZER, "activity_names", "deadline", "days_left"}),
    # reminder to a reviewing body
    "recommendation_deadline": frozenset({"body_name", "campaign_title", "deadline", "days_left"}),
    # reminder to a reporting body or organizer that has not submitted its summary report (工作总结)
    "summary_deadline": frozenset({"reporter_name", "campaign_title", "deadline", "days_left"}),
    # reminder to a county body: its 附件1 key-activity plan is due at the city
    "key_activity_plan": frozenset({"body_name", "campaign_title", "deadline", "days_left"}),
    # review outcomes to organizers
    "review_approved": frozenset(_ACTIVITY),
    "review_rejected": frozenset({*_ACTIVITY, "reason"}),
    "recommended": frozenset({*_ACTIVITY, "body_name"}),
    "endorsed": frozenset({*_ACTIVITY, "body_name", "level", "opinion"}),
    "commended": frozenset(_ACTIVITY),
    # to the holder of an account who asked to reset a forgotten password
    "password_reset": frozenset({"code", "minutes"}),
}

#: kind -> the variables a template of that kind may use (and a context must supply)
VARIABLES: Final[Mapping[str, frozenset[str]]] = MappingProxyType(_VARIABLES)
KINDS: Final[tuple[str, ...]] = tuple(_VARIABLES)

_SAMPLE_VALUES: dict[str, Any] = {
    "worker_name": "李明",
    "organizer_name": "渭南市科学技术协会",
    "activity_name": "走进科技馆·青少年科学体验日",
    "activity_names": ["走进科技馆·青少年科学体验日", "食品安全进社区"],
    "campaign_title": "2022年全国科普日",
    "deadline": date(2022, 10, 14),
    "days_left": 3,
    "body_name": "陕西省科学技术协会",
    "reporter_name": "临渭区科协",
    "reason": "活动地点信息不完整，请补充详细地址后重新提交",
    "level": "省级",
    "opinion": "活动组织规范，社会反响良好，同意推荐",
    "code": "482913",
    "minutes": 10,
}


def sample_context(kind: str) -> dict[str, Any]:
    """Plausible values for every variable of ``kind`` (used by previews and by validation)."""
    return {name: _SAMPLE_VALUES[name] for name in sorted(VARIABLES[kind])}
