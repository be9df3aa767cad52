"""CloudEvents ``dataschema`` is an absolute URI under a configurable base; older events still decode."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from cloudevents.core.bindings.kafka import KafkaMessage, from_binary
from cloudevents.core.formats.json import JSONFormat
from pydantic import ValidationError

from services.registration.adapters.tables import metadata
from services.registration.settings import RegistrationSettings
from shared.bus.message import Record
from shared.events import CATALOG, Envelope, UnknownEventType, from_record, to_message, topics
from shared.events.envelope import DEFAULT_SCHEMA_BASE, use_schema_base
from shared.events.payloads.activities import ActivityWithdrawn
from shared.runtime.backbone import Backbone


@pytest.fixture(autouse=True)
def default_base() -> Iterator[None]:
    yield
    use_schema_base(DEFAULT_SCHEMA_BASE)


def withdrawn() -> Envelope:
    payload = ActivityWithdrawn(activity_id="a-1", reason="天气原因")
    return CATALOG.envelope(payload, subject="a-1", sequence=2, source="/kepuri/registration")


def test_a_new_event_names_its_schema_by_an_absolute_https_uri() -> None:
    envelope = withdrawn()

    parts = urlsplit(envelope.dataschema)
    assert parts.scheme == "https" and parts.netloc and parts.path.endswith("/activity-withdrawn.v1.json")
    message = to_message(envelope, topics.ACTIVITIES.name)
    assert message.header("ce_dataschema") == envelope.dataschema.encode()
    sdk = from_binary(KafkaMessage(headers=dict(message.headers), key=message.key, value=message.value), JSONFormat())
    assert sdk.get_dataschema() == envelope.dataschema


def test_the_base_is_a_setting_of_every_service(tmp_path: Path) -> None:
    settings = RegistrationSettings(data_dir=tmp_path, events_schema_base="https://open.kepuri.cn/schemas")

    Backbone(settings, metadata, "services.registration:migrations")

    assert withdrawn().dataschema == "https://open.kepuri.cn/schemas/activity-withdrawn.v1.json"


@pytest.mark.parametrize("base", ["/events/", "events", "ftp://x/events/", "https://?q=1"])
def test_a_base_that_is_not_an_absolute_http_uri_is_refused(base: str) -> None:
    with pytest.raises(ValidationError, match="absolute https URI"):
        RegistrationSettings(events_schema_base=base)


@pytest.mark.parametrize(
    "dataschema",
    [
        "/events/activity-withdrawn.v1.json",  # what every event carried before the base was absolute
        "https://schemas.elsewhere.cn/kepuri/activity-withdrawn.v1.json",  # written under another base
    ],
)
def test_events_written_with_another_dataschema_still_decode(dataschema: str) -> None:
    stored = Envelope.model_validate({**withdrawn().model_dump(), "dataschema": dataschema})
    record = to_message(stored, topics.ACTIVITIES.name)

    decoded = from_record(Record(record.topic, 0, 0, record.key, record.value, record.headers, 0))
    assert decoded.dataschema == dataschema
    assert CATALOG.payload(decoded) == ActivityWithdrawn(activity_id="a-1", reason="天气原因")


def test_a_dataschema_naming_another_type_is_still_refused() -> None:
    stored = Envelope.model_validate(
        {**withdrawn().model_dump(), "dataschema": "https://schemas.kepuri.example/events/activity-updated.v1.json"}
    )
    with pytest.raises(UnknownEventType, match="is not a schema of"):
        CATALOG.payload(stored)
