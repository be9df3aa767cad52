"""The one catalog of Kepuri's event types: payload models, their versions, topics and upcasters.

Writers always emit the latest version of a type. Readers decode any version still in the catalog
and upcast it step by step to the latest, so a consumer only ever sees the current model.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from .envelope import Envelope, dataschema_uri, names_schema
from .payloads.base import EventPayload
from .topics import Topic

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]


class UnknownEventType(LookupError):
    """The catalog has no such event type or version."""


@dataclass(frozen=True)
class EventType:
    """Every version of one event type, the topic it travels on and the upcasters between versions."""

    name: str
    topic: Topic
    producer: str
    versions: dict[int, type[EventPayload]] = field(default_factory=dict)
    upcasters: dict[int, Upcaster] = field(default_factory=dict)

    @property
    def latest(self) -> type[EventPayload]:
        return self.versions[max(self.versions)]

    def upcast(self, data: dict[str, Any], version: int) -> dict[str, Any]:
        """Turn ``data`` of ``version`` into the latest version's shape, one step at a time."""
        if version not in self.versions:
            raise UnknownEventType(f"{self.name} has no version {version}")
        for step in range(version, self.latest.version):
            data = self.upcasters[step](data)
        return data


class Catalog:
    """A registry of event types. Kepuri has exactly one, :data:`CATALOG`, built in ``registry``."""

    def __init__(self) -> None:
        self._types: dict[str, EventType] = {}

    def register(
        self,
        topic: Topic,
        producer: str,
        *models: type[EventPayload],
        upcasters: dict[int, Upcaster] | None = None,
    ) -> None:
        """Add an event type with all its payload versions and the upcasters from version n to n+1."""
        name = models[0].event_type
        versions = {m.version: m for m in models}
        if any(m.event_type != name for m in models) or len(versions) != len(models):
            raise ValueError(f"inconsistent versions for {name}")
        missing = set(range(1, max(versions))) - set(upcasters or {})
        if missing:
            raise ValueError(f"{name} lacks upcasters from versions {sorted(missing)}")
        self._types[name] = EventType(name, topic, producer, versions, dict(upcasters or {}))

    def __iter__(self) -> Iterator[EventType]:
        return iter(self._types.values())

    def __getitem__(self, name: str) -> EventType:
        try:
            return self._types[name]
        except KeyError:
            raise UnknownEventType(f"unknown event type {name!r}") from None

    def topic_of(self, payload: EventPayload) -> Topic:
        return self[payload.event_type].topic

    def envelope(
        self,
        payload: EventPayload,
        *,
        subject: str,
        sequence: int,
        source: str,
        correlationid: str | None = None,
        causationid: str | None = None,
        campaign: str | None = None,
    ) -> Envelope:
        """Wrap a payload of the latest version in a new CloudEvents envelope."""
        if self[payload.event_type].latest is not type(payload):
            raise ValueError(f"write the latest version of {payload.event_type}")
        return Envelope(
            source=source,
            type=payload.event_type,
            subject=subject,
            dataschema=dataschema_uri(payload.event_type, payload.version),
            sequence=sequence,
            correlationid=correlationid,
            causationid=causationid,
            campaign=campaign,
            data=payload.model_dump(mode="json"),
        )

    def payload(self, envelope: Envelope) -> EventPayload:
        """Decode an envelope's data into the latest payload model, upcasting older versions."""
        event_type = self[envelope.type]
        if not names_schema(envelope.dataschema, envelope.type, envelope.version):
            raise UnknownEventType(f"dataschema {envelope.dataschema!r} is not a schema of {envelope.type!r}")
        data = event_type.upcast(dict(envelope.data), envelope.version)
        return event_type.latest.model_validate(data)
