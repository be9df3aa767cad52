"""The event contract (DESIGN §4): published docs, schema compatibility, upcasting, the wire codec, data placement."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from cloudevents.core.bindings.kafka import KafkaMessage, from_binary, to_binary
from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent
from jsonschema import Draft202012Validator
from pydantic import BaseModel

from shared.bus.message import Message, Record
from shared.events import CATALOG, Envelope, MalformedEvent, UnknownEventType, from_record, schemas, to_message, topics
from shared.events.envelope import dataschema_uri
from shared.events.payloads.activities import ActivityRegistered, ActivityRegisteredV1
from shared.events.schemas import asyncapi_document, check_docs, compatibility_problems, event_schema, schema_file

DOCS = Path(__file__).resolve().parents[2] / "docs" / "events"
COMMITTED = sorted(DOCS.glob("*.json"))
Schema = dict[str, Any]


# (a) the committed docs are what the catalog generates now


def test_committed_docs_are_what_the_catalog_generates() -> None:
    stale = check_docs(DOCS)
    assert not stale, f"docs/events is out of date ({', '.join(stale)}): run `kepuri events` and commit the result"


def test_every_schema_is_valid_draft_2020_12_and_named_by_its_dataschema() -> None:
    for event in CATALOG:
        for version in event.versions:
            schema = event_schema(event, version)
            Draft202012Validator.check_schema(schema)
            assert schema["$id"] == dataschema_uri(event.name, version)
            assert schema["x-kepuri-producer"] == event.producer
            assert schema["x-kepuri-topic"] == event.topic.name
            assert "title" in schema


def test_asyncapi_document_describes_topics_messages_and_senders() -> None:
    doc = asyncapi_document()
    assert doc["asyncapi"] == "3.0.0" and doc["info"]["title"] == "Kepuri events"
    assert {s["protocol"] for s in doc["servers"].values()} == {"kafka"}
    assert {c["address"] for c in doc["channels"].values()} == {t.name for t in topics.ALL_TOPICS}
    for topic in topics.ALL_TOPICS:
        assert doc["channels"][topic.name]["description"].startswith("RESTRICTED") == topic.restricted
    for event in CATALOG:
        message = _resolve(doc, doc["channels"][event.topic.name]["messages"][event.name]["$ref"])
        assert message["contentType"] == "application/json"
        assert message["payload"]["schema"]["$ref"] == f"./{schema_file(event.name, max(event.versions))}"
    senders = set()
    for operation in doc["operations"].values():
        assert operation["action"] == "send" and _resolve(doc, operation["channel"]["$ref"])["address"]
        (ref,) = operation["messages"]
        assert ref["$ref"].startswith(operation["channel"]["$ref"] + "/messages/") and _resolve(doc, ref["$ref"])
        senders.add((operation["tags"][0]["name"], ref["$ref"].rsplit("/", 1)[1]))
    assert senders == {(e.producer, e.name) for e in CATALOG}


def test_asyncapi_headers_are_the_ones_the_codec_writes() -> None:
    message = to_message(_envelope(correlationid="c", causationid="d", campaign="e"), "t")
    assert {name for name, _ in message.headers} == set(schemas.HEADERS)
    required = asyncapi_document()["components"]["schemas"]["cloudevents-headers"]["required"]
    assert {name for name, _ in to_message(_envelope(), "t").headers} == set(required)


def _resolve(doc: Schema, ref: str) -> Any:
    node: Any = doc
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return node


# (b) no published schema is broken


def test_published_schemas_are_committed() -> None:
    assert {p.name for p in COMMITTED} >= {schema_file(e.name, v) for e in CATALOG for v in e.versions}


@pytest.mark.parametrize("path", COMMITTED, ids=lambda p: p.name)
def test_published_schema_is_still_in_the_catalog_and_compatible(path: Path) -> None:
    match = schemas.SCHEMA_FILE.match(path.name)
    assert match, f"{path.name} is not named <type>.v<N>.json"
    event, version = CATALOG[match["type"]], int(match["version"])
    assert version in event.versions, f"{path.name} was published: keep its version in the catalog with an upcaster"
    problems = compatibility_problems(json.loads(path.read_text("utf-8")), event_schema(event, version))
    assert not problems, (
        f"{path.name} is published and the catalog now breaks it; add version {max(event.versions) + 1} "
        "with an upcaster instead:\n  " + "\n  ".join(problems)
    )


# (c) compatibility_problems, broken on purpose


BASES: dict[str, Callable[[], Schema]] = {
    "activity": lambda: event_schema(CATALOG["activity-registered"], 2),
    "workers": lambda: event_schema(CATALOG["science-workers-listed"], 1),
}
CONTACT = "$defs/ScienceWorkerContact"


def _edited(base: str, *edits: tuple[str, str, Any]) -> tuple[Schema, Schema]:
    """A base schema and a copy changed by edits (path, method, argument); method "set" takes (key, value)."""
    old = BASES[base]()
    new = copy.deepcopy(old)
    for path, method, argument in edits:
        node: Any = new
        for part in filter(None, path.split("/")):
            node = node[int(part)] if isinstance(node, list) else node[part]
        if method == "set":
            node[argument[0]] = argument[1]
        else:
            getattr(node, method)(argument)
    return old, new


BREAKING: dict[str, tuple[str, list[tuple[str, str, Any]], str]] = {
    "remove-field": (
        "activity",
        [("properties", "pop", "region_code"), ("required", "remove", "region_code")],
        "region_code: property removed",
    ),
    "optional-made-required": ("activity", [("required", "append", "category")], "category: became required"),
    "required-made-optional": ("activity", [("required", "remove", "name")], "name: no longer required"),
    "add-required-field": (
        "activity",
        [("properties", "set", ("venue", {"type": "string"})), ("required", "append", "venue")],
        "venue: new property is required",
    ),
    "change-type": (
        "activity",
        [("properties/science_worker_count", "set", ("type", "string"))],
        "science_worker_count: type changed",
    ),
    "change-optional-type": (
        "activity",
        [("properties/expected_participants/anyOf/0", "set", ("type", "number"))],
        "expected_participants<anyOf[0]>: type changed",
    ),
    "optional-made-non-null": (
        "activity",
        [("properties", "set", ("category", {"type": "string"}))],
        "category: anyOf changed",
    ),
    "change-format": ("activity", [("properties/starts_at", "set", ("format", "date"))], "starts_at: format changed"),
    "change-default": ("activity", [("properties/key_activity", "set", ("default", True))], "key_activity: default"),
    "remove-enum-value": (
        "activity",
        [("properties/format/enum", "remove", "both")],
        "format: enum value 'both' removed",
    ),
    "add-enum-value": (
        "activity",
        [("properties/format/enum", "append", "hybrid")],
        "format: enum value 'hybrid' added",
    ),
    "change-nested-type": (
        "workers",
        [(f"{CONTACT}/properties/phone", "set", ("type", "integer"))],
        "workers[].phone: type changed",
    ),
    "remove-nested-field": (
        "workers",
        [(f"{CONTACT}/properties", "pop", "organisation")],
        "workers[].organisation: property removed",
    ),
    "require-nested-field": (
        "workers",
        [(f"{CONTACT}/required", "append", "organisation")],
        "workers[].organisation: became required",
    ),
    "change-items": ("workers", [("properties/workers", "set", ("items", {"type": "string"}))], "workers[]: type"),
}


@pytest.mark.parametrize(("base", "edits", "expected"), BREAKING.values(), ids=BREAKING.keys())
def test_a_breaking_change_is_reported(base: str, edits: list[tuple[str, str, Any]], expected: str) -> None:
    problems = compatibility_problems(*_edited(base, *edits))
    assert any(p.startswith(expected) for p in problems), problems


def test_adding_an_optional_field_is_compatible() -> None:
    optional = {"anyOf": [{"type": "string"}, {"type": "null"}], "default": None}
    assert compatibility_problems(*_edited("activity", ("properties", "set", ("hashtag", optional)))) == []
    assert compatibility_problems(*_edited("workers", (f"{CONTACT}/properties", "set", ("title", optional)))) == []


def test_documentation_and_reference_layout_do_not_matter() -> None:
    old, new = _edited(
        "workers", ("", "set", ("description", "Reworded.")), ("properties/workers", "set", ("title", "W"))
    )
    new["properties"]["workers"]["items"] = new["$defs"].pop("ScienceWorkerContact")  # inlined instead of $ref
    assert compatibility_problems(old, new) == []


class _Contact(BaseModel):
    phone: str


class _NumericContact(BaseModel):
    phone: int


class _Old(BaseModel):
    contacts: list[_Contact]
    note: str | None = None


class _New(BaseModel):
    contacts: list[_NumericContact]
    note: str | None = None
    added: str | None = None


class _Tree(BaseModel):
    label: str
    children: list[_Tree] = []


def test_compares_pydantic_models_through_defs_and_recursion() -> None:
    assert compatibility_problems(_Old.model_json_schema(), _New.model_json_schema()) == [
        "contacts[].phone: type changed from 'string' to 'integer'"
    ]
    assert compatibility_problems(_Tree.model_json_schema(), _Tree.model_json_schema()) == []


# (d) upcasting: stored v1 events are read as v2


V1 = ActivityRegisteredV1(
    activity_id="a-1",
    name="走进国家植物园",
    organizer_name="北京科协",
    region_code="110108",
    starts_at=datetime(2021, 9, 11, 9, tzinfo=UTC),
    ends_at=datetime(2021, 9, 11, 12, tzinfo=UTC),
)


def test_a_stored_v1_envelope_is_upcast_to_the_latest_model() -> None:
    envelope = _envelope(dataschema=dataschema_uri("activity-registered", 1), data=V1.model_dump(mode="json"))
    payload = CATALOG.payload(envelope)
    assert isinstance(payload, ActivityRegistered)
    assert payload.format == "offline" and payload.name == "走进国家植物园" and payload.themes == []


def test_stored_v1_bytes_are_upcast_through_the_codec() -> None:
    record = Record(
        topic=topics.ACTIVITIES.name,
        partition=0,
        offset=7,
        key=b"a-1",
        value='{"activity_id": "a-1", "campaign_id": null, "name": "走进国家植物园", "organizer_name": "北京科协", '
        '"region_code": "110108", "starts_at": "2021-09-11T09:00:00Z", "ends_at": "2021-09-11T12:00:00Z"}'.encode(),
        headers=(
            ("ce_id", b"5b0ac0a1-7d69-4c55-9d8e-1f2b7e6a0c11"),
            ("ce_source", b"/kepuri/registration"),
            ("ce_type", b"activity-registered"),
            ("ce_specversion", b"1.0"),
            ("ce_time", b"2021-09-01T08:00:00Z"),
            ("ce_subject", b"a-1"),
            ("ce_dataschema", b"/events/activity-registered.v1.json"),
            ("ce_sequence", b"1"),
            ("content-type", b"application/json"),
        ),
        timestamp_ms=0,
    )
    payload = CATALOG.payload(from_record(record))
    assert isinstance(payload, ActivityRegistered) and payload.format == "offline"
    # and an envelope written by the codec itself round-trips the same way
    envelope = Envelope.model_validate({**from_record(record).model_dump(), "id": "other"})
    assert CATALOG.payload(from_record(to_message(envelope, topics.ACTIVITIES.name))) == payload


def test_writing_an_older_version_is_refused() -> None:
    with pytest.raises(ValueError, match="latest version"):
        CATALOG.envelope(V1, subject="a-1", sequence=1, source="/kepuri/registration")


# (e) the codec is byte-for-byte the CNCF SDK's binary mode


def _envelope(**overrides: Any) -> Envelope:
    fields: dict[str, Any] = {
        "source": "/kepuri/registration",
        "type": "activity-registered",
        "subject": "a-1",
        "dataschema": dataschema_uri("activity-registered", 2),
        "sequence": 3,
        "data": {"activity_id": "a-1"},
        **overrides,
    }
    return Envelope(**fields)


ENVELOPES = {
    "utc-microseconds": _envelope(time=datetime(2024, 9, 15, 8, 30, 1, 123456, tzinfo=UTC)),
    "beijing-time": _envelope(time=datetime(2024, 9, 15, 16, 30, tzinfo=timezone(timedelta(hours=8)))),
    "chinese-everywhere": _envelope(
        subject="活动-北京-1",
        correlationid="请求-1",
        causationid="命令-1",
        campaign="2024全国科普日",
        data={
            "name": "科普进社区 🚀",
            "nested": {"list": [1, 2.5, None, True, "“引号”"], "empty": {}},
            "escapes": 'tab\t quote" backslash\\ line\u2028',
        },
    ),
}


def _sdk_attributes(envelope: Envelope) -> dict[str, Any]:
    return {k: v for k, v in envelope.model_dump().items() if k != "data" and v is not None}


@pytest.mark.parametrize("envelope", ENVELOPES.values(), ids=ENVELOPES.keys())
def test_codec_writes_what_the_sdk_writes(envelope: Envelope) -> None:
    ours = to_message(envelope, topics.ACTIVITIES.name)
    sdk = to_binary(CloudEvent(_sdk_attributes(envelope), envelope.data), JSONFormat(), lambda e: e.get_subject())
    assert len(dict(ours.headers)) == len(ours.headers)
    assert dict(ours.headers) == sdk.headers
    assert ours.value == sdk.value
    assert isinstance(sdk.key, str) and ours.key == sdk.key.encode()


@pytest.mark.parametrize("envelope", ENVELOPES.values(), ids=ENVELOPES.keys())
def test_the_sdk_reads_what_the_codec_writes(envelope: Envelope) -> None:
    ours = to_message(envelope, topics.ACTIVITIES.name)
    event = from_binary(KafkaMessage(headers=dict(ours.headers), key=ours.key, value=ours.value), JSONFormat())
    expected = {k: v if isinstance(v, datetime) else str(v) for k, v in _sdk_attributes(envelope).items()}
    assert event.get_attributes() == {**expected, "partitionkey": envelope.subject}
    assert event.get_data() == envelope.data


@pytest.mark.parametrize("envelope", ENVELOPES.values(), ids=ENVELOPES.keys())
def test_the_codec_reads_what_the_sdk_writes(envelope: Envelope) -> None:
    sdk = to_binary(CloudEvent(_sdk_attributes(envelope), envelope.data), JSONFormat())
    assert from_record(Message("t", None, sdk.value, tuple(sdk.headers.items()))) == envelope


# (f) malformed records and unknown types


def _tampered(header: str | None = None, raw: bytes | None = None, value: bytes | None = None) -> Message:
    good = to_message(_envelope(), "t")
    headers = tuple((n, raw if n == header and raw is not None else v) for n, v in good.headers)
    return Message(good.topic, good.key, good.value if value is None else value, headers)


MALFORMED = {
    "no-ce-headers": (Message("t", b"a-1", b"{}", ()), "missing CloudEvents attributes: id, source, type"),
    "not-json": (_tampered(value=b"<xml/>"), "data is not JSON"),
    "json-array": (_tampered(value=b"[1, 2]"), "data is not a JSON object"),
    "bad-specversion": (_tampered("ce_specversion", b"0.3"), "unsupported specversion '0.3'"),
    "bad-sequence": (_tampered("ce_sequence", b"seven"), "invalid envelope.*sequence"),
    "header-not-utf8": (_tampered("ce_subject", b"\xff\xfe"), "header ce_subject is not UTF-8"),
    "sequence-zero": (_tampered("ce_sequence", b"0"), "invalid envelope.*sequence"),
    "no-sequence": (
        Message("t", b"a-1", b"{}", tuple(h for h in _tampered().headers if h[0] != "ce_sequence")),
        "missing CloudEvents attributes: sequence",
    ),
}


@pytest.mark.parametrize(("message", "reason"), MALFORMED.values(), ids=MALFORMED.keys())
def test_a_malformed_record_is_refused_with_its_reason(message: Message, reason: str) -> None:
    with pytest.raises(MalformedEvent, match=reason):
        from_record(message)


def test_an_unknown_type_or_version_is_refused() -> None:
    with pytest.raises(UnknownEventType, match="no-such-event"):
        CATALOG.payload(_envelope(type="no-such-event", dataschema=dataschema_uri("no-such-event", 1)))
    with pytest.raises(UnknownEventType, match="no version 9"):
        CATALOG.payload(_envelope(dataschema=dataschema_uri("activity-registered", 9)))
    with pytest.raises(UnknownEventType, match="is not a schema of 'activity-registered'"):
        CATALOG.payload(_envelope(dataschema=dataschema_uri("activity-withdrawn", 1)))


# (g) topics, and personal data only on restricted topics

PERSONAL = re.compile(r"phone|mobile|e_?mail|id_?card|contact_name|recipient", re.IGNORECASE)


def _property_names(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        yield from node.get("properties", {})
        for value in node.values():
            yield from _property_names(value)
    elif isinstance(node, list):
        for value in node:
            yield from _property_names(value)


def _personal_fields(schema: Schema) -> set[str]:
    return {n for n in _property_names(schema) if PERSONAL.search(n) and not n.endswith("_masked")}


def test_every_topic_but_dead_letters_carries_events() -> None:
    carried = {event.topic for event in CATALOG}
    assert carried <= set(topics.ALL_TOPICS)
    assert set(topics.ALL_TOPICS) - carried == {topics.DEAD_LETTERS}


def test_science_worker_contacts_go_only_on_the_restricted_topic() -> None:
    event = CATALOG["science-workers-listed"]
    assert event.topic is topics.CONTACTS and event.topic.restricted
    assert _personal_fields(event_schema(event, 1)) == {"phone"}  # the check below sees what it must


@pytest.mark.parametrize("event", [e for e in CATALOG if not e.topic.restricted], ids=lambda e: e.name)
def test_general_topics_carry_only_masked_personal_data(event: Any) -> None:
    for version in event.versions:
        found = _personal_fields(event_schema(event, version))
        assert not found, f"{event.name} v{version} on {event.topic.name} carries personal data in clear: {found}"
