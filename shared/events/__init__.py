"""The event contract: the CloudEvents envelope, the catalog of event types and the wire codec."""

from .catalog import Catalog, EventType, UnknownEventType
from .codec import MalformedEvent, from_record, to_message
from .envelope import Envelope
from .payloads.base import EventPayload
from .registry import CATALOG

__all__ = [
    "CATALOG",
    "Catalog",
    "Envelope",
    "EventPayload",
    "EventType",
    "MalformedEvent",
    "UnknownEventType",
    "from_record",
    "to_message",
]
